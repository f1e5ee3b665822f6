package roster

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// edit replaces old by new in base, failing the test unless old occurs
// exactly once, so a case cannot silently stop testing anything.
func edit(t *testing.T, base, old, new string) string {
	t.Helper()
	if n := strings.Count(base, old); n != 1 {
		t.Fatalf("%q occurs %d times in the base roster, want 1", old, n)
	}
	return strings.Replace(base, old, new, 1)
}

// problemLines parses src and returns its problems as FILE:LINE lines.
func problemLines(t *testing.T, src string) string {
	t.Helper()
	r, err := Parse("t.yaml", []byte(src))
	if err == nil {
		if r == nil {
			t.Fatal("Parse returned neither a roster nor an error")
		}
		return ""
	}
	if r != nil {
		t.Error("Parse returned a roster along with problems")
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %T is not Problems: %v", err, err)
	}
	return err.Error()
}

// TestRules plants one mistake at a time in testdata/minimal.yaml and
// checks the exact report. Line numbers refer to that file.
func TestRules(t *testing.T) {
	base := string(readFile(t, "testdata/minimal.yaml"))
	const shipped = "(nb en ar ti so fa-AF ps uk ru ku)"
	const cats = "(placement class money housing health transport letters understanding other)"
	tests := []struct {
		name     string
		old, new string
		want     string // "" means the roster is valid
	}{
		// Keys.
		{"unknown programme key", "  name: Gjøvik læringssenter\n", "  name: Gjøvik læringssenter\n  tiemzone: Europe/Oslo\n",
			`t.yaml:4: unknown key "tiemzone"`},
		{"unknown top-level key", "staff:\n", "staf:\n",
			`t.yaml:4: unknown key "staf"`},
		{"unknown placement key", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goal: Rydde\n",
			`t.yaml:31: unknown key "goal"`},
		{"unknown staff key", "roles: [nav]}", "roles: [nav], phone: 123}",
			`t.yaml:7: unknown key "phone"`},
		{"duplicate key", "    name: Amina Yusuf\n", "    name: Amina Yusuf\n    name: Amina\n",
			`t.yaml:20: duplicate key "name" (first at line 19)`},

		// Ids.
		{"uppercase id", "id: amina", "id: Amina",
			`t.yaml:18: id "Amina" must match [a-z0-9_-]+`},
		{"id with space", "id: kari", "id: kari n",
			`t.yaml:7: id "kari n" must match [a-z0-9_-]+` + "\n" +
				`t.yaml:23: participant "amina": nav "kari" is not in the roster`},
		{"id too long for a button", "id: amina", "id: amina-yusuf-from-the-hotel-course-2026",
			`t.yaml:18: id "amina-yusuf-from-the-hotel-course-2026" is longer than 32 characters`},
		{"programme id", "id: gjovik", "id: Gjøvik",
			`t.yaml:2: id "Gjøvik" must match [a-z0-9_-]+`},
		{"duplicate contact id", "{id: siv,", "{id: per,",
			`t.yaml:16: duplicate id "per" (first at line 12)`},
		{"id shared across kinds", "  - id: amina\n", "  - id: anne\n",
			`t.yaml:18: duplicate id "anne" (first at line 5)`},
		{"employer and staff share ids", "  - id: vaskeri\n", "  - id: lars\n",
			`t.yaml:13: duplicate id "lars" (first at line 6)`},

		// Required fields.
		{"programme id missing", "  id: gjovik\n", "",
			`t.yaml:1: programme: id is required`},
		{"programme name missing", "  name: Gjøvik læringssenter\n", "",
			`t.yaml:1: programme: name is required`},
		{"programme missing", "programme:\n  id: gjovik\n  name: Gjøvik læringssenter\n", "",
			`t.yaml:1: programme is required`},
		{"staff id missing", "{id: lars, name", "{name",
			`t.yaml:6: staff member: id is required`},
		{"staff name missing", "{id: lars, name: Lars Berg,", "{id: lars,",
			`t.yaml:6: staff "lars": name is required`},
		{"staff name empty", "name: Lars Berg,", `name: " ",`,
			`t.yaml:6: staff "lars": name is required`},
		{"staff roles missing", ", roles: [nav]}", "}",
			`t.yaml:7: staff "kari": roles is required`},
		{"staff roles empty", "roles: [nav]}", "roles: []}",
			`t.yaml:7: staff "kari": roles must name at least one role`},
		{"contact name missing", "{id: siv, name: Siv Lunde}", "{id: siv}",
			`t.yaml:16: contact "siv": name is required`},
		{"employer name missing", "    name: Mjøsa vaskeri\n", "",
			`t.yaml:13: employer "vaskeri": name is required`},
		{"participant name missing", "    name: Amina Yusuf\n", "",
			`t.yaml:18: participant "amina": name is required`},
		{"participant language missing", "    language: ar\n", "",
			`t.yaml:18: participant "amina": language is required`},
		{"adviser missing", "    adviser: anne\n", "",
			`t.yaml:18: participant "amina": adviser is required`},
		{"adviser null", "    adviser: anne\n", "    adviser:\n",
			`t.yaml:18: participant "amina": adviser is required`},
		{"empty id", "{id: lars,", `{id: "",`,
			`t.yaml:6: staff member: id is required`},
		{"participant id missing", "  - id: amina\n    name", "  - name",
			`t.yaml:18: participant: id is required`},
		{"placement employer missing", "      employer: strand\n", "",
			`t.yaml:24: participant "amina": placement employer is required`},
		{"placement mentor missing", "      mentor: per\n", "",
			`t.yaml:24: participant "amina": placement mentor is required`},
		{"placement days missing", "      days: [tue, thu]\n", "",
			`t.yaml:24: participant "amina": placement days is required`},
		{"placement hours missing", "      hours: \"09:00-15:00\"\n", "",
			`t.yaml:24: participant "amina": placement hours is required`},
		{"class hours missing", `, hours: "09:00-12:00", place`, ", place",
			`t.yaml:32: participant "amina": class hours is required`},

		// References.
		{"adviser unknown", "adviser: anne", "adviser: bob",
			`t.yaml:21: participant "amina": adviser "bob" is not in the roster`},
		{"adviser without role", "adviser: anne", "adviser: lars",
			`t.yaml:21: participant "amina": adviser "lars" does not have role adviser`},
		{"adviser is a contact", "adviser: anne", "adviser: per",
			`t.yaml:21: participant "amina": adviser "per" is an employer contact, not staff`},
		{"adviser is a participant", "adviser: anne", "adviser: amina",
			`t.yaml:21: participant "amina": adviser "amina" is a participant, not staff`},
		{"teacher without role", "teacher: lars", "teacher: kari",
			`t.yaml:22: participant "amina": teacher "kari" does not have role teacher`},
		{"nav without role", "nav: kari", "nav: anne",
			`t.yaml:23: participant "amina": nav "anne" does not have role nav`},
		{"nav unknown", "nav: kari", "nav: karl",
			`t.yaml:23: participant "amina": nav "karl" is not in the roster`},
		{"employer unknown", "employer: strand", "employer: hotel",
			`t.yaml:25: participant "amina": employer "hotel" is not in the roster`},
		{"employer is staff", "employer: strand", "employer: anne",
			`t.yaml:25: participant "amina": employer "anne" is staff, not an employer`},
		{"mentor unknown", "mentor: per", "mentor: pål",
			`t.yaml:26: participant "amina": mentor "pål" is not in the roster`},
		{"mentor is staff", "mentor: per", "mentor: lars",
			`t.yaml:26: participant "amina": mentor "lars" is staff, not an employer contact`},
		{"mentor is an employer", "mentor: per", "mentor: vaskeri",
			`t.yaml:26: participant "amina": mentor "vaskeri" is an employer, not an employer contact`},
		{"mentor of another employer", "mentor: per", "mentor: siv",
			`t.yaml:26: participant "amina": mentor "siv" is a contact of "vaskeri", not of "strand"`},

		// Days.
		{"bad day", "days: [tue, thu]", "days: [tues, thu]",
			`t.yaml:27: day "tues" is not one of mon tue wed thu fri sat sun`},
		{"capitalised day", "days: [mon, wed]", "days: [Mon, wed]",
			`t.yaml:32: day "Mon" is not one of mon tue wed thu fri sat sun`},
		{"day twice", "days: [tue, thu]", "days: [tue, tue]",
			`t.yaml:27: day "tue" is listed twice`},
		{"no days", "days: [tue, thu]", "days: []",
			`t.yaml:27: days must name at least one day`},
		{"days not a list", "days: [tue, thu]", "days: tue",
			`t.yaml:27: days must be a list`},
		{"weekend day", "days: [tue, thu]", "days: [sat, sun]", ""},

		// Times.
		{"start after end", `hours: "09:00-15:00"`, `hours: "15:00-09:00"`,
			`t.yaml:28: hours "15:00-09:00": start must be before end`},
		{"empty range", `hours: "09:00-15:00"`, `hours: "09:00-09:00"`,
			`t.yaml:28: hours "09:00-09:00": start must be before end`},
		{"not a range", `hours: "09:00-15:00"`, `hours: "0900"`,
			`t.yaml:28: hours "0900" must be a range HH:MM-HH:MM`},
		{"short time", `hours: "09:00-15:00"`, `hours: "9:00-15:00"`,
			`t.yaml:28: hours "9:00-15:00": "9:00" is not a time HH:MM from 00:00 to 23:59`},
		{"hour 25", `hours: "09:00-15:00"`, `hours: "09:00-25:00"`,
			`t.yaml:28: hours "09:00-25:00": "25:00" is not a time HH:MM from 00:00 to 24:00`},
		{"minute 60", `hours: "09:00-15:00"`, `hours: "09:60-15:00"`,
			`t.yaml:28: hours "09:60-15:00": "09:60" is not a time HH:MM from 00:00 to 23:59`},
		{"start at 24:00", `hours: "09:00-15:00"`, `hours: "24:00-24:00"`,
			`t.yaml:28: hours "24:00-24:00": "24:00" is not a time HH:MM from 00:00 to 23:59`},
		{"end at 24:00", `hours: "09:00-15:00"`, `hours: "18:00-24:00"`, ""},
		{"en dash", `hours: "09:00-15:00"`, `hours: "09:00–15:00"`, ""},
		{"nav hours backwards", "roles: [nav]}", `roles: [nav], nav_hours: "14:00-09:00"}`,
			`t.yaml:7: nav_hours "14:00-09:00": start must be before end`},
		{"programme nav hours backwards", "  id: gjovik\n", "  id: gjovik\n  nav_hours: \"14:00-09:00\"\n",
			`t.yaml:3: nav_hours "14:00-09:00": start must be before end`},
		{"quiet hours wrap midnight", "  id: gjovik\n", "  id: gjovik\n  quiet_hours: \"22:00-06:00\"\n", ""},
		{"quiet hours empty", "  id: gjovik\n", "  id: gjovik\n  quiet_hours: \"22:00-22:00\"\n",
			`t.yaml:3: quiet_hours "22:00-22:00": start and end must differ`},
		{"evening reminder", "  id: gjovik\n", "  id: gjovik\n  reminders: {evening_before: \"6pm\"}\n",
			`t.yaml:3: evening_before "6pm" must be a time HH:MM from 00:00 to 23:59`},
		{"weekly digest day", "  id: gjovik\n", "  id: gjovik\n  digest: {weekly: \"fre 13:00\"}\n",
			`t.yaml:3: day "fre" is not one of mon tue wed thu fri sat sun`},
		{"weekly digest shape", "  id: gjovik\n", "  id: gjovik\n  digest: {weekly: \"friday\"}\n",
			`t.yaml:3: weekly "friday" must be a day and a time, like "fri 13:00"`},

		// Dates.
		{"bad month", "from: 2026-09-01", "from: 2026-13-01",
			`t.yaml:29: from "2026-13-01" must be a date YYYY-MM-DD`},
		{"bad day of month", "from: 2026-09-01", "from: 2026-02-30",
			`t.yaml:29: from "2026-02-30" must be a date YYYY-MM-DD`},
		{"not iso", "from: 2026-09-01", "from: 01.09.2026",
			`t.yaml:29: from "01.09.2026" must be a date YYYY-MM-DD`},
		{"from after to", "to: 2027-02-26", "to: 2026-08-31",
			`t.yaml:30: participant "amina": placement from 2026-09-01 is after to 2026-08-31`},
		{"one-day placement", "to: 2027-02-26", "to: 2026-09-01", ""},
		{"closed day", "  id: gjovik\n", "  id: gjovik\n  closed: [2026-12-24, 2026-12-32]\n",
			`t.yaml:3: closed day "2026-12-32" must be a date YYYY-MM-DD`},
		{"programme start", "    language: ar\n", "    language: ar\n    programme_start: March 2026\n",
			`t.yaml:21: programme_start "March 2026" must be a date YYYY-MM-DD`},

		// Languages and roles.
		{"language not shipped", "language: ar", "language: de",
			`t.yaml:20: language "de" is not shipped ` + shipped},
		{"language case", "language: ar", "language: fa-af",
			`t.yaml:20: language "fa-af" is not shipped ` + shipped},
		{"staff language", "{id: lars, name: Lars Berg,", "{id: lars, name: Lars Berg, language: sv,",
			`t.yaml:6: language "sv" is not shipped ` + shipped},
		{"contact language", "{id: siv, name: Siv Lunde}", "{id: siv, name: Siv Lunde, language: pl}",
			`t.yaml:16: language "pl" is not shipped ` + shipped},
		{"unknown role", "roles: [teacher]}", "roles: [teacher, mentor]}",
			`t.yaml:6: role "mentor" is not one of adviser teacher nav admin`},
		{"role twice", "roles: [teacher]}", "roles: [teacher, teacher]}",
			`t.yaml:6: role "teacher" is listed twice`},

		// Programme settings.
		{"unknown timezone", "  id: gjovik\n", "  id: gjovik\n  timezone: Europe/Olso\n",
			`t.yaml:3: timezone "Europe/Olso" is not a known time zone like Europe/Oslo`},
		{"local timezone", "  id: gjovik\n", "  id: gjovik\n  timezone: Local\n",
			`t.yaml:3: timezone "Local" is not a known time zone like Europe/Oslo`},
		{"routing category and role", "  id: gjovik\n", "  id: gjovik\n  routing: {monye: [nav], money: [navv]}\n",
			`t.yaml:3: unknown category "monye" ` + cats + "\n" +
				`t.yaml:3: role "navv" is not one of adviser teacher nav admin`},
		{"routing without roles", "  id: gjovik\n", "  id: gjovik\n  routing:\n    money: []\n",
			`t.yaml:4: routing money must name at least one role`},
		{"bad duration", "  id: gjovik\n", "  id: gjovik\n  escalate_after: 4 hours\n",
			`t.yaml:3: escalate_after "4 hours" must be a duration like 30m, 4h or 90d`},
		{"zero duration", "  id: gjovik\n", "  id: gjovik\n  escalate_after: 0s\n",
			`t.yaml:3: escalate_after "0s" must be longer than zero`},
		{"negative days", "  id: gjovik\n", "  id: gjovik\n  retention: {records: -5d, issues: 1x}\n",
			`t.yaml:3: records "-5d" must be a duration like 30m, 4h or 90d` + "\n" +
				`t.yaml:3: issues "1x" must be a duration like 30m, 4h or 90d`},
		{"unknown sickness key", "  id: gjovik\n", "  id: gjovik\n  sickness: {self_certified_dayz: 3}\n",
			`t.yaml:3: unknown key "self_certified_dayz"`},
		{"sickness not a number", "  id: gjovik\n", "  id: gjovik\n  sickness: {child_sick_days: ten}\n",
			`t.yaml:3: child_sick_days "ten" must be a whole number`},

		// Participant fields.
		{"negative children", "    language: ar\n", "    language: ar\n    children: -1\n",
			`t.yaml:21: children -1 must not be negative`},
		{"children in words", "    language: ar\n", "    language: ar\n    children: two\n",
			`t.yaml:21: children "two" must be a whole number`},
		{"single carer", "    language: ar\n", "    language: ar\n    single_carer: ja\n",
			`t.yaml:21: single_carer "ja" must be true or false`},
		{"morning card", "morning_card: true}", "morning_card: yes}",
			`t.yaml:12: morning_card "yes" must be true or false`},
		{"sickness override", "    language: ar\n", "    language: ar\n    sickness: {qualifying_weeks: -2, weeks: 1}\n",
			`t.yaml:21: unknown key "weeks"` + "\n" +
				`t.yaml:21: qualifying_weeks -2 must not be negative`},
		{"name is a list", "name: Amina Yusuf", "name: [Amina, Yusuf]",
			`t.yaml:19: name must be a single value, not a list`},
		{"placement is a list", "    placement:\n", "    placement: []\n    placement2:\n",
			`t.yaml:24: placement must be a mapping` + "\n" +
				`t.yaml:25: unknown key "placement2"`},
		{"empty goal", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [\"\"]\n",
			`t.yaml:31: participant "amina": a goal must not be empty`},
		{"null teacher", "teacher: lars", "teacher: ~", ""},

		// Backups.
		{"backup", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: lars}", ""},
		{"backup listed later", "roles: [teacher]}", "roles: [teacher], backup: kari}", ""},
		{"backups of each other", "roles: [teacher]}\n  - {id: kari, name: Kari Nordmann, roles: [nav]}",
			"roles: [teacher], backup: kari}\n  - {id: kari, name: Kari Nordmann, roles: [nav], backup: lars}", ""},
		{"null backup", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: ~}", ""},
		{"backup unknown", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: bob}",
			`t.yaml:5: staff "anne": backup "bob" is not in the roster`},
		{"backup is a contact", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: per}",
			`t.yaml:5: staff "anne": backup "per" is an employer contact, not staff`},
		{"backup is a participant", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: amina}",
			`t.yaml:5: staff "anne": backup "amina" is a participant, not staff`},
		{"backup is an employer", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: strand}",
			`t.yaml:5: staff "anne": backup "strand" is an employer, not staff`},
		{"own backup", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: anne}",
			`t.yaml:5: staff "anne": a staff member cannot be their own backup`},
		{"backup is a list", "roles: [adviser, admin]}", "roles: [adviser, admin], backup: [lars, kari]}",
			`t.yaml:5: backup must be a single value, not a list`},
		{"backup on its own line", "  - {id: kari, name: Kari Nordmann, roles: [nav]}\n",
			"  - id: kari\n    name: Kari Nordmann\n    roles: [nav]\n    backup: karl\n",
			`t.yaml:10: staff "kari": backup "karl" is not in the roster`},

		// Away.
		{"away", "roles: [adviser, admin]}", "roles: [adviser, admin], away: [2026-12-21, 2027-01-03]}", ""},
		{"away one day", "roles: [adviser, admin]}", "roles: [adviser, admin], away: [2026-12-21, 2026-12-21]}", ""},
		{"null away", "roles: [adviser, admin]}", "roles: [adviser, admin], away: ~}", ""},
		{"away one date", "roles: [adviser, admin]}", "roles: [adviser, admin], away: 2026-12-21}",
			`t.yaml:5: staff "anne": away must be a list of two dates, [FIRST, LAST]`},
		{"away a list of one", "roles: [adviser, admin]}", "roles: [adviser, admin], away: [2026-12-21]}",
			`t.yaml:5: staff "anne": away must be a list of two dates, [FIRST, LAST]`},
		{"away a list of three", "roles: [adviser, admin]}", "roles: [adviser, admin], away: [2026-12-21, 2026-12-28, 2027-01-03]}",
			`t.yaml:5: staff "anne": away must be a list of two dates, [FIRST, LAST]`},
		{"away empty", "roles: [adviser, admin]}", "roles: [adviser, admin], away: []}",
			`t.yaml:5: staff "anne": away must be a list of two dates, [FIRST, LAST]`},
		{"away a mapping", "roles: [adviser, admin]}", "roles: [adviser, admin], away: {from: 2026-12-21, to: 2027-01-03}}",
			`t.yaml:5: staff "anne": away must be a list of two dates, [FIRST, LAST]`},
		{"away bad dates", "roles: [adviser, admin]}", "roles: [adviser, admin], away: [21.12.2026, 2027-02-30]}",
			`t.yaml:5: away day "21.12.2026" must be a date YYYY-MM-DD` + "\n" +
				`t.yaml:5: away day "2027-02-30" must be a date YYYY-MM-DD`},
		{"away day a list", "roles: [adviser, admin]}", "roles: [adviser, admin], away: [[2026-12-21], 2027-01-03]}",
			`t.yaml:5: away day must be a single value, not a list`},
		{"away backwards", "roles: [adviser, admin]}", "roles: [adviser, admin], away: [2027-01-03, 2026-12-21]}",
			`t.yaml:5: staff "anne": away first day 2027-01-03 is after last day 2026-12-21`},
		{"away on its own lines", "  - {id: kari, name: Kari Nordmann, roles: [nav]}\n",
			"  - id: kari\n    name: Kari Nordmann\n    roles: [nav]\n    away:\n      - 2027-01-03\n      - 2026-12-21\n",
			`t.yaml:12: staff "kari": away first day 2027-01-03 is after last day 2026-12-21`},
		{"away date on its own line", "  - {id: kari, name: Kari Nordmann, roles: [nav]}\n",
			"  - id: kari\n    name: Kari Nordmann\n    roles: [nav]\n    away:\n      - 2026-12-21\n      - 2026-12-32\n",
			`t.yaml:12: away day "2026-12-32" must be a date YYYY-MM-DD`},

		// Goals.
		{"goals as text and mappings", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [Rydde, {id: hygiene, text: Vaske hendene}]\n", ""},
		{"goal id shared with a person", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: anne, text: Hilse på Anne}]\n", ""},
		{"goal id written and made alike", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [Rydde, {id: rydde, text: Vaske}]\n", ""},
		{"goal id missing", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{text: Rydde}]\n",
			`t.yaml:31: participant "amina": goal id is required`},
		{"goal id null", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: ~, text: Rydde}]\n",
			`t.yaml:31: participant "amina": goal id is required`},
		{"goal id empty", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals:\n        - id: \"\"\n          text: Rydde\n",
			`t.yaml:32: participant "amina": goal id is required`},
		{"goal id uppercase", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: Hygiene, text: Vaske hendene}]\n",
			`t.yaml:31: goal id "Hygiene" must match [a-z0-9_-]+`},
		{"goal id with a space", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: vaske hender, text: Vaske hendene}]\n",
			`t.yaml:31: goal id "vaske hender" must match [a-z0-9_-]+`},
		{"goal id too long", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: folger-hygienerutiner-pa-kjokkenet, text: x}]\n",
			`t.yaml:31: goal id "folger-hygienerutiner-pa-kjokkenet" is longer than 32 characters`},
		{"goal id of 32 characters", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: folger-hygienerutiner-pa-kjokken, text: x}]\n", ""},
		{"goal id a list", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: [a], text: x}]\n",
			`t.yaml:31: id must be a single value, not a list`},
		{"duplicate goal id", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals:\n        - {id: rydde, text: Rydde rommet}\n        - Vaske\n        - {id: rydde, text: Rydde kjøkkenet}\n",
			`t.yaml:34: duplicate goal id "rydde" (first at line 32)`},
		{"duplicate malformed goal id", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals:\n        - {id: Rydde, text: Rydde rommet}\n        - {id: Rydde, text: Rydde kjøkkenet}\n",
			`t.yaml:32: goal id "Rydde" must match [a-z0-9_-]+` + "\n" +
				`t.yaml:33: goal id "Rydde" must match [a-z0-9_-]+` + "\n" +
				`t.yaml:33: duplicate goal id "Rydde" (first at line 32)`},
		{"goal text missing", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals:\n        - id: rydde\n",
			`t.yaml:32: participant "amina": goal text is required`},
		{"goal text null", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: rydde, text: }]\n",
			`t.yaml:31: participant "amina": goal text is required`},
		{"goal text empty", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals:\n        - id: rydde\n          text: \"  \"\n",
			`t.yaml:33: participant "amina": a goal must not be empty`},
		{"goal text a mapping", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: rydde, text: {nb: Rydde}}]\n",
			`t.yaml:31: text must be a single value, not a mapping`},
		{"unknown goal key", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [{id: rydde, txt: Rydde}]\n",
			`t.yaml:31: unknown key "txt"` + "\n" +
				`t.yaml:31: participant "amina": goal text is required`},
		{"goal a list", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: [[Rydde, Vaske]]\n",
			`t.yaml:31: goal must be a text or a mapping, not a list`},
		{"goals not a list", "      to: 2027-02-26\n", "      to: 2027-02-26\n      goals: Rydde\n",
			`t.yaml:31: goals must be a list`},

		// Structure.
		{"staff not a list", "staff:\n  - {id: anne", "staff: anne\nx:\n  - {id: anne",
			// Staff could not be read, so the participant's references
			// to them are not reported as well.
			`t.yaml:4: staff must be a list` + "\n" +
				`t.yaml:5: unknown key "x"`},
		{"staff item not a mapping", "  - {id: lars, name: Lars Berg, roles: [teacher]}\n", "  - lars\n",
			`t.yaml:6: a staff member must be a mapping`},
		{"key is a list", "  id: gjovik\n", "  id: gjovik\n  [a]: b\n",
			`t.yaml:3: a key must be a plain name, not a list`},
		{"malformed yaml", "    name: Amina Yusuf\n", "    name: Amina Yusuf\n   bad indent: x\n",
			`t.yaml:20: did not find expected '-' indicator`},
		{"unclosed flow", "roles: [nav]}", "roles: [nav}",
			`t.yaml:7: did not find expected ',' or ']'`},
		{"tab indentation", "    name: Amina Yusuf\n", "\tname: Amina Yusuf\n",
			`t.yaml:19: found a tab character that violates indentation`},
		{"extension key", "staff:\n", "x-defaults: &d {roles: [teacher]}\nstaff:\n", ""},
		{"extension key is not a typo", "staff:\n", "defaults: &d {roles: [teacher]}\nstaff:\n",
			`t.yaml:4: unknown key "defaults"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := problemLines(t, edit(t, base, tc.old, tc.new))
			if got != tc.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestWholeFileProblems(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "t.yaml:1: the roster is empty"},
		{"only a comment", "# nothing yet\n", "t.yaml:1: the roster is empty"},
		{"only a document marker", "---", "t.yaml:1: the roster is empty"},
		{"empty list item at the end", "programme: {id: x, name: X}\nstaff:\n  -", "t.yaml:3: a staff member must be a mapping"},
		{"a list", "- a\n- b\n", "t.yaml:1: the roster must be a mapping"},
		{"a scalar", "roster\n", "t.yaml:1: the roster must be a mapping"},
		{"no programme", "staff: []\n", "t.yaml:1: programme is required"},
		{"two documents", "programme: {id: a, name: A}\n---\nprogramme: {id: b, name: B}\n",
			"t.yaml:3: the roster must be a single YAML document"},
		{"unknown anchor", "programme: *p\n", "t.yaml:1: alias *p has no anchor &p before it"},
		{"alias cycle", "programme: &p {id: a, name: A, x: [*p]}\n",
			"t.yaml:1: alias refers to the block that contains it"},
		{"alias bomb", aliasBomb(), "t.yaml:6: aliases expand to more than 1048576 nodes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := problemLines(t, tc.src); got != tc.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// aliasBomb is a few hundred bytes that expand to 10^10 nodes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestThreeProblemsThreeLines(t *testing.T) {
	_, err := Parse("testdata/three-problems.yaml", readFile(t, "testdata/three-problems.yaml"))
	want := `testdata/three-problems.yaml:4: unknown key "tiemzone"` + "\n" +
		`testdata/three-problems.yaml:20: day "tues" is not one of mon tue wed thu fri sat sun` + "\n" +
		`testdata/three-problems.yaml:22: participant "amina": mentor "siv" is a contact of "vaskeri", not of "strand"`
	if err == nil {
		t.Fatal("Parse accepted a roster with three problems")
	}
	if got := err.Error(); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 3 {
		t.Fatalf("got %d problems, want 3", len(ps))
	}
	if ps[2] != (Problem{File: "testdata/three-problems.yaml", Line: 22, Msg: `participant "amina": mentor "siv" is a contact of "vaskeri", not of "strand"`}) {
		t.Errorf("last problem = %#v", ps[2])
	}
}

func TestProblemsSortedByLine(t *testing.T) {
	// References are checked after everything else, yet their problems
	// must come in file order with the rest.
	src := `participants:
  - {id: a, name: A, language: xx, adviser: nobody}
  - {id: b, name: B, language: nb, adviser: nobody2, children: -3}
staff:
  - {id: s, name: S, roles: [boss]}
`
	want := `t.yaml:1: programme is required
t.yaml:2: language "xx" is not shipped (nb en ar ti so fa-AF ps uk ru ku)
t.yaml:2: participant "a": adviser "nobody" is not in the roster
t.yaml:3: children -3 must not be negative
t.yaml:3: participant "b": adviser "nobody2" is not in the roster
t.yaml:5: role "boss" is not one of adviser teacher nav admin`
	if got := problemLines(t, src); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func TestOnlyConsequencesAreLeftOut(t *testing.T) {
	// A participant without an id hides nothing: the other participant's
	// unknown adviser is still reported.
	src := `programme: {id: x, name: X}
staff: [{id: anne, name: Anne, roles: [adviser]}]
participants:
  - {name: A, language: nb, adviser: anne}
  - {id: b, name: B, language: nb, adviser: bob}
`
	want := `t.yaml:4: participant: id is required
t.yaml:5: participant "b": adviser "bob" is not in the roster`
	if got := problemLines(t, src); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func TestForwardReferences(t *testing.T) {
	src := `participants:
  - {id: amina, name: Amina Yusuf, language: ar, adviser: anne}
staff:
  - {id: anne, name: Anne Hansen, roles: [adviser]}
programme: {id: gjovik, name: Gjøvik læringssenter}
`
	r, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if r.Participant("amina").Adviser != r.StaffMember("anne") {
		t.Error("amina's adviser is not anne")
	}
}

func oslo(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// locationByName compares zones by name: two loads of one zone are
// different pointers with the same meaning.
var locationByName = cmp.Comparer(func(a, b *time.Location) bool {
	return a.String() == b.String()
})

func TestDefaults(t *testing.T) {
	r, err := Parse("t.yaml", readFile(t, "testdata/minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := Programme{
		ID:            "gjovik",
		Name:          "Gjøvik læringssenter",
		Timezone:      "Europe/Oslo",
		Location:      oslo(t),
		NavHours:      Span{9 * 60, 14 * 60},
		OfficeHours:   Span{8 * 60, 15*60 + 30},
		QuietHours:    Span{21 * 60, 7 * 60},
		Reminders:     Reminders{EveningBefore: 18 * 60, CheckinGrace: 30 * time.Minute},
		Sickness:      Sickness{SelfCertifiedDays: 3, SelfCertifiedTimes: 4, QualifyingWeeks: 8, SamePeriodDays: 16, ChildSickDays: 10},
		EscalateAfter: 4 * time.Hour,
		Digest:        Digest{Daily: 14*60 + 30, WeeklyDay: time.Friday, WeeklyAt: 13 * 60},
		Routing: map[string][]Role{
			"placement":     {RoleTeacher, RoleAdviser},
			"class":         {RoleTeacher, RoleAdviser},
			"money":         {RoleNav, RoleAdviser},
			"housing":       {RoleAdviser},
			"health":        {RoleAdviser},
			"transport":     {RoleAdviser},
			"letters":       {RoleAdviser},
			"understanding": {RoleTeacher, RoleAdviser},
			"other":         {RoleAdviser},
		},
		Retention: Retention{Records: 365 * 24 * time.Hour, Issues: 90 * 24 * time.Hour},
	}
	if diff := cmp.Diff(want, r.Programme, locationByName); diff != "" {
		t.Errorf("programme (-want +got):\n%s", diff)
	}

	// Staff and contacts default to Bokmål (docs/translating.md).
	if got := r.StaffMember("lars").Language; got != "nb" {
		t.Errorf("staff language = %q, want nb", got)
	}
	if got := r.Contact("siv").Language; got != "nb" {
		t.Errorf("contact language = %q, want nb", got)
	}
	if r.StaffMember("kari").NavHours != nil {
		t.Error("staff nav_hours set though the file has none")
	}
	if r.Participant("amina").Sickness != nil {
		t.Error("participant sickness override set though the file has none")
	}
	// No backup and never away unless the file says so.
	for _, s := range r.Staff {
		if s.Backup != nil || !s.AwayFrom.IsZero() || !s.AwayTo.IsZero() {
			t.Errorf("staff %s: backup %v, away %v-%v though the file has none", s.ID, s.Backup, s.AwayFrom, s.AwayTo)
		}
	}
	if goals := r.Participant("amina").Placement.Goals; goals != nil {
		t.Errorf("goals = %v though the file has none", goals)
	}
}

func TestBackupAndAway(t *testing.T) {
	src := `programme: {id: gjovik, name: Gjøvik læringssenter}
staff:
  - {id: anne, name: Anne Hansen, roles: [adviser, admin], backup: kari}
  - {id: mona, name: Mona Iversen, roles: [adviser], backup: anne, away: [2026-12-21, 2027-01-03]}
  - id: kari
    name: Kari Nordmann
    roles: [nav]
    backup: mona
    away:
      - 2026-07-06
      - 2026-07-06
`
	r, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	anne, mona, kari := r.StaffMember("anne"), r.StaffMember("mona"), r.StaffMember("kari")
	// A backup need not share the roles: kari (nav) stands in for anne.
	if anne.Backup != kari || mona.Backup != anne || kari.Backup != mona {
		t.Errorf("backups: anne %v, mona %v, kari %v", anne.Backup, mona.Backup, kari.Backup)
	}
	if mona.AwayFrom != (Date{2026, time.December, 21}) || mona.AwayTo != (Date{2027, time.January, 3}) {
		t.Errorf("mona away %v-%v", mona.AwayFrom, mona.AwayTo)
	}
	if kari.AwayFrom != (Date{2026, time.July, 6}) || kari.AwayTo != kari.AwayFrom {
		t.Errorf("kari away %v-%v", kari.AwayFrom, kari.AwayTo)
	}
	if !anne.AwayFrom.IsZero() || !anne.AwayTo.IsZero() {
		t.Errorf("anne away %v-%v", anne.AwayFrom, anne.AwayTo)
	}
}

func TestAwayOn(t *testing.T) {
	mona := &Staff{AwayFrom: Date{2026, time.December, 21}, AwayTo: Date{2027, time.January, 3}}
	kari := &Staff{AwayFrom: Date{2026, time.July, 6}, AwayTo: Date{2026, time.July, 6}}
	anne := &Staff{}
	for _, c := range []struct {
		who  string
		s    *Staff
		d    Date
		want bool
	}{
		{"mona", mona, Date{2026, time.December, 20}, false},
		{"mona", mona, Date{2026, time.December, 21}, true}, // the first day is included
		{"mona", mona, Date{2026, time.December, 31}, true},
		{"mona", mona, Date{2027, time.January, 1}, true}, // across the new year
		{"mona", mona, Date{2027, time.January, 3}, true}, // the last day is included
		{"mona", mona, Date{2027, time.January, 4}, false},
		{"mona", mona, Date{2025, time.December, 25}, false},
		{"mona", mona, Date{2027, time.December, 25}, false},
		{"mona", mona, Date{}, false},
		{"kari", kari, Date{2026, time.July, 5}, false},
		{"kari", kari, Date{2026, time.July, 6}, true},
		{"kari", kari, Date{2026, time.July, 7}, false},
		{"anne", anne, Date{2026, time.December, 24}, false},
		{"anne", anne, Date{}, false},
	} {
		if got := c.s.AwayOn(c.d); got != c.want {
			t.Errorf("%s.AwayOn(%v) = %v, want %v", c.who, c.d, got, c.want)
		}
	}
}

func TestGoalID(t *testing.T) {
	for text, want := range map[string]string{
		"Rydde":                             "rydde",
		"Sier ifra når noe er uklart":       "sier-ifra-nar-noe-er-uklart",
		"Ærlig, øvd og våken":               "aerlig-ovd-og-vaken",
		"ÆØÅ æøå":                           "aeoa-aeoa",
		"Åpner kl. 07:00!":                  "apner-kl-07-00",
		"Lærer ordene «vask» og “tørk”":     "laerer-ordene-vask-og-tork",
		"  --Hei--  ":                       "hei",
		"Hilser   på\tgjester\n på norsk.":  "hilser-pa-gjester-pa-norsk",
		"snake_case og bindestrek-ord":      "snake-case-og-bindestrek-ord",
		"Café naïve Über señor façade":      "cafe-naive-uber-senor-facade",
		"Straße, Þór, Łódź, Işık, Đurđevac": "strasse-thor-lodz-isik-durdevac",
		"ﬁne ½ Ĳssel":                       "fine-1-2-ijssel",
		"Hjelper Олена med عربي":            "hjelper-med",
		"Олена":                             "goal",
		"مرحبا":                             "goal",
		"?!":                                "goal",
		"":                                  "goal",
		"42":                                "42",
		// Cut at the last '-' that fits in 32 characters.
		"Følger hygienerutiner på kjøkkenet":  "folger-hygienerutiner-pa",
		"Gir muntlig rapport til vakthavende": "gir-muntlig-rapport-til",
		// A word ending exactly at 32 is kept whole.
		strings.Repeat("a", 32) + " b": strings.Repeat("a", 32),
		// So is one ending at 31: the '-' after it is dropped.
		strings.Repeat("a", 31) + " b": strings.Repeat("a", 31),
		// A first word longer than 32 is cut inside.
		strings.Repeat("a", 40):         strings.Repeat("a", 32),
		"ab " + strings.Repeat("x", 40): "ab",
	} {
		got := goalID(text)
		if got != want {
			t.Errorf("goalID(%q) = %q, want %q", text, got, want)
		}
		if !idPattern.MatchString(got) || len(got) > MaxIDLength || strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") || strings.Contains(got, "--") {
			t.Errorf("goalID(%q) = %q is not a good id", text, got)
		}
		if again := goalID(text); again != got {
			t.Errorf("goalID(%q) gave %q, then %q", text, got, again)
		}
	}
}

func TestGoalIDsInAPlacement(t *testing.T) {
	long := strings.Repeat("a", 40)
	src := `programme: {id: gjovik, name: Gjøvik læringssenter}
staff: [{id: anne, name: Anne Hansen, roles: [adviser]}]
employers: [{id: strand, name: Hotell Strand, contacts: [{id: per, name: Per Olsen}]}]
participants:
  - id: amina
    name: Amina Yusuf
    language: ar
    adviser: anne
    placement:
      employer: strand
      mentor: per
      days: [tue]
      hours: "09:00-15:00"
      goals:
        - Rydde rom
        - "Rydde rom!"
        - rydde-rom
        - {id: rydde-rom-3, text: Rydde rommet}
        - {id: hygiene, text: "  Følger hygienerutiner  "}
        - Hygiene
        - ` + long + `
        - ` + long + `
        - Олена
        - مرحبا
  - id: yonas
    name: Yonas Tesfay
    language: ti
    adviser: anne
    placement:
      employer: strand
      mentor: per
      days: [wed]
      hours: "09:00-15:00"
      goals: [{id: hygiene, text: Vasker hendene}, Rydde rom]
`
	r, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Goal{
		{"rydde-rom", "Rydde rom"},
		{"rydde-rom-2", "Rydde rom!"},
		// rydde-rom-3 is written out below, so the third plain text
		// skips it, though it comes first.
		{"rydde-rom-4", "rydde-rom"},
		{"rydde-rom-3", "Rydde rommet"},
		{"hygiene", "Følger hygienerutiner"},
		{"hygiene-2", "Hygiene"},
		{strings.Repeat("a", 32), long},
		{strings.Repeat("a", 30) + "-2", long}, // cut to leave room for the number
		{"goal", "Олена"},
		{"goal-2", "مرحبا"},
	}
	if diff := cmp.Diff(want, r.Participant("amina").Placement.Goals); diff != "" {
		t.Errorf("amina's goals (-want +got):\n%s", diff)
	}
	// Ids are per placement: yonas has his own hygiene and rydde-rom.
	want = []Goal{{"hygiene", "Vasker hendene"}, {"rydde-rom", "Rydde rom"}}
	if diff := cmp.Diff(want, r.Participant("yonas").Placement.Goals); diff != "" {
		t.Errorf("yonas's goals (-want +got):\n%s", diff)
	}

	// The export writes every id out, so editing a text keeps its id.
	out, err := r.Export()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"        - {id: rydde-rom-4, text: rydde-rom}\n",
		"        - {id: hygiene-2, text: Hygiene}\n",
	} {
		if !strings.Contains(string(out), line) {
			t.Errorf("export has no line %q:\n%s", line, out)
		}
	}
	edited := strings.Replace(string(out), "text: Hygiene}", "text: Vasker hendene før maten}", 1)
	back, err := Parse("t.yaml", []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	if g := back.Participant("amina").Placement.Goals[5]; g != (Goal{"hygiene-2", "Vasker hendene før maten"}) {
		t.Errorf("edited goal = %+v, want id hygiene-2 kept", g)
	}
}

func TestSettingsOverride(t *testing.T) {
	src := `programme:
  id: lillehammer
  name: Lillehammer læringssenter
  timezone: Europe/Helsinki
  nav_hours: "08:30-15:30"
  quiet_hours: "22:00-06:30"
  office_hours: "07:30-15:00"
  reminders: {evening_before: "19:15", checkin_grace: 45m}
  sickness: {self_certified_days: 2, qualifying_weeks: 0}
  escalate_after: 2h30m
  digest: {daily: "08:00", weekly: "mon 07:45"}
  routing:
    money: [adviser]
    other: [admin, adviser]
  closed: [2026-12-24]
  retention: {records: 30d, issues: 36h}
staff:
  - {id: kari, name: Kari Nordmann, roles: [nav, adviser], language: en, nav_hours: "10:00-12:00"}
employers: []
participants:
  - id: olena
    name: Olena Kovalenko
    language: uk
    programme_start: 2026-02-02
    children: 3
    single_carer: true
    sickness: {qualifying_weeks: 4}
    adviser: kari
    nav: kari
`
	r, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	routing := DefaultRouting()
	routing["money"] = []Role{RoleAdviser}
	routing["other"] = []Role{RoleAdmin, RoleAdviser}
	want := Programme{
		ID:            "lillehammer",
		Name:          "Lillehammer læringssenter",
		Timezone:      "Europe/Helsinki",
		Location:      helsinki,
		NavHours:      Span{8*60 + 30, 15*60 + 30},
		OfficeHours:   Span{7*60 + 30, 15 * 60},
		QuietHours:    Span{22 * 60, 6*60 + 30},
		Reminders:     Reminders{EveningBefore: 19*60 + 15, CheckinGrace: 45 * time.Minute},
		Sickness:      Sickness{SelfCertifiedDays: 2, SelfCertifiedTimes: 4, QualifyingWeeks: 0, SamePeriodDays: 16, ChildSickDays: 10},
		EscalateAfter: 150 * time.Minute,
		Digest:        Digest{Daily: 8 * 60, WeeklyDay: time.Monday, WeeklyAt: 7*60 + 45},
		Routing:       routing,
		Closed:        []Date{{2026, time.December, 24}},
		Retention:     Retention{Records: 30 * 24 * time.Hour, Issues: 36 * time.Hour},
	}
	if diff := cmp.Diff(want, r.Programme, locationByName); diff != "" {
		t.Errorf("programme (-want +got):\n%s", diff)
	}
	kari := r.StaffMember("kari")
	if kari.Language != "en" || kari.NavHours == nil || *kari.NavHours != (Span{10 * 60, 12 * 60}) {
		t.Errorf("kari = %+v", kari)
	}
	p := r.Participant("olena")
	wantP := &Participant{
		Person:         Person{ID: "olena", Name: "Olena Kovalenko", Language: "uk", Line: 21},
		ProgrammeStart: Date{2026, time.February, 2},
		Children:       3,
		SingleCarer:    true,
		Sickness:       &Sickness{QualifyingWeeks: 4, Set: map[string]bool{"qualifying_weeks": true}},
		Adviser:        kari,
		Nav:            kari,
	}
	if diff := cmp.Diff(wantP, p); diff != "" {
		t.Errorf("participant (-want +got):\n%s", diff)
	}
	if got := r.EffectiveSickness(p).QualifyingWeeks; got != 4 {
		t.Errorf("effective qualifying weeks = %d, want 4", got)
	}
}

func TestParseExample(t *testing.T) {
	r, err := Parse("examples/roster.yaml", readFile(t, "../examples/roster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Programme.ID != "gjovik" || r.Programme.Name != "Gjøvik læringssenter" {
		t.Errorf("programme = %q %q", r.Programme.ID, r.Programme.Name)
	}
	want := map[string]string{
		"amina": "ar", "yonas": "ti", "hodan": "so", "farid": "fa-AF", "gulalai": "ps",
		"olena": "uk", "dmitri": "ru", "rojda": "ku", "sarah": "en", "nora": "nb",
	}
	if len(r.Participants) != len(want) {
		t.Errorf("%d participants, want %d", len(r.Participants), len(want))
	}
	langs := map[string]bool{}
	for _, p := range r.Participants {
		if want[p.ID] != p.Language {
			t.Errorf("%s speaks %q, want %q", p.ID, p.Language, want[p.ID])
		}
		langs[p.Language] = true
		if p.Placement == nil {
			t.Errorf("%s has no placement", p.ID)
		}
	}
	if len(langs) != len(Languages) {
		t.Errorf("the example covers %d languages, want all %d", len(langs), len(Languages))
	}
	perEmployer := map[string]int{}
	for _, p := range r.Participants {
		if p.Placement != nil {
			perEmployer[p.Placement.Employer.ID]++
		}
	}
	for _, e := range []string{"strand", "vaskeri", "solhaug", "eventyr"} {
		if n := perEmployer[e]; n < 2 || n > 3 {
			t.Errorf("%s hosts %d participants, want 2-3", e, n)
		}
	}

	amina := r.Participant("amina")
	if amina.Adviser.ID != "anne" || amina.Teacher.ID != "lars" || amina.Nav.ID != "kari" {
		t.Errorf("amina's staff = %s/%s/%s", amina.Adviser.ID, amina.Teacher.ID, amina.Nav.ID)
	}
	pl := amina.Placement
	if pl.Employer.Name != "Hotell Strand" || pl.Mentor.Name != "Per Olsen" || !pl.Mentor.MorningCard ||
		!cmp.Equal(pl.Days, []time.Weekday{time.Tuesday, time.Thursday}) || pl.Hours != (Span{9 * 60, 15 * 60}) {
		t.Errorf("amina's placement = %+v", pl)
	}
	if kari := r.StaffMember("kari"); kari.NavHours == nil || *kari.NavHours != (Span{9 * 60, 15 * 60}) {
		t.Error("kari's own nav_hours are not 09:00-15:00")
	}
	// The example shows a backup, an away period and both forms of goal once.
	if anne, mona := r.StaffMember("anne"), r.StaffMember("mona"); anne.Backup != mona || !mona.AwayOn(Date{2026, time.December, 24}) {
		t.Errorf("anne's backup %v, mona away %v-%v", anne.Backup, mona.AwayFrom, mona.AwayTo)
	}
	wantGoals := []Goal{{"hygiene", "Følger hygienerutiner på kjøkkenet"}, {"sier-ifra-nar-noe-er-uklart", "Sier ifra når noe er uklart"}}
	if diff := cmp.Diff(wantGoals, pl.Goals); diff != "" {
		t.Errorf("amina's goals (-want +got):\n%s", diff)
	}
	if !cmp.Equal(r.Programme.Closed, []Date{{2026, time.December, 24}, {2026, time.December, 31}}) {
		t.Errorf("closed = %v", r.Programme.Closed)
	}

	// The sickness rules need one newcomer and one single carer with three children.
	newcomer, carer := false, false
	for _, p := range r.Participants {
		weeks8 := p.ProgrammeStart.In(time.UTC).AddDate(0, 0, 7*8)
		if !p.ProgrammeStart.IsZero() && weeks8.After(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			newcomer = true
		}
		if p.SingleCarer && p.Children == 3 {
			carer = true
		}
	}
	if !newcomer || !carer {
		t.Errorf("newcomer %v, single carer with three children %v", newcomer, carer)
	}
}

func TestLines(t *testing.T) {
	r, err := Parse("t.yaml", readFile(t, "testdata/minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"staff lars", r.StaffMember("lars").Line, 6},
		{"employer vaskeri", r.Employer("vaskeri").Line, 13},
		{"contact siv", r.Contact("siv").Line, 16},
		{"participant amina", r.Participant("amina").Line, 18},
	} {
		if c.got != c.want {
			t.Errorf("%s at line %d, want %d", c.what, c.got, c.want)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	src := `programme: {id: gjovik, name: Gjøvik læringssenter}
staff:
  - &teacher {id: lars, name: Lars Berg, roles: [teacher]}
  - {<<: *teacher, id: ola, name: Ola Nilsen}
  - {id: anne, name: Anne Hansen, roles: [adviser]}
employers:
  - {id: strand, name: Hotell Strand, contacts: [{id: per, name: Per Olsen}]}
participants:
  - id: amina
    name: Amina Yusuf
    language: ar
    adviser: anne
    classes:
      - &norsk {days: [mon, wed], hours: "09:00-12:00", place: Gjøvik læringssenter}
  - id: yonas
    name: Yonas Tesfay
    language: ti
    adviser: anne
    classes: [*norsk]
`
	r, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if ola := r.StaffMember("ola"); ola == nil || !ola.Has(RoleTeacher) || ola.Name != "Ola Nilsen" {
		t.Errorf("ola = %+v", ola)
	}
	if diff := cmp.Diff(r.Participant("amina").Classes, r.Participant("yonas").Classes); diff != "" {
		t.Errorf("shared classes differ:\n%s", diff)
	}

	// Shared settings can live under an x- key.
	ext := `x-class: &class {hours: "09:00-12:00", place: Gjøvik læringssenter}
` + strings.Replace(src, "classes: [*norsk]", "classes: [{<<: *class, days: [tue]}]", 1)
	r, err = Parse("t.yaml", []byte(ext))
	if err != nil {
		t.Fatal(err)
	}
	want := []Class{{Days: []time.Weekday{time.Tuesday}, Hours: Span{9 * 60, 12 * 60}, Place: "Gjøvik læringssenter"}}
	if diff := cmp.Diff(want, r.Participant("yonas").Classes); diff != "" {
		t.Errorf("merged class (-want +got):\n%s", diff)
	}

	// A typo in a merged block is reported once, at the block.
	bad := strings.Replace(src, "roles: [teacher]}", "roles: [teacher], rolez: []}", 1)
	if got, want := problemLines(t, bad), `t.yaml:3: unknown key "rolez"`; got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func TestProblemsError(t *testing.T) {
	ps := Problems{{"a.yaml", 3, "x"}, {"a.yaml", 10, "y z"}}
	if got, want := ps.Error(), "a.yaml:3: x\na.yaml:10: y z"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Parse results are compared with these options throughout the tests.
var rosterOpts = cmp.Options{
	locationByName,
	cmpopts.IgnoreUnexported(Roster{}),
}

// A participant under other rules may have no qualifying weeks: an
// explicit 0 in their own sickness block overrides the programme's 8.
func TestExplicitZeroOverrides(t *testing.T) {
	r, err := Parse("x.yaml", readMinimal(t))
	if err != nil {
		t.Fatal(err)
	}
	p := r.Participants[0]
	p.Sickness = &Sickness{QualifyingWeeks: 0, Set: map[string]bool{"qualifying_weeks": true}}
	if got := r.EffectiveSickness(p); got.QualifyingWeeks != 0 || got.SelfCertifiedDays != r.Programme.Sickness.SelfCertifiedDays {
		t.Fatalf("effective policy %+v", got)
	}
	out, err := r.Export()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("x.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.EffectiveSickness(back.Participants[0]); got.QualifyingWeeks != 0 {
		t.Fatalf("export lost the explicit 0: %+v\n%s", got, out)
	}
}

func readMinimal(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
