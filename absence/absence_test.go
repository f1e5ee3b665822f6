package absence

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// imdi is the roster's default policy: IMDi's rules under
// integreringsloven (docs/behaviour.md).
var imdi = roster.Sickness{
	SelfCertifiedDays:  3,
	SelfCertifiedTimes: 4,
	QualifyingWeeks:    8,
	SamePeriodDays:     16,
	ChildSickDays:      10,
}

// d parses an ISO date; tests spell dates out so a reader can check them
// against a calendar.
func d(s string) roster.Date {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return roster.DateOf(t)
}

// span is n consecutive calendar days from the ISO date from.
func span(from string, n int) []roster.Date { return schedule.Days(d(from), n) }

func days(ss ...string) []roster.Date {
	out := make([]roster.Date, len(ss))
	for i, s := range ss {
		out[i] = d(s)
	}
	return out
}

func sick(ds ...roster.Date) Notice  { return Notice{Kind: Sick, Days: ds} }
func child(ds ...roster.Date) Notice { return Notice{Kind: ChildSick, Days: ds} }

// participant has been in the programme long enough that the qualifying
// rule stays quiet in tests about other rules.
func participant() Person {
	return Person{ProgrammeStart: d("2023-01-09"), Policy: imdi}
}

func TestKindValid(t *testing.T) {
	for _, k := range []Kind{Sick, ChildSick, Appointment, PaidShift, Other} {
		if !k.Valid() {
			t.Errorf("%q is not valid", k)
		}
	}
	for _, k := range []Kind{"", "Sick", "holiday"} {
		if k.Valid() {
			t.Errorf("%q is valid", k)
		}
	}
}

func TestQualifyingWeeks(t *testing.T) {
	// 8 weeks after Monday 6 January 2025 is Monday 3 March.
	start := d("2025-01-06")
	tests := []struct {
		name   string
		start  roster.Date
		weeks  int
		n      Notice
		passed bool
	}{
		{"last day of the qualifying weeks", start, 8, sick(days("2025-03-02")...), true},
		{"first day after them", start, 8, sick(days("2025-03-03")...), false},
		{"any day before them, in any order", start, 8, sick(days("2025-03-03", "2025-03-02")...), true},
		{"before the programme started", start, 8, sick(days("2024-12-30")...), true},
		{"first day in the programme", start, 8, sick(days("2025-01-06")...), true},
		{"child's sickness counts from day one", start, 8, child(days("2025-01-07")...), false},
		{"appointment", start, 8, Notice{Kind: Appointment, Days: days("2025-01-07")}, false},
		{"start unknown", roster.Date{}, 8, sick(days("2025-01-07")...), false},
		{"no qualifying weeks", start, 0, sick(days("2025-01-07")...), false},
		{"one week", start, 1, sick(days("2025-01-13")...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Person{ProgrammeStart: tt.start, Policy: imdi}
			p.Policy.QualifyingWeeks = tt.weeks
			r := Check(p, nil, tt.n)
			var want []Rule
			if tt.passed {
				want = []Rule{RuleQualifyingWeeks}
			}
			if !slices.Equal(r.Passed, want) {
				t.Errorf("passed %v, want %v", r.Passed, want)
			}
		})
	}
}

