// Package absence counts a participant's self-certified sickness
// (egenmelding) and child sick days, and says which limits a new absence
// notice passes (docs/behaviour.md; IMDi's rules as docs/roster.md gives
// them). It only informs: the bot shows the counters and the passed rules
// to the participant and the adviser, and the adviser decides whether an
// absence is valid. Every limit comes from the roster's sickness policy;
// nothing here knows IMDi's numbers.
//
// The package is pure: it reads no clock and does no I/O. Callers pass the
// notices they loaded and the date to count as of.
package absence

import (
	"slices"
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// Kind is the category of an absence, as the participant picks it
// (docs/behaviour.md).
type Kind string

const (
	Sick        Kind = "sick"
	ChildSick   Kind = "child_sick"
	Appointment Kind = "appointment"
	PaidShift   Kind = "paid_shift"
	Other       Kind = "other"
)

// Valid reports whether k is one of the kinds above. Kinds arrive in
// stored records and button payloads, so they are checked, not trusted.
func (k Kind) Valid() bool {
	switch k {
	case Sick, ChildSick, Appointment, PaidShift, Other:
		return true
	}
	return false
}

// Notice is one report covering one or more calendar days, in any order
// and possibly repeated. The days are usually consecutive, but the "Choose
// days" keyboard lets a participant skip days (docs/behaviour.md).
type Notice struct {
	Kind Kind
	Days []roster.Date
}

// Rule names a limit, as shown to the adviser.
type Rule string

const (
	// RuleQualifyingWeeks: own sickness on a day before the participant
	// has been qualifying_weeks in the programme.
	RuleQualifyingWeeks Rule = "qualifying_weeks"
	// RuleSelfCertifiedDays: a spell of sickness lasts more than
	// self_certified_days calendar days (see Counters.PeriodDays).
	RuleSelfCertifiedDays Rule = "self_certified_days"
	// RuleSelfCertifiedTimes: more than self_certified_times periods in
	// the 12 months up to the notice's last day.
	RuleSelfCertifiedTimes Rule = "self_certified_times"
	// RuleChildSickDays: more child sick days in the calendar year of the
	// notice's last day than the allowance.
	RuleChildSickDays Rule = "child_sick_days"
)

// Person is what the counting needs to know about a participant.
type Person struct {
	ProgrammeStart roster.Date // zero: unknown, so the qualifying rule is skipped
	Children       int
	SingleCarer    bool
	// Policy is the participant's effective policy
	// (roster.EffectiveSickness). The roster has already put IMDi's
	// defaults into every field it was not told otherwise about, so a zero
	// (or negative) field that reaches here was written on purpose and
	// means no limit: no rule for self_certified_days,
	// self_certified_times or child_sick_days (ChildAllowance is then 0),
	// no qualifying_weeks wait, and for same_period_days that only
	// sickness on consecutive days forms one period.
	Policy roster.Sickness
	// Calendar says which days are working days, for child sick days. Nil
	// means Monday to Friday without Norwegian public holidays.
	Calendar *schedule.Calendar
}

// PersonOf builds the Person for a participant of r, with the policy the
// participant's own sickness block leaves in force and the programme's
// working days.
func PersonOf(r *roster.Roster, p *roster.Participant) Person {
	return Person{
		ProgrammeStart: p.ProgrammeStart,
		Children:       p.Children,
		SingleCarer:    p.SingleCarer,
		Policy:         r.EffectiveSickness(p),
		Calendar:       schedule.New(r.Programme),
	}
}

// Counters are what the bot shows the participant and the adviser, and
// what the weekly digest lists (docs/behaviour.md).
type Counters struct {
	// PeriodDays is the length in calendar days of the current spell of
	// own sickness: self-certification covers "up to 3 calendar days at a
	// time". Reported days with only days off between them (a weekend, a
	// public holiday, a closed day) are one spell, and the days off count:
	// sick Friday and Monday is four days. A working day without sickness
	// between two reported days ends a spell — the participant was there.
	PeriodDays int
	// Periods12m is the number of self-certified periods (egenmeldinger)
	// with a day in the 12 months up to the notice's last day (or the
	// Status date), this notice's period included. Sickness within
	// same_period_days of a period's last day joins the period.
	Periods12m int
	// ChildDays is the number of working days with a child's sickness in
	// the calendar year of the notice's last day (or the Status date), up
	// to that day, this notice included: the right is "10 days a year".
	ChildDays int
	// ChildAllowance is Policy.ChildSickDays, times 3/2 with more than two
	// children, doubled for a single carer. Zero means no limit.
	ChildAllowance int
}

// Result is what Check found for one notice.
type Result struct {
	Counters Counters
	Passed   []Rule // sorted, unique; nil when no limit is passed
}

// Passes reports whether r passed rule.
func (r Result) Passes(rule Rule) bool { return slices.Contains(r.Passed, rule) }

// Check evaluates the new notice n against the participant's earlier
// notices (history, in any order; n may repeat days already in it).
//
// The counters are those of Status on n's last day with n included, except
// that for a Sick notice PeriodDays is the length of the spell n falls in,
// counting every reported day, also ones after n's last day: a day
// reported late can join a spell already reported ahead, and the adviser
// must then hear that the spell is too long. Should n's own days lie in
// several spells (a working day between them), PeriodDays is the longest,
// so that PeriodDays and RuleSelfCertifiedDays always agree.
//
// Sick notices can pass only the self-certification rules, ChildSick
// notices only RuleChildSickDays; other kinds pass nothing. A notice
// without days passes nothing and counts nothing, since there is no date
// to count as of.
func Check(p Person, history []Notice, n Notice) Result {
	own := distinct([]Notice{n}, n.Kind, nil)
	if len(own) == 0 {
		return Result{Counters: Counters{ChildAllowance: p.childAllowance()}}
	}
	last := own[len(own)-1]
	all := append(slices.Clip(history), n)
	c := p.status(all, last)

	var passed []Rule
	switch n.Kind {
	case Sick:
		// Status ignored days after last; they cannot change which days
		// before it share a spell, but they can lengthen n's spell.
		c.PeriodDays = 0
		for _, sp := range p.spells(distinct(all, Sick, nil)) {
			if n := length(sp); n > c.PeriodDays && overlaps(sp, own) {
				c.PeriodDays = n
			}
		}
		// A doctor's note is needed for own sickness until the participant
		// has been qualifying_weeks in the programme; a child's sickness
		// has no such wait (docs/behaviour.md).
		if w := p.Policy.QualifyingWeeks; w > 0 && !p.ProgrammeStart.IsZero() && own[0] < dayOf(p.ProgrammeStart)+day(7*w) {
			passed = append(passed, RuleQualifyingWeeks)
		}
		if lim := p.Policy.SelfCertifiedDays; lim > 0 && c.PeriodDays > lim {
			passed = append(passed, RuleSelfCertifiedDays)
		}
		if lim := p.Policy.SelfCertifiedTimes; lim > 0 && c.Periods12m > lim {
			passed = append(passed, RuleSelfCertifiedTimes)
		}
	case ChildSick:
		if c.ChildAllowance > 0 && c.ChildDays > c.ChildAllowance {
			passed = append(passed, RuleChildSickDays)
		}
	}
	slices.Sort(passed)
	return Result{Counters: c, Passed: passed}
}

// Status gives the counters as of asOf without a new notice, for the weekly
// digest (docs/behaviour.md). Days after asOf are ignored: they have not
// happened yet. PeriodDays is the spell still open on asOf — one whose
// last day is asOf or is followed by days off only, so that sickness
// reported for asOf would continue it — and zero when there is none.
func Status(p Person, history []Notice, asOf roster.Date) Counters {
	return p.status(history, dayOf(asOf))
}

func (p Person) status(notices []Notice, asOf day) Counters {
	c := Counters{ChildAllowance: p.childAllowance()}
	upTo := func(d day) bool { return d <= asOf }
	sick := distinct(notices, Sick, upTo)
	if sps := p.spells(sick); len(sps) > 0 {
		if cur := sps[len(sps)-1]; p.offBetween(cur[len(cur)-1], asOf) {
			c.PeriodDays = length(cur)
		}
	}
	// egenmeldinger are counted per 12 months (reliability.md §1.1), so a
	// rolling window keeps January from wiping the slate.
	from := windowStart(asOf)
	for _, period := range periods(sick, p.mergeGap()) {
		if period[len(period)-1] >= from {
			c.Periods12m++
		}
	}
	// The child sick day right is per calendar year, and IMDi reads
	// "dager" in the absence rules as working days (reliability.md §1.1):
	// a day the programme is closed is no absence from it.
	jan1 := dayOf(roster.Date{Year: asOf.date().Year, Month: time.January, Day: 1})
	for _, d := range distinct(notices, ChildSick, func(d day) bool { return d >= jan1 && d <= asOf }) {
		if p.working(d) {
			c.ChildDays++
		}
	}
	return c
}

func (p Person) working(d day) bool {
	cal := p.Calendar
	if cal == nil {
		cal = defaultCalendar
	}
	return cal.IsWorkingDay(d.date())
}

// offBetween reports whether every day after a and before b is a day off.
func (p Person) offBetween(a, b day) bool {
	for d := a + 1; d < b; d++ {
		if p.working(d) {
			return false
		}
	}
	return true
}

// spells splits sorted, distinct days of sickness into spells of
// continuous sickness (Counters.PeriodDays).
func (p Person) spells(days []day) [][]day {
	var out [][]day
	start := 0
	for i := 1; i <= len(days); i++ {
		if i == len(days) || !p.offBetween(days[i-1], days[i]) {
			out = append(out, days[start:i])
			start = i
		}
	}
	return out
}

// length is a spell's length in calendar days, the days off inside it
// included.
func length(spell []day) int { return int(spell[len(spell)-1]-spell[0]) + 1 }

// defaultCalendar knows the public holidays and no closed days.
var defaultCalendar = schedule.New(roster.Programme{})

// childAllowance follows docs/behaviour.md: the base, half as much again
// with more than two children, and twice that for a single carer.
func (p Person) childAllowance() int {
	n := p.Policy.ChildSickDays
	if n <= 0 {
		return 0
	}
	if p.Children > 2 {
		n = n * 3 / 2
	}
	if p.SingleCarer {
		n *= 2
	}
	return n
}

// mergeGap is the largest number of days from the last day of a period to
// a day of sickness that still joins it. Consecutive days always belong
// together, even when same_period_days is zero: that is one illness, not
// two.
func (p Person) mergeGap() day {
	return day(max(p.Policy.SamePeriodDays, 1))
}

// distinct returns the days of the notices of kind k that keep accepts
// (all, if keep is nil), sorted, each once: a day reported twice is one day
// of absence.
func distinct(notices []Notice, k Kind, keep func(day) bool) []day {
	var out []day
	for _, n := range notices {
		if n.Kind != k {
			continue
		}
		for _, d := range n.Days {
			if dd := dayOf(d); keep == nil || keep(dd) {
				out = append(out, dd)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// periods splits sorted, distinct days of sickness into self-certified
// periods: sickness within gap days of a period's last day continues it
// (docs/behaviour.md, same_period_days). Grouping days rather than notices
// makes the answer independent of the order the notices came in.
func periods(days []day, gap day) [][]day {
	var out [][]day
	start := 0
	for i := 1; i <= len(days); i++ {
		if i == len(days) || days[i]-days[i-1] > gap {
			out = append(out, days[start:i])
			start = i
		}
	}
	return out
}

// overlaps reports whether the sorted slices a and b share a day.
func overlaps(a, b []day) bool {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			return true
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return false
}
