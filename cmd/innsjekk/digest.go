package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// cmdDigest prints a staff member's digest: the same text /today shows
// (docs/behaviour.md), the weekly overview with --weekly, the digest's data
// with --json, and the weekly files with --csv and --png.
func cmdDigest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "digest", digestArgs, "print a staff member's digest")
	staff := fs.String("staff", "", "the staff member's id (required)")
	date := fs.String("date", "", "the day, YYYY-MM-DD: the digest as sent at digest.daily that day (default: now)")
	weekly := fs.Bool("weekly", false, "the weekly overview instead of the daily digest")
	asJSON := fs.Bool("json", false, "print the digest's data as JSON")
	csvFile := fs.String("csv", "", "write the week's attendance and absences as a spreadsheet to FILE")
	pngFile := fs.String("png", "", "write the picture of the week to FILE")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *staff == "" {
		return usagef("need --staff ID and nothing else")
	}
	conn, st, r, err := openProgramme(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	who := r.StaffMember(*staff)
	if who == nil {
		return fmt.Errorf("no staff member %q in the roster", *staff)
	}
	cal := schedule.New(r.Programme)
	now := time.Now()
	if *date != "" {
		t, err := time.Parse("2006-01-02", *date)
		if err != nil {
			return usagef("--date %q is not a date like 2026-12-03", *date)
		}
		at := r.Programme.Digest.Daily
		if *weekly {
			at = r.Programme.Digest.WeeklyAt
		}
		now = cal.At(roster.DateOf(t), at)
	}
	records, people, err := digestInput(ctx, st, r, who)
	if err != nil {
		return err
	}
	d := flows.BuildDigest(r, cal, who, now, records, people, *weekly || *csvFile != "" || *pngFile != "")
	if !*weekly {
		d.Weekly = false
	}
	lang := who.Language
	if b, ok := people[who.ID]; ok && roster.ShipsLanguage(b.Lang) {
		lang = b.Lang
	}
	if *csvFile != "" || *pngFile != "" {
		wd := d
		wd.Weekly, wd.Week = true, schedule.WeekID(cal.Today(now))
		if *csvFile != "" {
			b, err := flows.WeekCSV(r, wd)
			if err != nil {
				return err
			}
			if err := os.WriteFile(*csvFile, b, 0o644); err != nil {
				return err
			}
		}
		if *pngFile != "" {
			b, err := flows.WeekPNG(r, lang, wd, cal.Loc())
			if err != nil {
				return err
			}
			if err := os.WriteFile(*pngFile, b, 0o644); err != nil {
				return err
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	fmt.Fprintln(e.stdout, strings.Join(flows.RenderDigest(r, lang, d, cal.Loc()), "\n\n"))
	return nil
}

const digestArgs = "--staff ID [--date DATE] [--weekly] [--csv FILE] [--png FILE] [--json]"

// digestInput reads what a digest is made from: exactly what the bot
// loads for the scheduled digest.
func digestInput(ctx context.Context, st *store.Store, r *roster.Roster, who *roster.Staff) (map[flows.Key]flows.Record, map[string]flows.Binding, error) {
	needs := flows.NeedsFor(r, flows.Chat{}, flows.Event{Kind: flows.EvTimer, Timer: flows.DailyDigestTimer{Staff: who.ID}})
	records := map[flows.Key]flows.Record{}
	for _, k := range needs.Records {
		rec, err := record(ctx, st, k)
		if err != nil {
			return nil, nil, err
		}
		records[k] = rec
	}
	raw, err := st.People(ctx)
	if err != nil {
		return nil, nil, err
	}
	people := map[string]flows.Binding{}
	for id, v := range raw {
		if b, err := codec.DecodeBinding([]byte(v)); err == nil {
			people[id] = b
		}
	}
	return records, people, nil
}
