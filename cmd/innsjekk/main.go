// Command innsjekk runs the Innsjekk Telegram bot and its admin tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // the roster's time zone must load on a machine without tzdata
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit statuses (docs/configuration.md).
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// errUsage marks a mistake in how the command was called.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *env, args []string) error
}

// env is what every subcommand gets.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands []command

func init() {
	commands = []command{
		{"run", "[--roster FILE]", "run the bot (TELEGRAM_TOKEN required)", cmdRun},
		{"sandbox", "[--listen ADDR] [--roster FILE]", "try the bot in a browser, offline", cmdSandbox},
		{"roster", rosterArgs, "validate, load or print the roster (YAML or CSV)", cmdRoster},
		{"invite", inviteArgs, "make invite links, or a PDF sheet of them", cmdInvite},
		{"ics", icsArgs, "a calendar feed: its URL, or the feed", cmdICS},
		{"slots", "PARTICIPANT_ID [--from DATE] [--days N] [--json]", "print free Nav meeting slots", cmdSlots},
		{"digest", digestArgs, "print a staff member's digest (what /today shows)", cmdDigest},
		{"forget", "PERSON_ID", "erase a person's reports, chat binding and conversation", cmdForget},
		{"bench", benchArgs, benchSummary, cmdBench},
		{"version", "", "print the version", cmdVersion},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return helpFor(e, args[1])
		}
		if len(args) == 0 {
			usage(stderr) // a mistake: the usage is the error message
			return exitUsage
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, new(errSilent)):
			return exitFail // details already printed
		case errors.As(err, new(errUsage)):
			fmt.Fprintf(stderr, "innsjekk %s: %v\n", c.name, err)
			fmt.Fprintf(stderr, "usage: innsjekk %s %s\n", c.name, c.args)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "innsjekk %s: %v\n", c.name, err)
			return exitFail
		}
	}
	fmt.Fprintf(stderr, "innsjekk: unknown command %q (try 'innsjekk help')\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "innsjekk — the Telegram bot of the introduction programme")
	fmt.Fprintln(w, "\nusage: innsjekk COMMAND [arguments]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %-48s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nenvironment: TELEGRAM_TOKEN, TELEGRAM_API_URL, REDIS_URL, REDIS_SENTINEL_MASTER, REDIS_ADDRS,")
	fmt.Fprintln(w, "  INNSJEKK_ROSTER, INNSJEKK_WEBHOOK_URL, INNSJEKK_WEBHOOK_SECRET, INNSJEKK_LISTEN,")
	fmt.Fprintln(w, "  INNSJEKK_BOT_USERNAME, INNSJEKK_PUBLIC_URL, INNSJEKK_LOG. 'innsjekk COMMAND -h' explains a command.")
}

func helpFor(e *env, name string) int {
	for _, c := range commands {
		if c.name == name {
			fmt.Fprintf(e.stdout, "usage: innsjekk %s %s\n%s\n", c.name, c.args, c.summary)
			return exitOK
		}
	}
	fmt.Fprintf(e.stderr, "innsjekk: unknown command %q\n", name)
	return exitUsage
}

// newFlags makes a flag set whose errors become usage errors and whose
// -h prints to stdout.
func newFlags(e *env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "usage: innsjekk %s %s\n%s\n", name, args, summary)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses flags that may come before or after positional
// arguments ("invite amina --qr x.png").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err // the flag package has printed the usage
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if strings.HasPrefix(args[0], "-") && args[0] != "-" {
			continue
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "print the version")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "innsjekk", version)
	return nil
}
