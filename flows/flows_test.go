package flows_test

import (
	"strings"
	"testing"
	"time"

	"innsjekk/examples"
	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

var oslo, _ = time.LoadLocation("Europe/Oslo")

// Tuesday 1 December 2026, 08:00 in Oslo.
var now = time.Date(2026, 12, 1, 8, 0, 0, 0, oslo)

func exampleRoster(t testing.TB) *roster.Roster {
	t.Helper()
	r, err := roster.Parse("roster.yaml", examples.Roster)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// world is the state a sequence of steps runs against, kept by the test
// the way the engine keeps it in Redis.
type world struct {
	t       *testing.T
	r       *roster.Roster
	cal     *schedule.Calendar
	chats   map[int64]flows.Chat
	people  map[string]flows.Binding
	invites map[string]flows.Invite
	now     time.Time
}

func newWorld(t *testing.T) *world {
	r := exampleRoster(t)
	return &world{t: t, r: r, cal: schedule.New(r.Programme), chats: map[int64]flows.Chat{},
		people: map[string]flows.Binding{}, invites: map[string]flows.Invite{}, now: now}
}

// step runs one event for chat and applies the result like the engine.
func (w *world) step(chat int64, ev flows.Event) flows.Result {
	w.t.Helper()
	people := map[string]flows.Binding{}
	for k, v := range w.people {
		people[k] = v
	}
	in := flows.Input{Now: w.now, Roster: w.r, Cal: w.cal, ChatID: chat, Chat: w.chats[chat], People: people, Event: ev}
	if ev.Kind == flows.EvCommand && ev.Command == "start" {
		if inv, ok := w.invites[ev.Text]; ok {
			in.Invite = &inv
		}
	}
	res := flows.Step(in)
	w.chats[chat] = res.Chat
	for _, a := range res.Actions {
		switch a := a.(type) {
		case flows.SetBinding:
			if a.Binding.Chat == 0 {
				delete(w.people, a.Person)
			} else {
				w.people[a.Person] = a.Binding
			}
		case flows.UseInvite:
			w.invites[a.Invite.Code] = a.Invite
		case flows.Say:
			if a.To == 0 && a.ToPerson == "" {
				w.t.Errorf("a message with no recipient: %s", a.MsgID)
			}
			if a.Text == "" || a.Text == a.MsgID {
				w.t.Errorf("message %s rendered as %q", a.MsgID, a.Text)
			}
			for _, row := range a.Inline {
				for _, b := range row {
					if len(b.Data) > 64 {
						w.t.Errorf("button data over 64 bytes: %q", b.Data)
					}
				}
			}
		}
	}
	return res
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

func msgIDs(res flows.Result) string {
	var ids []string
	for _, s := range says(res) {
		ids = append(ids, s.MsgID)
	}
	return strings.Join(ids, " ")
}

func cmd(c, args string) flows.Event {
	return flows.Event{Kind: flows.EvCommand, Command: c, Text: args}
}

func text(s string) flows.Event { return flows.Event{Kind: flows.EvText, Text: s} }

func (w *world) onboard(person string, chat int64) {
	w.t.Helper()
	code := "code-" + person
	w.invites[code] = flows.Invite{Code: code, Person: person, Expires: w.now.Add(24 * time.Hour)}
	res := w.step(chat, cmd("start", code))
	if res.Reason != flows.ReasonWelcome {
		w.t.Fatalf("onboarding %s: reason %s", person, res.Reason)
	}
}

func TestInvites(t *testing.T) {
	w := newWorld(t)
	w.invites["good"] = flows.Invite{Code: "good", Person: "amina", Expires: now.Add(time.Hour)}
	w.invites["old"] = flows.Invite{Code: "old", Person: "yonas", Expires: now.Add(-time.Second)}
	w.invites["gone"] = flows.Invite{Code: "gone", Person: "nobody", Expires: now.Add(time.Hour)}
	cases := []struct {
		chat   int64
		ev     flows.Event
		reason flows.Reason
		ids    string
	}{
		{1, cmd("start", "nope"), flows.ReasonInviteInvalid, "invite.invalid"},
		{1, cmd("start", "old"), flows.ReasonInviteExpired, "invite.expired"},
		{1, cmd("start", "gone"), flows.ReasonInviteInvalid, "invite.invalid"},
		{1, cmd("start", ""), flows.ReasonUnknownChat, "unknown.intro"},
		{1, cmd("start", "good"), flows.ReasonWelcome, "welcome.hello language.offer"},
		{2, cmd("start", "good"), flows.ReasonInviteUsed, "invite.used"},
		// The same chat may tap the link again: it is greeted again.
		{1, cmd("start", "good"), flows.ReasonWelcome, "welcome.hello language.offer"},
		{1, cmd("start", ""), flows.ReasonMenu, "menu.back"},
		{2, text("hei"), flows.ReasonUnknownChat, "unknown.intro"},
	}
	for i, c := range cases {
		res := w.step(c.chat, c.ev)
		if res.Reason != c.reason || msgIDs(res) != c.ids {
			t.Errorf("case %d: reason %s, messages %q; want %s, %q", i, res.Reason, msgIDs(res), c.reason, c.ids)
		}
	}
	if b := w.people["amina"]; b.Chat != 1 {
		t.Fatalf("amina bound to %d, want 1", b.Chat)
	}
}

// The unknown-chat answer and the invite refusals say nothing from the
// roster, whatever the code was for.
func TestUnknownLearnsNothing(t *testing.T) {
	w := newWorld(t)
	w.invites["used"] = flows.Invite{Code: "used", Person: "amina", Expires: now.Add(time.Hour), UsedBy: 99}
	for _, ev := range []flows.Event{text("hello"), cmd("start", "used"), cmd("start", "x"), cmd("week", ""), cmd("mydata", ""),
		{Kind: flows.EvButton, Data: "1|lang|ar"}} {
		res := w.step(5, ev)
		for _, s := range says(res) {
			for _, p := range w.r.Participants {
				if strings.Contains(s.Text, p.Name) || (p.Placement != nil && strings.Contains(s.Text, p.Placement.Employer.Name)) {
					t.Errorf("%v revealed %q", ev, s.Text)
				}
			}
			for _, st := range w.r.Staff {
				if strings.Contains(s.Text, st.Name) {
					t.Errorf("%v revealed %q", ev, s.Text)
				}
			}
		}
		for _, a := range res.Actions {
			if _, ok := a.(flows.SetBinding); ok {
				t.Errorf("%v changed a binding", ev)
			}
		}
	}
	// Every language, first the one the client hinted.
	res := w.step(5, flows.Event{Kind: flows.EvText, Text: "hi", LangHint: "uk"})
	msg := says(res)[0].Text
	if !strings.HasPrefix(msg, locales.Text("uk", "unknown.intro", nil)) {
		t.Errorf("not Ukrainian first: %q", msg)
	}
	for _, l := range roster.Languages {
		if !strings.Contains(msg, locales.Text(l, "unknown.intro", nil)) {
			t.Errorf("intro lacks %s", l)
		}
	}
}

func TestLanguageSwitchAndForgedButtons(t *testing.T) {
	w := newWorld(t)
	w.onboard("olena", 7)
	res := w.step(7, flows.Event{Kind: flows.EvButton, Data: "1|lang|ar", MessageID: 3})
	if res.Reason != flows.ReasonLanguageSet || w.people["olena"].Lang != "ar" {
		t.Fatalf("reason %s, lang %q", res.Reason, w.people["olena"].Lang)
	}
	if ids := msgIDs(res); ids != "language.chosen language.changed" {
		t.Fatalf("messages %q", ids)
	}
	if s := says(res)[0]; s.Edit != 3 {
		t.Fatalf("the picker was not edited in place: %+v", s)
	}
	// Client-made data is checked, never trusted.
	for _, data := range []string{"1|lang|de", "1|lang|", "2|lang|nb", "1|nope|x", "garbage", strings.Repeat("1|lang|nb", 10)} {
		res := w.step(7, flows.Event{Kind: flows.EvButton, Data: data})
		if res.Reason != flows.ReasonStaleButton || w.people["olena"].Lang != "ar" {
			t.Errorf("%q: reason %s, lang %q", data, res.Reason, w.people["olena"].Lang)
		}
	}
	// Menu taps work by icon, whatever the label's language.
	res = w.step(7, text(locales.Text("ar", "menu.week", nil)))
	if res.Reason != flows.ReasonWeek {
		t.Fatalf("Arabic week label: reason %s", res.Reason)
	}
	res = w.step(7, text("📅 whatever"))
	if res.Reason != flows.ReasonWeek {
		t.Fatalf("icon only: reason %s", res.Reason)
	}
}

func TestWeekAcrossRolesAndLanguages(t *testing.T) {
	w := newWorld(t)
	w.onboard("amina", 1)
	w.onboard("per", 2)
	res := w.step(1, cmd("week", ""))
	week := says(res)[0]
	if week.Lang != "ar" || !strings.HasPrefix(week.Text, "\u200f") {
		t.Fatalf("amina's week is not right to left Arabic: %q", week.Text)
	}
	// Tue 1 Dec: Hotell Strand; Wed 2: class; Thu 3: Strand; Mon 7: class.
	for _, want := range []string{"\u2068Hotell Strand\u2069", "\u206809:00\u2069", "\u206815:00\u2069", "\u206801.12\u2069", "\u206803.12\u2069", "\u206807.12\u2069"} {
		if !strings.Contains(week.Text, want) {
			t.Errorf("week lacks %q:\n%s", want, week.Text)
		}
	}
	if strings.Contains(week.Text, "\u206808.12\u2069") {
		t.Errorf("week runs past seven days:\n%s", week.Text)
	}
	if res := w.step(2, cmd("week", "")); res.Reason != flows.ReasonNotForRole {
		t.Errorf("mentor's /week: reason %s", res.Reason)
	}
	// Christmas: the 24th is closed, 25th and 26th are holidays.
	w.now = time.Date(2026, 12, 23, 8, 0, 0, 0, oslo)
	xmas := says(w.step(1, cmd("week", "")))[0].Text
	for _, d := range []string{"24.12", "25.12", "26.12"} {
		if strings.Contains(xmas, d) {
			t.Errorf("week shows closed day %s:\n%s", d, xmas)
		}
	}
}

func TestMyDataShowsWhatIsStored(t *testing.T) {
	w := newWorld(t)
	w.onboard("sarah", 3)
	res := w.step(3, cmd("mydata", ""))
	got := says(res)[0].Text
	p := w.r.Participant("sarah")
	for _, want := range []string{p.Name, p.Adviser.Name, p.Placement.Employer.Name, p.Placement.Mentor.Name, "English"} {
		if !strings.Contains(got, want) {
			t.Errorf("mydata lacks %q:\n%s", want, got)
		}
	}
	w.onboard("anne", 4)
	staff := says(w.step(4, cmd("mydata", "")))[0].Text
	if !strings.Contains(staff, "rådgiver") || !strings.Contains(staff, "administrator") {
		t.Errorf("staff mydata lacks roles:\n%s", staff)
	}
}

func TestRebindingMovesAChat(t *testing.T) {
	w := newWorld(t)
	w.onboard("amina", 1)
	// Amina gets a new phone: a new invite binds the new chat.
	w.onboard("amina", 9)
	if w.people["amina"].Chat != 9 {
		t.Fatalf("amina's binding: %+v", w.people["amina"])
	}
	if res := w.step(1, text("hello")); res.Reason != flows.ReasonUnknownChat {
		t.Fatalf("old chat still knows amina: %s", res.Reason)
	}
	// A shared phone: another person's invite on chat 9 unbinds amina.
	w.onboard("yonas", 9)
	if _, ok := w.people["amina"]; ok {
		t.Fatal("amina still bound to a chat that now belongs to yonas")
	}
}

func TestHelpAndNonsense(t *testing.T) {
	w := newWorld(t)
	w.onboard("hodan", 1)
	w.onboard("tone", 2)
	w.onboard("kari", 3)
	for chat, want := range map[int64]string{1: "help.participant", 2: "help.mentor", 3: "help.staff"} {
		if ids := msgIDs(w.step(chat, cmd("help", ""))); ids != want {
			t.Errorf("chat %d help: %s, want %s", chat, ids, want)
		}
	}
	for _, ev := range []flows.Event{text("asdf qwer"), cmd("frobnicate", ""), {Kind: flows.EvMedia}} {
		res := w.step(1, ev)
		if res.Reason != flows.ReasonNotUnderstood || says(res)[0].Lang != "so" || says(res)[0].Menu == nil {
			t.Errorf("%v: %s %+v", ev, res.Reason, says(res))
		}
	}
}

func TestApologyInTheUsersLanguage(t *testing.T) {
	w := newWorld(t)
	w.onboard("farid", 1)
	in := flows.Input{Now: now, Roster: w.r, Cal: w.cal, ChatID: 1, Chat: w.chats[1], People: w.people, Event: text("x")}
	res := flows.Apology(in)
	s := says(res)
	if len(s) != 1 || s[0].Lang != "fa-AF" || s[0].MsgID != "error.apology" {
		t.Fatalf("apology: %+v", s)
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

// An old code cannot take a person back to a chat that lost them.
func TestUsedCodeCannotRebindAnOldChat(t *testing.T) {
	w := newWorld(t)
	w.invites["first"] = flows.Invite{Code: "first", Person: "amina", Expires: now.Add(time.Hour)}
	w.step(1, cmd("start", "first"))
	w.onboard("amina", 9) // a new phone
	res := w.step(1, cmd("start", "first"))
	if res.Reason != flows.ReasonInviteUsed || w.people["amina"].Chat != 9 {
		t.Fatalf("old code on the old phone: %s, amina on chat %d", res.Reason, w.people["amina"].Chat)
	}
	// Still-bound chat re-sending its code after expiry is refused too.
	w.now = now.Add(25 * time.Hour) // onboard gives codes a day
	if res := w.step(9, cmd("start", "code-amina")); res.Reason != flows.ReasonInviteExpired {
		t.Fatalf("expired code: %s", res.Reason)
	}
}
