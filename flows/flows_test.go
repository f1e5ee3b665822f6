package flows_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"innsjekk/examples"
	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// What cannot be read off one conversation: rules that hold across every
// language, every role, or every day. Conversations themselves are the
// golden transcripts under testdata/ (transcript_test.go).

func exampleRoster(t testing.TB) *roster.Roster {
	t.Helper()
	r, err := roster.Parse("roster.yaml", examples.Roster)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func says(res flows.Result) []flows.Say {
	var out []flows.Say
	for _, a := range res.Actions {
		if s, ok := a.(flows.Say); ok {
			out = append(out, s)
		}
	}
	return out
}

// sickWords are every shipped language's words for "sick".
func sickWords() []string {
	var out []string
	for _, l := range roster.Languages {
		for _, w := range strings.Split(locales.Text(l, "absence.words", nil), ",") {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				out = append(out, w)
			}
		}
	}
	return out
}

func noReason(t *testing.T, who, text string) {
	t.Helper()
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) })
	for _, w := range sickWords() {
		if slices.Contains(words, w) {
			t.Errorf("%s was told a reason (%q): %q", who, w, text)
		}
	}
	for _, k := range []string{"sick", "child_sick", "appointment", "paid_shift", "other"} {
		for _, l := range roster.Languages {
			if label := locales.Text(l, "absence.kind_"+k, nil); strings.Contains(text, label) {
				t.Errorf("%s was told the kind %q: %q", who, label, text)
			}
		}
	}
}

// Every message an employer or teacher can get is free of any reason, in
// every language (docs/behaviour.md).
func TestEmployerMessagesNameNoReason(t *testing.T) {
	args := locales.Args{"Name": "X", "Days": "D", "Back": "B", "Employer": "E", "Day": "D", "Start": "S", "End": "E"}
	for _, l := range roster.Languages {
		for _, id := range []string{"absence.mentor", "absence.mentor_no_back", "absence.mentor_again", "absence.mentor_no_back_again",
			"absence.teacher", "absence.undone_notice", "absence.came_after_all", "card.title", "card.absent", "card.coming", "meeting.mentor_away",
			"meeting.mentor_not_away"} {
			noReason(t, l+" "+id, locales.Text(l, id, args))
		}
	}
}

func TestPlanSkipsClosedDaysAndFollowsDST(t *testing.T) {
	r := exampleRoster(t)
	cal := schedule.New(r.Programme)
	oslo := r.Programme.Location
	jobs := func(d roster.Date) map[string]time.Time {
		out := map[string]time.Time{}
		jobs, _ := flows.Plan(r, cal, d, cal.At(d, 0))
		for _, j := range jobs {
			out[j.ID] = j.Due
		}
		return out
	}
	tue := roster.Date{Year: 2026, Month: 12, Day: 1}
	j := jobs(tue)
	for id, due := range map[string]time.Time{
		"nudge:amina:2026-12-01:0900":  time.Date(2026, 12, 1, 9, 30, 0, 0, oslo),
		"unexpl:amina:2026-12-01:0900": time.Date(2026, 12, 1, 10, 0, 0, 0, oslo),
		"card:per:2026-12-01":          time.Date(2026, 12, 1, 7, 0, 0, 0, oslo),
		"remind:yonas:2026-12-02":      time.Date(2026, 12, 1, 18, 0, 0, 0, oslo),
	} {
		if !j[id].Equal(due) {
			t.Errorf("%s due %v, want %v", id, j[id], due)
		}
	}
	if _, ok := j["card:siv:2026-12-01"]; ok {
		t.Error("a morning card for a mentor who did not ask for one")
	}
	// 23 Dec: nothing for the closed 24th; 24 Dec: no reminders sent on a
	// closed day.
	for id := range jobs(roster.Date{Year: 2026, Month: 12, Day: 23}) {
		if strings.HasSuffix(id, "2026-12-24") {
			t.Errorf("planned %s for a closed day", id)
		}
	}
	for id := range jobs(roster.Date{Year: 2026, Month: 12, Day: 24}) {
		if strings.HasPrefix(id, "remind:") {
			t.Errorf("a reminder on a closed day: %s", id)
		}
	}
	// DST: Sunday evening reminders for Monday are at 18:00 wall clock on
	// both change weekends (hodan's placement stretched back to spring).
	r.Participant("hodan").Placement.From = roster.Date{Year: 2026, Month: 1, Day: 5}
	for _, sun := range []roster.Date{{Year: 2026, Month: 3, Day: 29}, {Year: 2026, Month: 10, Day: 25}} {
		due, ok := jobs(sun)["remind:hodan:"+schedule.AddDays(sun, 1).String()]
		if !ok {
			t.Fatalf("no reminder planned on %v", sun)
		}
		if h, m, _ := due.In(oslo).Clock(); h != 18 || m != 0 {
			t.Errorf("reminder on %v at %v", sun, due.In(oslo))
		}
	}
}

