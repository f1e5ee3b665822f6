package main

import (
	"testing"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
)

// The suite reads notices in every language as the bot renders them:
// names isolated in right-to-left languages, lines marked.
func TestStaffNoticeEveryLanguage(t *testing.T) {
	for _, lang := range roster.Languages {
		name := "Participant 007"
		days := locales.Verbatim(locales.Isolate(lang, "Tue 01.12"))
		cases := []struct {
			text, kind string
		}{
			{locales.Text(lang, "absence.mentor", locales.Args{"Name": name, "Days": days, "Back": "Thu 03.12"}), noticeTold},
			{locales.Text(lang, "absence.mentor_no_back", locales.Args{"Name": name, "Days": days}), noticeTold},
			{locales.Lines(lang, []string{
				locales.Text(lang, "absence.adviser", locales.Args{"Name": name, "Kind": "🤒", "Days": days}),
				locales.Text(lang, "absence.adviser_not_a_decision", nil)}), noticeTold},
			{locales.Text(lang, "absence.undone_notice", locales.Args{"Name": name, "Days": days}), noticeUndone},
		}
		for _, c := range cases {
			kind, got, ok := staffNotice(lang, c.text)
			if !ok || kind != c.kind || got != name {
				t.Errorf("%s: staffNotice(%q) = %q, %q, %v; want %q, %q", lang, c.text, kind, got, ok, c.kind, name)
			}
		}
		if _, _, ok := staffNotice(lang, locales.Text(lang, "help.staff", nil)); ok {
			t.Errorf("%s: the staff help text read as a notice", lang)
		}
	}
}

func TestFamilyEveryLanguage(t *testing.T) {
	for _, lang := range roster.Languages {
		cases := map[string]string{
			locales.Text(lang, "help.participant", nil):                                                famHelp,
			locales.Text(lang, "week.title", nil) + "\n" + locales.Text(lang, "week.empty", nil):       famWeek,
			locales.Text(lang, "absence.ask_days", nil):                                                famAskDays,
			locales.Text(lang, "checkin.done", locales.Args{"Time": "08:00", "Place": "Workplace 01"}): famCheckin,
			locales.Text(lang, "feedback.any_time", locales.Args{"Name": "Participant 001"}):           famFeedback,
			locales.Text(lang, "absence.cancelled", nil):                                               "",
		}
		for text, want := range cases {
			if got := family(lang, text); got != want {
				t.Errorf("%s: family(%q) = %q, want %q", lang, text, got, want)
			}
		}
	}
}

// A second copy is excused only when the first went out as its sender was
// killed; any other extra copy is a duplicate.
func TestSurplus(t *testing.T) {
	t0 := time.Now()
	fl := &fleet{procs: []*botProc{
		{id: 1, killedAt: t0.Add(100 * time.Millisecond)}, // killed just after its send
		{id: 2},                              // never killed
		{id: 3, killedAt: t0.Add(time.Hour)}, // killed much later
	}}
	v := &verifier{fleet: fl, redis: &redisServer{}}
	sent := func(proc int, at time.Duration, withheld bool) *apiCall {
		return &apiCall{Proc: proc, Start: t0.Add(at - 10*time.Millisecond), End: t0.Add(at), Withheld: withheld}
	}
	v.surplus("killed in the window", []*apiCall{sent(1, 0, false), sent(2, 8*time.Second, false)}, 1)
	v.surplus("withheld", []*apiCall{sent(3, 0, true), sent(2, 8*time.Second, false)}, 1)
	v.surplus("no kill", []*apiCall{sent(2, 0, false), sent(2, time.Second, false)}, 1)
	v.surplus("killed later", []*apiCall{sent(3, 0, false), sent(2, time.Second, false)}, 1)
	v.surplus("only the last copy at a kill", []*apiCall{sent(2, 0, false), sent(1, 50*time.Millisecond, false)}, 1)
	v.surplus("read after the kill", []*apiCall{sent(1, 120*time.Millisecond, false), sent(2, 8*time.Second, false)}, 1)
	last := sent(1, 50*time.Millisecond, false)
	v.surplus("repeated inside the last message", []*apiCall{sent(2, 0, false), last, last, last}, 3)
	if len(v.v.excused) != 3 || v.v.excused[0].what != "killed in the window" || v.v.excused[1].what != "withheld" ||
		v.v.excused[2].what != "read after the kill" {
		t.Errorf("excused = %+v", v.v.excused)
	}
	if total(v.v.dup) != 6 {
		t.Errorf("duplicated = %+v, want the six without a kill in the window", v.v.dup)
	}
}

// A kill while Redis was down excuses a copy sent before the outage
// ended: the sender was still trying to record it.
func TestSurplusAcrossRedisOutage(t *testing.T) {
	t0 := time.Now()
	rs := &redisServer{outages: []span{{t0.Add(-time.Second), t0.Add(3 * time.Second)}}}
	fl := &fleet{procs: []*botProc{{id: 1, killedAt: t0.Add(2 * time.Second)}, {id: 2}}}
	v := &verifier{fleet: fl, redis: rs}
	v.surplus("outage", []*apiCall{{Proc: 1, Start: t0, End: t0}, {Proc: 2, Start: t0.Add(9 * time.Second), End: t0.Add(9 * time.Second)}}, 1)
	if len(v.v.excused) != 1 || len(v.v.dup) != 0 {
		t.Errorf("excused %+v, duplicated %+v", v.v.excused, v.v.dup)
	}
}

func TestRosterParses(t *testing.T) {
	c := newCast(25, []string{"en", "ar"})
	loc, _ := time.LoadLocation("Europe/Oslo")
	if _, err := roster.Parse("generated", []byte(c.rosterYAML(time.Now(), loc))); err != nil {
		t.Fatal(err)
	}
	if len(c.mentors) != 9 || len(c.advisers) != 4 || c.participants[24].Mentor != c.mentors[8] {
		t.Errorf("cast: %d mentors, %d advisers", len(c.mentors), len(c.advisers))
	}
}

// What a job says is checked to go once per chat, subject and day.
func TestScheduledOnce(t *testing.T) {
	c := newCast(1, []string{"ar"})
	p, adv := c.participants[0], c.advisers[0]
	t0 := time.Now()
	msg := func(chat int64, text string) *apiCall {
		return &apiCall{Proc: 1, Chat: chat, Text: text, Start: t0, End: t0}
	}
	nudge := locales.Text(p.Lang, "checkin.nudge", locales.Args{"Place": "Workplace 01"})
	alert := locales.Lines(adv.Lang, []string{
		locales.Text(adv.Lang, "alert.title", locales.Args{"Name": p.Name}),
		locales.Text(adv.Lang, "alert.unexplained", locales.Args{"Place": "Workplace 01", "Start": "00:00"})})
	sends := map[int64][]*apiCall{
		p.Chat:   {msg(p.Chat, nudge), msg(p.Chat, nudge)},
		adv.Chat: {msg(adv.Chat, alert), msg(adv.Chat, alert), msg(adv.Chat, alert)},
	}
	v := &verifier{cast: c, fleet: &fleet{procs: []*botProc{{id: 1}}}, redis: &redisServer{}}
	v.scheduled(sends)
	if total(v.v.dup) != 3 || v.v.jobMessages != 5 {
		t.Errorf("duplicated %+v, %d job messages; want 1 nudge and 2 alerts of 5", v.v.dup, v.v.jobMessages)
	}
}
