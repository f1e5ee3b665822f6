package flows_test

import (
	"strings"
	"testing"
	"time"

	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// inlineData lists a message's buttons' data.
func inlineData(m flows.Say) []string {
	var out []string
	for _, row := range m.Inline {
		for _, b := range row {
			out = append(out, b.Data)
		}
	}
	return out
}

func withPrefix(ds []string, prefix string) []string {
	var out []string
	for _, d := range ds {
		if strings.HasPrefix(d, prefix) {
			out = append(out, d)
		}
	}
	return out
}

// aminaBusy is amina's week as the slot finder must see it.
func overlapsAminasWeek(t *testing.T, w *factWorld, start time.Time) bool {
	t.Helper()
	p := w.r.Participant("amina")
	cal := schedule.New(w.r.Programme)
	for _, a := range cal.Activities(p, roster.DateOf(start.In(oslo)), 1) {
		if start.Before(a.End) && a.Start.Before(start.Add(flows.MeetingLength)) {
			return true
		}
	}
	return false
}

func TestBookingByTapsOffersOnlyFreeTimes(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	w.onboard("amina", 1)
	res := w.run(3, text(locales.Text("nb", "menu.meeting", nil)))
	pick := withPrefix(inlineData(mine(t, res, 3)), "1|mt|p|")
	if len(pick) == 0 {
		t.Fatalf("no participants offered: %+v", says(res))
	}
	var aminaRef string
	for _, row := range mine(t, res, 3).Inline {
		if row[0].Text == "Amina Yusuf" {
			aminaRef = row[0].Data
		}
	}
	res = w.press(3, aminaRef)
	days := withPrefix(inlineData(mine(t, res, 3)), "1|mt|d|")
	if len(days) == 0 {
		t.Fatalf("no days offered: %+v", says(res))
	}
	for _, d := range days {
		// Tuesday and Thursday are Hotell Strand days 09:00-15:00: never offered.
		if strings.HasSuffix(d, "2026-12-01") || strings.HasSuffix(d, "2026-12-03") {
			t.Errorf("a placement day offered: %s", d)
		}
	}
	for _, d := range days {
		res := w.press(3, d)
		for _, tm := range withPrefix(inlineData(mine(t, res, 3)), "1|mt|t|") {
			parts := strings.Split(tm, "|")
			day, _ := time.ParseInLocation("2006-01-02 1504", parts[4]+" "+parts[5], oslo)
			if overlapsAminasWeek(t, w, day) {
				t.Errorf("offered a time that clashes: %s", tm)
			}
			if h := day.Hour()*60 + day.Minute(); h < 9*60 || h+45 > 15*60 {
				t.Errorf("offered a time outside Kari's hours: %s", tm)
			}
		}
	}
	// Book the first time of the first day.
	res = w.press(3, days[0])
	tm := withPrefix(inlineData(mine(t, res, 3)), "1|mt|t|")[0]
	res = w.press(3, tm)
	ok := withPrefix(inlineData(mine(t, res, 3)), "1|mt|ok|")[0]
	res = w.press(3, ok)
	if res.Reason != flows.ReasonMeetingBooked {
		t.Fatalf("book: %s %+v", res.Reason, says(res))
	}
	notice := to(res, "amina")
	if len(notice) != 1 || notice[0].Lang != "ar" || !strings.Contains(notice[0].Text, locales.FSI+"Nav Gjøvik, Storgata 2"+locales.PDI) {
		t.Fatalf("participant notice: %+v", notice)
	}
	choices := withPrefix(inlineData(notice[0]), "1|mt|c|")
	if len(choices) != 3 {
		t.Fatalf("comprehension check offers %d days, want 3", len(choices))
	}
	// The meeting shows in her week.
	week := mine(t, w.run(1, cmd("week", "")), 1).Text
	if !strings.Contains(week, "📆") {
		t.Errorf("week lacks the meeting:\n%s", week)
	}
}

func TestTypedBookingOnAPlacementDayIsRefusedWithFreeAlternatives(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	res := w.run(3, cmd("meeting", "amina tirsdag 10"))
	if res.Reason != flows.ReasonMeetingClash {
		t.Fatalf("reason %s", res.Reason)
	}
	m := mine(t, res, 3)
	if !strings.Contains(m.Text, "Hotell Strand") {
		t.Errorf("refusal does not say what it clashes with: %q", m.Text)
	}
	alts := withPrefix(inlineData(m), "1|mt|t|")
	if len(alts) != 3 {
		t.Fatalf("%d alternatives, want 3: %+v", len(alts), m.Inline)
	}
	for _, a := range alts {
		parts := strings.Split(a, "|")
		start, _ := time.ParseInLocation("2006-01-02 1504", parts[4]+" "+parts[5], oslo)
		if overlapsAminasWeek(t, w, start) {
			t.Errorf("alternative clashes: %s", a)
		}
	}
	for _, bad := range []string{"amina", "amina 1.12", "nobody 1.12 10", "amina 1.13 10", "amina 1.12 25", "amina 1.12 10 maybe"} {
		if res := w.run(3, cmd("meeting", bad)); res.Reason != flows.ReasonMeetingBadInput {
			t.Errorf("%q: %s", bad, res.Reason)
		}
	}
	if res := w.run(3, cmd("meeting", "amina 1.12 10 force")); res.Reason != flows.ReasonMeetingBadInput ||
		mine(t, res, 3).MsgID != "meeting.force_needs_reason" {
		t.Errorf("force without a reason: %s", res.Reason)
	}
}

func TestForcedBookingTellsTheMentorNoReason(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	w.onboard("per", 2)
	res := w.run(3, cmd("meeting", "Amina 01.12.2026 10:30 force Akutt avklaring av stønad"))
	if res.Reason != flows.ReasonMeetingBooked {
		t.Fatalf("forced: %s %+v", res.Reason, says(res))
	}
	mentor := to(res, "per")
	want := locales.Text("nb", "meeting.mentor_away", locales.Args{"Name": "Amina Yusuf", "Day": "tir. 01.12", "Start": "10:30", "End": "11:15"})
	if len(mentor) != 1 || mentor[0].Text != want {
		t.Fatalf("mentor: %+v, want %q", mentor, want)
	}
	if strings.Contains(mentor[0].Text, "Nav") || strings.Contains(mentor[0].Text, "stønad") {
		t.Errorf("mentor told why: %q", mentor[0].Text)
	}
	var stored flows.Meeting
	for _, v := range w.facts["amina"] {
		if m, ok := v.(flows.Meeting); ok {
			stored = m
		}
	}
	if !stored.Forced || stored.Reason != "Akutt avklaring av stønad" {
		t.Fatalf("override not recorded: %+v", stored)
	}
}

func TestWrongDayPickAlertsTheCounsellor(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	w.onboard("yonas", 4)
	res := w.run(3, cmd("meeting", "yonas 4.12 10"))
	notice := to(res, "yonas")
	if res.Reason != flows.ReasonMeetingBooked || len(notice) != 1 {
		t.Fatalf("book: %s %+v", res.Reason, says(res))
	}
	var wrong, right string
	for _, d := range withPrefix(inlineData(notice[0]), "1|mt|c|") {
		if strings.HasSuffix(d, "2026-12-04") {
			right = d
		} else {
			wrong = d
		}
	}
	res = w.press(4, wrong)
	if res.Reason != flows.ReasonMeetingMisunderstood {
		t.Fatalf("wrong pick: %s", res.Reason)
	}
	alert := to(res, "kari")
	if len(alert) != 1 || !strings.Contains(alert[0].Text, locales.Text("nb", "langname.ti", nil)) {
		t.Fatalf("counsellor alert: %+v", alert)
	}
	if again := to(res, "yonas"); len(again) != 1 || again[0].MsgID != "meeting.notice_simple" {
		t.Fatalf("notice not repeated more simply: %+v", says(res))
	}
	if res := w.press(4, right); res.Reason != flows.ReasonMeetingUnderstood {
		t.Fatalf("right pick: %s", res.Reason)
	}
	// [I can't come] reaches the counsellor.
	cant := withPrefix(inlineData(notice[0]), "1|mt|cant|")[0]
	if res := w.press(4, cant); len(to(res, "kari")) != 1 {
		t.Fatalf("can't come: %+v", says(res))
	}
}

func TestSecondBookingOfATakenSlotIsRefused(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	w.onboard("anne", 5)
	if res := w.run(3, cmd("meeting", "amina 4.12 10")); res.Reason != flows.ReasonMeetingBooked {
		t.Fatalf("first: %s", res.Reason)
	}
	res := w.run(5, cmd("meeting", "amina 4.12 10:30"))
	if res.Reason != flows.ReasonMeetingClash || !strings.Contains(mine(t, res, 5).Text, "10:00") {
		t.Fatalf("second: %s %+v", res.Reason, says(res))
	}
	// Neither a mentor nor another counsellor's participant can be booked.
	w.onboard("per", 2)
	if res := w.run(2, cmd("meeting", "amina 4.12 12")); res.Reason != flows.ReasonNotForRole {
		t.Fatalf("mentor: %s", res.Reason)
	}
	w.onboard("mona", 6)
	if res := w.run(6, cmd("meeting", "amina 4.12 12")); res.Reason != flows.ReasonMeetingBadInput {
		t.Fatalf("not mona's participant: %s", res.Reason)
	}
	if res := w.press(6, "1|mt|ok|0.amina|2026-12-04|1200"); res.Reason != flows.ReasonStaleButton {
		t.Fatalf("forged button for another's participant: %s", res.Reason)
	}
}

func TestCancelTellsParticipantAndMentor(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	w.onboard("per", 2)
	w.onboard("amina", 1)
	res := w.run(3, cmd("meeting", "amina 1.12 10 force viktig"))
	cancel := withPrefix(inlineData(mine(t, res, 3)), "1|mt|x|")[0]
	res = w.press(3, cancel)
	if res.Reason != flows.ReasonMeetingCancelled || len(to(res, "amina")) != 1 || len(to(res, "per")) != 1 {
		t.Fatalf("cancel: %s %+v", res.Reason, says(res))
	}
	if res := w.press(3, cancel); res.Reason != flows.ReasonStaleButton {
		t.Fatalf("cancel twice: %s", res.Reason)
	}
}

func TestMeetingRemindersDayBeforeAndTwoHoursBefore(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	w.onboard("amina", 1)
	res := w.run(3, cmd("meeting", "amina 4.12 10"))
	due := map[string]time.Time{}
	var mid string
	for _, a := range res.Actions {
		if s, ok := a.(flows.Schedule); ok && s.Kind == flows.TimerMeeting {
			due[s.Data.Date] = s.Due
			mid = s.Data.Notice
		}
	}
	if !due["day"].Equal(time.Date(2026, 12, 3, 18, 0, 0, 0, oslo)) || !due["2h"].Equal(time.Date(2026, 12, 4, 8, 0, 0, 0, oslo)) {
		t.Fatalf("reminders due %v", due)
	}
	w.now = due["2h"]
	res = w.timer(flows.TimerMeeting, flows.TimerData{Person: "amina", Notice: mid, Date: "2h"})
	if r := to(res, "amina"); len(r) != 1 || !strings.Contains(r[0].Text, locales.FSI+"10:00"+locales.PDI) {
		t.Fatalf("reminder: %+v", says(res))
	}
}

func TestForcedOutsideHoursButNotOnAPlacementTellsNoMentor(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("kari", 3)
	w.onboard("per", 2)
	// Friday 16:00: outside Kari's hours, no placement, no class.
	res := w.run(3, cmd("meeting", "amina 4.12 16 force seint møte"))
	if res.Reason != flows.ReasonMeetingBooked || len(to(res, "per")) != 0 {
		t.Fatalf("%s %+v", res.Reason, says(res))
	}
}

func TestComprehensionCheckDoesNotGiveTheAnswerAway(t *testing.T) {
	positions := map[int]bool{}
	for i := range 12 {
		w := newFactWorld(t)
		w.onboard("kari", 3)
		w.onboard("amina", 1)
		w.now = w.now.Add(time.Duration(i) * time.Millisecond) // a different meeting id
		res := w.run(3, cmd("meeting", "amina 9.12 13"))
		for j, d := range withPrefix(inlineData(to(res, "amina")[0]), "1|mt|c|") {
			if strings.HasSuffix(d, "2026-12-09") {
				positions[j] = true
			}
		}
	}
	if len(positions) < 2 {
		t.Fatalf("the right day is always button %v", positions)
	}
}
