package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

const benchArgs = "[--smoke] [--participants N|both] (--start-redis | --redis URL) [--json]"

const benchSummary = "measure the bot against a bare go-telegram/bot echo bot (docs/PERFORMANCE.md)"

// bench is one run of "innsjekk bench".
type bench struct {
	ctx      context.Context
	out      io.Writer
	progress io.Writer
	dir      string // temporary: logs, Redis files
	keep     bool
	logLevel string

	profileDir string
	smoke      bool

	sizes    []int
	chats    int
	warm     time.Duration
	duration time.Duration
	rates    []int
	repeat   int
	backlog  int
	fanouts  []int
	yearN    int
	yearDays int
	only     map[string]bool

	t0     time.Time
	monday time.Time // of the week the load and the fan-out play in
	redis  *benchRedis
	procs  procs

	mu      sync.Mutex
	figures []figure
	notes   []string
}

func cmdBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", benchArgs, benchSummary)
	participants := fs.String("participants", "300", "roster size: N, a list N,M, or both (300 and 3000)")
	smoke := fs.Bool("smoke", false, "a run of seconds with small numbers, for CI: figures printed, nothing asserted")
	redisURL := fs.String("redis", "", "Redis to measure against (databases DB, DB+1 and DB+2 of it must be empty)")
	startRedis := fs.Bool("start-redis", false, "start a redis-server of its own, with AOF, on a free port")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	chats := fs.Int("chats", 200, "chats tapping in the closed-loop run")
	duration := fs.Duration("duration", 5*time.Second, "length of each measured run")
	rates := fs.String("rates", "1000", "open-loop tap rates per second, comma-separated")
	repeat := fs.Int("repeat", 3, "open-loop runs of each bot, alternating: the figures are their medians")
	backlog := fs.Int("backlog", 1000, "updates queued while the bot is stopped")
	fanouts := fs.String("fanout", "300,1000", "reminders falling due at once, comma-separated")
	yearN := fs.Int("year-participants", 300, "participants in the simulated year")
	yearDays := fs.Int("year-days", 365, "days in the simulated year")
	only := fs.String("only", "", "run only these parts: throughput,latency,backlog,fanout,year")
	profile := fs.String("profile", "", "write CPU profiles of the measured innsjekk processes to DIR")
	keep := fs.Bool("keep", false, "keep the temporary directory with the bots' logs")
	logLevel := fs.String("log", "info", "the bots' INNSJEKK_LOG (info is what 'run' logs by default)")
	var so serveOpts
	fs.StringVar(&so.role, "serve", "", "internal: run a bot process for the bench (innsjekk or echo)")
	fs.StringVar(&so.clockAt, "clock-at", "", "internal: the bot's clock at -clock-anchor")
	fs.Int64Var(&so.anchor, "clock-anchor", 0, "internal: real time of -clock-at, Unix nanoseconds")
	fs.BoolVar(&so.fast, "fast", false, "internal: send without Telegram's rate (onboarding only)")
	fs.StringVar(&so.cpuprofile, "cpuprofile", "", "internal: write the process's CPU profile here")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if so.role != "" {
		return benchServe(ctx, e, so)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	b := &bench{ctx: ctx, out: e.stdout, progress: e.stderr, keep: *keep, logLevel: *logLevel, smoke: *smoke,
		profileDir: *profile, chats: *chats, duration: *duration, repeat: max(1, *repeat), backlog: *backlog, yearN: *yearN, yearDays: *yearDays,
		warm: time.Second, t0: time.Now(), monday: benchMonday(time.Now())}
	if b.sizes, err = parseSizes(*participants); err != nil {
		return err
	}
	if b.rates, err = parseInts("rates", *rates); err != nil {
		return err
	}
	if b.fanouts, err = parseInts("fanout", *fanouts); err != nil {
		return err
	}
	if *only != "" {
		b.only = map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			p = strings.TrimSpace(p)
			switch p {
			case "throughput", "latency", "backlog", "fanout", "year":
				b.only[p] = true
			default:
				return usagef("-only: unknown part %q", p)
			}
		}
	}
	if *smoke {
		b.applySmoke(set)
	}
	if b.duration <= 0 || b.chats <= 0 || b.backlog <= 0 || b.yearN <= 0 || b.yearDays <= 0 {
		return usagef("-duration, -chats, -backlog, -year-participants and -year-days must be positive")
	}
	if *redisURL != "" && *startRedis {
		return usagef("-redis and -start-redis exclude each other")
	}
	if b.dir, err = os.MkdirTemp("", "innsjekk-bench-"); err != nil {
		return err
	}
	defer func() {
		if b.keep {
			fmt.Fprintf(b.progress, "bench: logs kept in %s\n", b.dir)
		} else {
			os.RemoveAll(b.dir)
		}
	}()
	if b.profileDir != "" {
		if err := os.MkdirAll(b.profileDir, 0o755); err != nil {
			return err
		}
	}
	if b.redis, err = openBenchRedis(ctx, *redisURL, *startRedis, *smoke, b.dir); err != nil {
		return err
	}
	defer b.redis.Close()
	defer b.stopAll()
	start := time.Now()
	runErr := b.runAll()
	b.stopAll()
	b.notef("whole run took %s", time.Since(start).Round(100*time.Millisecond))
	if *asJSON {
		if err := b.printJSON(); err != nil {
			return err
		}
	} else {
		b.printText()
	}
	return runErr
}