// The right day is not always the same button, or a participant could
// learn to tap the middle one.
func TestComprehensionCheckDoesNotGiveTheAnswerAway(t *testing.T) {
	positions := map[int]bool{}
	for i := range 12 {
		w := newWorld(t)
		w.bind("kari")
		w.bind("amina")
		w.now = tuesday.Add(time.Duration(i) * time.Millisecond) // a different meeting id
		w.input("kari", "/meeting amina 9.12 13")
		m := w.msgs[w.chatOf["amina"]]
		if len(m) == 0 || len(m[0].inline) == 0 {
			t.Fatalf("no notice: %s", w.out)
		}
		// One day a row, then [I can't come].
		for j, row := range m[0].inline {
			if strings.Contains(row[0].Data, "|2026-12-09|") {
				positions[j] = true
			}
		}
	}
	if len(positions) < 2 {
		t.Fatalf("the right day is always button %v", positions)
	}
}

func TestHintLang(t *testing.T) {
	for code, want := range map[string]string{"": "nb", "nb": "nb", "no": "nb", "nn": "nb", "en-GB": "en", "ar": "ar",
		"fa": "fa-AF", "prs": "fa-AF", "ku": "ku", "kmr": "ku", "uk": "uk", "ru": "ru", "de": "nb", "ckb": "nb"} {
		if got := flows.HintLang(code); got != want {
			t.Errorf("HintLang(%q) = %q, want %q", code, got, want)
		}
	}
}

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{"1|lang|ar", "", "|", "1|", "1||", "2|x", strings.Repeat("a", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := flows.ParsePayload(s)
		if err != nil {
			return
		}
		if len(s) > 64 || p.Flow == "" {
			t.Fatalf("accepted %q", s)
		}
		// What decodes re-encodes to the same bytes.
		if enc := p.Encode(); enc != s {
			t.Fatalf("round trip %q -> %q", s, enc)
		}
	})
}

