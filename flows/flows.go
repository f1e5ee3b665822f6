// Package flows holds Innsjekk's conversations. A step takes the stored
// state of one chat, what the engine loaded, the event and the time, and
// returns the new state and the actions to carry out. It performs no I/O
// and never reads the clock, so every conversation can be replayed in a
// test exactly as it ran.
package flows

import (
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// SchemaVersion is stored with every Chat so that a later release can
// migrate state written by an earlier one.
const SchemaVersion = 1

// Phase says where a chat is in a multi-step conversation. It is a string
// because it is stored and shown in transcripts.
type Phase string

// PhaseIdle is a chat waiting for the person to start something.
const PhaseIdle Phase = ""

// Chat is the stored state of one Telegram chat.
type Chat struct {
	V      int    `json:"v"`
	Person string `json:"person,omitempty"`
	Phase  Phase  `json:"phase,omitempty"`
	// Absence is the sick notice being put together.
	Absence *AbsenceDraft `json:"absence,omitempty"`
}

// Binding ties a roster person to their Telegram chat. The people table of
// bindings is the authority: a chat whose Person no longer has its binding
// pointing back is treated as unknown.
type Binding struct {
	Chat int64  `json:"chat"`
	Lang string `json:"lang,omitempty"` // explicit choice; empty = roster language
}

// Invite is a single-use onboarding code (PRODUCT.md §3.1).
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
)

// Event is one thing a user did, or a timer.
type Event struct {
	Kind      EventKind `json:"kind"`
	Text      string    `json:"text,omitempty"`    // text, or the command's arguments
	Command   string    `json:"command,omitempty"` // lowercase, without "/" and "@bot"
	Data      string    `json:"data,omitempty"`    // inline button data: client input, never trusted
	MessageID int       `json:"message_id,omitempty"`
	LangHint  string    `json:"lang_hint,omitempty"` // Telegram's language_code: a hint only
	Timer     string    `json:"timer,omitempty"`
}

// Input is everything a step may look at.
type Input struct {
	Now    time.Time
	Roster *roster.Roster
	Cal    *schedule.Calendar
	ChatID int64
	Chat   Chat
	People map[string]Binding
	Invite *Invite // the invite named by "/start CODE", nil if there is none
	// Facts holds what the people in FactsFor reported, by person id.
	Facts map[string]*Facts
	Event Event
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
	To        int64      `json:"to,omitempty"`
	ToPerson  string     `json:"to_person,omitempty"` // resolved through the bindings when To is 0
	Lang      string     `json:"lang"`
	MsgID     string     `json:"msg_id"`
	Text      string     `json:"text"`
	Inline    [][]Button `json:"inline,omitempty"`
	Menu      [][]string `json:"menu,omitempty"` // reply keyboard
	Edit      int        `json:"edit,omitempty"` // edit this message instead of sending
	Urgent    bool       `json:"urgent,omitempty"`
	NotBefore time.Time  `json:"not_before,omitzero"`
	Reason    Reason     `json:"reason,omitempty"`
}

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
// person's roles, described in their language (PRODUCT.md §5).
type SetCommands struct {
	Chat     int64    `json:"chat"`
	Lang     string   `json:"lang"`
	Commands []string `json:"commands"`
}

func (SetCommands) action() {}

func (Say) action()        {}
func (Answer) action()     {}
func (SetBinding) action() {}
func (UseInvite) action()  {}

// Result is what a step decided.
type Result struct {
	Chat    Chat
	Actions []Action
	Reason  Reason
}
