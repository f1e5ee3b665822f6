// Package flows holds Innsjekk's conversations. Each flow (absence.go,
// checkin.go, meeting.go, …) is its own type in its own file, registered
// once (registry.go) with its commands, buttons, timers and the records it
// reads. A step takes the stored state of one chat, the records the flow
// asked for, the event and the time, and returns the new state and the
// actions to carry out. It performs no I/O, never reads the clock and never
// changes its input, so every conversation can be replayed in a test
// exactly as it ran.
package flows

import (
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// Phase says where a conversation is. It is a string because it is stored
// and shown in transcripts.
type Phase string

// Chat is the stored state of one Telegram chat: whose it is and the
// conversations open in it. Several can be open at once (a mentor with
// three feedback prompts); typed text goes to the newest that asked for
// it.
type Chat struct {
	V      int            `json:"v"`
	Person string         `json:"person,omitempty"`
	Open   []Conversation `json:"open,omitempty"`
}

// Conversation is one open multi-step exchange in a chat.
type Conversation struct {
	Flow string `json:"flow"`
	// Ref names the instance, so that two of one flow can be open at once
	// ("amina:2026-W49"). Empty for a flow that has one at a time.
	Ref   string `json:"ref,omitempty"`
	Phase Phase  `json:"phase"`
	// Draft is the flow's own typed draft, as JSON (see draftOf).
	Draft []byte `json:"draft,omitempty"`
	// Input: the conversation waits for typed text, a voice message or a
	// photo.
	Input   bool      `json:"input,omitempty"`
	Expires time.Time `json:"expires"`
	// Msg is the message that shows the conversation, edited as it moves.
	Msg int `json:"msg,omitempty"`
}

// Binding ties a roster person to their Telegram chat. The people table of
// bindings is the authority: a chat whose Person no longer has its binding
// pointing back is treated as unknown.
type Binding struct {
	Chat int64  `json:"chat"`
	Lang string `json:"lang,omitempty"` // explicit choice; empty = roster language
	// Unreachable: Telegram refused a message because the person blocked
	// the bot (403). It clears when they write again.
	Unreachable bool `json:"unreachable,omitempty"`
}

// Invite is a single-use onboarding code (docs/behaviour.md).
type Invite struct {
	Code    string    `json:"code"`
	Person  string    `json:"person"`
	Expires time.Time `json:"expires"`
	UsedBy  int64     `json:"used_by,omitempty"`
}

// EventKind says what happened.
type EventKind string

const (
	EvText    EventKind = "text"    // typed text or a reply-keyboard tap
	EvCommand EventKind = "command" // /command args
	EvButton  EventKind = "button"  // an inline button's data
	EvMedia   EventKind = "media"   // a voice message, photo or document
	EvTimer   EventKind = "timer"   // a scheduled job fell due
	// EvBlocked: Telegram refused a message to the person named in Text
	// because they blocked the bot (403).
	EvBlocked EventKind = "blocked"
)

// Event is one thing a user did, or a timer.
type Event struct {
	Kind      EventKind `json:"kind"`
	Text      string    `json:"text,omitempty"`    // text, a caption, or the command's arguments
	Command   string    `json:"command,omitempty"` // lowercase, without "/" and "@bot"
	Data      string    `json:"data,omitempty"`    // inline button data: client input, never trusted
	MessageID int       `json:"message_id,omitempty"`
	LangHint  string    `json:"lang_hint,omitempty"` // Telegram's language_code: a hint only
	Media     *Media    `json:"media,omitempty"`
	// Timer is the typed payload of a job that fell due.
	Timer Timer `json:"-"`
}

// Media is a voice message, photo or document a user sent. It is relayed
// by Telegram's file id and never downloaded.
type Media struct {
	Kind   MediaKind `json:"kind"`
	FileID string    `json:"file_id"`
}

// MediaKind is what kind of file a Media is.
type MediaKind string

const (
	MediaVoice    MediaKind = "voice"
	MediaPhoto    MediaKind = "photo"
	MediaDocument MediaKind = "document"
)

// Input is everything a step may look at. The step treats it as read-only.
type Input struct {
	Now    time.Time
	Roster *roster.Roster
	Cal    *schedule.Calendar
	ChatID int64
	Chat   Chat
	// People holds the bindings of the people the flow said it needs
	// (Needs.People); a person absent here is not on Telegram.
	People map[string]Binding
	Invite *Invite // the invite named by "/start CODE", nil if there is none
	// Records are the stored records the flow said it needs, by key; a
	// missing one is empty.
	Records map[Key]Record
	Event   Event
	// Limits are what the engine counted for a chat bound to nobody; zero
	// for everyone else.
	Limits Limits
}

// Limits keep one stranger from taking the bot's time: a chat bound to
// nobody gets few answers, whatever it sends.
type Limits struct {
	Answers int // answers to typed text and commands in the last minute
	Presses int // answered button presses in the last minute
	Invites int // wrong invite codes in the last hour
}

// What a stranger is allowed: one answer a minute to what they type, a
// few more to the buttons of that answer, and ten wrong invite codes an
// hour (a real code is 96 random bits: ten guesses find nothing).
const (
	StrangerAnswers = 1
	StrangerPresses = 10
	InviteTries     = 10
)

// Count asks the engine to count one more Name for this chat (bound to
// nobody), forgotten after Window.
type Count struct {
	Name   string
	Window time.Duration
}

// Action is something the engine carries out after it has committed the
// step's new state.
type Action interface{ action() }

// Button is an inline keyboard button.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// Say sends (or edits) one message. MsgID is the catalogue id of the text,
// for logs and transcripts; Text is already rendered in Lang.
type Say struct {
	To       int64      `json:"to,omitempty"`
	ToPerson string     `json:"to_person,omitempty"` // resolved through the bindings when To is 0
	Lang     string     `json:"lang"`
	MsgID    string     `json:"msg_id"`
	Text     string     `json:"text"`
	Inline   [][]Button `json:"inline,omitempty"`
	Menu     [][]string `json:"menu,omitempty"`     // reply keyboard
	NoMenu   bool       `json:"no_menu,omitempty"`  // remove the reply keyboard
	Media    *Media     `json:"media,omitempty"`    // sent by file id, Text as its caption
	Document *Document  `json:"document,omitempty"` // a file made here, Text as its caption
	Edit     int        `json:"edit,omitempty"`     // edit this message instead of sending
	// ButtonsOnly edits only the inline keyboard of message Edit (none,
	// when Inline is nil) and leaves its text as it is.
	ButtonsOnly bool      `json:"buttons_only,omitempty"`
	Class       Class     `json:"class,omitempty"`     // which send queue
	NotBefore   time.Time `json:"not_before,omitzero"` // held until then (quiet hours)
	Reason      Reason    `json:"reason,omitempty"`
}

// Class orders the outbox: a user's answer goes ahead of notices to other
// people, which go ahead of bulk scheduled work.
type Class string

const (
	ClassAnswer Class = "answer" // to the person who acted
	ClassNotice Class = "notice" // to others, about something that just happened
	ClassBulk   Class = "bulk"   // reminders, cards, digests
)

// Answer answers the callback query of the tapped button (a short toast).
type Answer struct {
	Text string
}

// SetBinding stores a person's binding. Chat 0 removes it.
type SetBinding struct {
	Person  string
	Binding Binding
}

// UseInvite marks an invite as used by a chat.
type UseInvite struct {
	Invite Invite
}

// SetCommands sets the command menu of one chat: the commands of the
// person's roles, described in their language (docs/configuration.md).
type SetCommands struct {
	Chat     int64    `json:"chat"`
	Lang     string   `json:"lang"`
	Commands []string `json:"commands"`
}

// Forget erases a person: their own record, Telegram binding, chat state
// and scheduled jobs. Entries about them in other people's records are
// deleted by the step itself, with Put.
type Forget struct {
	Person string
	By     string // who confirmed, for the audit log
}

// Schedule adds a durable job; a job with the same id is not added twice.
type Schedule struct {
	ID    string
	Due   time.Time
	Timer Timer
	// Until is how long the job is still worth running when it is
	// planned late (the bot was down, or the sandbox's clock jumped): a
	// morning card until the shift starts, a nudge until it ends. Zero:
	// only at Due.
	Until time.Time
}

// CancelJob removes a scheduled job that is no longer wanted.
type CancelJob struct{ ID string }

func (Say) action()         {}
func (Answer) action()      {}
func (SetBinding) action()  {}
func (UseInvite) action()   {}
func (SetCommands) action() {}
func (Forget) action()      {}
func (Count) action()       {}
func (Schedule) action()    {}
func (CancelJob) action()   {}

// Result is what a step decided.
type Result struct {
	Chat    Chat
	Actions []Action
	Reason  Reason
	// Flow is the flow that handled the event, for logs.
	Flow string
}
