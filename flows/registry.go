package flows

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"innsjekk/roster"
)

// flow is one conversation type. Each lives in its own file and is
// registered once; the registry feeds the command switch, the reply
// keyboard, Telegram's command menus, button and timer routing and the
// daily plan, so that adding a flow touches its file, its tests and the
// locales — nothing in the engine or the Telegram shell.
//
// Embed base for the handlers a flow does not have.
type flow interface {
	spec() spec
	// needs adds what a step of this flow reads for q.
	needs(n *Needs, q query)
	// command handles one of the flow's commands (or its menu button).
	command(s *step, name, args string)
	// button handles a press of one of the flow's buttons.
	button(s *step, p Payload)
	// input takes typed text, a voice message or a photo for an open
	// conversation of the flow that asked for it.
	input(s *step, c *Conversation, m Message)
	// timer runs one of the flow's jobs that fell due.
	timer(s *step, t Timer)
	// plan adds the flow's jobs for one day.
	plan(p *planning)
}

// spec is what a flow declares about itself.
type spec struct {
	name     string    // stored in conversations: "absence"
	code     string    // prefix of its button payloads and timer kinds: "abs"
	commands []Command // in menu order
	timers   []Timer   // a zero value of each timer payload it schedules
	// typed reports whether free text starts this flow ("syk").
	typed func(text string) bool
	// unasked marks the one flow that takes what nobody asked for.
	unasked bool
	// blocked marks the one flow told when Telegram refuses a message
	// because the person blocked the bot.
	blocked bool
}

// base is the do-nothing flow: embedded for the handlers a flow lacks.
type base struct{}

func (base) needs(*Needs, query)                       {}
func (base) command(s *step, _, _ string)              { s.notUnderstood() }
func (base) button(s *step, _ Payload)                 { s.stale() }
func (base) input(s *step, _ *Conversation, _ Message) { s.notUnderstood() }
func (base) timer(*step, Timer)                        {}
func (base) plan(*planning)                            {}

// Command is a Telegram command and, with a Label, its menu button.
type Command struct {
	Name  string        // "sick"
	Icon  string        // "🤒": the menu button starts with it in every language
	Label string        // message id of the reply-keyboard button; "" = not on the keyboard
	Rank  int           // order in menus, low first
	For   []roster.Role // who has it; nil = everyone on the roster
}

// Timer is the typed payload of a scheduled job. Its kind routes it to its
// flow; its subject is the person in whose chat it runs.
type Timer interface {
	TimerKind() string
	TimerSubject() string
}

// query is what a flow knows when it says what it needs: the roster, the
// person the chat claims to belong to, and the event.
type query struct {
	r      *roster.Roster
	person string
	ev     Event
	conv   *Conversation // the conversation typed input goes to, if any
}

var (
	registry   []flow
	byName     = map[string]flow{}
	byCode     = map[string]flow{}
	byCommand  = map[string]flow{}
	byIcon     = map[string]string{} // icon -> command
	timerTypes = map[string]reflect.Type{}
	timerFlow  = map[string]flow{}
	commands   []Command
	sink       flow
	blockedBy  flow
)

// register adds f to the registry. It panics on a clash: that is a
// programming error, caught by any test.
func register(f flow) flow {
	sp := f.spec()
	if sp.name == "" || sp.code == "" || strings.Contains(sp.code, "|") {
		panic("flows: flow needs a name and a code without '|'")
	}
	if byName[sp.name] != nil || byCode[sp.code] != nil {
		panic("flows: flow registered twice: " + sp.name)
	}
	registry = append(registry, f)
	byName[sp.name], byCode[sp.code] = f, f
	for _, c := range sp.commands {
		if byCommand[c.Name] != nil {
			panic("flows: command registered twice: " + c.Name)
		}
		byCommand[c.Name] = f
		if c.Icon != "" {
			byIcon[c.Icon] = c.Name
		}
		commands = append(commands, c)
	}
	slices.SortStableFunc(commands, func(a, b Command) int { return a.Rank - b.Rank })
	for _, t := range sp.timers {
		k := t.TimerKind()
		if !strings.HasPrefix(k, sp.code+".") {
			panic(fmt.Sprintf("flows: timer %q of flow %s must start with %q", k, sp.name, sp.code+"."))
		}
		timerTypes[k] = reflect.TypeOf(t)
		timerFlow[k] = f
	}
	if sp.blocked {
		blockedBy = f
	}
	if sp.unasked {
		if sink != nil {
			panic("flows: two flows take unasked input")
		}
		sink = f
	}
	return f
}

// NewTimer returns a zero payload of a registered timer kind, as a
// pointer to decode into, or false for a kind this release does not know.
func NewTimer(kind string) (any, bool) {
	t, ok := timerTypes[kind]
	if !ok {
		return nil, false
	}
	return reflect.New(t).Interface(), true
}

// IsTimer reports whether kind is a registered flow timer.
func IsTimer(kind string) bool { _, ok := timerTypes[kind]; return ok }

// CommandInfo is a command as Telegram's command menu shows it.
type CommandInfo struct {
	Name string
	Icon string
}

// Commands lists the commands of a person with these roles, in menu
// order, for setMyCommands (docs/configuration.md).
func Commands(roles ...roster.Role) []CommandInfo {
	var out []CommandInfo
	for _, c := range commands {
		if c.Icon != "" && forRoles(c, roles) {
			out = append(out, CommandInfo{Name: c.Name, Icon: c.Icon})
		}
	}
	return out
}

// CommandIcon is the icon of a command, "" if it has none.
func CommandIcon(name string) string {
	for _, c := range commands {
		if c.Name == name {
			return c.Icon
		}
	}
	return ""
}

func forRoles(c Command, roles []roster.Role) bool {
	if c.For == nil {
		return true
	}
	for _, r := range roles {
		if slices.Contains(c.For, r) {
			return true
		}
	}
	return false
}