func TestSelfCertifiedDays(t *testing.T) {
	tests := []struct {
		name     string
		policy   func(*roster.Sickness)
		history  []Notice
		n        Notice
		wantDays int
		passed   bool
	}{
		{name: "three days is within the limit",
			n: sick(span("2025-03-10", 3)...), wantDays: 3},
		{name: "the fourth day passes it",
			n: sick(span("2025-03-10", 4)...), wantDays: 4, passed: true},
		{name: "a day given twice counts once",
			n: sick(days("2025-03-10", "2025-03-11", "2025-03-11", "2025-03-12")...), wantDays: 3},
		{name: "a notice repeating reported days adds nothing",
			history: []Notice{sick(span("2025-03-10", 3)...)},
			n:       sick(days("2025-03-12")...), wantDays: 3},
		// 14 March 2025 is a Friday.
		{name: "sick Friday and Monday is four calendar days",
			history: []Notice{sick(days("2025-03-14")...)},
			n:       sick(days("2025-03-17")...), wantDays: 4, passed: true},
		{name: "sick Friday, back Monday, is one day",
			n: sick(days("2025-03-14")...), wantDays: 1},
		{name: "a working day without sickness ends the spell",
			history: []Notice{sick(days("2025-03-10")...)},
			n:       sick(days("2025-03-12")...), wantDays: 1},
		{name: "sickness within 16 days is the same period, not the same spell",
			history: []Notice{sick(span("2025-03-10", 2)...)},
			n:       sick(span("2025-03-27", 2)...), wantDays: 2},
		{name: "a public holiday inside a spell counts (Kristi himmelfartsdag 2025)",
			history: []Notice{sick(days("2025-05-28")...)},
			n:       sick(days("2025-05-30")...), wantDays: 3},
		{name: "a late notice joins a spell reported ahead of it",
			history: []Notice{sick(days("2025-03-17", "2025-03-18")...)},
			n:       sick(days("2025-03-14")...), wantDays: 5, passed: true},
		{name: "history order does not matter",
			history: []Notice{sick(days("2025-03-18")...), sick(days("2025-03-17")...)},
			n:       sick(days("2025-03-14")...), wantDays: 5, passed: true},
		{name: "a child's sickness is not own sickness",
			history: []Notice{child(span("2025-03-10", 3)...)},
			n:       sick(days("2025-03-13")...), wantDays: 1},
		{name: "other kinds do not count",
			history: []Notice{{Kind: Appointment, Days: span("2025-03-10", 3)}, {Kind: PaidShift, Days: span("2025-03-10", 3)}, {Kind: Other, Days: span("2025-03-10", 3)}},
			n:       sick(days("2025-03-13")...), wantDays: 1},
		{name: "no day limit when self_certified_days is zero",
			policy: func(s *roster.Sickness) { s.SelfCertifiedDays = 0 },
			n:      sick(span("2025-03-10", 10)...), wantDays: 10},
		{name: "same_period_days does not change a spell",
			policy:  func(s *roster.Sickness) { s.SamePeriodDays = 0 },
			history: []Notice{sick(span("2025-03-10", 2)...)},
			n:       sick(days("2025-03-12")...), wantDays: 3},
		{name: "nor does it join a spell across a working day",
			policy:  func(s *roster.Sickness) { s.SamePeriodDays = 0 },
			history: []Notice{sick(span("2025-03-10", 2)...)},
			n:       sick(days("2025-03-13")...), wantDays: 1},
		// 1 March 2025 is a Saturday.
		{name: "a notice spanning two spells reports the longer",
			history: []Notice{sick(span("2025-03-01", 3)...)},
			n:       sick(days("2025-03-20", "2025-03-04")...), wantDays: 4, passed: true},
		{name: "policy limit of five",
			policy: func(s *roster.Sickness) { s.SelfCertifiedDays = 5 },
			n:      sick(span("2025-03-10", 5)...), wantDays: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := participant()
			if tt.policy != nil {
				tt.policy(&p.Policy)
			}
			r := Check(p, tt.history, tt.n)
			if r.Counters.PeriodDays != tt.wantDays {
				t.Errorf("PeriodDays = %d, want %d", r.Counters.PeriodDays, tt.wantDays)
			}
			if got := r.Passes(RuleSelfCertifiedDays); got != tt.passed {
				t.Errorf("passed %v (%v), want %v", got, r.Passed, tt.passed)
			}
		})
	}
}

