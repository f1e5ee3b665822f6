package flows_test

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// facts carries the world's recorded facts into a step, as the engine
// loads them.
type factWorld struct {
	*world
	facts map[string]map[string]any
}

func newFactWorld(t *testing.T) *factWorld {
	return &factWorld{world: newWorld(t), facts: map[string]map[string]any{}}
}

func (w *factWorld) input(chat int64, ev flows.Event) flows.Input {
	people := map[string]flows.Binding{}
	for k, v := range w.people {
		people[k] = v
	}
	in := flows.Input{Now: w.now, Roster: w.r, Cal: w.cal, ChatID: chat, Chat: w.chats[chat], People: people, Event: ev,
		Facts: map[string]*flows.Facts{}}
	for _, id := range flows.FactsFor(w.r, w.chats[chat].Person, ev) {
		in.Facts[id] = w.decoded(id)
	}
	return in
}

func (w *factWorld) decoded(id string) *flows.Facts {
	f := flows.DecodeFacts(nil)
	for _, v := range w.facts[id] {
		switch x := v.(type) {
		case flows.Absence:
			f.Absences[x.Date] = x
		case flows.Notice:
			f.Notices[x.ID] = x
		case flows.CheckIn:
			f.CheckIns[x.Date] = x
		case flows.Meeting:
			f.Meetings[x.ID] = x
		}
	}
	return f
}

func (w *factWorld) run(chat int64, ev flows.Event) flows.Result {
	w.t.Helper()
	res := flows.Step(w.input(chat, ev))
	w.chats[chat] = res.Chat
	for _, a := range res.Actions {
		if f, ok := a.(flows.SetFact); ok {
			if w.facts[f.Person] == nil {
				w.facts[f.Person] = map[string]any{}
			}
			if f.Value == nil {
				delete(w.facts[f.Person], f.Field)
			} else {
				w.facts[f.Person][f.Field] = f.Value
			}
		}
		if s, ok := a.(flows.Say); ok && (s.Text == "" || s.Text == s.MsgID) {
			w.t.Errorf("message %s rendered as %q", s.MsgID, s.Text)
		}
	}
	return res
}

func (w *factWorld) press(chat int64, data string) flows.Result {
	return w.run(chat, flows.Event{Kind: flows.EvButton, Data: data, MessageID: 42})
}

func (w *factWorld) timer(kind string, d flows.TimerData) flows.Result {
	w.t.Helper()
	chat := w.people[d.Person].Chat
	return w.run(chat, flows.Event{Kind: flows.EvTimer, Timer: kind, Data: d.Encode()})
}

// mine is the message to the acting chat.
func mine(t *testing.T, res flows.Result, chat int64) flows.Say {
	t.Helper()
	for _, s := range says(res) {
		if s.To == chat {
			return s
		}
	}
	t.Fatalf("no message to chat %d: %+v", chat, says(res))
	return flows.Say{}
}

func to(res flows.Result, person string) []flows.Say {
	var out []flows.Say
	for _, s := range says(res) {
		if s.ToPerson == person {
			out = append(out, s)
		}
	}
	return out
}

