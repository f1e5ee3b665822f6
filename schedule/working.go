package schedule

import (
	"time"

	"innsjekk/roster"
)

// AddWorkingTime returns the instant d of working time after start, where
// working time is hours (the programme's office hours) on working days
// (docs/behaviour.md: an issue sent on Friday at 14:00 with 4 working hours
// of grace escalates on Monday). Time before the hours of a day, after
// them, and on closed days does not count. Each day's hours are read on
// that day's wall clock, so a daylight-saving change moves nothing. Empty
// hours, or d <= 0, give start back.
func (c *Calendar) AddWorkingTime(start time.Time, d time.Duration, hours roster.Span) time.Time {
	if d <= 0 || hours.Start >= hours.End {
		return start
	}
	day := c.Today(start)
	// Three years without a working day would mean a broken calendar,
	// not a real one: stop rather than loop.
	for range 3 * 366 {
		if c.IsWorkingDay(day) {
			opens, closes := c.At(day, hours.Start), c.At(day, hours.End)
			from := opens
			if start.After(from) {
				from = start
			}
			if from.Before(closes) {
				if left := closes.Sub(from); d <= left {
					return from.Add(d)
				} else {
					d -= left
				}
			}
		}
		day = AddDays(day, 1)
	}
	return start
}

// WorkingTimeBetween is how much working time (hours on working days)
// lies between from and to; zero when to is not after from.
func (c *Calendar) WorkingTimeBetween(from, to time.Time, hours roster.Span) time.Duration {
	if !to.After(from) || hours.Start >= hours.End {
		return 0
	}
	var total time.Duration
	for day := c.Today(from); !c.Today(to).Before(day); day = AddDays(day, 1) {
		if !c.IsWorkingDay(day) {
			continue
		}
		opens, closes := c.At(day, hours.Start), c.At(day, hours.End)
		a, b := opens, closes
		if from.After(a) {
			a = from
		}
		if to.Before(b) {
			b = to
		}
		if b.After(a) {
			total += b.Sub(a)
		}
	}
	return total
}
