package flows

import (
	"strings"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// Step takes one step of the chat's conversation.
func Step(in Input) Result {
	s := &step{in: in, out: Result{Chat: in.Chat, Reason: ReasonNone}}
	s.out.Chat.V = SchemaVersion
	s.me = identify(in)
	ev := in.Event
	switch {
	case ev.Kind == EvTimer:
		s.timer()
	case ev.Kind == EvCommand && ev.Command == "start":
		s.start()
	case s.me == nil:
		s.unknown()
	default:
		s.known()
	}
	return s.out
}

// Apology is what a user hears when a step failed unexpectedly; the
// engine sends it in place of the step's result.
func Apology(in Input) Result {
	s := &step{in: in, out: Result{Chat: in.Chat, Reason: ReasonApology}}
	s.me = identify(in)
	s.say("error.apology", nil, s.menu())
	return s.out
}

// TryAgain renders the "try again in a minute" note for a user whose
// update could not be stored.
func TryAgain(lang string) string {
	return locales.Text(lang, "error.try_again", nil)
}

// me is the person behind the chat, as the roster describes them.
type me struct {
	ID          string
	Name        string
	Lang        string
	Roles       []roster.Role
	Participant *roster.Participant
	Staff       *roster.Staff
	Contact     *roster.Contact
}

func (m *me) has(r roster.Role) bool {
	for _, x := range m.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func identify(in Input) *me {
	id := in.Chat.Person
	if id == "" || in.Roster == nil {
		return nil
	}
	b, ok := in.People[id]
	if !ok || b.Chat != in.ChatID {
		return nil
	}
	p, roles := in.Roster.Person(id)
	if p == nil {
		return nil
	}
	m := &me{ID: id, Name: p.Name, Lang: p.Language, Roles: roles,
		Participant: in.Roster.Participant(id), Staff: in.Roster.StaffMember(id), Contact: in.Roster.Contact(id)}
	if b.Lang != "" && roster.ShipsLanguage(b.Lang) {
		m.Lang = b.Lang
	}
	if !roster.ShipsLanguage(m.Lang) {
		m.Lang = locales.Fallback
	}
	return m
}

type step struct {
	in  Input
	out Result
	me  *me
}

func (s *step) lang() string {
	if s.me != nil {
		return s.me.Lang
	}
	return HintLang(s.in.Event.LangHint)
}

func (s *step) t(id string, args locales.Args) string {
	return locales.Text(s.lang(), id, args)
}

// sayOpt adjusts a reply before it is queued.
type sayOpt func(*Say)

func withInline(rows [][]Button) sayOpt { return func(m *Say) { m.Inline = rows } }
func withEdit(id int) sayOpt            { return func(m *Say) { m.Edit = id } }

// say queues a reply to this chat: an answer to the user's own action,
// which goes ahead of bulk work and is never held for quiet hours.
func (s *step) say(id string, args locales.Args, opts ...sayOpt) {
	m := Say{To: s.in.ChatID, Lang: s.lang(), MsgID: id, Text: s.t(id, args), Urgent: true, Reason: s.out.Reason}
	for _, o := range opts {
		o(&m)
	}
	s.out.Actions = append(s.out.Actions, m)
}

func (s *step) do(a Action) { s.out.Actions = append(s.out.Actions, a) }

func (s *step) reason(r Reason) { s.out.Reason = r }

// HintLang maps Telegram's language_code to a shipped language. It is only
// a hint: Telegram's apps are not translated into several of our
// languages, so the roster language wins once a person is known.
func HintLang(code string) string {
	code = strings.ToLower(code)
	switch {
	case code == "":
		return locales.Fallback
	case code == "no" || code == "nn" || strings.HasPrefix(code, "nb"):
		return "nb"
	case code == "fa" || code == "prs" || strings.HasPrefix(code, "fa-"):
		return "fa-AF"
	case code == "kmr" || strings.HasPrefix(code, "ku"):
		return "ku"
	}
	base, _, _ := strings.Cut(code, "-")
	if roster.ShipsLanguage(base) {
		return base
	}
	return locales.Fallback
}

// normalize makes typed text comparable: Arabic-Indic and Persian digits
// become ASCII, and surrounding space goes.
func normalize(s string) string {
	return strings.TrimSpace(schedule.NormalizeDigits(s))
}
