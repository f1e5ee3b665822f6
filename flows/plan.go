package flows

import (
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// planning is one day being planned: each flow adds its jobs.
type planning struct {
	r      *roster.Roster
	cal    *schedule.Calendar
	day    roster.Date
	now    time.Time
	out    []Schedule
	missed []Schedule
}

// add plans a job. A planner that runs late (the bot was down at 00:05)
// catches up: a job whose moment is still useful runs now, one whose
// moment has passed is missed — a planner must not nudge about a morning
// long gone. Job ids are stable, so planning twice is harmless.
func (p *planning) add(j Schedule) {
	switch {
	case j.Due.After(p.now):
		p.out = append(p.out, j)
	case p.now.Before(j.Until):
		j.Due = p.now
		p.out = append(p.out, j)
	default:
		p.missed = append(p.missed, j)
	}
}

// Plan lists the jobs of one day, from every flow that plans, and the
// ones whose moment had passed when it ran.
func Plan(r *roster.Roster, cal *schedule.Calendar, day roster.Date, now time.Time) (jobs, missed []Schedule) {
	pl := &planning{r: r, cal: cal, day: day, now: now}
	for _, f := range registry {
		f.plan(pl)
	}
	return pl.out, pl.missed
}

// quietStart is when the quiet hours begin on day: the last moment a
// message about the next day still goes out that evening.
func quietStart(r *roster.Roster, cal *schedule.Calendar, day roster.Date) time.Time {
	q := r.Programme.QuietHours
	if q.Start == q.End {
		return cal.At(schedule.AddDays(day, 1), 0)
	}
	return cal.At(day, q.Start)
}
