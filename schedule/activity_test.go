package schedule

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"innsjekk/roster"
)

// testRoster is the example from docs/roster.md, with two more participants:
// Omar has an open-ended Thursday placement, Sara a weekday placement and a
// class that starts with it.
func testRoster(t testing.TB) *roster.Roster {
	t.Helper()
	loc := oslo(t)
	anne := &roster.Staff{Person: roster.Person{ID: "anne", Name: "Anne Hansen", Language: "nb"}, Roles: []roster.Role{roster.RoleAdviser, roster.RoleAdmin}}
	lars := &roster.Staff{Person: roster.Person{ID: "lars", Name: "Lars Berg", Language: "nb"}, Roles: []roster.Role{roster.RoleTeacher}}
	per := &roster.Contact{Person: roster.Person{ID: "per", Name: "Per Olsen", Language: "nb"}, MorningCard: true}
	strand := &roster.Employer{ID: "strand", Name: "Hotell Strand", Address: "Strandgata 1, Gjøvik", Contacts: []*roster.Contact{per}}
	eva := &roster.Contact{Person: roster.Person{ID: "eva", Name: "Eva Lie", Language: "nb"}}
	kiwi := &roster.Employer{ID: "kiwi", Name: "Kiwi Sentrum", Address: "Storgata 5, Gjøvik", Contacts: []*roster.Contact{eva}}
	r := &roster.Roster{
		Programme: roster.Programme{
			ID:         "gjovik",
			Name:       "Gjøvik læringssenter",
			Timezone:   "Europe/Oslo",
			Location:   loc,
			NavHours:   roster.Span{Start: clock(9, 0), End: clock(14, 0)},
			QuietHours: roster.Span{Start: clock(21, 0), End: clock(7, 0)},
			Closed:     []roster.Date{date(2026, time.December, 24), date(2026, time.December, 31)},
		},
		Staff:     []*roster.Staff{anne, lars},
		Employers: []*roster.Employer{strand, kiwi},
		Participants: []*roster.Participant{
			{
				Person:  roster.Person{ID: "amina", Name: "Amina Yusuf", Language: "ar"},
				Adviser: anne,
				Teacher: lars,
				Placement: &roster.Placement{
					Employer: strand,
					Mentor:   per,
					Days:     []time.Weekday{time.Tuesday, time.Thursday},
					Hours:    roster.Span{Start: clock(9, 0), End: clock(15, 0)},
					From:     date(2026, time.September, 1),
					To:       date(2027, time.February, 26),
				},
				Classes: []roster.Class{{
					Days:  []time.Weekday{time.Monday, time.Wednesday},
					Hours: roster.Span{Start: clock(9, 0), End: clock(12, 0)},
					Place: "Gjøvik læringssenter",
				}},
			},
			{
				Person:  roster.Person{ID: "omar", Name: "Omar Ali", Language: "so"},
				Adviser: anne,
				Placement: &roster.Placement{
					Employer: kiwi,
					Mentor:   eva,
					Days:     []time.Weekday{time.Thursday},
					Hours:    roster.Span{Start: clock(10, 0), End: clock(14, 0)},
				},
			},
			{
				Person:  roster.Person{ID: "sara", Name: "Sara Haile", Language: "ti"},
				Adviser: anne,
				Placement: &roster.Placement{
					Employer: kiwi,
					Mentor:   eva,
					Days:     []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
					Hours:    roster.Span{Start: clock(9, 0), End: clock(15, 0)},
				},
				Classes: []roster.Class{
					{Days: []time.Weekday{time.Monday}, Hours: roster.Span{Start: clock(9, 0), End: clock(11, 0)}, Place: "Rom 2"},
					{Days: []time.Weekday{time.Monday}, Hours: roster.Span{Start: clock(8, 0), End: clock(9, 0)}, Place: "Rom 1"},
				},
			},
			{
				Person:  roster.Person{ID: "yusuf", Name: "Yusuf Noor", Language: "fa-AF"},
				Adviser: anne,
			},
		},
	}
	r.Index()
	return r
}

// brief is what the tests compare: kind, place and start/end as explicit
// instants.
type brief struct {
	kind       Kind
	place      string
	start, end time.Time
}

func (b brief) String() string {
	return fmt.Sprintf("%s %q %s–%s", b.kind, b.place, b.start.Format(time.RFC3339), b.end.Format("15:04Z07:00"))
}

