package codec_test

import (
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"reflect"
	"testing"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
)

var updateHistory = flag.Bool("update-history", false, "rewrite testdata/history.v1 from testdata/history.v1.json (only when the format's version is raised)")

var oslo, _ = time.LoadLocation("Europe/Oslo")

// aYear is a person's record as a few months leave it: every kind of
// field the housekeeping folds, and an issue reference, which has no date
// of its own and stays live until the issue goes.
func aYear() map[string]string {
	return map[string]string{
		"c:2026-09-02":       `{"v":1,"date":"2026-09-02","at":"2026-09-02T06:52:10.123456789Z"}`,
		"c:2026-10-06":       `{"v":1,"date":"2026-10-06","at":"2026-10-06T06:58:41.987654321Z"}`,
		"c:2026-11-25":       `{"v":1,"date":"2026-11-25","at":"2026-11-25T07:49:00.5Z"}`,
		"a:2026-10-05":       `{"v":1,"date":"2026-10-05","kind":"sick","reported_at":"2026-10-05T05:30:00Z","by":"amina","notice":"n1.0"}`,
		"n:n1.0":             `{"v":1,"id":"n1.0","kind":"sick","days":["2026-10-05"],"reported_at":"2026-10-05T05:30:00Z","told":["kari","lars"]}`,
		"fb:2026W40":         `{"v":1,"participant":"amina","mentor":"kari","week":"2026W40","rating":"good","at":"2026-10-02T13:10:00Z","weekly":true}`,
		"fp:2026W40":         `{"v":1,"week":"2026W40","mentor":"kari","at":"2026-10-02T13:00:00Z"}`,
		"g:spor:2026-10":     `{"v":1,"participant":"amina","goal":"spor","text":"Spør når noe er uklart","month":"2026-10","rating":"yes","by":"kari","at":"2026-10-05T13:10:00Z"}`,
		"m:m1.0":             `{"v":1,"id":"m1.0","participant":"amina","counsellor":"nils","start":"2026-10-20T10:30:00+02:00","end":"2026-10-20T11:15:00+02:00","booked_at":"2026-10-19T09:00:00Z","understood":true}`,
		"is:i1.0":            `{"v":1,"issue":"i1.0","category":"housing","source":"participant","created_at":"2026-10-07T09:00:00Z","state":"closed","owner":"lars"}`,
		"fc:2026-11-25.kari": `{"v":1,"date":"2026-11-25","present":false,"by":"kari","at":"2026-11-27T13:00:00Z"}`,
	}
}

func decoded(t *testing.T, fields map[string]string) flows.Record {
	t.Helper()
	r, errs := codec.DecodeRecord(fields)
	if len(errs) > 0 {
		t.Fatalf("decode: %v", errs)
	}
	return r
}

// apply is what Redis does with a record's writes: a nil value deletes.
func apply(fields map[string]string, writes map[string][]byte) map[string]string {
	out := maps.Clone(fields)
	for f, v := range writes {
		if v == nil {
			delete(out, f)
		} else {
			out[f] = string(v)
		}
	}
	return out
}

func TestAHistoryReadsAsTheFieldsItFolded(t *testing.T) {
	live := aYear()
	want := decoded(t, live)
	h, err := codec.EncodeHistory(live)
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for f, v := range live {
		size += len(f) + len(v)
	}
	if len(h)*2 > size {
		t.Errorf("history of %d bytes for %d bytes of fields: the compression does not work", len(h), size)
	}
	back, err := codec.DecodeHistory(h)
	if err != nil || !sameJSON(back, live) {
		t.Fatalf("history read back as %v (%v)", back, err)
	}
	// Values that are not objects are kept as they are.
	odd := map[string]string{"odd:1": `"text"`, "odd:2": `[1,{"a":null}]`, "odd:3": `null`, "c:2026-09-02": live["c:2026-09-02"]}
	if h2, err := codec.EncodeHistory(odd); err != nil {
		t.Fatal(err)
	} else if back, err := codec.DecodeHistory(h2); err != nil || !sameJSON(back, odd) {
		t.Fatalf("odd values read back as %v (%v)", back, err)
	}
	if got := decoded(t, map[string]string{codec.HistoryField: string(h)}); !reflect.DeepEqual(got, want) {
		t.Fatalf("folded record reads as\n%v\nwant\n%v", got, want)
	}
	// A live field wins over its folded copy: a step wrote it last.
	newer := `{"v":1,"date":"2026-09-02","at":"2026-09-02T08:00:00Z"}`
	got := decoded(t, map[string]string{codec.HistoryField: string(h), "c:2026-09-02": newer})
	if c := got["c:2026-09-02"].(flows.CheckIn); c.At.Hour() != 8 {
		t.Fatalf("the folded check-in hid the live one: %+v", c)
	}
	if len(got) != len(want) {
		t.Fatalf("%d fields, want %d", len(got), len(want))
	}
}

