package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"innsjekk/app"
	"innsjekk/roster"
	"innsjekk/store"
)

const rosterArgs = "check|import|export [FILE] [--with YAML] [--csv]"

func cmdRoster(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "roster", rosterArgs, "validate, load or print the roster")
	with := fs.String("with", "", "the YAML file with the programme, staff and employers, beside a participants CSV")
	asCSV := fs.Bool("csv", false, "export: print the participants as CSV (with --with FILE, write the rest there)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing action: check, import or export")
	}
	switch pos[0] {
	case "check", "import":
		if len(pos) != 2 {
			return usagef("%s needs exactly one FILE", pos[0])
		}
		if *asCSV {
			return usagef("--csv is for export; a .csv FILE is read as CSV")
		}
		r, data, err := loadRoster(pos[1], *with)
		if err != nil {
			return rosterError(e, err)
		}
		if pos[0] == "check" {
			fmt.Fprintf(e.stdout, "%s: ok (%s)\n", pos[1], rosterCounts(r))
			return nil
		}
		conn, err := openStoreToWrite(ctx, e)
		if err != nil {
			return err
		}
		defer conn.Close()
		removed, err := app.Import(ctx, store.New(conn.Client, r.Programme.ID), r, data, time.Now())
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		fmt.Fprintf(e.stdout, "imported %s: %s; %s removed\n", r.Programme.ID, rosterCounts(r), count(len(removed), "person", "people"))
		return nil
	case "export":
		if len(pos) != 1 {
			return usagef("export takes no FILE; it prints to stdout")
		}
		if *with != "" && !*asCSV {
			return usagef("--with goes with --csv: the YAML export holds the whole roster")
		}
		conn, err := openStore(ctx, e)
		if err != nil {
			return err
		}
		defer conn.Close()
		_, r, err := app.ProgrammeStore(ctx, conn, e.getenv("INNSJEKK_ROSTER"))
		if err != nil {
			return err
		}
		if !*asCSV {
			out, err := r.Export()
			if err != nil {
				return err
			}
			_, err = e.stdout.Write(out)
			return err
		}
		out, err := r.ExportCSV()
		if err != nil {
			return err
		}
		if *with != "" {
			base, err := r.ExportBase()
			if err != nil {
				return err
			}
			if err := os.WriteFile(*with, base, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", *with, err)
			}
		}
		_, err = e.stdout.Write(out)
		return err
	}
	return usagef("unknown action %q: use check, import or export", pos[0])
}

// loadRoster reads a roster file: YAML, or a participants CSV (the name
// ends in .csv) with the YAML file that holds the rest (--with). It
// returns the roster and the YAML to store, which for a CSV is the
// merged roster written out, since the store and the running bot read
// YAML.
func loadRoster(path, with string) (*roster.Roster, []byte, error) {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		if with != "" {
			return nil, nil, usagef("--with goes with a participants .csv file")
		}
		return app.LoadRosterFile(path)
	}
	if with == "" {
		return nil, nil, usagef("a participants CSV needs --with programme.yaml (the programme, staff and employers)")
	}
	csvData, err := app.ReadLimited(path)
	if err != nil {
		return nil, nil, err
	}
	yamlData, err := app.ReadLimited(with)
	if err != nil {
		return nil, nil, err
	}
	r, err := roster.ParseCSV(path, csvData, with, yamlData)
	if err != nil {
		return nil, nil, err
	}
	data, err := r.Export()
	if err != nil {
		return nil, nil, err
	}
	return r, data, nil
}

// rosterError prints every problem as FILE:LINE: message and fails.
func rosterError(e *env, err error) error {
	var probs roster.Problems
	if errors.As(err, &probs) {
		fmt.Fprintln(e.stderr, probs.Error())
		return errSilent{fmt.Errorf("%d problems", len(probs))}
	}
	return err
}

// errSilent is a failure whose details were already printed.
type errSilent struct{ error }

// errEphemeral refuses a command that changes stored data when no Redis
// is configured (docs/configuration.md): it would write into an in-memory store
// that is gone when the command ends, and print, say, an invite code that
// can never work.
var errEphemeral = errors.New("REDIS_URL is not set: what this command writes would vanish when it ends; point REDIS_URL at the bot's Redis")

// openStoreToWrite opens the configured Redis for a command that changes
// stored data, and refuses the embedded store.
func openStoreToWrite(ctx context.Context, e *env) (*store.Conn, error) {
	cfg := app.FromEnv(e.getenv).Redis
	if cfg.URL == "" && cfg.SentinelMaster == "" && len(cfg.Addrs) == 0 {
		return nil, errEphemeral
	}
	return openStore(ctx, e)
}

// openStore opens the configured Redis. An embedded store would forget
// everything when the command ends, so reading commands say so.
func openStore(ctx context.Context, e *env) (*store.Conn, error) {
	cfg := app.FromEnv(e.getenv)
	conn, err := store.Open(ctx, cfg.Redis)
	if err != nil {
		return nil, err
	}
	if conn.Embedded != nil {
		fmt.Fprintln(e.stderr, "warning: REDIS_URL is not set; using an embedded in-memory store that is gone when this command ends")
	}
	return conn, nil
}

// rosterCounts says how many of each a roster holds: "1 participant,
// 2 staff, 1 employer".
func rosterCounts(r *roster.Roster) string {
	return count(len(r.Participants), "participant", "participants") + ", " +
		count(len(r.Staff), "staff", "staff") + ", " + count(len(r.Employers), "employer", "employers")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
