// Package schedule is the programme's wall-clock maths: working days,
// Norwegian public holidays, quiet hours and the activities on a
// participant's days, all in the programme's time zone.
//
// It never reads the clock: every function takes now or a date. Days are
// stepped with calendar arithmetic, never by adding 24 hours, so wall-clock
// times survive the daylight-saving changes (docs/behaviour.md).
package schedule

import (
	"fmt"
	"time"

	"innsjekk/roster"
)

// ClosedReason is the reason IsClosed gives for the roster's own closed days.
const ClosedReason = "closed"

// Calendar answers calendar questions for one programme. It is immutable
// after New and safe for concurrent use.
type Calendar struct {
	loc    *time.Location
	closed map[roster.Date]bool
	quiet  roster.Span
}

// New builds the calendar for p. A nil p.Location means UTC, so that a
// hand-built programme in a test cannot make every call panic.
func New(p roster.Programme) *Calendar {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	closed := make(map[roster.Date]bool, len(p.Closed))
	for _, d := range p.Closed {
		closed[d] = true
	}
	return &Calendar{loc: loc, closed: closed, quiet: p.QuietHours}
}

// Loc returns the programme's time zone.
func (c *Calendar) Loc() *time.Location { return c.loc }

// IsClosed reports whether nothing happens on d: a public holiday (the
// reason is its Norwegian name) or one of the roster's closed days (the
// reason is ClosedReason).
func (c *Calendar) IsClosed(d roster.Date) (reason string, closed bool) {
	if name, ok := Holiday(d); ok {
		return name, true
	}
	if c.closed[d] {
		return ClosedReason, true
	}
	return "", false
}

// IsWorkingDay reports whether d is Monday to Friday and not closed.
func (c *Calendar) IsWorkingDay(d roster.Date) bool {
	switch Weekday(d) {
	case time.Saturday, time.Sunday:
		return false
	}
	_, closed := c.IsClosed(d)
	return !closed
}

// Weekday returns the day of the week of d.
func (c *Calendar) Weekday(d roster.Date) time.Weekday { return Weekday(d) }

// Weekday returns the day of the week of d. A date has a weekday whatever
// the time zone, so this needs no calendar.
func Weekday(d roster.Date) time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// AddDays returns the date n days after d (before, if n is negative).
func (c *Calendar) AddDays(d roster.Date, n int) roster.Date { return AddDays(d, n) }

// AddDays returns the date n days after d (before, if n is negative).
// Dates carry no zone, so UTC does the arithmetic without DST in the way.
func AddDays(d roster.Date, n int) roster.Date {
	return roster.DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Today returns the date of now in the programme's time zone.
func (c *Calendar) Today(now time.Time) roster.Date {
	return roster.DateOf(now.In(c.loc))
}

// At returns the instant the wall clock in the programme's zone shows k on
// d. When clocks go forward and k falls in the skipped hour, it returns the
// first instant after the gap (03:00 on the spring-forward night in Oslo):
// a 02:30 reminder then goes out as soon as the day has such a time. When
// clocks go back and k occurs twice, it returns the earlier one, so that
// the answer does not depend on how time.Date happens to choose.
func (c *Calendar) At(d roster.Date, k roster.Clock) time.Time {
	return c.instants(d, k)[0]
}

// instants returns, in order, every instant at which the wall clock shows
// k on d: one on most days, two when clocks go back across k, and, when k
// is skipped, the single instant the gap ends.
func (c *Calendar) instants(d roster.Date, k roster.Clock) []time.Time {
	// want normalises the same way time.Date does (24:00 is the next
	// day's 00:00), so it can be compared field by field.
	want := time.Date(d.Year, d.Month, d.Day, k.Hour(), k.Minute(), 0, 0, time.UTC)
	t := time.Date(d.Year, d.Month, d.Day, k.Hour(), k.Minute(), 0, 0, c.loc)
	switch w := wall(t); {
	case w.Before(want):
		// time.Date read the wall clock with the later offset and landed
		// before the gap (zones west of UTC); the gap ends where t's zone does.
		_, end := t.ZoneBounds()
		return []time.Time{end}
	case w.After(want):
		// It used the earlier offset and landed after the gap (zones east
		// of UTC); the gap ends where t's zone begins.
		start, _ := t.ZoneBounds()
		return []time.Time{start}
	}
	out := []time.Time{t}
	// A second reading of the same wall clock can only lie in the zone
	// period just before or just after t's.
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		_, prev := start.Add(-time.Nanosecond).Zone()
		if u := t.Add(time.Duration(off-prev) * time.Second); u.Before(start) && wall(u).Equal(want) {
			out = append([]time.Time{u}, out...)
		}
	}
	if !end.IsZero() {
		_, next := end.Zone()
		if u := t.Add(time.Duration(off-next) * time.Second); !u.Before(end) && wall(u).Equal(want) {
			out = append(out, u)
		}
	}
	return out
}

