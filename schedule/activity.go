package schedule

import (
	"cmp"
	"slices"
	"time"

	"innsjekk/roster"
)

// Kind says what an activity is. It is a string because it is stored and
// shown in golden files.
type Kind string

const (
	Placement Kind = "placement"
	Class     Kind = "class"
	Meeting   Kind = "meeting"
	// CounsellorBusy is the booking counsellor's meeting with someone
	// else: it blocks a slot although the participant is free.
	CounsellorBusy Kind = "counsellor"
	// Absent is a day the participant has reported absent: nobody is
	// booked into a day they said they would be sick.
	Absent Kind = "absent"
)

// kindOrder puts a placement before a class before a meeting when they
// start together, so "my week" lists a day the same way every time.
var kindOrder = map[Kind]int{Placement: 0, Class: 1, Meeting: 2}

// Activity is one thing a participant is expected at.
type Activity struct {
	Kind     Kind
	Date     roster.Date
	Start    time.Time
	End      time.Time
	Place    string // class place, or employer name
	Address  string
	Employer *roster.Employer // placements only
	Mentor   *roster.Contact  // placements only
	Meeting  string           // meetings only: the meeting's id
}

// Activities returns p's placement and class activities on the days
// from..from+days-1, leaving out closed days and placement days outside
// the placement period, sorted by start then kind.
func (c *Calendar) Activities(p *roster.Participant, from roster.Date, days int) []Activity {
	var out []Activity
	for _, d := range Days(from, days) {
		if _, closed := c.IsClosed(d); closed {
			continue
		}
		if a, ok := c.placementOn(p, d); ok {
			out = append(out, a)
		}
		w := Weekday(d)
		for _, cl := range p.Classes {
			if !slices.Contains(cl.Days, w) {
				continue
			}
			out = append(out, Activity{
				Kind:  Class,
				Date:  d,
				Start: c.At(d, cl.Hours.Start),
				End:   c.At(d, cl.Hours.End),
				Place: cl.Place,
			})
		}
	}
	sortActivities(out)
	return out
}

// Merge returns a and b together, sorted as Activities sorts; neither input
// is changed. It is how later features (Nav meetings) join the list.
func Merge(a, b []Activity) []Activity {
	out := make([]Activity, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	sortActivities(out)
	return out
}

func sortActivities(as []Activity) {
	slices.SortStableFunc(as, func(x, y Activity) int {
		return cmp.Or(
			x.Start.Compare(y.Start),
			cmp.Compare(kindOrder[x.Kind], kindOrder[y.Kind]),
			x.End.Compare(y.End),
		)
	})
}

// PlacementOn returns p's placement activity on d, if d is one of the
// placement's weekdays inside its period and not a closed day.
func (c *Calendar) PlacementOn(p *roster.Participant, d roster.Date) (Activity, bool) {
	if _, closed := c.IsClosed(d); closed {
		return Activity{}, false
	}
	return c.placementOn(p, d)
}

// placementOn is PlacementOn without the closed-day check, for callers
// that have already made it.
func (c *Calendar) placementOn(p *roster.Participant, d roster.Date) (Activity, bool) {
	pl := p.Placement
	if pl == nil || !slices.Contains(pl.Days, Weekday(d)) {
		return Activity{}, false
	}
	if !pl.From.IsZero() && d.Before(pl.From) {
		return Activity{}, false
	}
	if !pl.To.IsZero() && pl.To.Before(d) {
		return Activity{}, false
	}
	a := Activity{
		Kind:     Placement,
		Date:     d,
		Start:    c.At(d, pl.Hours.Start),
		End:      c.At(d, pl.Hours.End),
		Employer: pl.Employer,
		Mentor:   pl.Mentor,
	}
	if pl.Employer != nil {
		a.Place = pl.Employer.Name
		a.Address = pl.Employer.Address
	}
	return a, true
}

// placementHorizon is how far NextPlacementDay looks: a year and a day
// covers any weekly pattern across a year's holidays.
const placementHorizon = 366

// NextPlacementDay returns the first placement day strictly after after,
// looking no more than placementHorizon days ahead.
func (c *Calendar) NextPlacementDay(p *roster.Participant, after roster.Date) (roster.Date, bool) {
	pl := p.Placement
	if pl == nil || len(pl.Days) == 0 {
		return roster.Date{}, false
	}
	for i := 1; i <= placementHorizon; i++ {
		d := AddDays(after, i)
		if !pl.To.IsZero() && pl.To.Before(d) {
			break
		}
		if _, ok := c.PlacementOn(p, d); ok {
			return d, true
		}
	}
	return roster.Date{}, false
}
