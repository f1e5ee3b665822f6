package schedule

import (
	"testing"
	"time"

	"innsjekk/roster"
)

func oslo(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Fixed offsets make the expected instants explicit: a test that built
// them with the zone under test would agree with any mistake in it.
var (
	cet  = time.FixedZone("CET", 1*60*60)
	cest = time.FixedZone("CEST", 2*60*60)
)

func clock(h, m int) roster.Clock { return roster.Clock(h*60 + m) }

func osloCalendar(t testing.TB) *Calendar {
	return New(roster.Programme{
		Location:   oslo(t),
		QuietHours: roster.Span{Start: clock(21, 0), End: clock(7, 0)},
		Closed:     []roster.Date{date(2026, time.December, 24), date(2026, time.December, 31)},
	})
}

func TestAt(t *testing.T) {
	c := osloCalendar(t)
	tests := []struct {
		name string
		d    roster.Date
		k    roster.Clock
		want time.Time
	}{
		{"winter", date(2026, time.January, 12), clock(9, 0), time.Date(2026, time.January, 12, 9, 0, 0, 0, cet)},
		{"summer", date(2026, time.July, 1), clock(9, 0), time.Date(2026, time.July, 1, 9, 0, 0, 0, cest)},
		{"spring forward, before the gap", date(2026, time.March, 29), clock(1, 59), time.Date(2026, time.March, 29, 1, 59, 0, 0, cet)},
		{"spring forward, in the gap", date(2026, time.March, 29), clock(2, 30), time.Date(2026, time.March, 29, 3, 0, 0, 0, cest)},
		{"spring forward, gap start", date(2026, time.March, 29), clock(2, 0), time.Date(2026, time.March, 29, 3, 0, 0, 0, cest)},
		{"spring forward, after the gap", date(2026, time.March, 29), clock(3, 0), time.Date(2026, time.March, 29, 3, 0, 0, 0, cest)},
		{"spring forward, morning", date(2026, time.March, 29), clock(9, 0), time.Date(2026, time.March, 29, 9, 0, 0, 0, cest)},
		{"day after spring forward", date(2026, time.March, 30), clock(9, 0), time.Date(2026, time.March, 30, 9, 0, 0, 0, cest)},
		{"fall back, twice: the earlier", date(2026, time.October, 25), clock(2, 30), time.Date(2026, time.October, 25, 2, 30, 0, 0, cest)},
		{"fall back, 02:00 twice: the earlier", date(2026, time.October, 25), clock(2, 0), time.Date(2026, time.October, 25, 2, 0, 0, 0, cest)},
		{"fall back, 03:00 once", date(2026, time.October, 25), clock(3, 0), time.Date(2026, time.October, 25, 3, 0, 0, 0, cet)},
		{"fall back, 01:59 once", date(2026, time.October, 25), clock(1, 59), time.Date(2026, time.October, 25, 1, 59, 0, 0, cest)},
		{"24:00 is the next midnight", date(2026, time.March, 28), clock(24, 0), time.Date(2026, time.March, 29, 0, 0, 0, 0, cet)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.At(tt.d, tt.k)
			if !got.Equal(tt.want) {
				t.Errorf("At(%v, %02d:%02d) = %v, want %v", tt.d, tt.k.Hour(), tt.k.Minute(), got, tt.want)
			}
			if got.Location() != c.Loc() {
				t.Errorf("At returned a time in %v, want %v", got.Location(), c.Loc())
			}
		})
	}
}

// West of UTC, time.Date lands before the gap instead of after it; At
// must still return the end of the gap.
func TestAtWestOfUTC(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	c := New(roster.Programme{Location: ny})
	est := time.FixedZone("EST", -5*60*60)
	edt := time.FixedZone("EDT", -4*60*60)
	tests := []struct {
		d    roster.Date
		k    roster.Clock
		want time.Time
	}{
		{date(2026, time.March, 8), clock(2, 30), time.Date(2026, time.March, 8, 3, 0, 0, 0, edt)},
		{date(2026, time.November, 1), clock(1, 30), time.Date(2026, time.November, 1, 1, 30, 0, 0, edt)},
	}
	for _, tt := range tests {
		if got := c.At(tt.d, tt.k); !got.Equal(tt.want) {
			t.Errorf("At(%v, %02d:%02d) = %v, want %v", tt.d, tt.k.Hour(), tt.k.Minute(), got, tt.want)
		}
	}
	// The later 01:30 is reachable through NextAt.
	after := time.Date(2026, time.November, 1, 1, 45, 0, 0, edt)
	want := time.Date(2026, time.November, 1, 1, 30, 0, 0, est)
	if got := c.NextAt(after, clock(1, 30)); !got.Equal(want) {
		t.Errorf("NextAt(%v, 01:30) = %v, want %v", after, got, want)
	}
}