func TestSelfCertifiedTimes(t *testing.T) {
	// Periods far enough apart never to merge.
	three := []Notice{sick(days("2024-09-02")...), sick(days("2024-12-02")...), sick(days("2025-03-03")...)}
	with := func(ns ...Notice) []Notice { return append(slices.Clone(three), ns...) }
	tests := []struct {
		name    string
		limit   int
		history []Notice
		n       Notice
		want    int
		passed  bool
	}{
		// The 12 months up to Tuesday 10 June 2025 begin on 11 June 2024.
		{name: "the fifth period passes four", limit: 4,
			history: with(sick(days("2024-06-11")...)),
			n:       sick(days("2025-06-10")...), want: 5, passed: true},
		{name: "a period the day before the window is not counted", limit: 4,
			history: with(sick(days("2024-06-10")...)),
			n:       sick(days("2025-06-10")...), want: 4},
		{name: "a period reaching into the window is counted", limit: 4,
			history: with(sick(days("2024-06-01", "2024-06-02")...), sick(days("2024-06-11")...)),
			n:       sick(days("2025-06-10")...), want: 5, passed: true},
		{name: "sickness joining a period adds no time", limit: 4,
			history: with(sick(days("2024-06-11")...)),
			n:       sick(days("2025-03-10")...), want: 4},
		{name: "periods after the notice are not counted", limit: 4,
			history: with(sick(days("2025-09-01")...)),
			n:       sick(days("2025-06-10")...), want: 4},
		{name: "other kinds are not periods", limit: 4,
			history: with(child(days("2024-06-11")...), Notice{Kind: Appointment, Days: days("2024-07-01")}, Notice{Kind: Other, Days: days("2024-08-01")}),
			n:       sick(days("2025-06-10")...), want: 4},
		{name: "no limit when self_certified_times is zero", limit: 0,
			history: with(sick(days("2024-06-11")...)),
			n:       sick(days("2025-06-10")...), want: 5},
		{name: "a limit of one", limit: 1,
			history: []Notice{sick(days("2025-03-03")...)},
			n:       sick(days("2025-06-10")...), want: 2, passed: true},
		// Leap years: the 12 months up to 29 February 2024 begin on
		// 1 March 2023, those up to 28 February 2025 on 29 February 2024.
		{name: "up to 29 February: 1 March a year before is in", limit: 4,
			history: []Notice{sick(days("2023-03-01")...), sick(days("2023-06-01")...), sick(days("2023-09-01")...), sick(days("2023-12-01")...)},
			n:       sick(days("2024-02-29")...), want: 5, passed: true},
		{name: "up to 29 February: 28 February a year before is out", limit: 4,
			history: []Notice{sick(days("2023-02-28")...), sick(days("2023-06-01")...), sick(days("2023-09-01")...), sick(days("2023-12-01")...)},
			n:       sick(days("2024-02-29")...), want: 4},
		{name: "up to 28 February after a leap year: 29 February is in", limit: 4,
			history: []Notice{sick(days("2024-02-29")...), sick(days("2024-06-03")...), sick(days("2024-09-02")...), sick(days("2024-12-02")...)},
			n:       sick(days("2025-02-28")...), want: 5, passed: true},
		{name: "up to 28 February after a leap year: 28 February is out", limit: 4,
			history: []Notice{sick(days("2024-02-28")...), sick(days("2024-06-03")...), sick(days("2024-09-02")...), sick(days("2024-12-02")...)},
			n:       sick(days("2025-02-28")...), want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := participant()
			p.Policy.SelfCertifiedTimes = tt.limit
			r := Check(p, tt.history, tt.n)
			if r.Counters.Periods12m != tt.want {
				t.Errorf("Periods12m = %d, want %d", r.Counters.Periods12m, tt.want)
			}
			if got := r.Passes(RuleSelfCertifiedTimes); got != tt.passed {
				t.Errorf("passed %v (%v), want %v", got, r.Passed, tt.passed)
			}
		})
	}
}

func TestWindowStart(t *testing.T) {
	tests := []struct{ last, want string }{
		{"2025-06-10", "2024-06-11"},
		{"2024-02-29", "2023-03-01"},
		{"2024-02-28", "2023-03-01"},
		{"2025-02-28", "2024-02-29"},
		{"2025-03-01", "2024-03-02"},
		{"2025-12-31", "2025-01-01"},
		{"2025-01-01", "2024-01-02"},
	}
	for _, tt := range tests {
		if got := windowStart(dayOf(d(tt.last))).date(); got != d(tt.want) {
			t.Errorf("windowStart(%s) = %s, want %s", tt.last, got, tt.want)
		}
	}
}

func TestChildAllowance(t *testing.T) {
	tests := []struct {
		base, children int
		single         bool
		want           int
	}{
		{10, 0, false, 10},
		{10, 1, false, 10},
		{10, 2, false, 10},
		{10, 3, false, 15},
		{10, 5, false, 15},
		{10, 1, true, 20},
		{10, 2, true, 20},
		{10, 3, true, 30},
		{10, 5, true, 30},
		{7, 3, false, 10},
		{7, 3, true, 20},
		{0, 3, true, 0},
	}
	for _, tt := range tests {
		p := Person{Children: tt.children, SingleCarer: tt.single, Policy: roster.Sickness{ChildSickDays: tt.base}}
		if got := Check(p, nil, child(days("2025-03-10")...)).Counters.ChildAllowance; got != tt.want {
			t.Errorf("base %d, %d children, single %v: allowance %d, want %d", tt.base, tt.children, tt.single, got, tt.want)
		}
	}
}

// weekdays returns the Monday-to-Friday dates in the n calendar days from
// the ISO date from.
func weekdays(from string, n int) []roster.Date {
	var out []roster.Date
	for _, x := range span(from, n) {
		if wd := schedule.Weekday(x); wd != time.Saturday && wd != time.Sunday {
			out = append(out, x)
		}
	}
	return out
}

