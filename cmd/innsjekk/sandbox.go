package main

import (
	"context"
	"os"

	"innsjekk/app"
	"innsjekk/sandbox"
)

func cmdSandbox(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sandbox", "[--listen ADDR] [--roster FILE]", "try the bot in a browser, offline")
	listen := fs.String("listen", sandbox.DefaultListen, "address of the web page")
	rosterFile := fs.String("roster", "", "roster file to load instead of the built-in example")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	// The page's event log shows what the bot does; the terminal needs
	// only warnings unless INNSJEKK_LOG asks for more.
	level := e.getenv("INNSJEKK_LOG")
	if level == "" {
		level = "warn"
	}
	log := app.Logger(level, os.Stderr)
	return rosterError(e, sandbox.Run(ctx, sandbox.Options{Listen: *listen, RosterFile: *rosterFile}, e.stdout, log))
}
