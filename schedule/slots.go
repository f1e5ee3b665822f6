package schedule

import (
	"cmp"
	"slices"
	"time"

	"innsjekk/roster"
)

// slotStep is the grid meeting times are offered on (docs/behaviour.md:
// "30-minute steps").
const slotStep = 30

// Busy is a time a participant is taken: a placement day, a class or
// another meeting. Like every interval here it is half-open [Start, End),
// so back-to-back appointments do not clash; one with End not after Start
// takes no time and blocks nothing.
type Busy struct {
	Start, End time.Time
	Kind       Kind
	Place      string // employer name, class place or meeting place
}

// Slot is a free meeting time, half-open [Start, End).
type Slot struct {
	Start, End time.Time
}

// FreeSlots lists the meeting slots of the given length free for p on the
// days from..from+days-1, nearest first (docs/behaviour.md).
//
// A slot starts on the 30-minute grid of wall-clock times counted from
// hours.Start (the booking counsellor's nav_hours, else the programme's;
// the caller chooses), lies wholly inside hours, falls on a working day,
// and overlaps none of p's placement hours, p's classes or meetings. On a
// placement day all of the placement's hours block, since a meeting in
// any part of them takes the participant out of the placement, which is
// what the programme wants to stop (issue 4). Slots starting before
// notBefore are left out, so that passing now never offers a time already
// gone. A meeting being moved should be left out of meetings, or it
// blocks its own new time.
//
// Starts are wall-clock times (c.At) and ends are Start plus length in real
// time: a 45-minute meeting is 45 minutes even on a day clocks change.
// Empty hours (Start not before End), days < 1 and length <= 0 give none.
func (c *Calendar) FreeSlots(p *roster.Participant, hours roster.Span, from roster.Date, days int, length time.Duration, meetings []Busy, notBefore time.Time) []Slot {
	if days < 1 || length <= 0 || hours.Start >= hours.End {
		return nil
	}
	ms := mergeBusy(meetings)
	var (
		out  []Slot
		busy []interval // the day's busy time, reused from day to day
	)
	for i := range days {
		d := AddDays(from, i)
		if !c.IsWorkingDay(d) {
			continue
		}
		opens, closes := c.At(d, hours.Start), c.At(d, hours.End)
		if !closes.After(notBefore) {
			continue
		}
		busy = c.dayBusy(p, d, busy[:0])
		// Merged meetings are sorted by both start and end, so the first
		// one that ends after the window opens is found by bisection even
		// when an early meeting runs for days.
		j, _ := slices.BinarySearchFunc(ms, opens, func(m interval, t time.Time) int {
			if m.end.After(t) {
				return 1
			}
			return -1
		})
		for ; j < len(ms) && ms[j].start.Before(closes); j++ {
			busy = append(busy, ms[j])
		}
		busy = merge(busy)
		out = appendFree(out, c, d, hours, length, busy, opens, closes, notBefore)
	}
	return out
}

// appendFree appends the grid slots of day d, whose hours run from opens
// to closes, that start no earlier than notBefore and miss every interval
// of busy (merged, sorted).
func appendFree(out []Slot, c *Calendar, d roster.Date, hours roster.Span, length time.Duration, busy []interval, opens, closes, notBefore time.Time) []Slot {
	// When the offset holds all through the hours, as it does on every
	// working day in Oslo, wall-clock minutes are real minutes and the
	// grid is found by addition: At is exact but took two thirds of the
	// time of a year's search.
	zs, ze := opens.ZoneBounds()
	steady := (zs.IsZero() || zs.Before(opens)) && (ze.IsZero() || closes.Before(ze))
	var prev time.Time
	b := 0
	for k := hours.Start; k < hours.End; k += slotStep {
		start := opens.Add(time.Duration(k-hours.Start) * time.Minute)
		if !steady {
			start = c.At(d, k)
		}
		// A grid time in a skipped hour lands on the end of the gap, where
		// a later grid time may land too; offer that instant once.
		if !prev.IsZero() && !start.After(prev) {
			continue
		}
		prev = start
		end := start.Add(length)
		if end.After(closes) {
			break
		}
		if start.Before(notBefore) {
			continue
		}
		for b < len(busy) && !busy[b].end.After(start) {
			b++
		}
		// busy is disjoint and sorted, so only the first interval that
		// ends after start can reach into [start, end).
		if b < len(busy) && busy[b].start.Before(end) {
			continue
		}
		out = append(out, Slot{Start: start, End: end})
	}
	return out
}

