package main

import (
	"strconv"
	"testing"
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// The bench's generated rosters must be ones the bot accepts, at every
// size, or the bench measures an error path.
func TestBenchRostersParse(t *testing.T) {
	for _, n := range []int{1, 9, 41, 300} {
		for _, g := range []genRoster{
			{id: "bench", n: n, prefix: "p", hours: "12:00-16:00", classHours: "08:00-11:30", from: "2026-08-17", to: "2027-06-18",
				days: func(i int) []string { return [][]string{{"tue", "thu"}, {"mon", "tue"}}[i%2] }},
			{id: "benchyear", n: n, prefix: "y", hours: "09:00-15:00", classHours: "09:00-12:00", from: "2026-08-17", to: "2027-08-16",
				goals: true, cards: true, days: func(i int) []string { return []string{"wed", "fri"} }},
			{id: "benchfan", n: n, prefix: "f", hours: "12:00-16:00", from: "2026-08-17", to: "2027-06-18",
				days: func(i int) []string { return []string{"thu"} }, probes: []probe{{id: "fprobe", days: []string{"mon"}, lang: "nb"}}},
		} {
			br, err := g.build()
			if err != nil {
				t.Fatalf("%s with %d: %v", g.id, n, err)
			}
			if len(br.r.Participants) != n+len(g.probes) {
				t.Errorf("%s with %d: %d participants", g.id, n, len(br.r.Participants))
			}
			seen := map[int64]string{}
			for id, c := range br.chat {
				if other, dup := seen[c]; dup {
					t.Fatalf("%s and %s share chat %d", id, other, c)
				}
				seen[c] = id
			}
		}
	}
}

func TestBenchMondayIsAheadAndWithoutHolidays(t *testing.T) {
	for _, now := range []time.Time{time.Date(2026, 3, 20, 12, 0, 0, 0, oslo), time.Date(2026, 12, 10, 12, 0, 0, 0, oslo)} {
		m := benchMonday(now)
		if m.Weekday() != time.Monday || m.Sub(now) < 13*24*time.Hour {
			t.Errorf("%s: %s", now, m)
		}
		for i := range 5 {
			if name, hol := schedule.Holiday(roster.DateOf(m.AddDate(0, 0, i))); hol {
				t.Errorf("%s: the week of %s holds %s", now, m, name)
			}
		}
	}
}

func TestKeyKind(t *testing.T) {
	for k, want := range map[string]string{
		"chat:1000002":             "chat:*",
		"facts:p0001":              "facts:*",
		"out:q:bulk:1000002":       "out:q:bulk:*",
		"job:remind:p0001:2026-12": "job:remind:*",
		"seen":                     "seen",
		"seen:max":                 "seen:max",
	} {
		if got := keyKind(k); got != want {
			t.Errorf("keyKind(%q) = %q, want %q", k, got, want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if p := pct(lat, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 = %s", p)
	}
	if p := pct(lat, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 = %s", p)
	}
	if p := pct(nil, 0.5); p != 0 {
		t.Errorf("empty: %s", p)
	}
}

func TestBenchNeedsARedis(t *testing.T) {
	if code, _, errOut := runCLI(t, nil, "bench", "-smoke"); code != exitUsage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// The year's memory counts what Redis would still hold at the simulated
// end: a day's sent keys for a little over a week after that day.
func TestKeptAt(t *testing.T) {
	end := time.Date(2027, 12, 6, 18, 0, 0, 0, time.UTC)
	day := func(d time.Time) string { return strconv.FormatInt(d.UnixMilli()/86400000, 10) }
	never := time.Duration(1<<62) * time.Nanosecond
	for key, want := range map[string]bool{
		"out:sent:" + day(end) + ":a":                    true,
		"out:sent:" + day(end.AddDate(0, 0, -8)) + ":a":  true,
		"out:sent:" + day(end.AddDate(0, 0, -11)) + ":f": false,
	} {
		// Its real expiry says nothing: it was set a moment ago.
		if got := keptAt(key, time.Duration(time.Now().Add(time.Hour).UnixMilli())*time.Millisecond, end); got != want {
			t.Errorf("%s kept %v, want %v", key, got, want)
		}
	}
	if !keptAt("invite:abc", never, end) || keptAt("invite:abc", time.Duration(end.Add(-time.Hour).UnixMilli())*time.Millisecond, end) {
		t.Error("other keys go by their expiry")
	}
}
