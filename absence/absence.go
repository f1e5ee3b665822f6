// Package absence counts a participant's self-certified sickness
// (egenmelding) and child sick days, and says which limits a new absence
// notice passes (PRODUCT.md §3.2, IMDi's rules in notes/reliability.md
// §1.1). It only informs: the bot shows the counters and the passed rules
// to the participant and the adviser, and the adviser decides whether an
// absence is valid. Every limit comes from the roster's sickness policy;
// nothing here knows IMDi's numbers.
//
// The package is pure: it reads no clock and does no I/O. Callers pass the
// notices they loaded and the date to count as of.
package absence

import (
	"slices"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// Kind is the category of an absence, as the participant picks it
// (PRODUCT.md §3.2).
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
// days" keyboard lets a participant skip days (PRODUCT.md §3.2).
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
	// RuleSelfCertifiedDays: a self-certified period, after merging, has
	// more than self_certified_days days of sickness.
	RuleSelfCertifiedDays Rule = "self_certified_days"
	// RuleSelfCertifiedTimes: more than self_certified_times periods in
	// the 12 months up to the notice's last day.
	RuleSelfCertifiedTimes Rule = "self_certified_times"
	// RuleChildSickDays: more child sick days in the 12 months up to the
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
// what the weekly digest lists (PRODUCT.md §3.2).
type Counters struct {
	// PeriodDays is the number of distinct days of own sickness in the
	// current self-certified period after merging. Only reported days
	// count: a weekend between two reported days is not added, because
	// the bot cannot know the participant was sick then.
	PeriodDays int
	// Periods12m is the number of self-certified periods (egenmeldinger)
	// with a day in the 12 months up to the notice's last day (or the
	// Status date), this notice's period included.
	Periods12m int
	// ChildDays is the number of working days with a child's sickness in
	// the same 12 months, this notice included.
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
// that for a Sick notice PeriodDays is the size of the merged period n
// falls in, counting every reported day, also ones after n's last day: a
// day reported late can join a period already reported ahead, and the
// adviser must then hear that the period is too long. Should n's own days
// lie in several periods (a gap longer than same_period_days inside one
// notice), PeriodDays is the largest, so that PeriodDays and
// RuleSelfCertifiedDays always agree.
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
		// before it share a period, but they can lengthen n's period.
		c.PeriodDays = 0
		for _, period := range periods(distinct(all, Sick, nil), p.mergeGap()) {
			if len(period) > c.PeriodDays && overlaps(period, own) {
				c.PeriodDays = len(period)
			}
		}
		// A doctor's note is needed for own sickness until the participant
		// has been qualifying_weeks in the programme; a child's sickness
		// has no such wait (PRODUCT.md §3.2).
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
// digest (PRODUCT.md §3.2). Days after asOf are ignored: they have not
// happened yet. PeriodDays is the period still open on asOf — one whose
// last day is asOf or at most same_period_days before it, so that sickness
// reported for asOf would join it — and zero when there is none.
func Status(p Person, history []Notice, asOf roster.Date) Counters {
	return p.status(history, dayOf(asOf))
}

func (p Person) status(notices []Notice, asOf day) Counters {
	c := Counters{ChildAllowance: p.childAllowance()}
	upTo := func(d day) bool { return d <= asOf }
	ps := periods(distinct(notices, Sick, upTo), p.mergeGap())
	if len(ps) > 0 {
		if cur := ps[len(ps)-1]; asOf-cur[len(cur)-1] <= p.mergeGap() {
			c.PeriodDays = len(cur)
		}
	}
	// One window serves both counts: IMDi counts egenmeldinger and child
	// sick days per 12 months, not per calendar year (reliability.md §1.1),
	// so a rolling window also keeps January from wiping the slate.
	from := windowStart(asOf)
	for _, period := range ps {
		if period[len(period)-1] >= from {
			c.Periods12m++
		}
	}
	cal := p.Calendar
	if cal == nil {
		cal = defaultCalendar
	}
	// IMDi reads "dager" in the absence rules as working days
	// (reliability.md §1.1), and a day the programme is closed is no
	// absence from it.
	for _, d := range distinct(notices, ChildSick, func(d day) bool { return d >= from && d <= asOf }) {
		if cal.IsWorkingDay(d.date()) {
			c.ChildDays++
		}
	}
	return c
}

// defaultCalendar knows the public holidays and no closed days.
var defaultCalendar = schedule.New(roster.Programme{})

// childAllowance follows PRODUCT.md §3.2: the base, half as much again
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
// (PRODUCT.md §3.2, same_period_days). Grouping days rather than notices
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