// sickWords are every language's words for "sick".
func sickWords() []string {
	var out []string
	for _, l := range roster.Languages {
		for _, w := range strings.Split(locales.Text(l, "absence.words", nil), ",") {
			if w = strings.TrimSpace(w); w != "" {
				out = append(out, strings.ToLower(w))
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

func TestSickTodayAndTomorrowInThreeTaps(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.onboard("per", 2)
	// 1: 🤒
	res := w.run(1, text(locales.Text("ar", "menu.sick", nil)))
	if res.Reason != flows.ReasonAbsenceAsked || res.Chat.Phase != flows.PhaseAbsenceDays {
		t.Fatalf("🤒: %s %s", res.Reason, res.Chat.Phase)
	}
	// 2: [Today and tomorrow]
	res = w.press(1, "1|abs|two")
	confirm := mine(t, res, 1)
	if confirm.Edit != 42 || !strings.Contains(confirm.Text, "Hotell Strand") || !strings.Contains(confirm.Text, "Gjøvik læringssenter") {
		t.Fatalf("confirmation does not list what she misses: %+v", confirm)
	}
	// 3: [Send]
	res = w.press(1, "1|abs|send")
	if res.Reason != flows.ReasonAbsenceReported {
		t.Fatalf("send: %s", res.Reason)
	}
	mentor := to(res, "per")
	if len(mentor) != 1 {
		t.Fatalf("mentor told %d times", len(mentor))
	}
	// Tuesday is a placement day, Wednesday a class; back on Thursday.
	want := locales.Text("nb", "absence.mentor", locales.Args{"Name": "Amina Yusuf", "Days": "tir. 01.12", "Back": "tor. 03.12"})
	if mentor[0].Text != want {
		t.Fatalf("mentor got %q, want %q", mentor[0].Text, want)
	}
	noReason(t, "the mentor", mentor[0].Text)
	teacher := to(res, "lars")
	if len(teacher) != 1 || !strings.Contains(teacher[0].Text, "ons. 02.12") {
		t.Fatalf("teacher: %+v", teacher)
	}
	noReason(t, "the teacher", teacher[0].Text)
	adviser := to(res, "anne")
	if len(adviser) != 1 || !strings.Contains(adviser[0].Text, locales.Text("nb", "absence.kind_sick", nil)) {
		t.Fatalf("adviser: %+v", adviser)
	}
	if !strings.Contains(adviser[0].Text, locales.Text("nb", "absence.adviser_counters",
		locales.Args{"Days": 2, "MaxDays": 3, "Times": 1, "MaxTimes": 4})) {
		t.Errorf("adviser lacks counters: %q", adviser[0].Text)
	}
	f := w.decoded("amina")
	if len(f.Absences) != 2 || f.Absences["2026-12-01"].Kind != "sick" || f.Absences["2026-12-01"].Late {
		t.Fatalf("absences stored: %+v", f.Absences)
	}
	// The back-to-work question is planned for Thursday 07:00.
	var back *flows.Schedule
	for _, a := range res.Actions {
		if s, ok := a.(flows.Schedule); ok && s.Kind == flows.TimerBack {
			back = &s
		}
	}
	if back == nil || !back.Due.Equal(time.Date(2026, 12, 3, 7, 0, 0, 0, oslo)) {
		t.Fatalf("back-to-work job: %+v", back)
	}
	// My week shows the reported days.
	week := says(w.run(1, cmd("week", "")))[0].Text
	if !strings.Contains(week, locales.Text("ar", "absence.kind_sick", nil)) {
		t.Errorf("week does not show the absence:\n%s", week)
	}
}

func TestUndoTellsTheSamePeopleWithinTenMinutes(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|today")
	res := w.press(1, "1|abs|send")
	var undo string
	for _, row := range mine(t, res, 1).Inline {
		for _, b := range row {
			undo = b.Data
		}
	}
	told := map[string]bool{}
	for _, s := range says(res) {
		if s.ToPerson != "" {
			told[s.ToPerson] = true
		}
	}
	w.now = w.now.Add(9 * time.Minute)
	res = w.press(1, undo)
	if res.Reason != flows.ReasonAbsenceUndone {
		t.Fatalf("undo: %s", res.Reason)
	}
	got := map[string]bool{}
	for _, s := range says(res) {
		if s.ToPerson != "" {
			got[s.ToPerson] = true
			if s.ToPerson == "per" {
				noReason(t, "the mentor", s.Text)
			}
		}
	}
	if len(got) != len(told) || !got["per"] || !got["anne"] {
		t.Fatalf("undo told %v, the notice told %v", got, told)
	}
	if n := len(w.decoded("amina").Absences); n != 0 {
		t.Fatalf("%d absences left after undo", n)
	}
	// A second undo, or one after ten minutes, changes nothing.
	if res := w.press(1, undo); res.Reason != flows.ReasonStaleButton {
		t.Fatalf("second undo: %s", res.Reason)
	}
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|today")
	res = w.press(1, "1|abs|send")
	undo = mine(t, res, 1).Inline[0][0].Data
	w.now = w.now.Add(11 * time.Minute)
	if res := w.press(1, undo); res.Reason != flows.ReasonAbsenceUndoLate || len(w.decoded("amina").Absences) != 1 {
		t.Fatalf("late undo: %s", res.Reason)
	}
}

func TestFourDaysNeedADoctorsNote(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("olena", 1)
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|cal")
	for _, d := range []string{"2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"} {
		w.press(1, "1|abs|day|"+d)
	}
	w.press(1, "1|abs|done")
	res := w.press(1, "1|abs|send")
	if m := mine(t, res, 1); !strings.Contains(m.Text, locales.Text("uk", "absence.doctor_note", nil)) {
		t.Fatalf("participant not told about the doctor's note: %q", m.Text)
	}
	adv := to(res, "mona")
	if len(adv) == 0 {
		adv = to(res, w.r.Participant("olena").Adviser.ID)
	}
	if len(adv) != 1 || !strings.Contains(adv[0].Text, locales.Text("nb", "rule.self_certified_days", nil)) {
		t.Fatalf("adviser not told which rule: %+v", adv)
	}
}

func TestForgedAbsenceButtonsChangeNothing(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.onboard("per", 2)
	for _, data := range []string{"1|abs|send", "1|abs|day|2026-12-01", "1|abs|undo|nope", "1|abs|kind|flu", "1|ci|here|2026-12-02", "1|ci|nope|2026-12-01"} {
		if res := w.press(1, data); res.Reason != flows.ReasonStaleButton {
			t.Errorf("%s out of turn: %s", data, res.Reason)
		}
	}
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|cal")
	for _, data := range []string{"1|abs|day|2026-11-30", "1|abs|day|2026-12-15", "1|abs|day|2027-13-01", "1|abs|kind|sick"} {
		if res := w.press(1, data); res.Reason != flows.ReasonStaleButton {
			t.Errorf("%s: %s", data, res.Reason)
		}
	}
	// A mentor cannot report absence or press a participant's buttons.
	if res := w.run(2, cmd("sick", "")); res.Reason != flows.ReasonNotForRole {
		t.Errorf("mentor /sick: %s", res.Reason)
	}
	if res := w.press(2, "1|abs|today"); res.Reason != flows.ReasonStaleButton {
		t.Errorf("mentor pressing: %s", res.Reason)
	}
	if len(w.facts) != 0 {
		t.Fatalf("facts written: %v", w.facts)
	}
}

func TestSickWordsStartTheFlow(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	for _, s := range []string{"syk", "I am sick today", "مريض", "Jeg er SYK."} {
		w.chats[1] = flows.Chat{V: 1, Person: "amina"}
		if res := w.run(1, text(s)); res.Reason != flows.ReasonAbsenceAsked {
			t.Errorf("%q: %s", s, res.Reason)
		}
	}
	if res := w.run(1, text("sykkel")); res.Reason == flows.ReasonAbsenceAsked {
		t.Error("a word containing 'syk' started the flow")
	}
}

func TestCheckInNudgeAndUnexplained(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.now = time.Date(2026, 12, 1, 9, 30, 0, 0, oslo)
	d := flows.TimerData{Person: "amina", Date: "2026-12-01"}
	res := w.timer(flows.TimerNudge, d)
	nudge := to(res, "amina")
	if len(nudge) != 1 || len(nudge[0].Inline) == 0 {
		t.Fatalf("nudge: %+v", says(res))
	}
	w.now = w.now.Add(30 * time.Minute)
	res = w.timer(flows.TimerUnexplained, d)
	if a := to(res, "anne"); len(a) != 1 || res.Reason != flows.ReasonUnexplained {
		t.Fatalf("adviser alert: %+v", says(res))
	}
	// Had she checked in, neither would have come.
	w2 := newFactWorld(t)
	w2.onboard("amina", 1)
	w2.now = time.Date(2026, 12, 1, 8, 55, 0, 0, oslo)
	if res := w2.run(1, text(locales.Text("ar", "menu.checkin", nil))); res.Reason != flows.ReasonCheckIn {
		t.Fatalf("check-in: %s", res.Reason)
	}
	w2.now = w2.now.Add(time.Hour)
	if res := w2.timer(flows.TimerNudge, d); len(says(res)) != 0 {
		t.Fatal("nudged after a check-in")
	}
	if res := w2.timer(flows.TimerUnexplained, d); len(says(res)) != 0 {
		t.Fatal("alerted after a check-in")
	}
	// The nudge's [I'm here] checks in.
	res = w.press(1, "1|ci|here|2026-12-01")
	if res.Reason != flows.ReasonCheckIn {
		t.Fatalf("[I'm here]: %s", res.Reason)
	}
}

func TestPlanSkipsClosedDaysAndFollowsDST(t *testing.T) {
	r := exampleRoster(t)
	cal := schedule.New(r.Programme)
	early := func(d roster.Date) time.Time { return cal.At(d, 0) }
	jobs := func(d roster.Date) map[string]time.Time {
		out := map[string]time.Time{}
		for _, j := range flows.Plan(r, cal, d, early(d)) {
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
	// 23 Dec: nothing for the closed 24th; 24 Dec: no reminders sent on a closed day.
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
	// Planning late leaves out what is past.
	for id := range flowsPlanAt(r, cal, tue, time.Date(2026, 12, 1, 9, 45, 0, 0, oslo)) {
		if strings.HasPrefix(id, "nudge:amina") || strings.HasPrefix(id, "card:") {
			t.Errorf("planned %s after it was due", id)
		}
	}
}

func flowsPlanAt(r *roster.Roster, cal *schedule.Calendar, d roster.Date, now time.Time) map[string]bool {
	out := map[string]bool{}
	for _, j := range flows.Plan(r, cal, d, now) {
		out[j.ID] = true
	}
	return out
}

func TestMorningCardAndReminderText(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("per", 2)
	w.onboard("yonas", 3)
	w.onboard("amina", 1)
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|today")
	w.press(1, "1|abs|send")
	w.now = time.Date(2026, 12, 1, 7, 0, 0, 0, oslo)
	res := w.timer(flows.TimerCard, flows.TimerData{Person: "per", Date: "2026-12-01"})
	card := to(res, "per")
	if len(card) != 1 || !strings.Contains(card[0].Text, locales.Text("nb", "card.absent", locales.Args{"Name": "Amina Yusuf"})) {
		t.Fatalf("card: %+v", says(res))
	}
	noReason(t, "the morning card", card[0].Text)
	w.now = time.Date(2026, 12, 1, 18, 0, 0, 0, oslo)
	res = w.timer(flows.TimerReminder, flows.TimerData{Person: "yonas", Date: "2026-12-02"})
	rem := to(res, "yonas")
	if len(rem) != 1 || !strings.Contains(rem[0].Text, "Per Olsen") || !strings.Contains(rem[0].Text, "09:00") {
		t.Fatalf("reminder: %+v", says(res))
	}
	// In quiet hours a reminder waits for their end.
	w.now = time.Date(2026, 12, 1, 22, 0, 0, 0, oslo)
	res = w.timer(flows.TimerReminder, flows.TimerData{Person: "yonas", Date: "2026-12-02"})
	if rem := to(res, "yonas"); len(rem) != 1 || !rem[0].NotBefore.Equal(time.Date(2026, 12, 2, 7, 0, 0, 0, oslo)) {
		t.Fatalf("quiet-hours reminder: %+v", says(res))
	}
}

// Every message an employer or teacher can get is free of any reason, in
// every language.
func TestEmployerMessagesNameNoReason(t *testing.T) {
	args := locales.Args{"Name": "X", "Days": "D", "Back": "B", "Employer": "E", "Day": "D", "Start": "S", "End": "E"}
	for _, l := range roster.Languages {
		for _, id := range []string{"absence.mentor", "absence.mentor_no_back", "absence.mentor_again", "absence.mentor_no_back_again",
			"absence.teacher", "absence.undone_notice", "card.title", "card.absent", "card.coming"} {
			noReason(t, l+" "+id, locales.Text(l, id, args))
		}
	}
}

func TestReportingADayTwiceTellsNobodyAgain(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|today")
	first := w.press(1, "1|abs|send")
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|two")
	res := w.press(1, "1|abs|send")
	// Only Wednesday is new: the mentor (Tuesday placement) is not told
	// again, the teacher hears of Wednesday's class.
	if len(to(res, "per")) != 0 || len(to(res, "lars")) != 1 {
		t.Fatalf("second notice told: %+v", says(res))
	}
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|today")
	if res := w.press(1, "1|abs|send"); res.Reason != flows.ReasonAbsenceAlreadyReported || len(to(res, "anne")) != 0 {
		t.Fatalf("third notice: %s %+v", res.Reason, says(res))
	}
	// Undoing the first takes back Tuesday only.
	undo := mine(t, first, 1).Inline[0][0].Data
	res = w.press(1, undo)
	if m := to(res, "per"); len(m) != 1 || !strings.Contains(m[0].Text, "01.12") || strings.Contains(m[0].Text, "02.12") {
		t.Fatalf("undo (%s) told the mentor %+v; all %+v", res.Reason, m, says(res))
	}
	if f := w.decoded("amina"); len(f.Absences) != 1 || f.Absences["2026-12-02"].Kind == "" {
		t.Fatalf("after undo: %+v", f.Absences)
	}
}

func TestBackToWorkAnswersOnlyOnTheDayAsked(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.run(1, cmd("sick", ""))
	w.press(1, "1|abs|today")
	res := w.press(1, "1|abs|send")
	var back flows.Schedule
	for _, a := range res.Actions {
		if s, ok := a.(flows.Schedule); ok {
			back = s
		}
	}
	w.now = back.Due // Wednesday 07:00
	res = w.timer(flows.TimerBack, back.Data)
	ask := to(res, "amina")
	if len(ask) != 1 {
		t.Fatalf("no question: %+v", says(res))
	}
	still := ask[0].Inline[0][1].Data
	w.now = w.now.Add(24 * time.Hour)
	if res := w.press(1, still); res.Reason != flows.ReasonStaleButton {
		t.Fatalf("a day-old [Still sick]: %s", res.Reason)
	}
	w.now = back.Due
	if res := w.press(1, still); res.Reason != flows.ReasonAbsenceExtended || len(to(res, "anne")) != 1 {
		t.Fatalf("[Still sick]: %s", res.Reason)
	}
	if res := w.press(1, still); len(to(res, "anne")) != 0 {
		t.Fatal("tapping twice told the adviser again")
	}
}

func TestOtherProblemIsNotAnUnexplainedAbsence(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.now = time.Date(2026, 12, 1, 9, 31, 0, 0, oslo)
	d := flows.TimerData{Person: "amina", Date: "2026-12-01"}
	w.timer(flows.TimerNudge, d)
	if res := w.press(1, "1|ci|problem|2026-12-01"); len(to(res, "anne")) != 1 {
		t.Fatalf("problem: %+v", says(res))
	}
	w.now = time.Date(2026, 12, 1, 10, 1, 0, 0, oslo)
	if res := w.timer(flows.TimerUnexplained, d); len(says(res)) != 0 {
		t.Fatalf("alerted after the participant answered: %+v", says(res))
	}
	// A nudge that falls due before the (changed) start does nothing.
	w.now = time.Date(2026, 12, 3, 9, 0, 0, 0, oslo)
	if res := w.timer(flows.TimerNudge, flows.TimerData{Person: "amina", Date: "2026-12-03"}); len(says(res)) != 0 {
		t.Fatal("nudged before start + grace")
	}
}

func TestMorningCardCoversTheWholeWorkplace(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("ingrid", 2)
	w.now = time.Date(2026, 12, 1, 7, 0, 0, 0, oslo)
	res := w.timer(flows.TimerCard, flows.TimerData{Person: "ingrid", Date: "2026-12-01"})
	card := to(res, "ingrid")
	// Olena is Ingrid's, Dmitri is Hege's: both are at Solhaug today.
	if len(card) != 1 || !strings.Contains(card[0].Text, "Olena") || !strings.Contains(card[0].Text, "Dmitri") {
		t.Fatalf("card: %+v", says(res))
	}
}
