// Command faults is Innsjekk's own fault-injection suite (issue 14, item
// 14). It builds the bot, runs it as `innsjekk run` against its own
// redis-server (append-only file on) and the project's fake Bot API,
// plays participants and mentors through real conversations while it
// kills the bot, restarts Redis, makes Telegram answer 429 and 5xx, runs
// a second bot process and delivers updates twice; then, after a quiet
// period, it checks every effect the bot confirmed to someone against the
// store and the fake's chats. It exits 1 if anything was lost or
// duplicated. See docs/faults.md.
//
//	go run ./cmd/faults -smoke
//	go run ./cmd/faults -conversations 200 -kills 15 -redis-restarts 3 -duration 5m
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/bot/fakeapi"
	"innsjekk/store"
)

type config struct {
	smoke         bool
	mode          string
	participants  int
	conversations int
	duration      time.Duration
	kills         int
	acceptKills   int
	redisRestarts int
	storms429     int
	storms5xx     int
	seconds       int
	redeliver     int
	redeliverSend float64
	drain         time.Duration
	stepTimeout   time.Duration
	seed          uint64
	langs         []string
	bin           string
	keep          bool
	verbose       bool
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.smoke, "smoke", false, "the short form for CI: a few people, a few faults, about a minute in all")
	fs.StringVar(&c.mode, "mode", "polling", "how the bot gets updates: polling, or webhook (two processes behind a proxy)")
	fs.IntVar(&c.participants, "participants", 40, "participants in the generated roster (a mentor per 3, an adviser per 8)")
	fs.IntVar(&c.conversations, "conversations", 200, "conversations to play")
	fs.DurationVar(&c.duration, "duration", 5*time.Minute, "how long conversations and faults go on")
	fs.IntVar(&c.kills, "kills", 15, "kill -9 of a bot process at a random moment")
	fs.IntVar(&c.acceptKills, "accept-kills", 3, "kill -9 of the bot just after Telegram accepted a notice")
	fs.IntVar(&c.redisRestarts, "redis-restarts", 3, "redis-server restarts, alternately kill -9 and SHUTDOWN")
	fs.IntVar(&c.storms429, "storms-429", 4, "storms of 429 answers")
	fs.IntVar(&c.storms5xx, "storms-5xx", 4, "storms of 500, 502, 503 or 504 answers")
	fs.IntVar(&c.seconds, "second-process", 2, "times a second polling process runs beside the first (polling mode)")
	fs.IntVar(&c.redeliver, "redeliver", 40, "redeliveries of random earlier updates")
	fs.Float64Var(&c.redeliverSend, "redeliver-send", 0.25, "chance that a ✅ Send or ↩️ Undo press is delivered twice at once")
	fs.DurationVar(&c.drain, "drain", 3*time.Minute, "longest quiet period to wait for the queues to drain")
	fs.DurationVar(&c.stepTimeout, "step-timeout", time.Minute, "how long a person waits for the bot's answer before giving up")
	fs.Uint64Var(&c.seed, "seed", 0, "random seed (0: from the clock); the seed is printed")
	langs := fs.String("langs", "en,nb,ar,uk,ti,so,fa-AF,ps,ru,ku", "participants' languages, in turn")
	fs.StringVar(&c.bin, "bin", "", "an innsjekk binary to test instead of building ./cmd/innsjekk")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory (logs, Redis files) even when the run passes")
	fs.BoolVar(&c.verbose, "v", false, "print every redelivery and stalled conversation")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.smoke {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		smoke := map[string]func(){
			"participants": func() { c.participants = 8 }, "conversations": func() { c.conversations = 40 },
			"duration": func() { c.duration = 25 * time.Second }, "kills": func() { c.kills = 2 },
			"accept-kills": func() { c.acceptKills = 1 }, "redis-restarts": func() { c.redisRestarts = 1 },
			"storms-429": func() { c.storms429 = 1 }, "storms-5xx": func() { c.storms5xx = 1 },
			"second-process": func() { c.seconds = 1 }, "redeliver": func() { c.redeliver = 10 },
			"drain": func() { c.drain = 60 * time.Second }, "step-timeout": func() { c.stepTimeout = 30 * time.Second },
		}
		for name, apply := range smoke {
			if !set[name] {
				apply()
			}
		}
	}
	c.langs = strings.Split(*langs, ",")
	switch {
	case c.mode != "polling" && c.mode != "webhook":
		return nil, fmt.Errorf("-mode is polling or webhook, not %q", c.mode)
	case c.participants < 1 || c.participants > 999 || c.conversations < 0 || c.duration <= 0:
		return nil, fmt.Errorf("-participants must be 1 to 999, -conversations and -duration positive")
	}
	if c.seed == 0 {
		c.seed = uint64(time.Now().UnixNano())
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	bad, err := run(ctx, cfg, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	if bad {
		os.Exit(1)
	}
}

// clock prints timestamped lines relative to the start of the run.
type clock struct {
	mu sync.Mutex
	t0 time.Time
	w  io.Writer
}

func (c *clock) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, "%7.1fs  %s\n", time.Since(c.t0).Seconds(), fmt.Sprintf(format, args...))
}

