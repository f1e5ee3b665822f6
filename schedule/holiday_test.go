package schedule

import (
	"testing"
	"time"

	"innsjekk/roster"
)

func date(y int, m time.Month, d int) roster.Date { return roster.Date{Year: y, Month: m, Day: d} }

func TestEaster(t *testing.T) {
	// Easter Sundays from the almanac.
	want := map[int]roster.Date{
		2024: date(2024, time.March, 31),
		2025: date(2025, time.April, 20),
		2026: date(2026, time.April, 5),
		2027: date(2027, time.March, 28),
		2028: date(2028, time.April, 16),
		2029: date(2029, time.April, 1),
		2030: date(2030, time.April, 21),
		// The extremes of the Gregorian cycle.
		1818: date(1818, time.March, 22),
		2038: date(2038, time.April, 25),
	}
	for y, w := range want {
		if got := Easter(y); got != w {
			t.Errorf("Easter(%d) = %v, want %v", y, got, w)
		}
	}
}

func TestHoliday(t *testing.T) {
	tests := []struct {
		d    roster.Date
		want string // "" = not a holiday
	}{
		{date(2026, time.January, 1), "1. nyttårsdag"},
		{date(2026, time.April, 2), "skjærtorsdag"},
		{date(2026, time.April, 3), "langfredag"},
		{date(2026, time.April, 5), "1. påskedag"},
		{date(2026, time.April, 6), "2. påskedag"},
		{date(2026, time.April, 4), ""}, // påskeaften is not a public holiday
		{date(2026, time.May, 1), "1. mai"},
		{date(2026, time.May, 14), "Kristi himmelfartsdag"},
		{date(2026, time.May, 17), "17. mai"},
		{date(2026, time.May, 24), "1. pinsedag"},
		{date(2026, time.May, 25), "2. pinsedag"},
		{date(2026, time.December, 24), ""}, // julaften: only by the roster
		{date(2026, time.December, 25), "1. juledag"},
		{date(2026, time.December, 26), "2. juledag"},
		{date(2026, time.December, 31), ""},
		{date(2026, time.June, 15), ""},

		{date(2024, time.March, 28), "skjærtorsdag"},
		{date(2024, time.April, 1), "2. påskedag"},
		{date(2024, time.May, 9), "Kristi himmelfartsdag"},
		{date(2024, time.May, 20), "2. pinsedag"},
		{date(2025, time.April, 17), "skjærtorsdag"},
		{date(2025, time.May, 29), "Kristi himmelfartsdag"},
		{date(2025, time.June, 9), "2. pinsedag"},
		{date(2027, time.March, 25), "skjærtorsdag"},
		{date(2027, time.March, 26), "langfredag"},
		{date(2027, time.March, 29), "2. påskedag"},
		{date(2027, time.May, 6), "Kristi himmelfartsdag"},
		{date(2027, time.May, 16), "1. pinsedag"},
		{date(2027, time.May, 17), "17. mai"}, // also 2. pinsedag: the fixed name wins
		{date(2028, time.April, 13), "skjærtorsdag"},
		{date(2028, time.May, 25), "Kristi himmelfartsdag"},
		{date(2028, time.June, 5), "2. pinsedag"},
		{date(2029, time.March, 30), "langfredag"},
		{date(2029, time.May, 10), "Kristi himmelfartsdag"},
		{date(2029, time.May, 21), "2. pinsedag"},
		{date(2030, time.April, 18), "skjærtorsdag"},
		{date(2030, time.May, 30), "Kristi himmelfartsdag"},
		{date(2030, time.June, 10), "2. pinsedag"},
	}
	for _, tt := range tests {
		name, ok := Holiday(tt.d)
		if name != tt.want || ok != (tt.want != "") {
			t.Errorf("Holiday(%v) = %q, %v; want %q", tt.d, name, ok, tt.want)
		}
	}
}

// Each year has exactly twelve holiday names, except when two fall on one
// date (2. pinsedag on 17 May in 2027).
func TestHolidayCount(t *testing.T) {
	for y := 2024; y <= 2030; y++ {
		n := 0
		for d := date(y, time.January, 1); d.Year == y; d = AddDays(d, 1) {
			if _, ok := Holiday(d); ok {
				n++
			}
		}
		want := 12
		if y == 2027 {
			want = 11
		}
		if n != want {
			t.Errorf("%d: %d holidays, want %d", y, n, want)
		}
	}
}