// A chat bound to nobody learns nothing from the roster, whatever it
// sends, and changes no binding.
func TestUnknownLearnsNothing(t *testing.T) {
	r := exampleRoster(t)
	cal := schedule.New(r.Programme)
	used := &flows.Invite{Code: "used", Person: "amina", Expires: tuesday.Add(time.Hour), UsedBy: 99}
	for _, ev := range []flows.Event{
		{Kind: flows.EvText, Text: "hello"}, {Kind: flows.EvCommand, Command: "start", Text: "used"},
		{Kind: flows.EvCommand, Command: "start", Text: "x"}, {Kind: flows.EvCommand, Command: "week"},
		{Kind: flows.EvCommand, Command: "mydata"}, {Kind: flows.EvButton, Data: "1|lang|ar"},
		{Kind: flows.EvButton, Data: "1|mt|p|amina"}, {Kind: flows.EvMedia, Media: &flows.Media{Kind: flows.MediaVoice, FileID: "f"}},
		{Kind: flows.EvText, Text: "syk"},
	} {
		// A chat that claims a person whose binding points elsewhere is a
		// stranger too.
		for _, chat := range []flows.Chat{{}, {Person: "amina"}} {
			in := flows.Input{Now: tuesday, Roster: r, Cal: cal, ChatID: 5, Chat: chat, Event: ev, Invite: used,
				People: map[string]flows.Binding{"amina": {Chat: 77}}}
			res := flows.Step(in)
			for _, s := range says(res) {
				for _, name := range rosterWords(r) {
					if strings.Contains(s.Text, name) {
						t.Errorf("%+v revealed %q: %q", ev, name, s.Text)
					}
				}
			}
			for _, a := range res.Actions {
				switch a.(type) {
				case flows.SetBinding, flows.Put, flows.Schedule, flows.Forget:
					t.Errorf("%+v from a stranger: %T", ev, a)
				}
			}
		}
	}
	// Every language, first the one the client hinted.
	res := flows.Step(flows.Input{Now: tuesday, Roster: r, Cal: cal, ChatID: 5, Event: flows.Event{Kind: flows.EvText, Text: "hi", LangHint: "uk"}})
	msg := says(res)[0].Text
	if !strings.HasPrefix(msg, locales.Text("uk", "unknown.intro", nil)) {
		t.Errorf("not Ukrainian first: %q", msg)
	}
}

func rosterWords(r *roster.Roster) []string {
	var out []string
	for _, p := range r.Participants {
		out = append(out, p.Name)
	}
	for _, s := range r.Staff {
		out = append(out, s.Name)
	}
	for _, e := range r.Employers {
		out = append(out, e.Name)
		for _, c := range e.Contacts {
			out = append(out, c.Name)
		}
	}
	return out
}

func TestApologyInTheUsersLanguage(t *testing.T) {
	r := exampleRoster(t)
	in := flows.Input{Now: tuesday, Roster: r, Cal: schedule.New(r.Programme), ChatID: 1, Chat: flows.Chat{Person: "farid"},
		People: map[string]flows.Binding{"farid": {Chat: 1}}, Event: flows.Event{Kind: flows.EvText, Text: "x"}}
	s := says(flows.Apology(in))
	if len(s) != 1 || s[0].Lang != "fa-AF" || s[0].MsgID != "error.apology" {
		t.Fatalf("apology: %+v", s)
	}
}

func TestRosterChangesTellTheParticipantTheContactsAndTheMentor(t *testing.T) {
	old := exampleRoster(t)
	// Amina's teacher moves from Lars to Ola; nothing else changes.
	changed := bytes.Replace(examples.Roster, []byte("    adviser: anne\n    teacher: lars\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"),
		[]byte("    adviser: anne\n    teacher: ola\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"), 1)
	cur, err := roster.Parse("new.yaml", changed)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Participant("amina").Teacher.ID != "ola" {
		t.Fatal("the test roster did not change")
	}
	got := map[string]string{}
	for _, s := range flows.RosterChanges(old, cur, map[string]flows.Binding{"amina": {Chat: 1, Lang: "uk"}}) {
		got[s.ToPerson] = s.MsgID
		if s.ToPerson == "amina" && s.Lang != "uk" {
			t.Errorf("participant told in %s, not her chosen language", s.Lang)
		}
	}
	want := map[string]string{"amina": "roster.contact_changed", "ola": "roster.now_responsible",
		"lars": "roster.no_longer_responsible", "per": "roster.mentor_contact"}
	if len(got) != len(want) {
		t.Fatalf("told %v, want %v", got, want)
	}
	for who, id := range want {
		if got[who] != id {
			t.Errorf("%s: %q, want %q", who, got[who], id)
		}
	}
	if n := len(flows.RosterChanges(old, old, nil)); n != 0 {
		t.Fatalf("an unchanged roster told %d people", n)
	}
}

