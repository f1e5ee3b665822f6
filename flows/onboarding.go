package flows

import (
	"strings"

	"innsjekk/locales"
	"innsjekk/roster"
)

// Onboarding, the language picker, help and the main menu (PRODUCT.md §3.1).

// start handles "/start" with or without an invite code.
func (s *step) start() {
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
		if b, ok := s.in.People[prev]; ok && b.Chat == s.in.ChatID {
			s.do(SetBinding{Person: prev})
		}
	}
	b := s.in.People[inv.Person]
	b.Chat = s.in.ChatID
	if s.in.People == nil {
		s.in.People = map[string]Binding{}
	}
	s.in.People[inv.Person] = b
	s.in.Chat.Person = inv.Person
	s.out.Chat.Person = inv.Person
	s.out.Chat.Phase = PhaseIdle
	s.me = identify(s.in)
	used := *inv
	used.UsedBy = s.in.ChatID
	s.do(SetBinding{Person: inv.Person, Binding: b})
	s.do(UseInvite{Invite: used})
	s.setCommands()
	s.reason(ReasonWelcome)
	args := locales.Args{"Name": s.me.Name, "Programme": s.in.Roster.Programme.Name}
	text := s.t("welcome.hello", args) + "\n\n" + s.t("privacy.notice", nil)
	s.out.Actions = append(s.out.Actions, Say{To: s.in.ChatID, Lang: s.lang(), MsgID: "welcome.hello",
		Text: text, Menu: s.menuRows(), Urgent: true, Reason: ReasonWelcome})
	// Telegram's language_code is only a hint, so the first conversation
	// offers the list (PRODUCT.md §8).
	s.say("language.offer", nil, withInline(languageButtons()))
}

// refuseInvite answers a bad invite without revealing anything from the
// roster: the same words whoever the code was for.
func (s *step) refuseInvite(r Reason, id string) {
	s.reason(r)
	s.say(id, nil)
}

// unknown answers a chat that is bound to nobody, in every language,
// because nothing tells us which one they read.
func (s *step) unknown() {
	s.reason(ReasonUnknownChat)
	first := HintLang(s.in.Event.LangHint)
	lines := []string{locales.Text(first, "unknown.intro", nil)}
	for _, l := range roster.Languages {
		if l != first {
			lines = append(lines, locales.Text(l, "unknown.intro", nil))
		}
	}
	s.out.Actions = append(s.out.Actions, Say{To: s.in.ChatID, Lang: first, MsgID: "unknown.intro",
		Text: strings.Join(lines, "\n\n"), Urgent: true, Reason: ReasonUnknownChat})
	if s.in.Event.Kind == EvButton {
		s.do(Answer{})
	}
}

// known dispatches an event from a person on the roster.
func (s *step) known() {
	ev := s.in.Event
	switch ev.Kind {
	case EvCommand:
		s.commandArgs(ev.Command, ev.Text)
	case EvText:
		s.text(normalize(ev.Text))
	case EvButton:
		s.button(ev)
	case EvMedia:
		s.notUnderstood()
	}
}

func (s *step) command(c string) { s.commandArgs(c, "") }

func (s *step) commandArgs(c, args string) {
	switch c {
	case "help":
		s.help()
	case "language":
		s.askLanguage()
	case "mydata":
		s.myData()
	case "week":
		s.week()
	case "sick":
		s.sickStart()
	case "checkin":
		s.checkIn()
	case "meeting":
		s.meetingCommand(args)
	case "forgetme":
		s.forgetMe()
	case "menu":
		s.reason(ReasonMenu)
		s.say("menu.back", locales.Args{"Name": s.me.Name}, s.menu())
	default:
		s.notUnderstood()
	}
}

// menuAction maps the icon a reply-keyboard button starts with to its
// command, so a tap works whatever language the label was in.
var menuAction = map[string]string{
	"🤒": "sick",
	"✅": "checkin",
	"📆": "meeting",
	"📅": "week",
	"🌐": "language",
	"❓": "help",
	"🔒": "mydata",
}

