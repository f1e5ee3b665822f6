package main

import (
	"context"
	"os"

	"innsjekk/app"
)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "[--roster FILE]", "run the bot (TELEGRAM_TOKEN required)")
	rosterFile := fs.String("roster", "", "roster file to import at start (default $INNSJEKK_ROSTER)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	cfg := app.FromEnv(e.getenv)
	if *rosterFile != "" {
		cfg.RosterFile = *rosterFile
	}
	log := app.Logger(cfg.LogLevel, os.Stderr)
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx)
}