func TestChildSickDays(t *testing.T) {
	// 6 January to 14 February 2025: six weeks, 30 working days, no
	// public holiday.
	thirty := weekdays("2025-01-06", 40)
	if len(thirty) != 30 {
		t.Fatalf("fixture has %d days", len(thirty))
	}
	tests := []struct {
		name     string
		p        Person
		history  []Notice
		n        Notice
		want     int
		passed   bool
		noPassed bool // Passed must be empty
	}{
		{name: "working days only: Friday to Monday is two",
			p: participant(), n: child(span("2025-03-14", 4)...), want: 2},
		{name: "a public holiday is not counted (Kristi himmelfartsdag 2025)",
			p: participant(), n: child(span("2025-05-28", 3)...), want: 2},
		{name: "a closed day is not counted",
			p: Person{Policy: imdi, Calendar: schedule.New(roster.Programme{Closed: days("2025-03-12")})},
			n: child(span("2025-03-10", 5)...), want: 4},
		{name: "exactly the allowance",
			p:       participant(),
			history: []Notice{child(thirty[:9]...)},
			n:       child(thirty[9]), want: 10},
		{name: "one day over the allowance",
			p:       participant(),
			history: []Notice{child(thirty[:10]...)},
			n:       child(thirty[10]), want: 11, passed: true},
		{name: "a day reported twice counts once",
			p:       participant(),
			history: []Notice{child(thirty[:10]...)},
			n:       child(thirty[9]), want: 10},
		{name: "single carer of three: 30 is within",
			p:       Person{Children: 3, SingleCarer: true, Policy: imdi},
			history: []Notice{child(thirty[:29]...)},
			n:       child(thirty[29]), want: 30},
		{name: "single carer of three: 31 is over",
			p:       Person{Children: 3, SingleCarer: true, Policy: imdi},
			history: []Notice{child(thirty...)},
			n:       child(days("2025-02-17")...), want: 31, passed: true},
		{name: "three children: 16 is over",
			p:       Person{Children: 3, Policy: imdi},
			history: []Notice{child(thirty[:15]...)},
			n:       child(thirty[15]), want: 16, passed: true},
		{name: "days of an earlier year are not counted",
			p:       participant(),
			history: []Notice{child(thirty...)},
			n:       child(days("2026-02-16")...), want: 1},
		{name: "the right is per calendar year, not per 12 months",
			p:       participant(),
			history: []Notice{child(weekdays("2025-12-01", 14)...)},
			n:       child(days("2026-01-05")...), want: 1},
		{name: "2 January counts, 31 December before does not",
			p:       participant(),
			history: []Notice{child(days("2024-12-31")...), child(days("2025-01-02")...)},
			n:       child(days("2025-06-10")...), want: 2},
		{name: "days after the notice are not counted",
			p:       participant(),
			history: []Notice{child(days("2025-06-11")...)},
			n:       child(days("2025-06-10")...), want: 1},
		{name: "a Sick notice shows child days but passes no child rule",
			p:       participant(),
			history: []Notice{child(thirty[:11]...)},
			n:       sick(days("2025-03-03")...), want: 11, noPassed: true},
		{name: "own sickness is not a child's",
			p:       participant(),
			history: []Notice{sick(thirty[:11]...)},
			n:       child(days("2025-03-03")...), want: 1},
		{name: "no limit when child_sick_days is zero",
			p:       Person{Policy: roster.Sickness{}},
			history: []Notice{child(thirty[:20]...)},
			n:       child(thirty[20]), want: 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.p, tt.history, tt.n)
			if r.Counters.ChildDays != tt.want {
				t.Errorf("ChildDays = %d, want %d", r.Counters.ChildDays, tt.want)
			}
			if got := r.Passes(RuleChildSickDays); got != tt.passed {
				t.Errorf("passed %v (%v), want %v", got, r.Passed, tt.passed)
			}
			if tt.noPassed && len(r.Passed) > 0 {
				t.Errorf("passed %v, want none", r.Passed)
			}
		})
	}
}

func TestSeveralRules(t *testing.T) {
	p := Person{ProgrammeStart: d("2025-01-06"), Policy: imdi}
	p.Policy.SelfCertifiedTimes = 1
	history := []Notice{sick(days("2025-01-07")...)}
	r := Check(p, history, sick(span("2025-02-03", 4)...))
	want := []Rule{RuleQualifyingWeeks, RuleSelfCertifiedDays, RuleSelfCertifiedTimes}
	if !slices.Equal(r.Passed, want) {
		t.Errorf("passed %v, want %v", r.Passed, want)
	}
	if c := r.Counters; c.PeriodDays != 4 || c.Periods12m != 2 {
		t.Errorf("counters %+v", c)
	}
}

