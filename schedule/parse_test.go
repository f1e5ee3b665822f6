package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"innsjekk/roster"
)

func TestParseDay(t *testing.T) {
	today := date(2026, time.September, 15) // a Tuesday
	tests := []struct {
		in   string
		want roster.Date // zero: refused
	}{
		{"2026-12-01", date(2026, time.December, 1)},
		{"2026-12-1", date(2026, time.December, 1)},
		{"2025-12-01", date(2025, time.December, 1)}, // the past is the caller's to refuse
		{"1.12", date(2026, time.December, 1)},
		{"1.12.", date(2026, time.December, 1)},
		{"01.12", date(2026, time.December, 1)},
		{"01.12.2026", date(2026, time.December, 1)},
		{"1.12.26", date(2026, time.December, 1)},
		{"1.12.27", date(2027, time.December, 1)},
		{" 1.12 ", date(2026, time.December, 1)},
		// Without a year: the next such date on or after today.
		{"15.9", today},
		{"14.9", date(2027, time.September, 14)},
		{"1.1", date(2027, time.January, 1)},
		{"29.2", date(2028, time.February, 29)},
		{"29.02.2028", date(2028, time.February, 29)},
		{"i dag", today},
		{"I DAG", today},
		{"i  dag", today},
		{"idag", today},
		{"today", today},
		{"Today", today},
		{"i morgen", date(2026, time.September, 16)},
		{"I Morgen", date(2026, time.September, 16)},
		{"imorgen", date(2026, time.September, 16)},
		{"tomorrow", date(2026, time.September, 16)},
		// Weekdays: the next on or after today, so today's own is today.
		{"tirsdag", today},
		{"tir", today},
		{"TIR.", today},
		{"Tuesday", today},
		{"tue", today},
		{"tues", today},
		{"onsdag", date(2026, time.September, 16)},
		{"wed", date(2026, time.September, 16)},
		{"torsdag", date(2026, time.September, 17)},
		{"tors", date(2026, time.September, 17)},
		{"thu", date(2026, time.September, 17)},
		{"fredag", date(2026, time.September, 18)},
		{"fri", date(2026, time.September, 18)},
		{"lørdag", date(2026, time.September, 19)},
		{"LØRDAG", date(2026, time.September, 19)},
		{"lør", date(2026, time.September, 19)},
		{"lordag", date(2026, time.September, 19)},
		{"saturday", date(2026, time.September, 19)},
		{"søndag", date(2026, time.September, 20)},
		{"sun", date(2026, time.September, 20)},
		{"mandag", date(2026, time.September, 21)},
		{"man", date(2026, time.September, 21)},
		{"Monday", date(2026, time.September, 21)},
		{"mon", date(2026, time.September, 21)},
		// Arabic-Indic and Persian digits.
		{"١.١٢", date(2026, time.December, 1)},
		{"۱.۱۲.۲۰۲۶", date(2026, time.December, 1)},
		{"۲۰۲۶-۱۲-۰۱", date(2026, time.December, 1)},

		{"", roster.Date{}},
		{" ", roster.Date{}},
		{".", roster.Date{}},
		{"31.4", roster.Date{}},
		{"31.04.2026", roster.Date{}},
		{"29.02.2027", roster.Date{}},
		{"2026-02-30", roster.Date{}},
		{"32.1", roster.Date{}},
		{"0.1", roster.Date{}},
		{"1.0", roster.Date{}},
		{"1.13", roster.Date{}},
		{"1/12", roster.Date{}},
		{"2026/12/01", roster.Date{}},
		{"1,12", roster.Date{}},
		{"-1.12", roster.Date{}},
		{"+1.12", roster.Date{}},
		{"1..12", roster.Date{}},
		{"1.12.2026.5", roster.Date{}},
		{"1.12.026", roster.Date{}},
		{"1.12.20260", roster.Date{}},
		{"001.12", roster.Date{}},
		{"12-01", roster.Date{}},
		{"2026-12", roster.Date{}},
		{"26-12-01", roster.Date{}},
		{"2026-12-01-1", roster.Date{}},
		{"0000-01-01", roster.Date{}},
		{"20261201", roster.Date{}},
		{"tirsdagen", roster.Date{}},
		{"neste tirsdag", roster.Date{}},
		{"ti", roster.Date{}},
		{"t", roster.Date{}},
		{"i", roster.Date{}},
		{"i dag i morgen", roster.Date{}},
		{"1. 12", roster.Date{}},
		{"１.１２", roster.Date{}}, // fullwidth digits are not on any keyboard we serve
	}
	for _, tt := range tests {
		got, ok := ParseDay(tt.in, today)
		if ok != !tt.want.IsZero() || got != tt.want {
			t.Errorf("ParseDay(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

// TestParseDayWeekdays checks every weekday name from every day of a week
// that crosses a month and a clock change.
func TestParseDayWeekdays(t *testing.T) {
	names := map[time.Weekday][]string{}
	for name, w := range weekdayNames {
		names[w] = append(names[w], name)
	}
	for i := range 7 {
		today := AddDays(date(2026, time.October, 26), i)
		for w, ns := range names {
			for _, n := range ns {
				got, ok := ParseDay(n, today)
				ahead := int(got.In(time.UTC).Sub(today.In(time.UTC)) / (24 * time.Hour))
				if !ok || Weekday(got) != w || ahead < 0 || ahead > 6 {
					t.Errorf("ParseDay(%q, %v) = %v, %v; want the %v in the week from then", n, today, got, ok, w)
				}
			}
		}
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want roster.Clock // -1: refused
	}{
		{"10", clock(10, 0)},
		{"9", clock(9, 0)},
		{"09", clock(9, 0)},
		{"0", 0},
		{"00", 0},
		{"23", clock(23, 0)},
		{"10:00", clock(10, 0)},
		{"10.30", clock(10, 30)},
		{"9:30", clock(9, 30)},
		{"09:30", clock(9, 30)},
		{"0930", clock(9, 30)},
		{"1030", clock(10, 30)},
		{"0:00", 0},
		{"23:59", clock(23, 59)},
		{"2359", clock(23, 59)},
		{" 10:00 ", clock(10, 0)},
		{"kl 10", clock(10, 0)},
		{"kl. 10", clock(10, 0)},
		{"KL.10", clock(10, 0)},
		{"kl10", clock(10, 0)},
		{"Kl. 9.30", clock(9, 30)},
		{"١٠:٣٠", clock(10, 30)},
		{"۱۰:۳۰", clock(10, 30)},
		{"۱۰٫۳۰", clock(10, 30)},
		{"۹", clock(9, 0)},

		{"", -1},
		{" ", -1},
		{"24", -1},
		{"24:00", -1},
		{"25", -1},
		{"9:5", -1},
		{"10:5", -1},
		{"1.5", -1},
		{"10:60", -1},
		{"10:000", -1},
		{"930", -1},
		{"100", -1},
		{"12345", -1},
		{"2400", -1},
		{"1060", -1},
		{"1:2:3", -1},
		{"10:30:00", -1},
		{"10:", -1},
		{":30", -1},
		{"-1", -1},
		{"+9", -1},
		{"10h", -1},
		{"10 30", -1},
		{"10:3O", -1},
		{"kl", -1},
		{"kl.", -1},
		{"klokka 10", -1},
		{"１０", -1},
	}
	for _, tt := range tests {
		got, ok := ParseClock(tt.in)
		if ok != (tt.want >= 0) || (ok && got != tt.want) {
			t.Errorf("ParseClock(%q) = %d, %v; want %d", tt.in, got, ok, tt.want)
		}
	}
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"10", "9", "10:00", "10.30", "0930", "kl. 10", "١٠:٣٠", "۱۰٫۳۰", "9:5", "930", "24:00", "", "kl"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := ParseClock(s)
		if !ok {
			return
		}
		if k < 0 || k >= 24*60 {
			t.Fatalf("ParseClock(%q) = %d, outside a day", s, k)
		}
		// What parsed means the same written every way the bot accepts.
		for _, form := range []string{"%02d:%02d", "%d.%02d", "%02d%02d", "kl. %d:%02d"} {
			again := fmt.Sprintf(form, k.Hour(), k.Minute())
			if k2, ok := ParseClock(again); !ok || k2 != k {
				t.Fatalf("ParseClock(%q) = %d, but ParseClock(%q) = %d, %v", s, k, again, k2, ok)
			}
		}
		if k2, ok := ParseClock(NormalizeDigits(s)); !ok || k2 != k {
			t.Fatalf("ParseClock(%q) = %d, but with ASCII digits %d, %v", s, k, k2, ok)
		}
	})
}

func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-12-01", "1.12", "1.12.", "01.12.2026", "1.12.26", "29.2", "31.4", "i dag",
		"i morgen", "tirsdag", "TIR.", "tuesday", "lørdag", "١.١٢", "۲۰۲۶-۱۲-۰۱", "1/12", "", "0000-01-01"} {
		f.Add(s, uint16(257))
	}
	f.Fuzz(func(t *testing.T, s string, offset uint16) {
		today := AddDays(date(2026, time.January, 1), int(offset)-1000)
		d, ok := ParseDay(s, today)
		if !ok {
			return
		}
		if _, exists := dateOf(d.Year, int(d.Month), d.Day); !exists {
			t.Fatalf("ParseDay(%q) = %v, which does not exist", s, d)
		}
		// What parsed reads back the same in the written forms.
		for _, again := range []string{d.String(), fmt.Sprintf("%d.%d.%04d", d.Day, d.Month, d.Year)} {
			if d2, ok := ParseDay(again, today); !ok || d2 != d {
				t.Fatalf("ParseDay(%q) = %v, but ParseDay(%q) = %v, %v", s, d, again, d2, ok)
			}
		}
		// Without the year it is the same day and month, not before today.
		short := fmt.Sprintf("%d.%d", d.Day, d.Month)
		if d2, ok := ParseDay(short, today); !ok || d2.Day != d.Day || d2.Month != d.Month || d2.Before(today) {
			t.Fatalf("ParseDay(%q, %v) = %v, %v", short, today, d2, ok)
		}
		if d2, ok := ParseDay(strings.ToUpper(s), today); !ok || d2 != d {
			t.Fatalf("ParseDay(%q) = %v, but in capitals %v, %v", s, d, d2, ok)
		}
	})
}