func TestTidyFoldsWhatAgedAndExpiresWhatIsPastRetention(t *testing.T) {
	fields := aYear()
	// 1 December 2026: retention from 1 October, folding before 17 November.
	writes, err := codec.Tidy(fields, oslo, "2026-10-01", "2026-11-17", true)
	if err != nil {
		t.Fatal(err)
	}
	after := apply(fields, writes)
	for f := range after {
		switch f {
		case codec.HistoryField, "c:2026-11-25", "is:i1.0", "fc:2026-11-25.kari":
		default:
			t.Errorf("%s is still live after folding", f)
		}
	}
	got := decoded(t, after)
	if _, there := got["c:2026-09-02"]; there {
		t.Error("a check-in older than the retention was kept")
	}
	want := decoded(t, fields)
	delete(want, "c:2026-09-02")
	// What is folded keeps its times to the second.
	c := want["c:2026-10-06"].(flows.CheckIn)
	c.At = time.Date(2026, 10, 6, 6, 58, 41, 0, time.UTC)
	want["c:2026-10-06"] = c
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after tidying the record reads as\n%v\nwant\n%v", got, want)
	}

	// The next night: nothing has aged, nothing is written.
	if again, err := codec.Tidy(after, oslo, "2026-10-01", "2026-11-17", true); err != nil || len(again) != 0 {
		t.Fatalf("a tidy record was rewritten: %v (%v)", again, err)
	}
	// A year on, everything with a date expires, history and all.
	writes, _ = codec.Tidy(after, oslo, "2027-12-01", "2027-11-17", true)
	end := apply(after, writes)
	if _, ok := end[codec.HistoryField]; ok || len(end) != 1 || end["is:i1.0"] == "" {
		t.Fatalf("after the retention the record holds %v", end)
	}
	// Without folding (a counsellor's calendar) only the expiry happens.
	writes, _ = codec.Tidy(fields, oslo, "2026-10-01", "2026-11-17", false)
	if len(writes) != 1 || writes["c:2026-09-02"] != nil {
		t.Fatalf("an unfolded tidy wrote %v", writes)
	}
}

func TestUnfoldTakesWrittenFieldsOutOfTheHistory(t *testing.T) {
	h, _ := codec.EncodeHistory(map[string]string{
		"c:2026-09-02": aYear()["c:2026-09-02"],
		"a:2026-10-05": aYear()["a:2026-10-05"],
	})
	if _, changed, err := codec.Unfold(string(h), []string{"c:2026-11-30"}); changed || err != nil {
		t.Fatalf("a field not in the history changed it (%v)", err)
	}
	b, changed, err := codec.Unfold(string(h), []string{"a:2026-10-05", "c:2026-11-30"})
	if !changed || err != nil {
		t.Fatalf("unfold: %v %v", changed, err)
	}
	rest, err := codec.DecodeHistory(b)
	if err != nil || !sameJSON(rest, map[string]string{"c:2026-09-02": aYear()["c:2026-09-02"]}) {
		t.Fatalf("left %v (%v)", rest, err)
	}
	b, changed, _ = codec.Unfold(string(b), []string{"c:2026-09-02"})
	if !changed || b != nil {
		t.Fatalf("the last field out leaves %q, want no history", b)
	}
}