func TestEmptyNotice(t *testing.T) {
	history := []Notice{sick(span("2025-03-10", 5)...), child(span("2025-03-10", 5)...)}
	for _, k := range []Kind{Sick, ChildSick, Other} {
		r := Check(participant(), history, Notice{Kind: k})
		if want := (Counters{ChildAllowance: 10}); r.Counters != want || r.Passed != nil {
			t.Errorf("%s: %+v, want %+v and nothing passed", k, r, want)
		}
	}
}

func TestStatus(t *testing.T) {
	history := []Notice{
		sick(span("2025-03-10", 2)...),
		child(days("2025-03-12", "2025-03-13")...),
		sick(span("2025-04-14", 5)...), // reported ahead of the digest dates below
		child(days("2025-04-14")...),
		{Kind: Appointment, Days: days("2025-03-11")},
	}
	tests := []struct {
		asOf string
		want Counters
	}{
		{"2025-03-09", Counters{ChildAllowance: 10}},
		{"2025-03-10", Counters{PeriodDays: 1, Periods12m: 1, ChildAllowance: 10}},
		{"2025-03-12", Counters{PeriodDays: 2, Periods12m: 1, ChildDays: 1, ChildAllowance: 10}},
		// Wednesday 12 March was a working day without sickness: the
		// spell is over.
		{"2025-03-13", Counters{Periods12m: 1, ChildDays: 2, ChildAllowance: 10}},
		{"2025-04-15", Counters{PeriodDays: 2, Periods12m: 2, ChildDays: 3, ChildAllowance: 10}},
		// Easter 2025: 17 and 18 April (reported sick) and 21 April are
		// public holidays; sickness on Tuesday 22 April would still
		// continue the spell, on Wednesday 23 April it would not.
		{"2025-04-22", Counters{PeriodDays: 5, Periods12m: 2, ChildDays: 3, ChildAllowance: 10}},
		{"2025-04-23", Counters{Periods12m: 2, ChildDays: 3, ChildAllowance: 10}},
		{"2025-12-31", Counters{Periods12m: 2, ChildDays: 3, ChildAllowance: 10}},
		{"2026-01-01", Counters{Periods12m: 2, ChildAllowance: 10}},
		{"2026-03-10", Counters{Periods12m: 2, ChildAllowance: 10}},
		{"2026-03-11", Counters{Periods12m: 1, ChildAllowance: 10}},
	}
	for _, tt := range tests {
		if got := Status(participant(), history, d(tt.asOf)); got != tt.want {
			t.Errorf("Status(%s) = %+v, want %+v", tt.asOf, got, tt.want)
		}
	}
}

func TestPersonOf(t *testing.T) {
	r := &roster.Roster{Programme: roster.Programme{Sickness: imdi, Closed: days("2025-03-12")}}
	pt := &roster.Participant{
		ProgrammeStart: d("2025-01-06"),
		Children:       3,
		SingleCarer:    true,
		Sickness:       &roster.Sickness{SelfCertifiedDays: 5},
	}
	r.Participants = []*roster.Participant{pt}
	r.Index()
	p := PersonOf(r, pt)
	want := imdi
	want.SelfCertifiedDays = 5
	if !reflect.DeepEqual(p.Policy, want) || p.ProgrammeStart != pt.ProgrammeStart || p.Children != 3 || !p.SingleCarer {
		t.Errorf("PersonOf = %+v", p)
	}
	if c := Status(p, []Notice{child(span("2025-03-10", 5)...)}, d("2025-03-14")); c.ChildDays != 4 || c.ChildAllowance != 30 {
		t.Errorf("closed day or allowance lost: %+v", c)
	}
}

func TestSpellAcrossAClosedDay(t *testing.T) {
	p := participant()
	p.Calendar = schedule.New(roster.Programme{Closed: days("2025-03-12")})
	// Tuesday and Thursday with the programme closed on Wednesday: one
	// spell of three calendar days.
	r := Check(p, []Notice{sick(days("2025-03-11")...)}, sick(days("2025-03-13")...))
	if r.Counters.PeriodDays != 3 {
		t.Errorf("PeriodDays = %d, want 3", r.Counters.PeriodDays)
	}
	// Without the closed day Wednesday ends the spell.
	if r := Check(participant(), []Notice{sick(days("2025-03-11")...)}, sick(days("2025-03-13")...)); r.Counters.PeriodDays != 1 {
		t.Errorf("without the closed day: PeriodDays = %d, want 1", r.Counters.PeriodDays)
	}
}
