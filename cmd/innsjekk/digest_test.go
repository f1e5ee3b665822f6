package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// "innsjekk digest --staff anne --date 2026-12-03" prints exactly the
// text /today shows Anne that day at the digest's hour.
func TestDigestPrintsWhatTodayShows(t *testing.T) {
	url := redisURL(t)
	env := map[string]string{"REDIS_URL": url}
	if code, _, errOut := runCLI(t, env, "roster", "import", "../../examples/roster.yaml"); code != exitOK {
		t.Fatalf("import: %s", errOut)
	}
	ctx := context.Background()
	conn, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st := store.New(conn.Client, "gjovik")
	r, err := roster.Parse("roster.yaml", must(st.Roster(ctx)))
	if err != nil {
		t.Fatal(err)
	}
	cal := schedule.New(r.Programme)
	// Amina reported Thursday sick; Anne is on Telegram.
	reported := time.Date(2026, 12, 3, 7, 40, 0, 0, r.Programme.Location)
	put := map[string]map[string][]byte{"facts:amina": {
		"a:2026-12-03": enc(t, "a:2026-12-03", flows.Absence{Date: "2026-12-03", Kind: "sick", ReportedAt: reported, By: "amina", Notice: "n1"}),
		"n:n1":         enc(t, "n:n1", flows.Notice{ID: "n1", Kind: "sick", Days: []string{"2026-12-03"}, ReportedAt: reported, Told: []string{"per", "anne"}}),
		"is:x1":        enc(t, "is:x1", flows.IssueRef{Issue: "x1", Category: "money", Source: "participant", CreatedAt: reported, State: "open", Owner: "kari"}),
	}}
	anneBinding, _ := codec.EncodeBinding(flows.Binding{Chat: 42})
	if err := st.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
		return store.Effects{Records: put, People: map[string][]byte{"anne": anneBinding}, Now: reported}, false, nil
	}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, env, "digest", "--staff", "anne", "--date", "2026-12-03")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// /today at the digest's hour, through the flows, on the same records.
	at := cal.At(roster.Date{Year: 2026, Month: 12, Day: 3}, r.Programme.Digest.Daily)
	ev := flows.Event{Kind: flows.EvCommand, Command: "today"}
	chat := flows.Chat{Person: "anne"}
	needs := flows.NeedsFor(r, chat, ev)
	in := flows.Input{Now: at, Roster: r, Cal: cal, ChatID: 42, Chat: chat, Event: ev, Records: map[flows.Key]flows.Record{},
		People: map[string]flows.Binding{}}
	for _, k := range needs.Records {
		fields, err := st.Record(ctx, string(k))
		if err != nil {
			t.Fatal(err)
		}
		in.Records[k], _ = codec.DecodeRecord(fields)
	}
	raw, _ := st.People(ctx)
	for id, v := range raw {
		in.People[id], _ = codec.DecodeBinding([]byte(v))
	}
	var texts []string
	for _, a := range flows.Step(in).Actions {
		if s, ok := a.(flows.Say); ok {
			texts = append(texts, s.Text)
		}
	}
	if want := strings.Join(texts, "\n\n") + "\n"; out != want {
		t.Fatalf("digest printed\n%s\n/today says\n%s", out, want)
	}
	for _, s := range []string{"Amina Yusuf", "Kari Nordmann"} {
		if !strings.Contains(out, s) {
			t.Errorf("digest lacks %q:\n%s", s, out)
		}
	}
	// --json is the same digest as data.
	code, out, _ = runCLI(t, env, "digest", "--staff", "anne", "--date", "2026-12-03", "--json")
	if code != exitOK || !strings.Contains(out, `"absences_today"`) || !strings.Contains(out, `"participant": "amina"`) {
		t.Fatalf("--json: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, env, "digest", "--staff", "nobody"); code != exitFail {
		t.Errorf("unknown staff: exit %d", code)
	}
	if code, _, _ := runCLI(t, env, "digest"); code != exitUsage {
		t.Errorf("no --staff: exit %d", code)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func enc(t *testing.T, field string, v any) []byte {
	t.Helper()
	b, err := codec.EncodeField(field, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