func briefs(as []Activity) []brief {
	out := make([]brief, len(as))
	for i, a := range as {
		out[i] = brief{a.Kind, a.Place, a.Start, a.End}
	}
	return out
}

func sameBriefs(got, want []brief) bool {
	return slices.EqualFunc(got, want, func(a, b brief) bool {
		return a.kind == b.kind && a.place == b.place && a.start.Equal(b.start) && a.end.Equal(b.end)
	})
}

func TestActivities(t *testing.T) {
	r := testRoster(t)
	c := New(r.Programme)
	at := func(y int, m time.Month, d, h, mi int, z *time.Location) time.Time {
		return time.Date(y, m, d, h, mi, 0, 0, z)
	}
	const school, strand, kiwi = "Gjøvik læringssenter", "Hotell Strand", "Kiwi Sentrum"
	tests := []struct {
		name string
		who  string
		from roster.Date
		days int
		want []brief
	}{
		{"an ordinary week", "amina", date(2026, time.September, 14), 7, []brief{
			{Class, school, at(2026, 9, 14, 9, 0, cest), at(2026, 9, 14, 12, 0, cest)},
			{Placement, strand, at(2026, 9, 15, 9, 0, cest), at(2026, 9, 15, 15, 0, cest)},
			{Class, school, at(2026, 9, 16, 9, 0, cest), at(2026, 9, 16, 12, 0, cest)},
			{Placement, strand, at(2026, 9, 17, 9, 0, cest), at(2026, 9, 17, 15, 0, cest)},
		}},
		{"placement starts on From", "amina", date(2026, time.August, 24), 10, []brief{
			{Class, school, at(2026, 8, 24, 9, 0, cest), at(2026, 8, 24, 12, 0, cest)},
			{Class, school, at(2026, 8, 26, 9, 0, cest), at(2026, 8, 26, 12, 0, cest)},
			// Thursday 27 August is before From: no placement.
			{Class, school, at(2026, 8, 31, 9, 0, cest), at(2026, 8, 31, 12, 0, cest)},
			{Placement, strand, at(2026, 9, 1, 9, 0, cest), at(2026, 9, 1, 15, 0, cest)},
			{Class, school, at(2026, 9, 2, 9, 0, cest), at(2026, 9, 2, 12, 0, cest)},
		}},
		{"placement ends on To", "amina", date(2027, time.February, 22), 10, []brief{
			{Class, school, at(2027, 2, 22, 9, 0, cet), at(2027, 2, 22, 12, 0, cet)},
			{Placement, strand, at(2027, 2, 23, 9, 0, cet), at(2027, 2, 23, 15, 0, cet)},
			{Class, school, at(2027, 2, 24, 9, 0, cet), at(2027, 2, 24, 12, 0, cet)},
			{Placement, strand, at(2027, 2, 25, 9, 0, cet), at(2027, 2, 25, 15, 0, cet)},
			// Tuesday 2 March is after To; the class goes on.
			{Class, school, at(2027, 3, 1, 9, 0, cet), at(2027, 3, 1, 12, 0, cet)},
			{Class, school, at(2027, 3, 3, 9, 0, cet), at(2027, 3, 3, 12, 0, cet)},
		}},
		{"Christmas: closed day and holidays", "amina", date(2026, time.December, 21), 7, []brief{
			{Class, school, at(2026, 12, 21, 9, 0, cet), at(2026, 12, 21, 12, 0, cet)},
			{Placement, strand, at(2026, 12, 22, 9, 0, cet), at(2026, 12, 22, 15, 0, cet)},
			{Class, school, at(2026, 12, 23, 9, 0, cet), at(2026, 12, 23, 12, 0, cet)},
			// Thursday 24 December is a roster closed day.
		}},
		{"Kristi himmelfartsdag", "omar", date(2027, time.April, 29), 15, []brief{
			{Placement, kiwi, at(2027, 4, 29, 10, 0, cest), at(2027, 4, 29, 14, 0, cest)},
			// Thursday 6 May 2027 is Kristi himmelfartsdag.
			{Placement, kiwi, at(2027, 5, 13, 10, 0, cest), at(2027, 5, 13, 14, 0, cest)},
		}},
		{"Easter 2027", "omar", date(2027, time.March, 18), 15, []brief{
			{Placement, kiwi, at(2027, 3, 18, 10, 0, cet), at(2027, 3, 18, 14, 0, cet)},
			// Thursday 25 March 2027 is skjærtorsdag.
			{Placement, kiwi, at(2027, 4, 1, 10, 0, cest), at(2027, 4, 1, 14, 0, cest)},
		}},
		{"across spring forward", "sara", date(2026, time.March, 27), 4, []brief{
			{Placement, kiwi, at(2026, 3, 27, 9, 0, cet), at(2026, 3, 27, 15, 0, cet)},
			// Monday 30 March: the first working day of summer time still starts at 09:00.
			{Class, "Rom 1", at(2026, 3, 30, 8, 0, cest), at(2026, 3, 30, 9, 0, cest)},
			{Placement, kiwi, at(2026, 3, 30, 9, 0, cest), at(2026, 3, 30, 15, 0, cest)},
			{Class, "Rom 2", at(2026, 3, 30, 9, 0, cest), at(2026, 3, 30, 11, 0, cest)},
		}},
		{"across fall back", "sara", date(2026, time.October, 23), 4, []brief{
			{Placement, kiwi, at(2026, 10, 23, 9, 0, cest), at(2026, 10, 23, 15, 0, cest)},
			{Class, "Rom 1", at(2026, 10, 26, 8, 0, cet), at(2026, 10, 26, 9, 0, cet)},
			{Placement, kiwi, at(2026, 10, 26, 9, 0, cet), at(2026, 10, 26, 15, 0, cet)},
			{Class, "Rom 2", at(2026, 10, 26, 9, 0, cet), at(2026, 10, 26, 11, 0, cet)},
		}},
		{"nothing to do", "yusuf", date(2026, time.September, 14), 7, nil},
		{"zero days", "amina", date(2026, time.September, 14), 0, nil},
		{"negative days", "amina", date(2026, time.September, 14), -3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := r.Participant(tt.who)
			if p == nil {
				t.Fatalf("no participant %q", tt.who)
			}
			got := c.Activities(p, tt.from, tt.days)
			if !sameBriefs(briefs(got), tt.want) {
				t.Errorf("Activities(%s, %v, %d):\n got %v\nwant %v", tt.who, tt.from, tt.days, briefs(got), tt.want)
			}
			for _, a := range got {
				if roster.DateOf(a.Start.In(c.Loc())) != a.Date {
					t.Errorf("%v activity dated %v starts %v", a.Kind, a.Date, a.Start)
				}
			}
		})
	}
}

