package absence

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// model is the reference Check and Status are held to: a plain walk over
// the calendar one day at a time, on dates and sets, written from the
// rules in docs/behaviour.md and the package documentation rather than from
// the code. It is slow and obvious on purpose.
type model struct {
	p      Person
	closed map[roster.Date]bool // the closed days behind p.Calendar
}

func norm(x roster.Date) roster.Date {
	return roster.DateOf(time.Date(x.Year, x.Month, x.Day, 12, 0, 0, 0, time.UTC))
}

func next(x roster.Date) roster.Date {
	return norm(roster.Date{Year: x.Year, Month: x.Month, Day: x.Day + 1})
}
func prev(x roster.Date) roster.Date {
	return norm(roster.Date{Year: x.Year, Month: x.Month, Day: x.Day - 1})
}

func (m model) gap() int { return max(m.p.Policy.SamePeriodDays, 1) }

func (m model) allowance() int {
	n := m.p.Policy.ChildSickDays
	if n <= 0 {
		return 0
	}
	if m.p.Children >= 3 {
		n += n / 2
	}
	if m.p.SingleCarer {
		n += n
	}
	return n
}

// reported is the set of days of kind k on or before until (any day, if
// until is zero).
func reported(ns []Notice, k Kind, until roster.Date) map[roster.Date]bool {
	out := map[roster.Date]bool{}
	for _, n := range ns {
		if n.Kind != k {
			continue
		}
		for _, x := range n.Days {
			if x = norm(x); until.IsZero() || !until.Before(x) {
				out[x] = true
			}
		}
	}
	return out
}

// walk numbers the periods of sickness: going through every calendar day,
// a sick day after more than gap quiet days opens a new period.
func (m model) walk(sick map[roster.Date]bool) (periodOf map[roster.Date]int, size map[int]int) {
	periodOf, size = map[roster.Date]int{}, map[int]int{}
	first, last := bounds(sick)
	if first.IsZero() {
		return periodOf, size
	}
	period, quiet := 0, 0
	for x := first; !last.Before(x); x = next(x) {
		quiet++
		if sick[x] {
			if period == 0 || quiet > m.gap() {
				period++
			}
			periodOf[x] = period
			size[period]++
			quiet = 0
		}
	}
	return periodOf, size
}

// spells numbers the spells of sickness: going through every calendar
// day, a working day without sickness ends the spell, and the next sick day
// opens a new one. A spell's length counts every day from its first to its
// last.
func (m model) spells(sick map[roster.Date]bool) (spellOf map[roster.Date]int, length map[int]int) {
	spellOf, length = map[roster.Date]int{}, map[int]int{}
	first, last := bounds(sick)
	if first.IsZero() {
		return spellOf, length
	}
	spell, broken := 0, true
	var start roster.Date
	for x := first; !last.Before(x); x = next(x) {
		switch {
		case sick[x]:
			if broken {
				spell++
				start = x
				broken = false
			}
			spellOf[x] = spell
			n := 0
			for y := start; !x.Before(y); y = next(y) {
				n++
			}
			length[spell] = n
		case m.workingDay(x):
			broken = true
		}
	}
	return spellOf, length
}

func bounds(set map[roster.Date]bool) (first, last roster.Date) {
	for x := range set {
		if first.IsZero() || x.Before(first) {
			first = x
		}
		if last.IsZero() || last.Before(x) {
			last = x
		}
	}
	return first, last
}

// window lists the days of the 12 months ending on asOf, walking back
// until the same date a year before (28 February for 29 February).
func window(asOf roster.Date) []roster.Date {
	stop := roster.Date{Year: asOf.Year - 1, Month: asOf.Month, Day: asOf.Day}
	if asOf.Month == time.February && asOf.Day == 29 {
		stop.Day = 28
	}
	var out []roster.Date
	for x := asOf; x != stop; x = prev(x) {
		out = append(out, x)
	}
	return out
}

func (m model) workingDay(x roster.Date) bool {
	_, holiday := schedule.Holiday(x)
	wd := schedule.Weekday(x)
	return wd != time.Saturday && wd != time.Sunday && !holiday && !m.closed[x]
}

func (m model) status(ns []Notice, asOf roster.Date) Counters {
	c := Counters{ChildAllowance: m.allowance()}
	sick := reported(ns, Sick, asOf)
	periodOf, _ := m.walk(sick)
	spellOf, length := m.spells(sick)
	// The open spell: sickness on asOf itself, or before it with nothing
	// but days off in between.
	first, _ := bounds(sick)
	for x := asOf; !first.IsZero() && !x.Before(first); x = prev(x) {
		if sick[x] {
			c.PeriodDays = length[spellOf[x]]
			break
		}
		if x != asOf && m.workingDay(x) {
			break
		}
	}
	seen := map[int]bool{}
	for _, x := range window(asOf) {
		if sick[x] && !seen[periodOf[x]] {
			seen[periodOf[x]] = true
			c.Periods12m++
		}
	}
	// Child sick days: the working days of asOf's calendar year up to it.
	child := reported(ns, ChildSick, asOf)
	for x := asOf; x.Year == asOf.Year; x = prev(x) {
		if child[x] && m.workingDay(x) {
			c.ChildDays++
		}
	}
	return c
}