// The registry is what the Telegram shell builds menus from: every
// command has an icon that starts its menu label in every language, and a
// description for Telegram's command menu.
func TestEveryCommandHasItsWordsInEveryLanguage(t *testing.T) {
	roles := []roster.Role{roster.RoleParticipant, roster.RoleMentor, roster.RoleAdviser, roster.RoleTeacher, roster.RoleNav, roster.RoleAdmin}
	seen := map[string]bool{}
	for _, c := range flows.Commands(roles...) {
		if seen[c.Icon] {
			t.Errorf("icon %s used twice", c.Icon)
		}
		seen[c.Icon] = true
		for _, l := range roster.Languages {
			if d := locales.Text(l, "commands."+c.Name, nil); d == "commands."+c.Name {
				t.Errorf("%s: no description of /%s", l, c.Name)
			}
		}
	}
	for _, want := range []string{"sick", "checkin", "week", "meeting", "language", "help", "mydata", "forgetme"} {
		if !slices.ContainsFunc(flows.Commands(roles...), func(c flows.CommandInfo) bool { return c.Name == want }) {
			t.Errorf("no command /%s", want)
		}
	}
	// A participant has no /meeting; a Nav counsellor has no /sick.
	if slices.Contains(flows.CommandsFor([]roster.Role{roster.RoleParticipant}), "meeting") {
		t.Error("participants may book meetings")
	}
	if slices.Contains(flows.CommandsFor([]roster.Role{roster.RoleNav}), "sick") {
		t.Error("a Nav counsellor has /sick")
	}
}

// Every issue button, pressed by someone who may not act on it — another
// participant, an adviser of another caseload, a mentor of another
// workplace, a stranger — is refused and changes nothing (docs/privacy.md:
// button data is client input).
func TestIssueButtonsRefuseEveryoneTheyDidNotReach(t *testing.T) {
	w := newWorld(t)
	for _, id := range []string{"amina", "kari", "mona", "siv", "nora", "per"} {
		w.bind(id)
	}
	w.input("amina", "/problem")
	w.input("amina", "[💰 المال والإعانات]")
	w.input("amina", "الإيجار")
	w.input("amina", "[📨 إرسال]")
	// Buttons in every state the issue passes through.
	var buttons []string
	collect := func(who string) {
		for _, m := range w.msgs[w.chatOf[who]] {
			for _, row := range m.inline {
				for _, b := range row {
					if strings.HasPrefix(b.Data, "1|is|") && !slices.Contains(buttons, b.Data) {
						buttons = append(buttons, b.Data)
					}
				}
			}
		}
	}
	collect("kari")
	w.input("kari", "[✔ Kvitter]")
	w.input("kari", "[➡ Send videre]")
	collect("kari")
	w.input("kari", "[↩ Svar]")
	w.input("kari", "[🏢 Kom til kontoret mitt (velg tid)]")
	collect("kari")
	collect("amina")
	if len(buttons) < 8 {
		t.Fatalf("only %d buttons collected: %v", len(buttons), buttons)
	}
	for _, who := range []string{"nora", "mona", "siv", "stranger"} {
		for _, data := range buttons {
			chat, ok := w.chatOf[who]
			if !ok {
				chat = 9999
			}
			res := w.step(chat, flows.Event{Kind: flows.EvButton, Data: data, MessageID: 1})
			for _, a := range res.Actions {
				switch a := a.(type) {
				case flows.Put, flows.Schedule, flows.SetBinding, flows.Forget, flows.CancelJob:
					t.Errorf("%s pressing %s: %T %+v", who, data, a, a)
				case flows.Say:
					if a.To != chat {
						t.Errorf("%s pressing %s told %s: %s", who, data, a.ToPerson, a.MsgID)
					}
				}
			}
		}
	}
}
