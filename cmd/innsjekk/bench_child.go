package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"innsjekk/app"
	"innsjekk/engine"
)

// The bench runs each bot in a process of its own, started from this
// binary ("innsjekk bench -serve innsjekk|echo"): then the CPU time of
// the bot is the kernel's count for that process alone, with nothing of
// the fake, the load generator or Redis in it.

// anchoredClock shows simAt at the real instant anchor and runs at real
// speed from there. The parent knows the same two numbers, so both sides
// agree when a reminder falls due without any clock being read twice.
type anchoredClock struct{ shift time.Duration }

func (c anchoredClock) Now() time.Time { return time.Now().Add(c.shift) }

// simMap converts between a child's simulated time and real time.
type simMap struct {
	anchor time.Time
	simAt  time.Time
}

func (m simMap) real(sim time.Time) time.Time { return m.anchor.Add(sim.Sub(m.simAt)) }

// serveOpts are the hidden flags of a bot process.
type serveOpts struct {
	role       string
	clockAt    string
	anchor     int64
	fast       bool
	cpuprofile string
}

func benchServe(ctx context.Context, e *env, o serveOpts) error {
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	switch o.role {
	case "innsjekk":
		return serveInnsjekk(ctx, e, o)
	case "echo":
		return serveEcho(ctx, e)
	}
	return usagef("-serve: unknown role %q", o.role)
}

// serveInnsjekk is "innsjekk run" with two differences the bench needs:
// a clock that starts at a chosen moment, and (for onboarding only) a
// sender that is not held to Telegram's rate, so thousands of greetings
// are out in seconds rather than minutes.
func serveInnsjekk(ctx context.Context, e *env, o serveOpts) error {
	cfg := app.FromEnv(e.getenv)
	log := app.Logger(cfg.LogLevel, os.Stderr)
	opt := app.Options{}
	if o.clockAt != "" {
		at, err := time.Parse(time.RFC3339Nano, o.clockAt)
		if err != nil {
			return usagef("-clock-at: %v", err)
		}
		opt.Clock = anchoredClock{shift: at.Sub(time.Unix(0, o.anchor))}
	}
	if o.fast {
		opt.Engine = engine.Options{GlobalRate: 1e6, ChatSpacing: time.Millisecond, PollInterval: 20 * time.Millisecond}
	}
	a, err := app.New(ctx, cfg, log, opt)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx)
}

// serveEcho is the baseline: the smallest bot go-telegram/bot makes, with
// the library's defaults. It repeats every text and answers every button.
func serveEcho(ctx context.Context, e *env) error {
	b, err := tg.New(e.getenv("TELEGRAM_TOKEN"), tg.WithServerURL(e.getenv("TELEGRAM_API_URL")),
		tg.WithDefaultHandler(func(ctx context.Context, b *tg.Bot, u *models.Update) {
			switch {
			case u.Message != nil && u.Message.Text != "":
				_, _ = b.SendMessage(ctx, &tg.SendMessageParams{ChatID: u.Message.Chat.ID, Text: u.Message.Text})
			case u.CallbackQuery != nil:
				_, _ = b.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID})
			}
		}))
	if err != nil {
		return err
	}
	b.Start(ctx)
	return nil
}

// botProc is a running bot process.
type botProc struct {
	role    string
	cmd     *exec.Cmd
	logPath string
	started time.Time
	clock   simMap
	done    chan struct{}
	err     error
}

// startBot starts a bot process against api and the Redis database at
// redisURL, its clock showing simAt now.
func (b *bench) startBot(role string, api *benchAPI, redisURL string, simAt time.Time, fast bool, name string) (*botProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &botProc{role: role, logPath: filepath.Join(b.dir, name+".log"), done: make(chan struct{})}
	anchor := time.Now()
	p.clock = simMap{anchor: anchor, simAt: simAt}
	args := []string{"bench", "-serve", role, "-clock-at", simAt.Format(time.RFC3339Nano),
		"-clock-anchor", strconv.FormatInt(anchor.UnixNano(), 10)}
	if fast {
		args = append(args, "-fast")
	}
	if b.profileDir != "" && !fast {
		args = append(args, "-cpuprofile", filepath.Join(b.profileDir, name+".pprof"))
	}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(exe, args...)
	// Only what the bot needs: the operator's own INNSJEKK_ROSTER or
	// REDIS_URL must not leak into a measurement.
	cmd.Env = []string{"TELEGRAM_TOKEN=" + benchToken, "TELEGRAM_API_URL=" + api.URL, "REDIS_URL=" + redisURL,
		"INNSJEKK_LISTEN=127.0.0.1:0", "INNSJEKK_LOG=" + b.logLevel}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.cmd = cmd
	b.track(p)
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop ends the process as systemd would, SIGTERM and then a wait; a
// process that does not stop in time is killed and that is reported.
func (p *botProc) stop() error {
	if p == nil || p.cmd == nil {
		return nil
	}
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.exitErr()
	case <-time.After(25 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within 25 s of SIGTERM", p.role)
	}
}

func (p *botProc) exitErr() error {
	if p.err != nil {
		return fmt.Errorf("%s exited: %v (log %s)", p.role, p.err, p.logPath)
	}
	return nil
}

// alive reports an early exit.
func (p *botProc) alive() error {
	select {
	case <-p.done:
		if err := p.exitErr(); err != nil {
			return err
		}
		return fmt.Errorf("%s exited early (log %s)", p.role, p.logPath)
	default:
		return nil
	}
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc.
const clockTicks = 100

// cpu is the process's user and system CPU time so far, from
// /proc/PID/stat; ok is false where there is no /proc.
func (p *botProc) cpu() (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, false
	}
	// The command name may hold spaces; the fields after it do not.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * time.Second / clockTicks, true
}

// logSummary counts a process's log lines at warn and error, by message:
// the bench reports them, since misbehaviour under load shows there
// first.
func logSummary(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			if len(line) > 0 && !strings.Contains(string(line), "level=INFO") && !strings.Contains(string(line), "level=DEBUG") {
				out["(text) "+firstN(string(line), 120)]++
			}
			continue
		}
		var l struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if json.Unmarshal(line, &l) != nil || l.Level == "INFO" || l.Level == "DEBUG" {
			continue
		}
		out[l.Level+" "+l.Msg]++
	}
	return out, sc.Err()
}

func firstN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// procs remembers every process the bench started, so that an
// interrupted run ends them all.
type procs struct {
	mu  sync.Mutex
	all []*botProc
}

func (b *bench) track(p *botProc) {
	b.procs.mu.Lock()
	defer b.procs.mu.Unlock()
	b.procs.all = append(b.procs.all, p)
}

func (b *bench) stopAll() {
	b.procs.mu.Lock()
	all := append([]*botProc(nil), b.procs.all...)
	b.procs.mu.Unlock()
	for _, p := range all {
		_ = p.stop()
	}
}

// noteLog adds what a process logged at warn and error to the notes.
func (b *bench) noteLog(p *botProc, scenario string) {
	counts, err := logSummary(p.logPath)
	if err != nil {
		return
	}
	type kv struct {
		k string
		n int
	}
	var list []kv
	for k, n := range counts {
		list = append(list, kv{k, n})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].n > list[j].n || list[i].n == list[j].n && list[i].k < list[j].k })
	for i, e := range list {
		if i == 5 {
			b.notef("%s: %s logged %d more kinds of warning", scenario, p.role, len(list)-5)
			break
		}
		b.notef("%s: %s logged %q ×%d", scenario, p.role, e.k, e.n)
	}
}

var errStopped = errors.New("bench interrupted")
