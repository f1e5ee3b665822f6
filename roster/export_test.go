package roster

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreLines drops line numbers, which an export moves around.
var ignoreLines = cmp.Options{
	cmpopts.IgnoreFields(Person{}, "Line"),
	cmpopts.IgnoreFields(Employer{}, "Line"),
}

// roundTrip checks Parse(Export(r)) == r and that exporting again gives
// the same bytes.
func roundTrip(t *testing.T, r *Roster) []byte {
	t.Helper()
	out, err := r.Export()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	back, err := Parse("exported.yaml", out)
	if err != nil {
		t.Fatalf("exported roster does not parse: %v\n%s", err, out)
	}
	if diff := cmp.Diff(r, back, rosterOpts, ignoreLines); diff != "" {
		t.Errorf("roster changed in a round trip (-before +after):\n%s\nexported:\n%s", diff, out)
	}
	again, err := back.Export()
	if err != nil {
		t.Fatalf("second export: %v", err)
	}
	if diff := cmp.Diff(string(out), string(again)); diff != "" {
		t.Errorf("second export differs (-first +second):\n%s", diff)
	}
	return out
}

func TestRoundTripExample(t *testing.T) {
	r, err := Parse("examples/roster.yaml", readFile(t, "../examples/roster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := roundTrip(t, r)

	// People keep their order.
	back, _ := Parse("exported.yaml", out)
	var ids, backIDs []string
	for _, p := range r.Participants {
		ids = append(ids, p.ID)
	}
	for _, p := range back.Participants {
		backIDs = append(backIDs, p.ID)
	}
	if diff := cmp.Diff(ids, backIDs); diff != "" {
		t.Errorf("participant order (-before +after):\n%s", diff)
	}
}

func TestRoundTripTestdata(t *testing.T) {
	r, err := Parse("t.yaml", readFile(t, "testdata/minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, r)
}

func TestExportWritesSettingsOut(t *testing.T) {
	r, err := Parse("t.yaml", []byte("programme: {id: x, name: X}\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Export()
	if err != nil {
		t.Fatal(err)
	}
	want := `programme:
  id: x
  name: X
  timezone: Europe/Oslo
  nav_hours: "09:00-14:00"
  quiet_hours: "21:00-07:00"
  office_hours: "08:00-15:30"
  reminders: {evening_before: "18:00", checkin_grace: 30m}
  sickness: {self_certified_days: 3, self_certified_times: 4, qualifying_weeks: 8, same_period_days: 16, child_sick_days: 10}
  escalate_after: 4h
  digest: {daily: "14:30", weekly: "fri 13:00"}
  routing:
    placement: [teacher, adviser]
    class: [teacher, adviser]
    money: [nav, adviser]
    housing: [adviser]
    health: [adviser]
    transport: [adviser]
    letters: [adviser]
    understanding: [teacher, adviser]
    other: [adviser]
  closed: []
  retention: {records: 365d, issues: 90d}
`
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("export (-want +got):\n%s", diff)
	}
}

// TestExportAwkwardText uses values that YAML would read as something
// else unless the export quotes them.
func TestExportAwkwardText(t *testing.T) {
	anne := &Staff{Person: Person{ID: "null", Name: "yes", Language: "nb"}, Roles: []Role{RoleAdviser},
		AwayFrom: Date{2026, time.February, 28}, AwayTo: Date{2028, time.February, 29}}
	mona := &Staff{Person: Person{ID: "off", Name: "no", Language: "nb"}, Roles: []Role{RoleNav}, Backup: anne}
	anne.Backup = mona
	emp := &Employer{ID: "123", Name: "Hotell: Strand # 1", Address: "  "}
	emp.Address = ""
	per := &Contact{Person: Person{ID: "true", Name: "- Per", Language: "nb"}, Employer: emp}
	emp.Contacts = []*Contact{per}
	r := &Roster{
		Programme: defaultProgramme(),
		Staff:     []*Staff{anne, mona},
		Employers: []*Employer{emp},
		Participants: []*Participant{{
			Person:   Person{ID: "0x10", Name: "'Amina' \"Yusuf\"", Language: "ar"},
			Sickness: &Sickness{},
			Adviser:  anne,
			Placement: &Placement{
				Employer: emp, Mentor: per,
				Days:  []time.Weekday{time.Sunday, time.Saturday},
				Hours: Span{0, 24 * 60},
				Goals: []Goal{{"null", "~"}, {"123", "[not a list]"}, {"-", "{x: y}"}, {"true", "linje 1\nlinje 2"}, {"_", "- 1"}},
			},
			Classes: []Class{{Days: []time.Weekday{time.Monday}, Hours: Span{60, 61}, Place: "@home"}},
		}},
	}
	r.Programme.ID, r.Programme.Name = "p", "on"
	r.Programme.Closed = []Date{{2026, time.May, 17}}
	r.Programme.Retention.Issues = 90*time.Minute + 30*time.Second
	r.Programme.EscalateAfter = 25 * time.Hour
	r.Index()
	roundTrip(t, r)
}

func TestExportRefusesBrokenRoster(t *testing.T) {
	prog := defaultProgramme()
	prog.ID, prog.Name = "gjovik", "Gjøvik"
	anne := &Staff{Person: Person{ID: "anne", Name: "Anne", Language: "nb"}, Roles: []Role{RoleTeacher}}
	tests := []struct {
		name string
		r    *Roster
		want string
	}{
		{"no adviser", &Roster{
			Programme:    prog,
			Participants: []*Participant{{Person: Person{ID: "amina", Name: "Amina", Language: "ar"}}},
		}, `export participant "amina": no adviser`},
		{"adviser without the role", &Roster{
			Programme:    prog,
			Staff:        []*Staff{anne},
			Participants: []*Participant{{Person: Person{ID: "amina", Name: "Amina", Language: "ar"}, Adviser: anne}},
		}, `participant "amina": adviser "anne" does not have role adviser`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.r.Export()
			if err == nil {
				t.Fatalf("Export accepted a broken roster:\n%s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute:        "30m",
		4 * time.Hour:           "4h",
		90 * time.Minute:        "1h30m",
		24 * time.Hour:          "1d",
		365 * 24 * time.Hour:    "365d",
		36 * time.Hour:          "36h",
		90 * time.Second:        "1m30s",
		time.Hour + time.Second: "1h0m1s",
		1500 * time.Millisecond: "1.5s",
		time.Duration(100000) * 24 * 3600 * time.Second: "100000d",
	} {
		got := formatDuration(d)
		if got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, ok := parseDuration(got); !ok || back != d {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", got, back, ok, d)
		}
	}
}