// run sets everything up, plays the run, verifies it and cleans up. It
// reports whether anything was lost or duplicated.
func run(ctx context.Context, cfg *config, out io.Writer) (bad bool, err error) {
	clk := &clock{t0: time.Now(), w: out}
	dir, err := os.MkdirTemp("", "innsjekk-faults-*")
	if err != nil {
		return false, err
	}
	defer func() {
		if bad || err != nil || cfg.keep {
			fmt.Fprintf(out, "kept %s (bot logs in logs/, Redis files in redis/)\n", dir)
			return
		}
		os.RemoveAll(dir)
	}()
	for _, sub := range []string{"logs", "redis"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			return false, err
		}
	}
	clk.note("seed %d, mode %s, temp dir %s", cfg.seed, cfg.mode, dir)
	rnd := rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x5eed))
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return false, err
	}

	bin := cfg.bin
	if bin == "" {
		clk.note("building ./cmd/innsjekk")
		if bin, err = buildBot(ctx, dir); err != nil {
			return false, err
		}
	}

	port, err := freePort()
	if err != nil {
		return false, err
	}
	rs := &redisServer{dir: filepath.Join(dir, "redis"), port: port}
	if err := rs.start(ctx); err != nil {
		return false, err
	}
	defer rs.final()
	clk.note("redis-server on %s (appendonly yes, appendfsync everysec)", rs.addr())
	rdb := redis.NewClient(&redis.Options{Addr: rs.addr(), MaxRetries: 3})
	defer rdb.Close()
	st := store.New(rdb, programmeID)

	c := newCast(cfg.participants, cfg.langs)
	rosterFile, err := writeRoster(dir, c, time.Now(), loc)
	if err != nil {
		return false, err
	}
	if err := importRoster(ctx, bin, rosterFile, rs.url()); err != nil {
		return false, err
	}
	codes, err := invites(ctx, bin, rs.url())
	if err != nil {
		return false, err
	}

	fake := fakeapi.New(botToken)
	// Telegram's own flood control, so that the bot's pacing is tested
	// too: a second between messages to one chat, 30 a second in all.
	fake.SetLimits(time.Second, 30)
	fake.SetWebhookRetry(100*time.Millisecond, 12)
	tp := newTap(fake)
	api := httptest.NewServer(tp)
	defer api.Close()
	defer fake.Close()

	fl := &fleet{bin: bin, logDir: filepath.Join(dir, "logs"), apiBase: api.URL, note: clk.note,
		env: []string{"REDIS_URL=" + rs.url()}}
	if cfg.mode == "webhook" {
		proxy := httptest.NewServer(&hookProxy{fleet: fl, client: &http.Client{Timeout: 10 * time.Second}})
		defer proxy.Close()
		fl.env = append(fl.env, "INNSJEKK_WEBHOOK_URL="+proxy.URL+"/telegram/hook",
			fmt.Sprintf("INNSJEKK_WEBHOOK_SECRET=faults-%x", rnd.Uint64()))
	}
	tp.target = func(chat int64, text string) bool {
		p := c.byChat[chat]
		if p == nil || p.Role == roleParticipant {
			return false
		}
		kind, _, ok := staffNotice(p.Lang, text)
		return ok && kind == noticeTold
	}
	tp.kill = func(proc int) {
		delay := time.Duration(rnd.IntN(1500)) * time.Millisecond
		if fl.kill(proc, delay) {
			clk.note("kill -9 bot#%d just after Telegram accepted its notice, restart in %v", proc, delay.Round(time.Millisecond))
		}
	}
	fl.start("a")
	if cfg.mode == "webhook" {
		fl.start("b")
	}
	defer func() {
		fl.stopSlot("a", false)
		fl.stopSlot("b", false)
	}()

	rec := newRecord()
	clk.note("binding %d people with /start CODE", len(c.people))
	if err := bindAll(ctx, c, fake, codes, st, rec); err != nil {
		return false, err
	}
	clk.note("everyone bound; conversations and faults for %v", cfg.duration)

	plans := planConversations(cfg, c, rnd)
	d := &driver{fake: fake, rec: rec, loc: loc, timeout: cfg.stepTimeout, redeliverSend: cfg.redeliverSend,
		note: clk.note, verbose: cfg.verbose}
	ch := &chaos{cfg: cfg, fleet: fl, redis: rs, fake: fake, tap: tp, rec: rec, note: clk.note,
		rnd: rand.New(rand.NewPCG(rnd.Uint64(), rnd.Uint64()))}
	t0 := time.Now()
	var wg sync.WaitGroup
	for _, p := range c.people {
		if len(plans[p]) == 0 {
			continue
		}
		wg.Add(1)
		prnd := rand.New(rand.NewPCG(rnd.Uint64(), rnd.Uint64()))
		go func() { defer wg.Done(); d.run(ctx, p, plans[p], t0, prnd) }()
	}
	chaosDone := make(chan struct{})
	go func() { ch.run(ctx, t0); close(chaosDone) }()
	wg.Wait()
	<-chaosDone
	clk.note("conversations over; waiting for the queues to drain (at most %v)", cfg.drain)
	drained := drain(ctx, fake, st, fl, cfg.drain)
	if !drained {
		clk.note("the queues did not drain in %v", cfg.drain)
	} else {
		clk.note("drained")
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	// Stop the bots gracefully so their logs are complete.
	fl.stopSlot("a", false)
	fl.stopSlot("b", false)

	vf := &verifier{cast: c, rec: rec, tap: tp, fleet: fl, redis: rs, st: st}
	vd := vf.run(ctx)
	report(out, cfg, c, rec, ch, fl, rs, fake, tp, vd, drained)
	return total(vd.lost)+total(vd.dup) > 0, nil
}