// Clashes lists what a meeting [start, start+length) for p would overlap:
// p's placement and classes on the days it touches and any of meetings,
// in the order Activities uses, for the message that refuses it. outside
// reports whether it is not wholly inside hours on a working day. The
// 30-minute grid is not checked: a typed 10:15 is fine when it is free.
// Clashes does not know the time, so a start in the past is the caller's
// to refuse.
func (c *Calendar) Clashes(p *roster.Participant, hours roster.Span, start time.Time, length time.Duration, meetings []Busy) (clashes []Busy, outside bool) {
	if length <= 0 {
		return nil, true
	}
	end := start.Add(length)
	d := c.Today(start)
	// The meeting is over before its end instant: one ending at midnight
	// does not touch the next day.
	last := c.Today(end.Add(-time.Nanosecond))
	overlaps := func(b Busy) bool {
		return b.Start.Before(b.End) && b.Start.Before(end) && start.Before(b.End)
	}
	var buf []interval
	for day := d; !last.Before(day); day = AddDays(day, 1) {
		buf = c.dayBusy(p, day, buf[:0])
		for _, iv := range buf {
			if b := iv.busy(); overlaps(b) {
				clashes = append(clashes, b)
			}
		}
	}
	for _, m := range meetings {
		if overlaps(m) {
			clashes = append(clashes, m)
		}
	}
	slices.SortStableFunc(clashes, func(x, y Busy) int {
		return cmp.Or(
			x.Start.Compare(y.Start),
			cmp.Compare(kindOrder[x.Kind], kindOrder[y.Kind]),
			x.End.Compare(y.End),
		)
	})
	outside = hours.Start >= hours.End || d != last || !c.IsWorkingDay(d) ||
		start.Before(c.At(d, hours.Start)) || end.After(c.At(d, hours.End))
	return clashes, outside
}

// Nearest returns up to n of slots whose starts are nearest to t, earlier
// first on a tie, in chronological order: the alternatives offered when a
// typed time is refused (docs/behaviour.md, "the three nearest free slots").
// slots need not be sorted and is not changed.
func Nearest(slots []Slot, t time.Time, n int) []Slot {
	if n <= 0 || len(slots) == 0 {
		return nil
	}
	byDist := slices.Clone(slots)
	slices.SortFunc(byDist, func(a, b Slot) int {
		return cmp.Or(cmp.Compare(distance(a.Start, t), distance(b.Start, t)), a.Start.Compare(b.Start))
	})
	out := byDist[:min(n, len(byDist))]
	slices.SortFunc(out, func(a, b Slot) int { return a.Start.Compare(b.Start) })
	return slices.Clip(out)
}

// distance is |a-b|, saturating where time.Duration would overflow.
func distance(a, b time.Time) time.Duration {
	if a.Before(b) {
		a, b = b, a
	}
	return a.Sub(b) // Sub saturates at the largest Duration; a >= b keeps it non-negative
}

// interval is a busy time; kind and place ride along so that Clashes can
// say what it was.
type interval struct {
	start, end time.Time
	kind       Kind
	place      string
}

func (iv interval) busy() Busy {
	return Busy{Start: iv.start, End: iv.end, Kind: iv.kind, Place: iv.place}
}

// dayBusy appends p's placement and class hours on d to buf. It is the
// one place FreeSlots and Clashes learn what takes p's day, and agrees with
// Activities, which allocates more than a sweep over a year wants.
func (c *Calendar) dayBusy(p *roster.Participant, d roster.Date, buf []interval) []interval {
	if _, closed := c.IsClosed(d); closed {
		return buf
	}
	if a, ok := c.placementOn(p, d); ok {
		buf = append(buf, interval{a.Start, a.End, Placement, a.Place})
	}
	w := Weekday(d)
	for _, cl := range p.Classes {
		if slices.Contains(cl.Days, w) {
			buf = append(buf, interval{c.At(d, cl.Hours.Start), c.At(d, cl.Hours.End), Class, cl.Place})
		}
	}
	return buf
}

// mergeBusy returns meetings as sorted, disjoint intervals.
func mergeBusy(meetings []Busy) []interval {
	ivs := make([]interval, 0, len(meetings))
	for _, m := range meetings {
		ivs = append(ivs, interval{start: m.Start, end: m.End, kind: m.Kind, place: m.Place})
	}
	return merge(ivs)
}

// merge sorts ivs in place and joins those that overlap or touch, dropping
// empty ones; the result shares ivs's array. Joined intervals lose their
// kind and place, which only the sweep uses.
func merge(ivs []interval) []interval {
	slices.SortFunc(ivs, func(a, b interval) int { return a.start.Compare(b.start) })
	out := ivs[:0]
	for _, iv := range ivs {
		if !iv.start.Before(iv.end) {
			continue
		}
		if n := len(out); n > 0 && !iv.start.After(out[n-1].end) {
			if iv.end.After(out[n-1].end) {
				out[n-1].end = iv.end
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}