func TestPlacementOn(t *testing.T) {
	r := testRoster(t)
	c := New(r.Programme)
	amina := r.Participant("amina")

	a, ok := c.PlacementOn(amina, date(2026, time.September, 15))
	if !ok {
		t.Fatal("no placement on Tuesday 2026-09-15")
	}
	want := Activity{
		Kind:     Placement,
		Date:     date(2026, time.September, 15),
		Start:    time.Date(2026, time.September, 15, 9, 0, 0, 0, cest),
		End:      time.Date(2026, time.September, 15, 15, 0, 0, 0, cest),
		Place:    "Hotell Strand",
		Address:  "Strandgata 1, Gjøvik",
		Employer: r.Employer("strand"),
		Mentor:   r.Contact("per"),
	}
	if a.Kind != want.Kind || a.Date != want.Date || !a.Start.Equal(want.Start) || !a.End.Equal(want.End) ||
		a.Place != want.Place || a.Address != want.Address || a.Employer != want.Employer || a.Mentor != want.Mentor {
		t.Errorf("PlacementOn = %+v, want %+v", a, want)
	}
	if a.Mentor.Employer != a.Employer {
		t.Errorf("mentor's employer is %v, want %v (Index links them)", a.Mentor.Employer, a.Employer)
	}

	for _, d := range []roster.Date{
		date(2026, time.September, 14), // Monday: class, not placement
		date(2026, time.August, 27),    // before From
		date(2027, time.March, 2),      // after To
		date(2026, time.December, 24),  // roster closed
		date(2026, time.December, 31),  // roster closed
	} {
		if a, ok := c.PlacementOn(amina, d); ok {
			t.Errorf("PlacementOn(amina, %v) = %+v, want none", d, a)
		}
	}
	if _, ok := c.PlacementOn(r.Participant("omar"), date(2027, time.May, 6)); ok {
		t.Error("placement on Kristi himmelfartsdag")
	}
	if _, ok := c.PlacementOn(r.Participant("yusuf"), date(2026, time.September, 15)); ok {
		t.Error("placement for a participant without one")
	}
}