func (s *step) text(t string) {
	for icon, cmd := range menuAction {
		if strings.HasPrefix(t, icon) {
			s.command(cmd)
			return
		}
	}
	if isSickWord(t) {
		s.command("sick")
		return
	}
	s.notUnderstood()
}

func (s *step) button(ev Event) {
	p, err := ParsePayload(ev.Data)
	if err != nil {
		s.stale()
		return
	}
	switch p.Flow {
	case "lang":
		s.setLanguage(p.Arg(0), ev.MessageID)
	case "abs":
		s.absenceButton(p, ev.MessageID)
	case "ci":
		s.checkInButton(p, ev.MessageID)
	case "mt":
		s.meetingButton(p, ev.MessageID)
	case "fg":
		s.forgetButton(p, ev.MessageID)
	default:
		s.stale()
	}
}

// stale answers a button this release does not know or no longer offers.
func (s *step) stale() {
	s.reason(ReasonStaleButton)
	s.do(Answer{Text: s.t("error.stale_button", nil)})
}

func (s *step) notUnderstood() {
	s.reason(ReasonNotUnderstood)
	s.say("menu.not_understood", nil, s.menu())
}

func (s *step) help() {
	s.reason(ReasonHelp)
	id := "help.staff"
	switch {
	case s.me.Participant != nil:
		id = "help.participant"
	case s.me.Contact != nil:
		id = "help.mentor"
	}
	s.say(id, nil, s.menu())
}

func (s *step) askLanguage() {
	s.reason(ReasonLanguageAsked)
	s.say("language.ask", nil, withInline(languageButtons()))
}

// languageButtons lists every language in its own name, two per row.
func languageButtons() [][]Button {
	var rows [][]Button
	for i, l := range roster.Languages {
		b := Button{Text: locales.Name(l), Data: Payload{Flow: "lang", Args: []string{l}}.Encode()}
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	return rows
}

func (s *step) setLanguage(lang string, msgID int) {
	if !roster.ShipsLanguage(lang) {
		s.stale()
		return
	}
	s.reason(ReasonLanguageSet)
	b := s.in.People[s.me.ID]
	b.Lang = lang
	s.do(SetBinding{Person: s.me.ID, Binding: b})
	s.me.Lang = lang
	s.setCommands()
	s.do(Answer{Text: locales.Name(lang)})
	if msgID != 0 {
		s.say("language.chosen", locales.Args{"Language": locales.Name(lang)}, withEdit(msgID))
	}
	s.say("language.changed", nil, s.menu())
}

// Commands lists the commands a person with these roles can use, in menu
// order (PRODUCT.md §5).
func Commands(participant, counsellor bool) []string {
	var out []string
	if participant {
		out = append(out, "sick", "checkin", "week")
	}
	if counsellor {
		out = append(out, "meeting")
	}
	return append(out, "language", "help", "mydata", "forgetme")
}

// setCommands gives this chat the command menu of the person's roles.
func (s *step) setCommands() {
	st := s.me.Staff
	s.do(SetCommands{Chat: s.in.ChatID, Lang: s.lang(),
		Commands: Commands(s.me.Participant != nil, st != nil && (st.Has(roster.RoleNav) || st.Has(roster.RoleAdviser)))})
}

// menu attaches the main menu for the person's roles.
func (s *step) menu() sayOpt {
	rows := s.menuRows()
	return func(m *Say) { m.Menu = rows }
}

func (s *step) menuRows() [][]string {
	if s.me == nil {
		return nil
	}
	label := func(id string) string { return s.t(id, nil) }
	var rows [][]string
	if s.me.Participant != nil {
		rows = append(rows, []string{label("menu.sick"), label("menu.checkin")}, []string{label("menu.week")})
	}
	if s.me.Staff != nil && (s.me.Staff.Has(roster.RoleNav) || s.me.Staff.Has(roster.RoleAdviser)) {
		rows = append(rows, []string{label("menu.meeting")})
	}
	rows = append(rows, []string{label("menu.language"), label("menu.help")})
	return rows
}
