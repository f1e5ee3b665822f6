package flows

import (
	"innsjekk/locales"
	"innsjekk/schedule"
)

// The evening before each placement day: "Tomorrow: Hotell Strand,
// 09:00–15:00, Strandgata 1. Ask for Per Olsen." (docs/behaviour.md).

type reminders struct{ base }

var _ = register(reminders{})

func (reminders) spec() spec {
	return spec{name: "reminder", code: "rem", timers: []Timer{EveningTimer{}}}
}

// EveningTimer reminds a participant of tomorrow's placement.
type EveningTimer struct {
	Person string `json:"person"`
	Date   string `json:"date"` // the placement day
}

func (EveningTimer) TimerKind() string      { return "rem.evening" }
func (t EveningTimer) TimerSubject() string { return t.Person }

func (reminders) needs(n *Needs, q query) {
	if t, ok := q.ev.Timer.(EveningTimer); ok {
		n.record(PersonKey(t.Person))
		n.person(t.Person)
	}
}

func (reminders) timer(s *step, t Timer) {
	et, ok := t.(EveningTimer)
	if !ok {
		return
	}
	p := s.in.Roster.Participant(et.Person)
	day, ok := parseDate(et.Date)
	if p == nil || !ok || !s.today().Before(day) || s.in.Cal.InQuiet(s.in.Now) {
		// "Tomorrow" must never be said about today: a reminder that runs
		// on the day, or would wait for the quiet hours to end, is dropped.
		return
	}
	a, ok := s.in.Cal.PlacementOn(p, day)
	if !ok {
		return
	}
	if _, absent := s.facts(p.ID).Absences[et.Date]; absent {
		return
	}
	s.reason(ReasonReminder)
	args := locales.Args{"Place": a.Place, "Start": a.Start.Format("15:04"), "End": a.End.Format("15:04"),
		"Address": a.Address, "Mentor": a.Mentor.Name}
	id := "reminder.evening"
	if a.Address == "" {
		id = "reminder.evening_no_address"
	}
	s.notify(p.ID, id, args, asBulk())
}

// plan: the reminders for the next day's placements, at the evening hour.
// None on public holidays or closed days (docs/behaviour.md).
func (reminders) plan(pl *planning) {
	if _, closed := pl.cal.IsClosed(pl.day); closed {
		return
	}
	tomorrow := schedule.AddDays(pl.day, 1)
	iso := tomorrow.String()
	for _, p := range pl.r.Participants {
		if _, ok := pl.cal.PlacementOn(p, tomorrow); ok {
			// Late, it is still worth sending until the quiet hours: after
			// them it would arrive on the day it calls "tomorrow".
			pl.add(Schedule{ID: "remind:" + p.ID + ":" + iso, Due: pl.cal.At(pl.day, pl.r.Programme.Reminders.EveningBefore),
				Timer: EveningTimer{Person: p.ID, Date: iso}, Until: quietStart(pl.r, pl.cal, pl.day)})
		}
	}
}