// applySmoke shrinks every number the caller did not set, so that the
// whole run takes seconds.
func (b *bench) applySmoke(set map[string]bool) {
	if !set["participants"] {
		b.sizes = []int{20}
	} else {
		for i, n := range b.sizes {
			b.sizes[i] = max(1, n/15)
		}
	}
	if !set["chats"] {
		b.chats = 10
	}
	if !set["duration"] {
		b.duration = time.Second
	}
	b.warm = 200 * time.Millisecond
	if !set["rates"] {
		b.rates = []int{200}
	}
	if !set["repeat"] {
		b.repeat = 1
	}
	if !set["backlog"] {
		b.backlog = 100
	}
	if !set["fanout"] {
		b.fanouts = []int{25, 50}
	}
	if !set["year-participants"] {
		b.yearN = 8
	}
	if !set["year-days"] {
		b.yearDays = 14
	}
}

func parseSizes(s string) ([]int, error) {
	if s == "both" {
		return []int{300, 3000}, nil
	}
	return parseInts("participants", s)
}

func parseInts(name, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, usagef("-%s: %q is not a positive number", name, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func (b *bench) wants(part string) bool { return b.only == nil || b.only[part] }

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.progress, "bench %6.1fs: "+format+"\n", append([]any{time.Since(b.t0).Seconds()}, args...)...)
}

func (b *bench) notef(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

func (b *bench) runAll() error {
	b.logf("redis: %s at %s; %d CPUs; temporary files in %s", b.redis.kind, b.redis.host, runtime.NumCPU(), b.dir)
	var perUpdate []cpuPoint
	if b.wants("throughput") || b.wants("latency") || b.wants("backlog") {
		for _, n := range b.sizes {
			if err := b.ctx.Err(); err != nil {
				return errStopped
			}
			p, err := b.runSize(n)
			if err != nil {
				return fmt.Errorf("%d participants: %w", n, err)
			}
			if p.ok {
				perUpdate = append(perUpdate, p)
			}
		}
		b.cpuRatio(perUpdate)
	}
	if b.wants("fanout") {
		if err := b.runFanout(); err != nil {
			return fmt.Errorf("fan-out: %w", err)
		}
	}
	if b.wants("year") {
		if err := b.runYear(); err != nil {
			return fmt.Errorf("simulated year: %w", err)
		}
	}
	return nil
}
