package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// slotJSON is one free slot in --json output (docs/behaviour.md).
type slotJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func cmdSlots(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "slots", "PARTICIPANT_ID [--from DATE] [--days N] [--json]", "print free Nav meeting slots")
	fromFlag := fs.String("from", "", "first day, YYYY-MM-DD (default today)")
	days := fs.Int("days", 14, "number of days")
	asJSON := fs.Bool("json", false, `print a JSON array of {"start","end"} in RFC 3339`)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("need exactly one PARTICIPANT_ID")
	}
	if *days < 1 || *days > 366 {
		return usagef("--days must be between 1 and 366")
	}
	conn, st, r, err := openProgramme(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	p := r.Participant(pos[0])
	if p == nil {
		return fmt.Errorf("no participant %q in the roster", pos[0])
	}
	cal := schedule.New(r.Programme)
	now := time.Now()
	from := cal.Today(now)
	if *fromFlag != "" {
		t, err := time.Parse("2006-01-02", *fromFlag)
		if err != nil {
			return usagef("--from %q is not a date like 2026-12-01", *fromFlag)
		}
		from = roster.DateOf(t)
	}
	// The participant's own Nav counsellor: their office's hours and
	// their other meetings count, exactly as when they book in the bot.
	counsellor := p.Nav
	pr, err := record(ctx, st, flows.PersonKey(p.ID))
	if err != nil {
		return err
	}
	var cr flows.Record
	if counsellor != nil {
		if cr, err = record(ctx, st, flows.CalendarKey(counsellor.ID)); err != nil {
			return err
		}
	}
	slots := flows.FreeSlots(r, cal, p, counsellor, pr, cr, from, *days, now)
	loc := r.Programme.Location
	if *asJSON {
		out := make([]slotJSON, 0, len(slots))
		for _, s := range slots {
			out = append(out, slotJSON{Start: s.Start.In(loc).Format(time.RFC3339), End: s.End.In(loc).Format(time.RFC3339)})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(slots) == 0 {
		fmt.Fprintf(e.stdout, "no free slots for %s in %d days from %s\n", p.ID, *days, from)
		return nil
	}
	for _, s := range slots {
		fmt.Fprintf(e.stdout, "%s %s–%s\n", s.Start.In(loc).Format("Mon 2006-01-02"), s.Start.In(loc).Format("15:04"), s.End.In(loc).Format("15:04"))
	}
	return nil
}

// record reads and decodes one stored record.
func record(ctx context.Context, st *store.Store, k flows.Key) (flows.Record, error) {
	fields, err := st.Record(ctx, string(k))
	if err != nil {
		return nil, err
	}
	rec, _ := codec.DecodeRecord(fields)
	return rec, nil
}
