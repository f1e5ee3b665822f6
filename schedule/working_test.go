package schedule

import (
	"testing"
	"time"

	"innsjekk/roster"
)

func TestAddWorkingTime(t *testing.T) {
	oslo := oslo(t)
	c := New(roster.Programme{Location: oslo, Closed: []roster.Date{{Year: 2026, Month: 12, Day: 24}}})
	office := roster.Span{Start: 8 * 60, End: 15*60 + 30}
	at := func(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, oslo) }
	for _, c2 := range []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside one day", at(2026, 12, 1, 9, 0), 4 * time.Hour, at(2026, 12, 1, 13, 0)},
		{"exactly to closing", at(2026, 12, 1, 11, 30), 4 * time.Hour, at(2026, 12, 1, 15, 30)},
		{"Friday afternoon escalates on Monday", at(2026, 12, 4, 14, 0), 4 * time.Hour, at(2026, 12, 7, 10, 30)},
		{"before opening counts from opening", at(2026, 12, 1, 6, 0), time.Hour, at(2026, 12, 1, 9, 0)},
		{"after closing counts from the next morning", at(2026, 12, 1, 20, 0), time.Hour, at(2026, 12, 2, 9, 0)},
		{"a weekend counts nothing", at(2026, 12, 5, 12, 0), 30 * time.Minute, at(2026, 12, 7, 8, 30)},
		{"Christmas: closed day and public holidays", at(2026, 12, 23, 15, 0), time.Hour, at(2026, 12, 28, 8, 30)},
		{"Easter: Maundy Thursday to Easter Monday are holidays", at(2026, 4, 1, 15, 0), time.Hour, at(2026, 4, 7, 8, 30)},
		{"across the spring DST change, wall clock", at(2026, 3, 27, 15, 0), time.Hour, at(2026, 3, 30, 8, 30)},
		{"across the autumn DST change, wall clock", at(2026, 10, 23, 15, 0), time.Hour, at(2026, 10, 26, 8, 30)},
		{"zero", at(2026, 12, 1, 20, 0), 0, at(2026, 12, 1, 20, 0)},
	} {
		if got := c.AddWorkingTime(c2.start, c2.d, office); !got.Equal(c2.want) {
			t.Errorf("%s: %v + %v = %v, want %v", c2.name, c2.start, c2.d, got.In(oslo), c2.want)
		}
		if c2.d > 0 {
			if back := c.WorkingTimeBetween(c2.start, c2.want, office); back != c2.d {
				t.Errorf("%s: working time between = %v, want %v", c2.name, back, c2.d)
			}
		}
	}
}

func TestWeekIDs(t *testing.T) {
	for _, c := range []struct {
		d    roster.Date
		want string
		mon  roster.Date
	}{
		{roster.Date{Year: 2026, Month: 12, Day: 1}, "2026W49", roster.Date{Year: 2026, Month: 11, Day: 30}},
		{roster.Date{Year: 2026, Month: 12, Day: 6}, "2026W49", roster.Date{Year: 2026, Month: 11, Day: 30}},
		{roster.Date{Year: 2027, Month: 1, Day: 1}, "2026W53", roster.Date{Year: 2026, Month: 12, Day: 28}},
		{roster.Date{Year: 2027, Month: 1, Day: 4}, "2027W01", roster.Date{Year: 2027, Month: 1, Day: 4}},
	} {
		if got := WeekID(c.d); got != c.want {
			t.Errorf("WeekID(%v) = %s, want %s", c.d, got, c.want)
		}
		if got, ok := ParseWeekID(c.want); !ok || got != c.mon {
			t.Errorf("ParseWeekID(%s) = %v %v, want %v", c.want, got, ok, c.mon)
		}
	}
	for _, bad := range []string{"", "2026W54", "2025W53", "W49", "2026-W49", "2026W0"} {
		if _, ok := ParseWeekID(bad); ok {
			t.Errorf("ParseWeekID(%q) accepted", bad)
		}
	}
}
