package schedule

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"innsjekk/roster"

	"pgregory.net/rapid"
)

// instant reads "2026-09-14 12:00" in a fixed zone, so that expected
// instants do not lean on the zone database under test.
func instant(t testing.TB, zone *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// starts returns slots of length from the given wall-clock starts in zone.
func starts(t testing.TB, zone *time.Location, length time.Duration, ss ...string) []Slot {
	t.Helper()
	out := make([]Slot, len(ss))
	for i, s := range ss {
		v := instant(t, zone, s)
		out[i] = Slot{v, v.Add(length)}
	}
	return out
}

func sameSlots(a, b []Slot) bool {
	return slices.EqualFunc(a, b, func(x, y Slot) bool { return x.Start.Equal(y.Start) && x.End.Equal(y.End) })
}

func slotsString(ss []Slot) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "\n\t%s +%s", s.Start.Format(time.RFC3339), s.End.Sub(s.Start))
	}
	return b.String()
}

func participant(t testing.TB, r *roster.Roster, id string) *roster.Participant {
	t.Helper()
	for _, p := range r.Participants {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no participant %q", id)
	return nil
}

var (
	navHours = roster.Span{Start: 9 * 60, End: 14 * 60}
	meeting  = 45 * time.Minute
)

func TestFreeSlotsWeek(t *testing.T) {
	r := testRoster(t)
	c := New(r.Programme)
	amina := participant(t, r, "amina")
	// Amina has class on Monday and Wednesday 09:00–12:00 and her
	// placement on Tuesday and Thursday 09:00–15:00.
	got := c.FreeSlots(amina, navHours, date(2026, time.September, 14), 7, meeting, nil, time.Time{})
	want := starts(t, cest, meeting,
		"2026-09-14 12:00", "2026-09-14 12:30", "2026-09-14 13:00",
		"2026-09-16 12:00", "2026-09-16 12:30", "2026-09-16 13:00",
		"2026-09-18 09:00", "2026-09-18 09:30", "2026-09-18 10:00", "2026-09-18 10:30",
		"2026-09-18 11:00", "2026-09-18 11:30", "2026-09-18 12:00", "2026-09-18 12:30",
		"2026-09-18 13:00",
	)
	if !sameSlots(got, want) {
		t.Errorf("FreeSlots:%s\nwant:%s", slotsString(got), slotsString(want))
	}
}

// free is a participant with nothing on, so that only the calendar and the
// hours decide.
var free = &roster.Participant{Person: roster.Person{ID: "free"}}

func TestFreeSlotsDST(t *testing.T) {
	c := osloCalendar(t)
	hours := roster.Span{Start: 9 * 60, End: 10*60 + 30}
	tests := []struct {
		name string
		from roster.Date
		days int
		want []Slot
	}{
		{
			// Clocks go forward on Sunday 29 March: Friday is CET, Monday
			// CEST, and the weekend between has nothing.
			name: "spring", from: date(2026, time.March, 27), days: 4,
			want: append(starts(t, cet, meeting, "2026-03-27 09:00", "2026-03-27 09:30"),
				starts(t, cest, meeting, "2026-03-30 09:00", "2026-03-30 09:30")...),
		},
		{
			name: "autumn", from: date(2026, time.October, 23), days: 4,
			want: append(starts(t, cest, meeting, "2026-10-23 09:00", "2026-10-23 09:30"),
				starts(t, cet, meeting, "2026-10-26 09:00", "2026-10-26 09:30")...),
		},
		{
			name: "from the weekend", from: date(2026, time.October, 24), days: 3,
			want: starts(t, cet, meeting, "2026-10-26 09:00", "2026-10-26 09:30"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.FreeSlots(free, hours, tt.from, tt.days, meeting, nil, time.Time{})
			if !sameSlots(got, tt.want) {
				t.Errorf("FreeSlots:%s\nwant:%s", slotsString(got), slotsString(tt.want))
			}
		})
	}
}

func TestFreeSlotsClassesAndMeetingsAcrossDST(t *testing.T) {
	c := osloCalendar(t)
	p := &roster.Participant{Classes: []roster.Class{{
		Days:  []time.Weekday{time.Monday},
		Hours: roster.Span{Start: 10 * 60, End: 11 * 60},
	}}}
	// The meeting is given in UTC: 10:30Z is 12:30 CEST on the Monday.
	meetings := []Busy{{Start: instant(t, time.UTC, "2026-03-30 10:30"), End: instant(t, time.UTC, "2026-03-30 11:00"), Kind: Meeting}}
	got := c.FreeSlots(p, navHours, date(2026, time.March, 30), 1, time.Hour, meetings, time.Time{})
	// A slot may end exactly as the class starts and start exactly as the
	// class or the meeting ends.
	want := starts(t, cest, time.Hour, "2026-03-30 09:00", "2026-03-30 11:00", "2026-03-30 11:30", "2026-03-30 13:00")
	if !sameSlots(got, want) {
		t.Errorf("FreeSlots:%s\nwant:%s", slotsString(got), slotsString(want))
	}
}

func TestFreeSlotsClosedDays(t *testing.T) {
	c := osloCalendar(t)
	days := func(ss []Slot) []string {
		var out []string
		for _, s := range ss {
			if d := roster.DateOf(s.Start.In(c.Loc())).String(); !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
		return out
	}
	tests := []struct {
		name string
		from roster.Date
		n    int
		want []string
	}{
		// Skjærtorsdag, langfredag and 2. påskedag 2026.
		{"easter", date(2026, time.March, 30), 8, []string{"2026-03-30", "2026-03-31", "2026-04-01"}},
		// 24 and 31 December are the roster's closed days; 25 and 26 are
		// holidays, 1 January too.
		{"christmas", date(2026, time.December, 21), 12, []string{"2026-12-21", "2026-12-22", "2026-12-23", "2026-12-28", "2026-12-29", "2026-12-30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := days(c.FreeSlots(free, navHours, tt.from, tt.n, meeting, nil, time.Time{}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("days with slots %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFreeSlotsNotBefore(t *testing.T) {
	c := osloCalendar(t)
	hours := roster.Span{Start: 9 * 60, End: 12 * 60}
	from := date(2026, time.September, 18) // a Friday
	tests := []struct {
		name      string
		notBefore time.Time
		want      []Slot
	}{
		{"mid-slot", instant(t, cest, "2026-09-18 10:10"),
			starts(t, cest, meeting, "2026-09-18 10:30", "2026-09-18 11:00")},
		{"on a start", instant(t, cest, "2026-09-18 11:00"),
			starts(t, cest, meeting, "2026-09-18 11:00")},
		{"after the day", instant(t, cest, "2026-09-18 11:01"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.FreeSlots(free, hours, from, 1, meeting, nil, tt.notBefore)
			if !sameSlots(got, tt.want) {
				t.Errorf("FreeSlots:%s\nwant:%s", slotsString(got), slotsString(tt.want))
			}
		})
	}
}

func TestFreeSlotsMeetings(t *testing.T) {
	c := osloCalendar(t)
	mon := date(2026, time.September, 14)
	// A meeting running from Monday morning into Tuesday, with a short one
	// inside it that starts later: the long one must still block Tuesday.
	meetings := []Busy{
		{Start: instant(t, cest, "2026-09-15 12:00"), End: instant(t, cest, "2026-09-15 12:30"), Kind: Meeting},
		{Start: instant(t, cest, "2026-09-14 08:00"), End: instant(t, cest, "2026-09-15 13:00"), Kind: Meeting},
		// Empty, so it blocks nothing.
		{Start: instant(t, cest, "2026-09-16 10:00"), End: instant(t, cest, "2026-09-16 10:00"), Kind: Meeting},
		{Start: instant(t, cest, "2026-09-16 10:30"), End: instant(t, cest, "2026-09-16 13:00"), Kind: Meeting},
	}
	got := c.FreeSlots(free, navHours, mon, 3, meeting, meetings, time.Time{})
	want := starts(t, cest, meeting,
		"2026-09-15 13:00",
		"2026-09-16 09:00", "2026-09-16 09:30", "2026-09-16 13:00",
	)
	if !sameSlots(got, want) {
		t.Errorf("FreeSlots:%s\nwant:%s", slotsString(got), slotsString(want))
	}
	if !meetings[0].Start.Equal(instant(t, cest, "2026-09-15 12:00")) {
		t.Error("FreeSlots reordered the caller's meetings")
	}
}

func TestFreeSlotsNone(t *testing.T) {
	c := osloCalendar(t)
	mon := date(2026, time.September, 14)
	tests := []struct {
		name   string
		hours  roster.Span
		days   int
		length time.Duration
	}{
		{"no days", navHours, 0, meeting},
		{"negative days", navHours, -3, meeting},
		{"no length", navHours, 5, 0},
		{"empty hours", roster.Span{Start: 10 * 60, End: 10 * 60}, 5, meeting},
		{"inverted hours", roster.Span{Start: 14 * 60, End: 9 * 60}, 5, meeting},
		{"longer than the hours", navHours, 5, 5*time.Hour + time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.FreeSlots(free, tt.hours, mon, tt.days, tt.length, nil, time.Time{}); got != nil {
				t.Errorf("FreeSlots:%s\nwant none", slotsString(got))
			}
		})
	}
	// As long as the hours is fine: one slot a day.
	if got := c.FreeSlots(free, navHours, mon, 1, 5*time.Hour, nil, time.Time{}); len(got) != 1 {
		t.Errorf("five hours in five hours:%s", slotsString(got))
	}
}

// TestFreeSlotsSkippedHour uses Israel, where clocks go forward on a
// Friday, a working day, from 02:00 to 03:00. The grid runs on the wall
// clock from 01:15: 02:15 and 02:45 are skipped and land on 03:00, which is
// offered once, and the grid goes on at 03:15, not half an hour after
// 03:00 in real time.
func TestFreeSlotsSkippedHour(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Jerusalem")
	if err != nil {
		t.Skip(err)
	}
	c := New(roster.Programme{Location: loc})
	hours := roster.Span{Start: 1*60 + 15, End: 5 * 60}
	got := c.FreeSlots(free, hours, date(2026, time.March, 27), 1, 30*time.Minute, nil, time.Time{})
	ist, idt := time.FixedZone("IST", 2*3600), time.FixedZone("IDT", 3*3600)
	want := append(starts(t, ist, 30*time.Minute, "2026-03-27 01:15", "2026-03-27 01:45"),
		starts(t, idt, 30*time.Minute, "2026-03-27 03:00", "2026-03-27 03:15", "2026-03-27 03:45", "2026-03-27 04:15")...)
	if !sameSlots(got, want) {
		t.Errorf("FreeSlots:%s\nwant:%s", slotsString(got), slotsString(want))
	}
}

func TestClashes(t *testing.T) {
	r := testRoster(t)
	c := New(r.Programme)
	amina := participant(t, r, "amina")
	nav := Busy{Start: instant(t, cest, "2026-09-14 11:00"), End: instant(t, cest, "2026-09-14 12:30"), Kind: Meeting, Place: "Nav Gjøvik"}
	meetings := []Busy{nav}
	placement := Busy{Start: instant(t, cest, "2026-09-15 09:00"), End: instant(t, cest, "2026-09-15 15:00"), Kind: Placement, Place: "Hotell Strand"}
	class := Busy{Start: instant(t, cest, "2026-09-14 09:00"), End: instant(t, cest, "2026-09-14 12:00"), Kind: Class, Place: "Gjøvik læringssenter"}
	tests := []struct {
		name    string
		start   string
		length  time.Duration
		want    []Busy
		outside bool
	}{
		{"placement day", "2026-09-15 10:00", meeting, []Busy{placement}, false},
		{"class and meeting", "2026-09-14 10:30", meeting, []Busy{class, nav}, false},
		{"meeting only", "2026-09-14 12:00", meeting, []Busy{nav}, false},
		{"free, off the grid", "2026-09-18 10:15", meeting, nil, false},
		{"ends as the meeting starts", "2026-09-14 10:15", meeting, []Busy{class}, false},
		{"starts as the meeting ends", "2026-09-14 12:30", meeting, nil, false},
		{"ends with the hours", "2026-09-18 13:15", meeting, nil, false},
		{"past closing", "2026-09-18 13:30", meeting, nil, true},
		{"before opening", "2026-09-18 08:30", meeting, nil, true},
		{"saturday", "2026-09-19 10:00", meeting, nil, true},
		{"holiday", "2026-12-25 10:00", meeting, nil, true},
		// 24 December 2026 is a Thursday, a placement day, but closed:
		// there is no placement to clash with, only the closed day.
		{"closed day", "2026-12-24 10:00", meeting, nil, true},
		{"into the next day", "2026-09-18 13:00", 24 * time.Hour, nil, true},
		{"no length", "2026-09-18 10:00", 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, outside := c.Clashes(amina, navHours, instant(t, cest, tt.start), tt.length, meetings)
			same := slices.EqualFunc(got, tt.want, func(a, b Busy) bool {
				return a.Kind == b.Kind && a.Place == b.Place && a.Start.Equal(b.Start) && a.End.Equal(b.End)
			})
			if !same || outside != tt.outside {
				t.Errorf("Clashes = %v, %v; want %v, %v", got, outside, tt.want, tt.outside)
			}
		})
	}
}

func TestNearest(t *testing.T) {
	ss := starts(t, cest, meeting, "2026-09-18 09:00", "2026-09-18 10:00", "2026-09-18 11:00", "2026-09-18 12:00", "2026-09-18 13:00")
	shuffled := []Slot{ss[3], ss[0], ss[4], ss[2], ss[1]}
	at := func(s string) time.Time { return instant(t, cest, s) }
	tests := []struct {
		name  string
		slots []Slot
		t     time.Time
		n     int
		want  []Slot
	}{
		// 11:00 and 12:00 are both 30 minutes away, 10:00 and 13:00 both
		// 90: the earlier wins each tie.
		{"ties", ss, at("2026-09-18 11:30"), 3, ss[1:4]},
		{"unsorted input", shuffled, at("2026-09-18 11:30"), 3, ss[1:4]},
		{"exact", ss, at("2026-09-18 13:00"), 2, ss[3:5]},
		{"before all", ss, at("2026-09-01 08:00"), 3, ss[:3]},
		{"after all", ss, at("2027-09-01 08:00"), 3, ss[2:]},
		{"more than there are", shuffled, at("2026-09-18 11:30"), 9, ss},
		{"none wanted", ss, at("2026-09-18 11:30"), 0, nil},
		{"none there", nil, at("2026-09-18 11:30"), 3, nil},
		{"far away", ss, time.Time{}, 1, ss[:1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.slots)
			got := Nearest(tt.slots, tt.t, tt.n)
			if !sameSlots(got, tt.want) {
				t.Errorf("Nearest:%s\nwant:%s", slotsString(got), slotsString(tt.want))
			}
			if !sameSlots(tt.slots, before) {
				t.Error("Nearest changed its input")
			}
		})
	}
}

// minSlotCases is how many random calendars a plain `go test` checks.
// rapid.Check runs 100 cases (fewer with -short, more with -rapid.checks
// or RAPID_CHECKS), so the test repeats it in subtests, each with a fresh
// seed, counting cases until there have been this many.
const minSlotCases = 1000

func TestFreeSlotsProperties(t *testing.T) {
	loc := oslo(t)
	var ran, slots, taken int
	for round := 0; ran < minSlotCases; round++ {
		ok := t.Run(fmt.Sprintf("round_%d", round), rapid.MakeCheck(func(t *rapid.T) {
			f, b := checkSlots(t, scenarioGen(loc).Draw(t, "scenario"))
			ran, slots, taken = ran+1, slots+f, taken+b
		}))
		if !ok || round > minSlotCases {
			break // a failure, or rapid ran nothing at all
		}
	}
	t.Logf("%d cases, %d free and %d taken grid windows", ran, slots, taken)
	if ran < minSlotCases {
		t.Errorf("only %d cases ran", ran)
	}
	// Both sides of the properties must have been exercised, or the
	// generators have drifted into calendars that test nothing.
	if slots < ran || taken < ran {
		t.Errorf("too few free (%d) or taken (%d) windows in %d cases", slots, taken, ran)
	}
}

type scenario struct {
	c         *Calendar
	p         *roster.Participant
	hours     roster.Span
	from      roster.Date
	days      int
	length    time.Duration
	meetings  []Busy
	notBefore time.Time
}

// epoch and the 800 days after it cover two springs and two autumns of
// clock changes, Easter twice and Christmas twice.
var epoch = date(2026, time.January, 1)

func weekdaysGen() *rapid.Generator[[]time.Weekday] {
	return rapid.Custom(func(t *rapid.T) []time.Weekday {
		ds := rapid.SliceOfDistinct(rapid.IntRange(0, 6), rapid.ID).Draw(t, "days")
		out := make([]time.Weekday, len(ds))
		for i, d := range ds {
			out[i] = time.Weekday(d)
		}
		return out
	})
}

// spanGen draws day-time spans, some of them empty or backwards, which
// must then block nothing.
func spanGen(earliest, latest int) *rapid.Generator[roster.Span] {
	return rapid.Custom(func(t *rapid.T) roster.Span {
		start := rapid.IntRange(earliest, latest).Draw(t, "start")
		end := min(start+rapid.IntRange(-60, 9*60).Draw(t, "length"), 24*60)
		return roster.Span{Start: roster.Clock(start), End: roster.Clock(max(end, 0))}
	})
}

func scenarioGen(loc *time.Location) *rapid.Generator[scenario] {
	return rapid.Custom(func(t *rapid.T) scenario {
		from := AddDays(epoch, rapid.IntRange(0, 800).Draw(t, "from"))
		days := rapid.IntRange(0, 21).Draw(t, "days")
		var closed []roster.Date
		for range rapid.IntRange(0, 3).Draw(t, "closed days") {
			closed = append(closed, AddDays(from, rapid.IntRange(-1, 21).Draw(t, "closed")))
		}
		s := scenario{
			c:      New(roster.Programme{Location: loc, Closed: closed}),
			p:      &roster.Participant{Person: roster.Person{ID: "p"}},
			hours:  rapid.OneOf(spanGen(7*60, 10*60), spanGen(0, 20*60)).Draw(t, "hours"),
			from:   from,
			days:   days,
			length: time.Duration(rapid.OneOf(rapid.Just(45), rapid.IntRange(1, 240)).Draw(t, "length")) * time.Minute,
		}
		if rapid.Bool().Draw(t, "placed") {
			pl := &roster.Placement{Days: weekdaysGen().Draw(t, "placement days"), Hours: spanGen(6*60, 14*60).Draw(t, "placement hours")}
			if rapid.Bool().Draw(t, "placement from") {
				pl.From = AddDays(from, rapid.IntRange(-5, 20).Draw(t, "from offset"))
			}
			if rapid.Bool().Draw(t, "placement to") {
				pl.To = AddDays(from, rapid.IntRange(-5, 20).Draw(t, "to offset"))
			}
			s.p.Placement = pl
		}
		for i := range rapid.IntRange(0, 3).Draw(t, "classes") {
			s.p.Classes = append(s.p.Classes, roster.Class{
				Days:  weekdaysGen().Draw(t, "class days"),
				Hours: spanGen(6*60, 16*60).Draw(t, "class hours"),
				Place: fmt.Sprintf("room %d", i),
			})
		}
		// Meetings start on whole minutes from the day before the window
		// to the day after it, mostly in office hours, and now and then
		// last for days.
		base := AddDays(from, -1).In(loc)
		for range rapid.IntRange(0, 15).Draw(t, "meetings") {
			day := rapid.IntRange(0, days+2).Draw(t, "meeting day")
			minute := rapid.OneOf(rapid.IntRange(8*60, 15*60), rapid.IntRange(0, 24*60-1)).Draw(t, "meeting minute")
			start := base.Add(time.Duration(day*24*60+minute) * time.Minute)
			n := rapid.OneOf(rapid.IntRange(0, 180), rapid.IntRange(0, 4*24*60)).Draw(t, "meeting minutes")
			s.meetings = append(s.meetings, Busy{Start: start, End: start.Add(time.Duration(n) * time.Minute), Kind: Meeting})
		}
		// Now is often inside the hours, where it cuts a day's slots short.
		if rapid.Bool().Draw(t, "has now") {
			day := rapid.IntRange(0, days).Draw(t, "now day")
			lo, hi := int(min(s.hours.Start, s.hours.End)), int(max(s.hours.Start, s.hours.End))
			secs := rapid.OneOf(
				rapid.IntRange(0, 24*60*60-1),
				rapid.IntRange(lo*60-600, hi*60+600),
				// Within a minute of a grid time.
				rapid.Custom(func(t *rapid.T) int {
					return lo*60 + rapid.IntRange(0, 20).Draw(t, "step")*slotStep*60 + rapid.IntRange(-60, 60).Draw(t, "off")
				}),
			).Draw(t, "now")
			s.notBefore = from.In(loc).Add(time.Duration(day*24*60*60+secs) * time.Second)
		}
		return s
	})
}

// checkSlots checks FreeSlots against a brute-force calendar of busy
// minutes built from Activities and the meetings, and against Clashes. It
// returns how many grid windows in the hours of working days were free
// and how many taken.
// Oslo changes its clocks on Sundays only, so on working days wall-clock
// minutes and real minutes agree and the grid can be walked in wall-clock
// arithmetic.
func checkSlots(t *rapid.T, s scenario) (free, taken int) {
	c, loc := s.c, s.c.Loc()
	got := c.FreeSlots(s.p, s.hours, s.from, s.days, s.length, s.meetings, s.notBefore)

	// The busy minutes from the day before from to the day after the
	// window, in real minutes since base.
	base := AddDays(s.from, -1).In(loc)
	limit := AddDays(s.from, s.days+2).In(loc)
	busyMinute := make([]bool, int(limit.Sub(base)/time.Minute))
	mark := func(start, end time.Time) {
		for m := start; m.Before(end); m = m.Add(time.Minute) {
			if i := int(m.Sub(base) / time.Minute); i >= 0 && i < len(busyMinute) {
				busyMinute[i] = true
			}
		}
	}
	acts := c.Activities(s.p, AddDays(s.from, -1), s.days+2)
	for _, a := range acts {
		mark(a.Start, a.End)
	}
	for _, m := range s.meetings {
		mark(m.Start, m.End)
	}
	isFree := func(start, end time.Time) bool {
		for m := start; m.Before(end); m = m.Add(time.Minute) {
			if busyMinute[int(m.Sub(base)/time.Minute)] {
				return false
			}
		}
		return true
	}
	overlaps := func(x Slot, start, end time.Time) bool { return start.Before(x.End) && x.Start.Before(end) }

	// (a) Every slot is inside the window, the hours and a working day,
	// on the grid, of the right length, not in the past and overlaps
	// nothing. Overlap is checked on intervals here, and on minutes in (b).
	last := AddDays(s.from, s.days-1)
	for _, x := range got {
		d := roster.DateOf(x.Start.In(loc))
		k := c.clockOf(x.Start)
		switch {
		case d.Before(s.from) || last.Before(d):
			t.Fatalf("slot %v outside %v + %d days", x.Start, s.from, s.days)
		case !c.IsWorkingDay(d):
			t.Fatalf("slot %v on a day off", x.Start)
		case k < s.hours.Start || x.End.After(c.At(d, s.hours.End)):
			t.Fatalf("slot %v–%v outside %v", x.Start, x.End, s.hours)
		case (k-s.hours.Start)%slotStep != 0:
			t.Fatalf("slot %v off the grid from %v", x.Start, s.hours.Start)
		case x.End.Sub(x.Start) != s.length:
			t.Fatalf("slot %v lasts %v, not %v", x.Start, x.End.Sub(x.Start), s.length)
		case x.Start.Before(s.notBefore):
			t.Fatalf("slot %v before %v", x.Start, s.notBefore)
		}
		for _, a := range acts {
			if a.Start.Before(a.End) && overlaps(x, a.Start, a.End) {
				t.Fatalf("slot %v–%v overlaps %s %v–%v", x.Start, x.End, a.Kind, a.Start, a.End)
			}
		}
		for _, m := range s.meetings {
			if m.Start.Before(m.End) && overlaps(x, m.Start, m.End) {
				t.Fatalf("slot %v–%v overlaps meeting %v–%v", x.Start, x.End, m.Start, m.End)
			}
		}
	}

	// (c) Sorted and no duplicates.
	for i := 1; i < len(got); i++ {
		if !got[i-1].Start.Before(got[i].Start) {
			t.Fatalf("slots out of order: %v then %v", got[i-1].Start, got[i].Start)
		}
	}

	// (b) Every grid window that is free minute by minute is found, and
	// Clashes agrees on every grid window, free or not.
	found := make(map[time.Time]bool, len(got))
	for _, x := range got {
		found[x.Start.UTC()] = true
	}
	minutes := roster.Clock(s.length / time.Minute)
	for _, d := range Days(s.from, s.days) {
		if !c.IsWorkingDay(d) {
			continue
		}
		for k := s.hours.Start; k+minutes <= s.hours.End; k += slotStep {
			start := c.At(d, k)
			end := start.Add(s.length)
			ok := isFree(start, end)
			if ok && !start.Before(s.notBefore) && !found[start.UTC()] {
				t.Fatalf("free slot %v–%v not found among %d", start, end, len(got))
			}
			clashes, outside := c.Clashes(s.p, s.hours, start, s.length, s.meetings)
			if outside || (len(clashes) == 0) != ok {
				t.Fatalf("Clashes(%v) = %v, %v; free by minutes: %v", start, clashes, outside, ok)
			}
			if ok {
				free++
			} else {
				taken++
			}
		}
	}
	return free, taken
}

// busyYear is the benchmark's participant: placement on two days, classes
// on the other three, and 100 meetings through the year.
func busyYear(b *testing.B) (*Calendar, *roster.Participant, []Busy) {
	r := testRoster(b)
	c := New(r.Programme)
	p := &roster.Participant{
		Person: roster.Person{ID: "busy"},
		Placement: &roster.Placement{
			Days:  []time.Weekday{time.Tuesday, time.Thursday},
			Hours: roster.Span{Start: 9 * 60, End: 12 * 60},
		},
		Classes: []roster.Class{
			{Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday}, Hours: roster.Span{Start: 9 * 60, End: 11 * 60}, Place: "Rom 1"},
			{Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday}, Hours: roster.Span{Start: 12 * 60, End: 12*60 + 30}, Place: "Rom 2"},
		},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	meetings := make([]Busy, 100)
	for i := range meetings {
		d := AddDays(epoch, rng.IntN(365))
		start := c.At(d, roster.Clock(9*60+30*rng.IntN(10)))
		meetings[i] = Busy{Start: start, End: start.Add(meeting), Kind: Meeting, Place: "Nav"}
	}
	return c, p, meetings
}

func BenchmarkFreeSlotsYear(b *testing.B) {
	c, p, meetings := busyYear(b)
	var n int
	for b.Loop() {
		n = len(c.FreeSlots(p, navHours, epoch, 366, meeting, meetings, time.Time{}))
	}
	b.ReportMetric(float64(n), "slots")
}

// BenchmarkActivitiesYear is the baseline for BenchmarkFreeSlotsYear: what
// listing the same participant's year costs without looking for slots.
func BenchmarkActivitiesYear(b *testing.B) {
	c, p, _ := busyYear(b)
	var n int
	for b.Loop() {
		n = len(c.Activities(p, epoch, 366))
	}
	b.ReportMetric(float64(n), "activities")
}
