package main

import (
	"context"
	"fmt"
	"time"

	"innsjekk/app"
	"innsjekk/ics"
	"innsjekk/schedule"
)

const icsArgs = "PARTICIPANT_ID | --staff ID [--print] [--revoke]"

// cmdICS gives a participant's calendar feed, or a staff member's for
// their whole caseload: the URL to subscribe to (made the first time,
// the same one afterwards), a new URL with --revoke (the old one then
// answers 404), or the feed itself with --print.
func cmdICS(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ics", icsArgs, "a calendar feed: its URL, or the feed")
	staff := fs.String("staff", "", "the feed of this staff member's caseload")
	printFeed := fs.Bool("print", false, "print the feed (iCalendar) instead of its URL")
	revoke := fs.Bool("revoke", false, "make a new URL; the old one stops working at once")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *staff == "" && len(pos) != 1, *staff != "" && len(pos) != 0:
		return usagef("need exactly one PARTICIPANT_ID, or --staff STAFF_ID")
	case *printFeed && *revoke:
		return usagef("--print and --revoke do not go together")
	}
	open := openProgrammeToWrite
	if *printFeed {
		open = openProgramme // printing makes no token
	}
	conn, st, r, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	var owner string
	if *staff != "" {
		if r.StaffMember(*staff) == nil {
			return fmt.Errorf("no staff member %q in the roster", *staff)
		}
		owner = app.StaffFeed(*staff)
	} else {
		if r.Participant(pos[0]) == nil {
			return fmt.Errorf("no participant %q in the roster", pos[0])
		}
		owner = app.ParticipantFeed(pos[0])
	}
	now := time.Now()
	if *printFeed {
		feed, _, err := app.Feed(ctx, st, r, schedule.New(r.Programme), owner, ics.Options{Now: now})
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(feed)
		return err
	}
	token, err := app.FeedToken(ctx, st, owner, *revoke)
	if err != nil {
		return err
	}
	action := "ics"
	if *revoke {
		action = "ics-revoke"
	}
	if err := st.Audit(ctx, now, "cli", action, owner); err != nil {
		return err
	}
	cfg := app.FromEnv(e.getenv)
	fmt.Fprintf(e.stdout, "url: %s\n", app.FeedURL(e.getenv("INNSJEKK_PUBLIC_URL"), cfg.Listen, token))
	if *revoke {
		fmt.Fprintln(e.stdout, "the previous URL no longer works")
	}
	return nil
}
