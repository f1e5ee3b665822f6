package flows

import (
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// Plan lists the jobs of one day: check-in nudges and unexplained-absence
// alerts for its placement days, the mentors' morning cards, and the
// evening reminders for the next day's placements. Jobs already due at
// now are left out: a planner that runs late must not nudge about a
// morning long gone. Job ids are stable, so planning twice is harmless.
func Plan(r *roster.Roster, cal *schedule.Calendar, day roster.Date, now time.Time) []Schedule {
	var out []Schedule
	add := func(j Schedule) {
		if j.Due.After(now) {
			out = append(out, j)
		}
	}
	grace := r.Programme.Reminders.CheckinGrace
	cards := map[string]bool{}
	tomorrow := schedule.AddDays(day, 1)
	_, dayClosed := cal.IsClosed(day)
	for _, p := range r.Participants {
		if a, ok := cal.PlacementOn(p, day); ok {
			iso := day.String()
			if grace > 0 {
				// The start is part of the id: a roster that moves the hours
				// plans new jobs, and the old ones find nothing to do.
				at := a.Start.Format("1504")
				add(Schedule{ID: TimerNudge + ":" + p.ID + ":" + iso + ":" + at, Kind: TimerNudge, Due: a.Start.Add(grace),
					Person: p.ID, Data: TimerData{Person: p.ID, Date: iso}})
				add(Schedule{ID: TimerUnexplained + ":" + p.ID + ":" + iso + ":" + at, Kind: TimerUnexplained, Due: a.Start.Add(2 * grace),
					Person: p.ID, Data: TimerData{Person: p.ID, Date: iso}})
			}
			// The morning card covers the whole workplace, so every contact
			// there who asked for one gets it.
			for _, m := range p.Placement.Employer.Contacts {
				if m.MorningCard && !cards[m.ID] {
					cards[m.ID] = true
					add(Schedule{ID: TimerCard + ":" + m.ID + ":" + iso, Kind: TimerCard, Due: cal.At(day, 7*60),
						Person: m.ID, Data: TimerData{Person: m.ID, Date: iso}})
				}
			}
		}
		// No reminders on public holidays or closed days (PRODUCT.md §3.4).
		if _, ok := cal.PlacementOn(p, tomorrow); ok && !dayClosed {
			iso := tomorrow.String()
			add(Schedule{ID: TimerReminder + ":" + p.ID + ":" + iso, Kind: TimerReminder,
				Due: cal.At(day, r.Programme.Reminders.EveningBefore), Person: p.ID, Data: TimerData{Person: p.ID, Date: iso}})
		}
	}
	return out
}
