package ics

import (
	"bytes"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
)

func testRoster(t *testing.T, tz string) (*roster.Roster, *schedule.Calendar) {
	t.Helper()
	data, err := os.ReadFile("testdata/roster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if tz != "" {
		data = bytes.Replace(data, []byte("  name: Gjøvik læringssenter\n"), []byte("  name: Gjøvik læringssenter\n  timezone: "+tz+"\n"), 1)
	}
	r, err := roster.Parse("roster.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return r, schedule.New(r.Programme)
}

// decode reads a feed with an independent parser (emersion/go-ical) and
// checks, by encoding it again, that every component has the properties
// RFC 5545 requires exactly once.
func decode(t *testing.T, feed []byte) *goical.Calendar {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(feed)).Decode()
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, feed)
	}
	if err := goical.NewEncoder(&bytes.Buffer{}).Encode(cal); err != nil {
		t.Fatalf("feed is not valid iCalendar: %v", err)
	}
	return cal
}

func events(cal *goical.Calendar) map[string]goical.Event {
	out := map[string]goical.Event{}
	for _, e := range cal.Events() {
		uid, _ := e.Props.Text(goical.PropUID)
		out[uid] = e
	}
	return out
}

// utcOf resolves a local DTSTART with the feed's own VTIMEZONE, as a
// calendar program that does not know the zone's name must: the
// observance whose latest onset (by its DTSTART and RRULE) is at or
// before the wall time gives the offset.
func utcOf(t *testing.T, cal *goical.Calendar, prop *goical.Prop) time.Time {
	t.Helper()
	tzid := prop.Params.Get(goical.PropTimezoneID)
	wall, err := time.ParseInLocation("20060102T150405", prop.Value, time.UTC)
	if err != nil {
		t.Fatalf("DTSTART %q is not a local date-time", prop.Value)
	}
	var best time.Time
	var off string
	for _, c := range cal.Children {
		if c.Name != goical.CompTimezone {
			continue
		}
		if id, _ := c.Props.Text(goical.PropTimezoneID); id != tzid {
			continue
		}
		for _, o := range c.Children {
			start, err := time.ParseInLocation("20060102T150405", o.Props.Get(goical.PropDateTimeStart).Value, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			onset := start
			if rr := o.Props.Get(goical.PropRecurrenceRule); rr != nil {
				opt, err := rrule.StrToROption(rr.Value)
				if err != nil {
					t.Fatal(err)
				}
				opt.Dtstart = start
				r, err := rrule.NewRRule(*opt)
				if err != nil {
					t.Fatal(err)
				}
				onset = r.Before(wall, true)
			}
			if onset.IsZero() || onset.After(wall) {
				continue
			}
			if onset.After(best) {
				best, off = onset, o.Props.Get(goical.PropTimezoneOffsetTo).Value
			}
		}
	}
	if off == "" {
		t.Fatalf("no VTIMEZONE %q observance covers %s", tzid, prop.Value)
	}
	secs := ((int(off[1]-'0')*10+int(off[2]-'0'))*60 + int(off[3]-'0')*10 + int(off[4]-'0')) * 60
	if off[0] == '-' {
		secs = -secs
	}
	return wall.Add(-time.Duration(secs) * time.Second)
}

func aminaRecord(loc *time.Location) flows.Record {
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, loc) }
	return flows.Record{
		"a:2026-03-26": flows.Absence{Date: "2026-03-26", Kind: "sick", ReportedAt: at(26, 7, 10), By: "amina", Notice: "n1"},
		"m:m1": flows.Meeting{ID: "m1", Participant: "amina", Counsellor: "kari", Start: at(30, 13, 0), End: at(30, 13, 45),
			Place: "Nav Gjøvik, Storgata 2", Forced: true, Reason: "urgent housing letter"},
		"m:m2": flows.Meeting{ID: "m2", Participant: "amina", Counsellor: "kari", Start: at(25, 13, 0), End: at(25, 13, 45), Cancelled: true},
	}
}