func (m model) check(history []Notice, n Notice) Result {
	own := reported([]Notice{{Kind: "own", Days: n.Days}}, "own", roster.Date{})
	if len(own) == 0 {
		return Result{Counters: Counters{ChildAllowance: m.allowance()}}
	}
	var last roster.Date
	for x := range own {
		if last.Before(x) {
			last = x
		}
	}
	all := append(slices.Clone(history), n)
	c := m.status(all, last)
	var passed []Rule
	switch n.Kind {
	case Sick:
		spellOf, length := m.spells(reported(all, Sick, roster.Date{}))
		c.PeriodDays = 0
		for x := range own {
			c.PeriodDays = max(c.PeriodDays, length[spellOf[x]])
		}
		if w := m.p.Policy.QualifyingWeeks; w > 0 && !m.p.ProgrammeStart.IsZero() {
			qualified := norm(roster.Date{Year: m.p.ProgrammeStart.Year, Month: m.p.ProgrammeStart.Month, Day: m.p.ProgrammeStart.Day + 7*w})
			for x := range own {
				if x.Before(qualified) {
					passed = append(passed, RuleQualifyingWeeks)
					break
				}
			}
		}
		if lim := m.p.Policy.SelfCertifiedDays; lim > 0 && c.PeriodDays > lim {
			passed = append(passed, RuleSelfCertifiedDays)
		}
		if lim := m.p.Policy.SelfCertifiedTimes; lim > 0 && c.Periods12m > lim {
			passed = append(passed, RuleSelfCertifiedTimes)
		}
	case ChildSick:
		if a := m.allowance(); a > 0 && c.ChildDays > a {
			passed = append(passed, RuleChildSickDays)
		}
	}
	return Result{Counters: c, Passed: passed}
}

// The generated dates lie in three years, one of them a leap year.
var epoch = roster.Date{Year: 2023, Month: time.January, Day: 1}

func dateGen() *rapid.Generator[roster.Date] {
	return rapid.Custom(func(t *rapid.T) roster.Date {
		return schedule.AddDays(epoch, rapid.IntRange(0, 3*365).Draw(t, "day"))
	})
}

func personGen() *rapid.Generator[model] {
	return rapid.Custom(func(t *rapid.T) model {
		// Zero is in the range as well as 1..20: it means "no limit".
		policy := func(label string) int { return rapid.IntRange(0, 20).Draw(t, label) }
		p := Person{
			Children:    rapid.IntRange(0, 5).Draw(t, "children"),
			SingleCarer: rapid.Bool().Draw(t, "single"),
			Policy: roster.Sickness{
				SelfCertifiedDays:  policy("self_certified_days"),
				SelfCertifiedTimes: policy("self_certified_times"),
				QualifyingWeeks:    policy("qualifying_weeks"),
				SamePeriodDays:     policy("same_period_days"),
				ChildSickDays:      policy("child_sick_days"),
			},
		}
		if rapid.IntRange(0, 4).Draw(t, "start known") > 0 {
			p.ProgrammeStart = dateGen().Draw(t, "programme_start")
		}
		m := model{p: p, closed: map[roster.Date]bool{}}
		if rapid.Bool().Draw(t, "calendar") {
			closed := rapid.SliceOfN(dateGen(), 0, 20).Draw(t, "closed")
			for _, x := range closed {
				m.closed[x] = true
			}
			m.p.Calendar = schedule.New(roster.Programme{Closed: closed})
		}
		return m
	})
}

var allKinds = []Kind{Sick, Sick, ChildSick, ChildSick, Appointment, PaidShift, Other}

// noticesGen makes a participant's notices in the order they came in.
// Most follow the one before at a distance around same_period_days, so
// that periods merge and 12-month windows fill up; some jump anywhere in
// the three years, so that late and out-of-order notices occur.
func noticesGen() *rapid.Generator[[]Notice] {
	return rapid.Custom(func(t *rapid.T) []Notice {
		count := rapid.IntRange(1, 20).Draw(t, "notices")
		at := dateGen().Draw(t, "first")
		out := make([]Notice, count)
		for i := range out {
			if rapid.IntRange(0, 7).Draw(t, "jump") == 0 {
				at = dateGen().Draw(t, "at")
			} else {
				at = schedule.AddDays(at, rapid.IntRange(-10, 40).Draw(t, "step"))
			}
			out[i] = noticeAt(t, rapid.SampledFrom(allKinds).Draw(t, "kind"), at)
		}
		return out
	})
}

