package flows

import (
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
)

// The mentor's morning card (docs/behaviour.md): mentors work rotating
// shifts, so whoever is on duty may not know who comes. At 07:00 on
// placement days a contact with morning_card gets the whole workplace in
// one message: who comes when, and who is away.

type cards struct{ base }

var _ = register(cards{})

func (cards) spec() spec {
	return spec{name: "card", code: "card", timers: []Timer{CardTimer{}}}
}

// CardTimer sends one contact's morning card.
type CardTimer struct {
	Contact string `json:"person"`
	Date    string `json:"date"`
}

func (CardTimer) TimerKind() string      { return "card.morning" }
func (t CardTimer) TimerSubject() string { return t.Contact }

// needs: the records of everyone placed at the contact's workplace.
func (cards) needs(n *Needs, q query) {
	t, ok := q.ev.Timer.(CardTimer)
	if !ok {
		return
	}
	n.person(t.Contact)
	if c := q.r.Contact(t.Contact); c != nil {
		for _, p := range placedAt(q.r, c.Employer) {
			n.record(PersonKey(p.ID))
		}
	}
}

func placedAt(r *roster.Roster, e *roster.Employer) []*roster.Participant {
	var out []*roster.Participant
	for _, p := range r.Participants {
		if p.Placement != nil && p.Placement.Employer == e {
			out = append(out, p)
		}
	}
	return out
}

// firstShift is when the first placement shift at e starts on the day
// being planned.
func firstShift(pl *planning, e *roster.Employer) time.Time {
	var first time.Time
	for _, p := range placedAt(pl.r, e) {
		if a, ok := pl.cal.PlacementOn(p, pl.day); ok && (first.IsZero() || a.Start.Before(first)) {
			first = a.Start
		}
	}
	return first
}

func (cards) timer(s *step, t Timer) {
	ct, ok := t.(CardTimer)
	if !ok {
		return
	}
	m := s.in.Roster.Contact(ct.Contact)
	day, ok := parseDate(ct.Date)
	if m == nil || !ok || !m.MorningCard || day != s.today() {
		return // a card is about today, never a day gone by
	}
	lang := s.langOf(m.ID)
	lines := []string{tr(lang, "card.title", locales.Args{"Employer": m.Employer.Name, "Day": s.dayLabel(lang, day)})}
	n := 0
	for _, p := range placedAt(s.in.Roster, m.Employer) {
		a, ok := s.in.Cal.PlacementOn(p, day)
		if !ok {
			continue
		}
		n++
		if _, absent := s.facts(p.ID).Absences[ct.Date]; absent {
			lines = append(lines, tr(lang, "card.absent", locales.Args{"Name": p.Name}))
		} else {
			lines = append(lines, tr(lang, "card.coming", locales.Args{"Name": p.Name,
				"Start": a.Start.Format("15:04"), "End": a.End.Format("15:04")}))
		}
	}
	if n == 0 {
		return
	}
	s.reason(ReasonMorningCard)
	s.notifyText(m.ID, "card.title", locales.Lines(lang, lines), asBulk())
}

// plan: a card at 07:00 for every contact who asked for one at a
// workplace with someone placed today.
func (cards) plan(pl *planning) {
	iso := pl.day.String()
	done := map[string]bool{}
	for _, p := range pl.r.Participants {
		if _, ok := pl.cal.PlacementOn(p, pl.day); !ok {
			continue
		}
		for _, m := range p.Placement.Employer.Contacts {
			if m.MorningCard && !done[m.ID] {
				done[m.ID] = true
				// Worth sending late until the day's first shift there starts.
				pl.add(Schedule{ID: "card:" + m.ID + ":" + iso, Due: pl.cal.At(pl.day, 7*60),
					Timer: CardTimer{Contact: m.ID, Date: iso}, Until: firstShift(pl, m.Employer)})
			}
		}
	}
}