// A placement day on Tuesday 31 March 2026, two days after the change to
// summer time, shows 09:00-15:00 in Oslo: written as local time with the
// zone's TZID, and the feed's VTIMEZONE puts it at 07:00 UTC, a week
// after the same 09:00 was 08:00 UTC.
func TestParticipantFeedAcrossDaylightSaving(t *testing.T) {
	r, cal := testRoster(t, "")
	loc := cal.Loc()
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, loc)
	feed := Participant(r, cal, r.Participant("amina"), aminaRecord(loc), Options{Now: now})
	c := decode(t, feed)
	evs := events(c)

	e, ok := evs["placement-amina-20260331@gjovik.innsjekk"]
	if !ok {
		t.Fatalf("no placement on 31 March:\n%s", feed)
	}
	start, end := e.Props.Get(goical.PropDateTimeStart), e.Props.Get(goical.PropDateTimeEnd)
	if start.Params.Get(goical.PropTimezoneID) != "Europe/Oslo" || start.Value != "20260331T090000" ||
		end.Params.Get(goical.PropTimezoneID) != "Europe/Oslo" || end.Value != "20260331T150000" {
		t.Errorf("31 March: DTSTART %v %q, DTEND %v %q", start.Params, start.Value, end.Params, end.Value)
	}
	if got := utcOf(t, c, start); !got.Equal(time.Date(2026, 3, 31, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("31 March 09:00 resolves to %s by the VTIMEZONE, want 07:00 UTC", got)
	}
	if got := utcOf(t, c, end); !got.Equal(time.Date(2026, 3, 31, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("31 March 15:00 resolves to %s, want 13:00 UTC", got)
	}
	before := evs["placement-amina-20260324@gjovik.innsjekk"]
	if got := utcOf(t, c, before.Props.Get(goical.PropDateTimeStart)); !got.Equal(time.Date(2026, 3, 24, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("24 March 09:00 resolves to %s, want 08:00 UTC", got)
	}
	// Go's own zone data, through the parser's TZID lookup, agrees.
	if got, err := e.DateTimeStart(nil); err != nil || !got.Equal(time.Date(2026, 3, 31, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("DateTimeStart = %v, %v", got, err)
	}

	var tz *goical.Component
	for _, ch := range c.Children {
		if ch.Name == goical.CompTimezone {
			tz = ch
		}
	}
	if tz == nil {
		t.Fatal("no VTIMEZONE")
	}
	got := map[string]string{}
	for _, o := range tz.Children {
		got[o.Name] = o.Props.Get(goical.PropTimezoneOffsetFrom).Value + ">" + o.Props.Get(goical.PropTimezoneOffsetTo).Value + " " +
			o.Props.Get(goical.PropRecurrenceRule).Value + " " + o.Props.Get(goical.PropDateTimeStart).Value
	}
	want := map[string]string{
		"DAYLIGHT": "+0100>+0200 FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU 19700329T020000",
		"STANDARD": "+0200>+0100 FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU 19701025T030000",
	}
	if len(got) != 2 || got["DAYLIGHT"] != want["DAYLIGHT"] || got["STANDARD"] != want["STANDARD"] {
		t.Errorf("VTIMEZONE observances %v, want %v", got, want)
	}
}

func TestParticipantFeedContent(t *testing.T) {
	r, cal := testRoster(t, "")
	loc := cal.Loc()
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, loc)
	feed := Participant(r, cal, r.Participant("amina"), aminaRecord(loc), Options{Now: now})
	evs := events(decode(t, feed))

	summary := func(uid string) string {
		e, ok := evs[uid]
		if !ok {
			return "(missing)"
		}
		s, _ := e.Props.Text(goical.PropSummary)
		return s
	}
	for uid, want := range map[string]string{
		"placement-amina-20260331@gjovik.innsjekk":      "Placement: Hotell Strand",
		"class-amina-20260330T0900@gjovik.innsjekk":     "Class: Gjøvik læringssenter",
		"meeting-amina-m1@gjovik.innsjekk":              "Nav: Nav Gjøvik, Storgata 2",
		"away-amina-20260326@gjovik.innsjekk":           "Away",
		"placement-amina-20260306@gjovik.innsjekk":      "(missing)", // a Friday
		"placement-amina-20260305@gjovik.innsjekk":      "(missing)", // before the window: 14 days back
		"placement-amina-20260310@gjovik.innsjekk":      "Placement: Hotell Strand",
		"placement-amina-20260326@gjovik.innsjekk":      "(missing)", // reported away
		"placement-amina-20260402@gjovik.innsjekk":      "(missing)", // Maundy Thursday
		"class-amina-20260406T0900@gjovik.innsjekk":     "(missing)", // Easter Monday
		"placement-amina-20260514@gjovik.innsjekk":      "(missing)", // Ascension Day
		"placement-amina-20260512@gjovik.innsjekk":      "Placement: Hotell Strand",
		"placement-amina-20260519@gjovik.innsjekk":      "(missing)", // after the 8 weeks
		"meeting-amina-m2@gjovik.innsjekk":              "(missing)", // cancelled
		"placement-amina-20260317@gjovik.innsjekk":      "Placement: Hotell Strand",
		"class-amina-20260325T0900@gjovik.innsjekk":     "Class: Gjøvik læringssenter",
		"placement-yonas-20260327@gjovik.innsjekk":      "(missing)", // someone else's
		"class-amina-20260401T0900@gjovik.innsjekk":     "Class: Gjøvik læringssenter",
		"placement-amina-20260326T0900@gjovik.innsjekk": "(missing)",
	} {
		if got := summary(uid); got != want {
			t.Errorf("%s: %q, want %q", uid, got, want)
		}
	}
	p := evs["placement-amina-20260331@gjovik.innsjekk"]
	if loc, _ := p.Props.Text(goical.PropLocation); loc != "Strandgata 1, 2815 Gjøvik" {
		t.Errorf("placement location %q", loc)
	}
	if d, _ := p.Props.Text(goical.PropDescription); d != "Contact person: Per Olsen" {
		t.Errorf("placement description %q", d)
	}
	away := evs["away-amina-20260326@gjovik.innsjekk"]
	if s, e := away.Props.Get(goical.PropDateTimeStart), away.Props.Get(goical.PropDateTimeEnd); s.ValueType() != goical.ValueDate ||
		s.Value != "20260326" || e.Value != "20260327" {
		t.Errorf("away is not the all-day 26 March: %v %v", s, e)
	}
	if tr, _ := away.Props.Text(goical.PropTransparency); tr != "OPAQUE" {
		t.Errorf("away TRANSP %q, want OPAQUE (busy)", tr)
	}

	// No health detail and no reason, anywhere in the file.
	for _, word := range []string{"sick", "syk", "urgent", "housing", "Forced", "reason"} {
		if bytes.Contains(bytes.ToLower(feed), []byte(strings.ToLower(word))) {
			t.Errorf("the feed contains %q", word)
		}
	}
	// RFC 5545 §3.1: CRLF line ends, lines folded at 75 octets.
	for _, line := range strings.SplitAfter(string(feed), "\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\r\n") || len(line)-2 > 75 {
			t.Errorf("bad content line %q", line)
		}
	}
	for _, want := range []string{"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", "\r\nX-WR-TIMEZONE:Europe/Oslo\r\n",
		"\r\nX-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n", "\r\nDTSTART;VALUE=DATE:20260326\r\n"} {
		if !bytes.Contains(feed, []byte(want)) {
			t.Errorf("the feed lacks %q", want)
		}
	}
	// The same data makes the same bytes.
	if again := Participant(r, cal, r.Participant("amina"), aminaRecord(loc), Options{Now: now}); !bytes.Equal(feed, again) {
		t.Error("two builds of one feed differ")
	}
}

// A staff member's feed holds their whole caseload, each event named
// after its participant, in the staff member's language.
func TestStaffFeedHoldsTheCaseload(t *testing.T) {
	r, cal := testRoster(t, "")
	loc := cal.Loc()
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, loc)
	recs := map[string]flows.Record{"amina": aminaRecord(loc)}
	anne := decode(t, Staff(r, cal, r.StaffMember("anne"), recs, Options{Now: now, Weeks: 2}))
	var sums []string
	for _, e := range anne.Events() {
		s, _ := e.Props.Text(goical.PropSummary)
		sums = append(sums, s)
	}
	joined := strings.Join(sums, "\n")
	for _, want := range []string{"Amina Yusuf: Praksis: Hotell Strand", "Amina Yusuf: Borte", "Amina Yusuf: Nav: Nav Gjøvik, Storgata 2",
		"Yonas Tesfay: Undervisning: Gjøvik læringssenter"} {
		if !strings.Contains(joined, want) {
			t.Errorf("anne's feed lacks %q:\n%s", want, joined)
		}
	}
	if name, _ := anne.Props.Text("X-WR-CALNAME"); name != "Innsjekk: Anne Hansen (deltakere)" {
		t.Errorf("calendar name %q", name)
	}
	// Kari is Nav counsellor of amina only.
	kari := decode(t, Staff(r, cal, r.StaffMember("kari"), recs, Options{Now: now, Weeks: 2}))
	for _, e := range kari.Events() {
		if s, _ := e.Props.Text(goical.PropSummary); !strings.HasPrefix(s, "Amina Yusuf: ") {
			t.Errorf("kari's feed has %q", s)
		}
	}
}