// noticeAt makes a notice of 1 to 6 days from at. A step of 0 repeats a
// day and a step over 1 skips some, as the "Choose days" keyboard allows;
// the days may come in any order.
func noticeAt(t *rapid.T, k Kind, at roster.Date) Notice {
	n := Notice{Kind: k}
	x := at
	for range rapid.IntRange(1, 6).Draw(t, "days") {
		n.Days = append(n.Days, x)
		x = schedule.AddDays(x, rapid.IntRange(0, 3).Draw(t, "skip"))
	}
	n.Days = rapid.Permutation(n.Days).Draw(t, "order")
	return n
}

func sameResult(a, b Result) bool {
	return a.Counters == b.Counters && slices.Equal(a.Passed, b.Passed)
}

// minSequences is how many random notice sequences a plain `go test` must
// try. rapid.Check runs 100 cases (fewer with -short, more with
// -rapid.checks or RAPID_CHECKS, none of which CI sets), so the test
// repeats it in subtests, counting the cases that ran, until there have
// been this many.
const minSequences = 1000

func TestCheckAgainstModel(t *testing.T) {
	ran := 0
	for round := 0; ran < minSequences; round++ {
		ok := t.Run(fmt.Sprintf("round_%d", round), rapid.MakeCheck(func(t *rapid.T) {
			checkSequence(t)
			ran++
		}))
		if !ok || round > minSequences {
			break // a failure, or rapid ran nothing at all
		}
	}
	t.Logf("%d sequences", ran)
	if ran < minSequences {
		t.Errorf("only %d sequences ran", ran)
	}
}

// checkSequence checks every notice of one random sequence, each against
// the notices before it, as the bot would when it arrived.
func checkSequence(t *rapid.T) {
	m := personGen().Draw(t, "person")
	ns := noticesGen().Draw(t, "sequence")
	for i, n := range ns {
		history := ns[:i]
		got := Check(m.p, history, n)
		if want := m.check(history, n); !sameResult(got, want) {
			t.Fatalf("notice %d %v: Check = %+v, model %+v", i, n, got, want)
		}
		if !slices.IsSorted(got.Passed) || len(slices.Compact(slices.Clone(got.Passed))) != len(got.Passed) {
			t.Fatalf("notice %d: Passed %v is not sorted and unique", i, got.Passed)
		}
		if got.Counters.ChildAllowance != allowance(m.p) {
			t.Fatalf("notice %d: ChildAllowance %d, want %d", i, got.Counters.ChildAllowance, allowance(m.p))
		}
		if shuffled := rapid.Permutation(history).Draw(t, "shuffled"); !sameResult(Check(m.p, shuffled, n), got) {
			t.Fatalf("notice %d: the order of history changed the result", i)
		}
		// A notice that counts for nothing changes nothing, wherever it
		// lies among the others.
		k := rapid.SampledFrom([]Kind{Appointment, PaidShift, Other, ""}).Draw(t, "inert kind")
		inert := noticeAt(t, k, dateGen().Draw(t, "inert at"))
		at := rapid.IntRange(0, len(history)).Draw(t, "inert index")
		if r := Check(m.p, slices.Insert(slices.Clone(history), at, inert), n); !sameResult(r, got) {
			t.Fatalf("notice %d: adding %v changed %+v to %+v", i, inert, got, r)
		}
		if n.Kind != Sick && len(n.Days) > 0 {
			last := slices.MaxFunc(n.Days, func(a, b roster.Date) int { return int(dayOf(a) - dayOf(b)) })
			if s := Status(m.p, append(slices.Clone(history), n), last); s != got.Counters {
				t.Fatalf("notice %d: Check = %+v, Status on its last day %+v", i, got.Counters, s)
			}
		}
	}
	asOf := dateGen().Draw(t, "as of")
	if got, want := Status(m.p, ns, asOf), m.status(ns, asOf); got != want {
		t.Fatalf("Status(%s) = %+v, model %+v", asOf, got, want)
	}
}

// allowance spells out docs/behaviour.md for the invariant: 10, 15 with
// more than two children, doubled for a single carer — for any base.
func allowance(p Person) int {
	base := p.Policy.ChildSickDays
	factor := 2 // in halves
	if p.Children > 2 {
		factor = 3
	}
	if p.SingleCarer {
		return 2 * (base * factor / 2)
	}
	return base * factor / 2
}
