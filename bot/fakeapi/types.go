package fakeapi

import (
	"encoding/json"
	"time"
)

// User is a simulated Telegram user. Their private chat with the bot has the
// same id as the user, as on Telegram.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

// Message is a bot message as the user currently sees it: edits are applied
// and deleted messages are gone.
type Message struct {
	ID     int
	ChatID int64
	// Text is the text as the bot sent it, markup included; ParseMode says
	// how to read it. Media messages keep their caption in Caption instead.
	Text      string
	ParseMode string
	Caption   string
	Inline    [][]Button
	// Reply is a reply keyboard sent with this message.
	Reply          [][]string
	RemoveKeyboard bool
	Document       *File
	Photo          *File
	Voice          *File
	Edited         bool
	Date           time.Time
}

// Button is one inline keyboard button. Data is its callback_data; URL is set
// for link buttons instead.
type Button struct {
	Text string
	Data string
	URL  string
}

// File is a file the bot uploaded or a simulated user sent.
type File struct {
	ID       string
	Name     string
	MIMEType string
	Data     []byte
}

// Call is one request the bot made, successful or not.
type Call struct {
	At     time.Time
	Method string
	Params map[string]string
	Files  map[string]File
	// Status is the HTTP status answered, or 0 while the request is still
	// running (a long poll, or a request held by a Fault's Delay).
	Status      int
	Description string
	// Injected says the answer came from a Fault rather than from the
	// method itself, so a fault suite can tell the failures it caused
	// from the fake's own flood control.
	Injected bool
}

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CallbackAnswer is one accepted answerCallbackQuery.
type CallbackAnswer struct {
	QueryID   string
	UserID    int64
	MessageID int
	Data      string
	Text      string
	ShowAlert bool
	URL       string
	At        time.Time
}

// EventKind says what an Event reports. The values are stable strings so a
// browser view can switch on them.
type EventKind string

// Event kinds.
const (
	EventMessage        EventKind = "message"
	EventEdit           EventKind = "edit"
	EventDelete         EventKind = "delete"
	EventCallbackAnswer EventKind = "callback_answer"
	// EventUpdate reports an update a simulated user (or a test) queued for
	// the bot, so a live view can show the user's side too.
	EventUpdate EventKind = "update"
)

// Event is one change seen through Subscribe.
type Event struct {
	Kind   EventKind
	At     time.Time
	ChatID int64
	// Message is the message after the change (for EventDelete, as it was).
	Message  Message
	Answer   CallbackAnswer
	UpdateID int64
	Update   json.RawMessage
}

// Fault makes the next matching requests fail (or stall) the way Telegram or
// the proxy in front of it does. A faulted request changes no state.
type Fault struct {
	// Method matches case-insensitively; empty matches every method.
	Method string
	// ChatID 0 matches any chat (and requests without one).
	ChatID int64
	// Times is how many requests the fault hits: 0 means 1, negative means
	// until ClearFaults.
	Times int
	// Status is the HTTP status and error_code: 429, 500, 502, 403, 400 ….
	// 0 with a Delay stalls the request and then serves it normally.
	Status     int
	RetryAfter int
	// Description replaces the default description of the status.
	Description string
	// HTML answers with a proxy-style HTML page instead of JSON. 502, 503
	// and 504 always do, because on Telegram those come from the proxy.
	HTML  bool
	Delay time.Duration
}
