package absence

import (
	"time"

	"innsjekk/roster"
)

// day numbers calendar dates consecutively (days since 1970-01-01), so
// that "within 16 days" is a subtraction. Dates carry no zone; UTC keeps
// daylight saving out of the arithmetic.
type day int

const secondsPerDay = 24 * 60 * 60

// dayOf numbers d. An out-of-range date such as 30 February is normalised
// the way time.Date does it, so every caller sees the same day.
func dayOf(d roster.Date) day {
	return day(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

func (d day) date() roster.Date {
	return roster.DateOf(time.Unix(int64(d)*secondsPerDay, 0).UTC())
}

// windowStart is the first day of the 12 months that end on last: the day
// after the same date a year before. 29 February steps back to 28
// February, not (as time.AddDate would have it) to 1 March, so the 12
// months up to 29 February 2024 begin on 1 March 2023 and a window is
// never shorter than a year.
func windowStart(last day) day {
	d := last.date()
	y, m := d.Year-1, d.Month
	// Day 0 of the next month is the last day of this one.
	end := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return dayOf(roster.Date{Year: y, Month: m, Day: min(d.Day, end)}) + 1
}