// Zones other than Oslo: one without daylight saving gets a single
// STANDARD; one whose rules changed (Brazil stopped in 2019) gets its
// changes listed one by one, and still resolves every event as Go does.
func TestTimezonesOtherThanOslo(t *testing.T) {
	r, cal := testRoster(t, "Asia/Tokyo")
	c := decode(t, Participant(r, cal, r.Participant("amina"), nil, Options{Now: time.Date(2026, 3, 20, 10, 0, 0, 0, cal.Loc())}))
	for _, ch := range c.Children {
		if ch.Name == goical.CompTimezone {
			if len(ch.Children) != 1 || ch.Children[0].Name != goical.CompTimezoneStandard ||
				ch.Children[0].Props.Get(goical.PropTimezoneOffsetTo).Value != "+0900" {
				t.Errorf("Tokyo VTIMEZONE: %+v", ch.Children)
			}
		}
	}

	r, cal = testRoster(t, "America/Sao_Paulo")
	now := time.Date(2018, 10, 20, 10, 0, 0, 0, cal.Loc())
	r.Participant("amina").Placement.From = roster.Date{Year: 2018, Month: 1, Day: 1}
	c = decode(t, Participant(r, cal, r.Participant("amina"), nil, Options{Now: now, Weeks: 20}))
	n := 0
	var uids []string
	for uid, e := range events(c) {
		uids = append(uids, uid)
		start := e.Props.Get(goical.PropDateTimeStart)
		want, err := time.ParseInLocation("20060102T150405", start.Value, cal.Loc())
		if err != nil {
			t.Fatal(err)
		}
		if got := utcOf(t, c, start); !got.Equal(want) {
			t.Errorf("%s: VTIMEZONE gives %s, Go %s", uid, got, want.UTC())
		}
		n++
	}
	sort.Strings(uids)
	if n < 50 {
		t.Fatalf("only %d events: %v", n, uids)
	}
}
