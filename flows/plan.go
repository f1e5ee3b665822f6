package flows

import (
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// planning is one day being planned: each flow adds its jobs.
type planning struct {
	r   *roster.Roster
	cal *schedule.Calendar
	day roster.Date
	now time.Time
	out []Schedule
}

// add plans a job. Jobs already due at now are left out: a planner that
// runs late must not nudge about a morning long gone. Job ids are stable,
// so planning twice is harmless.
func (p *planning) add(j Schedule) {
	if j.Due.After(p.now) {
		p.out = append(p.out, j)
	}
}

// Plan lists the jobs of one day, from every flow that plans.
func Plan(r *roster.Roster, cal *schedule.Calendar, day roster.Date, now time.Time) []Schedule {
	pl := &planning{r: r, cal: cal, day: day, now: now}
	for _, f := range registry {
		f.plan(pl)
	}
	return pl.out
}