// wall returns t's wall-clock reading as a UTC time with the same fields,
// so two readings compare without any zone getting in the way.
func wall(t time.Time) time.Time {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// NextAt returns the first instant strictly after now at which the wall
// clock in the programme's zone shows k; if k is skipped that day, the end
// of the gap stands in for it (see At).
func (c *Calendar) NextAt(now time.Time, k roster.Clock) time.Time {
	// Start the day before today: where clocks go back across midnight,
	// yesterday's wall clock can still be ahead of now.
	d := AddDays(c.Today(now), -1)
	for {
		for _, t := range c.instants(d, k) {
			if t.After(now) {
				return t
			}
		}
		d = AddDays(d, 1)
	}
}

// clockOf returns the wall-clock minute of t in the programme's zone.
func (c *Calendar) clockOf(t time.Time) roster.Clock {
	h, m, _ := t.In(c.loc).Clock()
	return roster.Clock(h*60 + m)
}

// InQuiet reports whether now falls in the quiet hours, a half-open span of
// wall-clock minutes that wraps midnight when its start is after its end
// (21:00-07:00 is quiet from 21:00 up to but not including 07:00). An empty
// span (start equal to end) is never quiet.
func (c *Calendar) InQuiet(now time.Time) bool {
	return inSpan(c.quiet, c.clockOf(now))
}

func inSpan(s roster.Span, k roster.Clock) bool {
	if s.Start <= s.End {
		return s.Start <= k && k < s.End
	}
	return s.Start <= k || k < s.End
}

// QuietEnd returns when the quiet hours that now falls in end, or now
// itself when it is not quiet: the time to send what fell due meanwhile.
func (c *Calendar) QuietEnd(now time.Time) time.Time {
	if !c.InQuiet(now) {
		return now
	}
	return c.NextAt(now, c.quiet.End)
}

// Days returns n consecutive dates starting at from.
func Days(from roster.Date, n int) []roster.Date {
	if n <= 0 {
		return nil
	}
	out := make([]roster.Date, n)
	for i := range out {
		out[i] = AddDays(from, i)
	}
	return out
}

// WeekStart returns the Monday of d's week (weeks run Monday to Sunday,
// as in Norway).
func WeekStart(d roster.Date) roster.Date {
	return AddDays(d, -((int(Weekday(d)) + 6) % 7))
}

// WeekID names d's ISO week, "2026W49": short enough for button data.
func WeekID(d roster.Date) string {
	y, w := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).ISOWeek()
	return fmt.Sprintf("%dW%02d", y, w)
}

// ParseWeekID reads a WeekID back as the week's Monday.
func ParseWeekID(s string) (roster.Date, bool) {
	var y, w int
	if n, err := fmt.Sscanf(s, "%dW%d", &y, &w); n != 2 || err != nil || w < 1 || w > 53 || WeekID(isoMonday(y, w)) != s {
		return roster.Date{}, false
	}
	return isoMonday(y, w), true
}

// isoMonday is the Monday of ISO week w of year y: week 1 holds 4 January.
func isoMonday(y, w int) roster.Date {
	jan4 := roster.Date{Year: y, Month: time.January, Day: 4}
	return AddDays(WeekStart(jan4), 7*(w-1))
}