func TestNextPlacementDay(t *testing.T) {
	r := testRoster(t)
	c := New(r.Programme)
	tests := []struct {
		who   string
		after roster.Date
		want  roster.Date // zero = none
	}{
		{"amina", date(2026, time.September, 15), date(2026, time.September, 17)}, // strictly after
		{"amina", date(2026, time.September, 14), date(2026, time.September, 15)},
		{"amina", date(2026, time.August, 1), date(2026, time.September, 1)},    // before From
		{"amina", date(2026, time.December, 22), date(2026, time.December, 29)}, // 24th closed
		{"amina", date(2026, time.December, 29), date(2027, time.January, 5)},   // 31st closed
		{"amina", date(2027, time.February, 25), roster.Date{}},                 // To passed
		{"omar", date(2027, time.April, 29), date(2027, time.May, 13)},          // Kristi himmelfartsdag
		{"omar", date(2027, time.March, 18), date(2027, time.April, 1)},         // skjærtorsdag
		{"sara", date(2026, time.March, 27), date(2026, time.March, 30)},        // over the weekend
		{"yusuf", date(2026, time.September, 14), roster.Date{}},
	}
	for _, tt := range tests {
		got, ok := c.NextPlacementDay(r.Participant(tt.who), tt.after)
		if got != tt.want || ok != !tt.want.IsZero() {
			t.Errorf("NextPlacementDay(%s, %v) = %v, %v; want %v", tt.who, tt.after, got, ok, tt.want)
		}
	}
}

// A placement whose only weekday is always closed is never found, and the
// search stops after a year.
func TestNextPlacementDayHorizon(t *testing.T) {
	loc := oslo(t)
	// Close every Friday of 2026 and 2027 (2 January 2026 is a Friday).
	var closed []roster.Date
	for d := date(2026, time.January, 2); d.Year < 2028; d = AddDays(d, 7) {
		closed = append(closed, d)
	}
	c := New(roster.Programme{Location: loc, Closed: closed})
	p := &roster.Participant{Placement: &roster.Placement{
		Days:  []time.Weekday{time.Friday},
		Hours: roster.Span{Start: clock(9, 0), End: clock(15, 0)},
	}}
	if d, ok := c.NextPlacementDay(p, date(2026, time.March, 1)); ok {
		t.Errorf("NextPlacementDay = %v, want none", d)
	}
}

func TestMerge(t *testing.T) {
	r := testRoster(t)
	c := New(r.Programme)
	week := c.Activities(r.Participant("amina"), date(2026, time.September, 14), 7)
	before := slices.Clone(week)
	meetings := []Activity{
		{Kind: Meeting, Date: date(2026, time.September, 18), Place: "Nav Gjøvik",
			Start: time.Date(2026, time.September, 18, 10, 0, 0, 0, cest), End: time.Date(2026, time.September, 18, 10, 45, 0, 0, cest)},
		{Kind: Meeting, Date: date(2026, time.September, 14), Place: "Nav Gjøvik",
			Start: time.Date(2026, time.September, 14, 9, 0, 0, 0, cest), End: time.Date(2026, time.September, 14, 9, 45, 0, 0, cest)},
	}
	got := Merge(week, meetings)
	wantKinds := []Kind{Class, Meeting, Placement, Class, Placement, Meeting}
	gotKinds := make([]Kind, len(got))
	for i, a := range got {
		gotKinds[i] = a.Kind
	}
	if !slices.Equal(gotKinds, wantKinds) {
		t.Errorf("Merge kinds = %v, want %v", gotKinds, wantKinds)
	}
	if !slices.IsSortedFunc(got, func(a, b Activity) int { return a.Start.Compare(b.Start) }) {
		t.Errorf("Merge not sorted by start: %v", briefs(got))
	}
	if !sameBriefs(briefs(week), briefs(before)) || meetings[0].Date != date(2026, time.September, 18) {
		t.Error("Merge changed its inputs")
	}
	if got := Merge(nil, nil); len(got) != 0 {
		t.Errorf("Merge(nil, nil) = %v", got)
	}
}