// planConversations hands out the conversations: one in six to mentors,
// the rest to participants, at random moments of the first 85% of the
// run.
func planConversations(cfg *config, c *cast, rnd *rand.Rand) map[*person][]plan {
	out := map[*person][]plan{}
	for range cfg.conversations {
		at := time.Duration(rnd.Float64() * 0.85 * float64(cfg.duration))
		if rnd.IntN(6) == 0 {
			m := c.mentors[rnd.IntN(len(c.mentors))]
			kind := convFeedback
			if rnd.IntN(5) == 0 {
				kind = convHelp
			}
			out[m] = append(out[m], plan{at, kind})
			continue
		}
		p := c.participants[rnd.IntN(len(c.participants))]
		kinds := []string{convSick, convSick, convSick, convSick, convSickUndo, convCheckin, convCheckin, convHelp, convWeek, convWeek}
		out[p] = append(out[p], plan{at, kinds[rnd.IntN(len(kinds))]})
	}
	for p := range out {
		sort.Slice(out[p], func(i, j int) bool { return out[p][i].at < out[p][j].at })
	}
	return out
}

// drain waits until nothing is left to do anywhere: no update at
// Telegram or in the inbox, no message in the outbox, a bot running, for
// three seconds in a row.
func drain(ctx context.Context, fake *fakeapi.Server, st *store.Store, fl *fleet, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	quietSince := time.Time{}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		backlog, err1 := st.Backlog(ctx)
		outbox, err2 := st.OutboxLen(ctx)
		quiet := err1 == nil && err2 == nil && backlog == 0 && outbox == 0 && fake.Pending() == 0 && fl.running("a") != nil
		switch {
		case !quiet:
			quietSince = time.Time{}
		case quietSince.IsZero():
			quietSince = time.Now()
		case time.Since(quietSince) >= 3*time.Second:
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}
