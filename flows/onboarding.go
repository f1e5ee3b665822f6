package flows

import (
	"slices"
	"strings"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
)

// Onboarding (docs/behaviour.md): "/start CODE" binds a chat to the roster
// person the invite was made for; a chat bound to nobody learns nothing
// from the roster.

type onboarding struct{ base }

var onboardingFlow = register(onboarding{})

func (onboarding) spec() spec { return spec{name: "onboarding", code: "start"} }

// needs: the invite, and every binding, because the invite's person is
// known only once the invite is read, and a shared phone may move a
// binding. Onboarding is rare, so reading them all costs little.
func (onboarding) needs(n *Needs, q query) {
	if code := strings.TrimSpace(q.ev.Text); code != "" && len(code) <= 64 {
		n.Invite = code
	}
	n.AllPeople = true
}

func (onboarding) start(s *step) {
	code := strings.TrimSpace(s.in.Event.Text)
	if code == "" {
		if s.me != nil {
			s.reason(ReasonMenu)
			s.say("menu.back", locales.Args{"Name": s.me.Name}, s.menu())
			return
		}
		s.unknown()
		return
	}
	if s.me == nil && s.in.Limits.Invites >= InviteTries {
		// Guessing codes: no more lookups, one short answer a minute.
		if s.strangerMayHear() {
			s.reason(ReasonInviteTooMany)
			s.say("invite.too_many", nil)
		}
		return
	}
	inv := s.in.Invite
	switch {
	case inv == nil || inv.Code != code:
		s.refuseInvite(ReasonInviteInvalid, "invite.invalid")
		return
	case inv.UsedBy != 0 && (inv.UsedBy != s.in.ChatID || s.in.People[inv.Person].Chat != s.in.ChatID):
		// Used elsewhere, or this chat lost the person since (forget, a
		// new phone): an old code must not take the binding back.
		s.refuseInvite(ReasonInviteUsed, "invite.used")
		return
	case !s.in.Now.Before(inv.Expires):
		s.refuseInvite(ReasonInviteExpired, "invite.expired")
		return
	}
	if p, _ := s.in.Roster.Person(inv.Person); p == nil {
		// The person left the roster after the invite was made.
		s.refuseInvite(ReasonInviteInvalid, "invite.invalid")
		return
	}
	// This chat may have belonged to someone else (a shared phone); the
	// new invite wins and the old binding goes.
	if prev := s.in.Chat.Person; prev != "" && prev != inv.Person {
		if b, ok := s.binding(prev); ok && b.Chat == s.in.ChatID {
			s.setBinding(prev, Binding{})
		}
	}
	b, _ := s.binding(inv.Person)
	b.Chat = s.in.ChatID
	b.Unreachable = false
	s.setBinding(inv.Person, b)
	s.out.Chat = Chat{V: ChatVersion, Person: inv.Person}
	s.me = s.identify(inv.Person)
	used := *inv
	used.UsedBy = s.in.ChatID
	s.do(UseInvite{Invite: used})
	s.setCommands()
	s.reason(ReasonWelcome)
	// Three short messages rather than one long one: many read little.
	s.say("welcome.hello", locales.Args{"Name": s.me.Name, "Programme": s.in.Roster.Programme.Name}, s.menu())
	s.say(privacyNotice(s.me), nil)
	// Telegram's language_code is only a hint, so the first conversation
	// offers the list (docs/translating.md).
	s.say("language.offer", nil, withInline(languageButtons()))
}

// privacyNotice is the notice that is true for the person's role: what is
// kept about them, who sees what, and where to look (docs/behaviour.md).
func privacyNotice(m *me) string {
	switch {
	case m.Participant != nil:
		return "privacy.notice"
	case slices.Contains(m.Roles, roster.RoleAdviser):
		return "privacy.adviser"
	case slices.Contains(m.Roles, roster.RoleNav):
		return "privacy.nav"
	case slices.Contains(m.Roles, roster.RoleTeacher):
		return "privacy.teacher"
	case m.Contact != nil:
		return "privacy.mentor"
	}
	return "privacy.staff"
}

// refuseInvite answers a bad invite without revealing anything from the
// roster: the same words whoever the code was for. A chat bound to
// nobody has a few tries an hour.
func (s *step) refuseInvite(r Reason, id string) {
	if s.me == nil {
		s.do(Count{Name: "invites", Window: time.Hour})
	}
	s.reason(r)
	s.say(id, nil)
}

// strangerMayHear spends one of a stranger's answers, or reports that
// they have none left this minute: then nothing at all is sent.
func (s *step) strangerMayHear() bool {
	name, used, budget := "answers", s.in.Limits.Answers, StrangerAnswers
	if s.in.Event.Kind == EvButton {
		name, used, budget = "presses", s.in.Limits.Presses, StrangerPresses
	}
	if used >= budget {
		s.reason(ReasonThrottled)
		return false
	}
	s.do(Count{Name: name, Window: time.Minute})
	return true
}

// unknown answers a chat that is bound to nobody with one short line in
// the language its Telegram app hints at, and a button to read it in
// another. Nothing from the roster, and nothing is stored: the language
// travels in the buttons.
func (s *step) unknown() {
	if !s.strangerMayHear() {
		return
	}
	s.reason(ReasonUnknownChat)
	lang := HintLang(s.in.Event.LangHint)
	edit := 0
	if s.in.Event.Kind == EvButton {
		s.do(Answer{})
		if p, err := ParsePayload(s.in.Event.Data); err == nil && p.Flow == "start" {
			edit = s.in.Event.MessageID
			switch p.Arg(0) {
			case "langs":
				var rows [][]Button
				for i, l := range roster.Languages {
					b := Button{Text: locales.Name(l), Data: Payload{Flow: "start", Args: []string{"in", l}}.Encode()}
					if i%2 == 0 {
						rows = append(rows, []Button{b})
					} else {
						rows[len(rows)-1] = append(rows[len(rows)-1], b)
					}
				}
				s.do(Say{To: s.in.ChatID, Lang: lang, MsgID: "unknown.intro", Text: locales.Text(lang, "unknown.intro", nil),
					Inline: rows, Edit: edit, Class: ClassAnswer, Reason: ReasonUnknownChat})
				return
			case "in":
				if l := p.Arg(1); roster.ShipsLanguage(l) {
					lang = l
				}
			}
		}
	}
	kb := [][]Button{{{Text: locales.Text(lang, "unknown.other_languages", nil), Data: Payload{Flow: "start", Args: []string{"langs"}}.Encode()}}}
	s.do(Say{To: s.in.ChatID, Lang: lang, MsgID: "unknown.intro", Text: locales.Text(lang, "unknown.intro", nil),
		Inline: kb, Edit: edit, Class: ClassAnswer, Reason: ReasonUnknownChat})
}