// testdata/history.v1 is a history this release wrote. Every later release
// must read it: the format and its dictionary are fixed for version 1.
func TestReadsTheFirstHistoryFormat(t *testing.T) {
	src, err := os.ReadFile("testdata/history.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]string
	if err := json.Unmarshal(src, &want); err != nil {
		t.Fatal(err)
	}
	if *updateHistory {
		b, err := codec.EncodeHistory(want)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/history.v1", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("testdata/history.v1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := codec.DecodeHistory(b)
	if err != nil || !sameJSON(got, want) {
		t.Fatalf("read %v (%v)", got, err)
	}
}

// sameJSON reports whether two sets of fields hold the same JSON values,
// whatever the order of their keys.
func sameJSON(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for f, v := range a {
		var x, y any
		if json.Unmarshal([]byte(v), &x) != nil || json.Unmarshal([]byte(b[f]), &y) != nil || !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func TestLeavesANewerHistoryAlone(t *testing.T) {
	h, _ := codec.EncodeHistory(aYear())
	h[0] = 2
	if _, err := codec.DecodeHistory(h); !errors.Is(err, codec.ErrTooNew) {
		t.Fatalf("a newer history read with %v", err)
	}
	fields := map[string]string{codec.HistoryField: string(h), "c:2026-09-02": aYear()["c:2026-09-02"], "c:2026-11-25": aYear()["c:2026-11-25"]}
	r, errs := codec.DecodeRecord(fields)
	if len(errs) != 1 || len(r) != 2 {
		t.Fatalf("record %v, errors %v: the live fields must still read", r, errs)
	}
	writes, err := codec.Tidy(fields, oslo, "2026-10-01", "2026-11-17", true)
	if err == nil {
		t.Fatal("an unreadable history was not reported")
	}
	if _, touched := writes[codec.HistoryField]; touched || len(writes) != 1 || writes["c:2026-09-02"] != nil {
		t.Fatalf("tidying around a newer history wrote %v", writes)
	}
	if _, _, err := codec.Unfold(string(h), []string{"c:2026-09-02"}); err == nil {
		t.Fatal("unfold rewrote a history it cannot read")
	}
}

// Each way a column is kept gives back what it was given: one value for
// all, the field names, times in whole seconds across a change of UTC
// offset, and everything else as it was (a time with a fraction, a value
// missing from some fields, a name that is not quite the field's).
func TestEveryColumnFormGivesBackItsValues(t *testing.T) {
	fields := map[string]string{
		"m:a.0":        `{"v":1,"id":"a.0","start":"2026-10-20T10:30:00+02:00","end":"2026-10-20T11:15:00+02:00","place":"Nav Gjøvik"}`,
		"m:b.1":        `{"v":1,"id":"b.1","start":"2026-11-03T10:30:00+01:00","end":"2026-11-03T11:15:00+01:00"}`,
		"m:c.2":        `{"v":1,"id":"c.2","start":"2027-03-29T09:00:00Z","end":"2027-03-29T09:45:00.5Z","place":"Storgata <2> & co"}`,
		"c:2026-10-20": `{"v":1,"date":"2026-10-20","at":"2026-10-20T06:52:10Z"}`,
		"c:2026-10-21": `{"v":1,"date":"2026-10-21 ","at":"2026-10-21T06:52:10Z","problem":true}`,
		"fb:2026W43":   `{"v":1,"week":"2026W43","at":"1969-12-31T23:59:59Z"}`,
		"fb:2026W44":   `{"v":1,"week":"2026W44","at":"2026-10-30T13:10:00Z"}`,
	}
	h, err := codec.EncodeHistory(fields)
	if err != nil {
		t.Fatal(err)
	}
	back, err := codec.DecodeHistory(h)
	if err != nil || !sameJSON(back, fields) {
		t.Fatalf("read back as\n%v\nwant\n%v\n(%v)", back, fields, err)
	}
}