func TestNilLocationIsUTC(t *testing.T) {
	c := New(roster.Programme{})
	if c.Loc() != time.UTC {
		t.Fatalf("Loc() = %v, want UTC", c.Loc())
	}
	want := time.Date(2026, time.March, 29, 2, 30, 0, 0, time.UTC)
	if got := c.At(date(2026, time.March, 29), clock(2, 30)); !got.Equal(want) {
		t.Errorf("At = %v, want %v", got, want)
	}
}

// Stepping by calendar days keeps the wall clock across both DST changes.
func TestAddDaysAcrossDST(t *testing.T) {
	c := osloCalendar(t)
	tests := []struct {
		from roster.Date
		n    int
		want time.Time // At(AddDays(from, n), 18:00)
	}{
		{date(2026, time.March, 28), 1, time.Date(2026, time.March, 29, 18, 0, 0, 0, cest)},
		{date(2026, time.March, 28), 2, time.Date(2026, time.March, 30, 18, 0, 0, 0, cest)},
		{date(2026, time.March, 30), -2, time.Date(2026, time.March, 28, 18, 0, 0, 0, cet)},
		{date(2026, time.October, 24), 1, time.Date(2026, time.October, 25, 18, 0, 0, 0, cet)},
		{date(2026, time.October, 25), -1, time.Date(2026, time.October, 24, 18, 0, 0, 0, cest)},
		{date(2026, time.December, 31), 1, time.Date(2027, time.January, 1, 18, 0, 0, 0, cet)},
		{date(2028, time.February, 28), 1, time.Date(2028, time.February, 29, 18, 0, 0, 0, cet)},
		{date(2026, time.January, 1), 365, time.Date(2027, time.January, 1, 18, 0, 0, 0, cet)},
	}
	for _, tt := range tests {
		got := c.At(c.AddDays(tt.from, tt.n), clock(18, 0))
		if !got.Equal(tt.want) {
			t.Errorf("At(AddDays(%v, %d), 18:00) = %v, want %v", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestToday(t *testing.T) {
	c := osloCalendar(t)
	tests := []struct {
		now  time.Time
		want roster.Date
	}{
		// 23:30 UTC is already tomorrow in Oslo.
		{time.Date(2026, time.March, 28, 23, 30, 0, 0, time.UTC), date(2026, time.March, 29)},
		{time.Date(2026, time.March, 28, 22, 59, 0, 0, time.UTC), date(2026, time.March, 28)},
		{time.Date(2026, time.July, 1, 21, 59, 0, 0, time.UTC), date(2026, time.July, 1)},
		{time.Date(2026, time.July, 1, 22, 0, 0, 0, time.UTC), date(2026, time.July, 2)},
		{time.Date(2026, time.October, 25, 2, 30, 0, 0, cet), date(2026, time.October, 25)},
	}
	for _, tt := range tests {
		if got := c.Today(tt.now); got != tt.want {
			t.Errorf("Today(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestWeekday(t *testing.T) {
	c := osloCalendar(t)
	tests := []struct {
		d    roster.Date
		want time.Weekday
	}{
		{date(2026, time.March, 29), time.Sunday},
		{date(2026, time.March, 30), time.Monday},
		{date(2026, time.October, 25), time.Sunday},
		{date(2027, time.May, 6), time.Thursday},
		{date(2028, time.February, 29), time.Tuesday},
	}
	for _, tt := range tests {
		if got := c.Weekday(tt.d); got != tt.want {
			t.Errorf("Weekday(%v) = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestIsClosedAndWorkingDay(t *testing.T) {
	c := osloCalendar(t)
	tests := []struct {
		d       roster.Date
		reason  string // "" = open
		working bool
	}{
		{date(2026, time.December, 24), ClosedReason, false}, // roster closed, a Thursday
		{date(2026, time.December, 31), ClosedReason, false},
		{date(2026, time.December, 25), "1. juledag", false},
		{date(2026, time.December, 23), "", true},
		{date(2027, time.May, 6), "Kristi himmelfartsdag", false},
		{date(2027, time.May, 7), "", true},
		{date(2026, time.March, 28), "", false}, // Saturday: open, but not a working day
		{date(2026, time.March, 29), "", false}, // Sunday
		{date(2026, time.March, 30), "", true},
		{date(2026, time.May, 17), "17. mai", false}, // a Sunday, and a holiday
		{date(2027, time.December, 24), "", true},    // closed only in 2026
	}
	for _, tt := range tests {
		reason, closed := c.IsClosed(tt.d)
		if reason != tt.reason || closed != (tt.reason != "") {
			t.Errorf("IsClosed(%v) = %q, %v; want %q", tt.d, reason, closed, tt.reason)
		}
		if got := c.IsWorkingDay(tt.d); got != tt.working {
			t.Errorf("IsWorkingDay(%v) = %v, want %v", tt.d, got, tt.working)
		}
	}
}

func TestQuiet(t *testing.T) {
	c := osloCalendar(t)
	tests := []struct {
		name  string
		now   time.Time
		quiet bool
		end   time.Time // QuietEnd(now)
	}{
		{"evening before quiet", time.Date(2026, time.September, 14, 20, 59, 59, 0, cest), false, time.Date(2026, time.September, 14, 20, 59, 59, 0, cest)},
		{"quiet starts", time.Date(2026, time.September, 14, 21, 0, 0, 0, cest), true, time.Date(2026, time.September, 15, 7, 0, 0, 0, cest)},
		{"before midnight", time.Date(2026, time.September, 14, 23, 59, 0, 0, cest), true, time.Date(2026, time.September, 15, 7, 0, 0, 0, cest)},
		{"midnight", time.Date(2026, time.September, 15, 0, 0, 0, 0, cest), true, time.Date(2026, time.September, 15, 7, 0, 0, 0, cest)},
		{"just before the end", time.Date(2026, time.September, 15, 6, 59, 59, 0, cest), true, time.Date(2026, time.September, 15, 7, 0, 0, 0, cest)},
		{"quiet ends", time.Date(2026, time.September, 15, 7, 0, 0, 0, cest), false, time.Date(2026, time.September, 15, 7, 0, 0, 0, cest)},
		{"midday", time.Date(2026, time.September, 15, 12, 0, 0, 0, cest), false, time.Date(2026, time.September, 15, 12, 0, 0, 0, cest)},
		// now given in UTC: 20:30 UTC is 22:30 in Oslo.
		{"now in UTC", time.Date(2026, time.September, 14, 20, 30, 0, 0, time.UTC), true, time.Date(2026, time.September, 15, 7, 0, 0, 0, cest)},
		// The quiet night is an hour shorter in spring and an hour longer in autumn.
		{"spring forward night", time.Date(2026, time.March, 28, 22, 0, 0, 0, cet), true, time.Date(2026, time.March, 29, 7, 0, 0, 0, cest)},
		{"in the spring night after the change", time.Date(2026, time.March, 29, 3, 0, 0, 0, cest), true, time.Date(2026, time.March, 29, 7, 0, 0, 0, cest)},
		{"fall back night", time.Date(2026, time.October, 24, 22, 0, 0, 0, cest), true, time.Date(2026, time.October, 25, 7, 0, 0, 0, cet)},
		{"second 02:30 on fall back", time.Date(2026, time.October, 25, 2, 30, 0, 0, cet), true, time.Date(2026, time.October, 25, 7, 0, 0, 0, cet)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.InQuiet(tt.now); got != tt.quiet {
				t.Errorf("InQuiet(%v) = %v, want %v", tt.now, got, tt.quiet)
			}
			if got := c.QuietEnd(tt.now); !got.Equal(tt.end) {
				t.Errorf("QuietEnd(%v) = %v, want %v", tt.now, got, tt.end)
			}
		})
	}
}

func TestQuietSpans(t *testing.T) {
	loc := oslo(t)
	at := func(h, m int) time.Time { return time.Date(2026, time.September, 15, h, m, 0, 0, loc) }
	tests := []struct {
		name  string
		span  roster.Span
		now   time.Time
		quiet bool
		end   time.Time
	}{
		{"same-day span, inside", roster.Span{Start: clock(12, 0), End: clock(13, 0)}, at(12, 30), true, at(13, 0)},
		{"same-day span, end excluded", roster.Span{Start: clock(12, 0), End: clock(13, 0)}, at(13, 0), false, at(13, 0)},
		{"same-day span, before", roster.Span{Start: clock(12, 0), End: clock(13, 0)}, at(11, 59), false, at(11, 59)},
		{"to midnight", roster.Span{Start: clock(22, 0), End: clock(24, 0)}, at(23, 0), true, time.Date(2026, time.September, 16, 0, 0, 0, 0, loc)},
		{"from midnight", roster.Span{Start: clock(0, 0), End: clock(6, 0)}, at(0, 0), true, at(6, 0)},
		{"empty span is never quiet", roster.Span{}, at(0, 0), false, at(0, 0)},
		{"equal ends are never quiet", roster.Span{Start: clock(7, 0), End: clock(7, 0)}, at(7, 0), false, at(7, 0)},
		// A quiet span ending in the skipped hour ends when the gap does.
		{"ends in the gap", roster.Span{Start: clock(21, 0), End: clock(2, 30)}, time.Date(2026, time.March, 29, 1, 30, 0, 0, cet), true, time.Date(2026, time.March, 29, 3, 0, 0, 0, cest)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(roster.Programme{Location: loc, QuietHours: tt.span})
			if got := c.InQuiet(tt.now); got != tt.quiet {
				t.Errorf("InQuiet(%v) = %v, want %v", tt.now, got, tt.quiet)
			}
			if got := c.QuietEnd(tt.now); !got.Equal(tt.end) {
				t.Errorf("QuietEnd(%v) = %v, want %v", tt.now, got, tt.end)
			}
		})
	}
}

func TestNextAt(t *testing.T) {
	c := osloCalendar(t)
	tests := []struct {
		name string
		now  time.Time
		k    roster.Clock
		want time.Time
	}{
		{"later today", time.Date(2026, time.September, 14, 12, 0, 0, 0, cest), clock(18, 0), time.Date(2026, time.September, 14, 18, 0, 0, 0, cest)},
		{"exactly now is not next", time.Date(2026, time.September, 14, 18, 0, 0, 0, cest), clock(18, 0), time.Date(2026, time.September, 15, 18, 0, 0, 0, cest)},
		{"a nanosecond before", time.Date(2026, time.September, 14, 17, 59, 59, 999999999, cest), clock(18, 0), time.Date(2026, time.September, 14, 18, 0, 0, 0, cest)},
		{"tomorrow", time.Date(2026, time.September, 14, 19, 0, 0, 0, cest), clock(18, 0), time.Date(2026, time.September, 15, 18, 0, 0, 0, cest)},
		{"across spring forward", time.Date(2026, time.March, 28, 18, 0, 0, 0, cet), clock(18, 0), time.Date(2026, time.March, 29, 18, 0, 0, 0, cest)},
		{"across fall back", time.Date(2026, time.October, 24, 18, 0, 0, 0, cest), clock(18, 0), time.Date(2026, time.October, 25, 18, 0, 0, 0, cet)},
		{"into the gap", time.Date(2026, time.March, 29, 1, 0, 0, 0, cet), clock(2, 30), time.Date(2026, time.March, 29, 3, 0, 0, 0, cest)},
		{"after the gap", time.Date(2026, time.March, 29, 3, 0, 0, 0, cest), clock(2, 30), time.Date(2026, time.March, 30, 2, 30, 0, 0, cest)},
		{"first of two", time.Date(2026, time.October, 25, 1, 0, 0, 0, cest), clock(2, 30), time.Date(2026, time.October, 25, 2, 30, 0, 0, cest)},
		{"second of two", time.Date(2026, time.October, 25, 2, 45, 0, 0, cest), clock(2, 30), time.Date(2026, time.October, 25, 2, 30, 0, 0, cet)},
		{"after both", time.Date(2026, time.October, 25, 2, 45, 0, 0, cet), clock(2, 30), time.Date(2026, time.October, 26, 2, 30, 0, 0, cet)},
		{"now in UTC", time.Date(2026, time.September, 14, 17, 0, 0, 0, time.UTC), clock(18, 0), time.Date(2026, time.September, 15, 18, 0, 0, 0, cest)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.NextAt(tt.now, tt.k); !got.Equal(tt.want) {
				t.Errorf("NextAt(%v, %02d:%02d) = %v, want %v", tt.now, tt.k.Hour(), tt.k.Minute(), got, tt.want)
			}
		})
	}
}

func TestDays(t *testing.T) {
	got := Days(date(2026, time.March, 28), 3)
	want := []roster.Date{date(2026, time.March, 28), date(2026, time.March, 29), date(2026, time.March, 30)}
	if len(got) != len(want) {
		t.Fatalf("Days = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Days[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if got := Days(date(2026, time.March, 28), 0); got != nil {
		t.Errorf("Days(_, 0) = %v, want nil", got)
	}
}
