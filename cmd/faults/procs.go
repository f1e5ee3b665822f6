package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// childAttr puts a child in its own process group, so that a Ctrl-C
// meant for the suite does not reach it before the suite has counted
// what it did, and kills it if the suite itself dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// buildBot compiles cmd/innsjekk from the module the suite runs in.
func buildBot(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		return "", fmt.Errorf("go env GOMOD: not inside the innsjekk module (%v)", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(dir, "innsjekk")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/innsjekk")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/innsjekk: %v\n%s", err, out)
	}
	return bin, nil
}

// freePort asks the kernel for a port nobody uses right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// span is a time Redis was down.
type span struct{ from, to time.Time }

// redisServer is the suite's own redis-server, with the append-only file
// on as the deployment guide prescribes, so that a restart tests what a
// real one would: whatever Redis acknowledged is still there.
type redisServer struct {
	dir  string
	port int

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	downAt   time.Time
	outages  []span
	kills    int
	shutdown int
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }
func (r *redisServer) url() string  { return "redis://" + r.addr() + "/0" }

func (r *redisServer) start(ctx context.Context) error {
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
		"--daemonize", "no", "--protected-mode", "no", "--logfile", filepath.Join(r.dir, "redis.log"),
		"--maxmemory-policy", "noeviction")
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	rdb := redis.NewClient(&redis.Options{Addr: r.addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		// LOADING answers an error until the append-only file is read:
		// only a plain PONG means the data is back.
		if err := rdb.Ping(ctx).Err(); err == nil {
			break
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server exited at start; see %s", filepath.Join(r.dir, "redis.log"))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return errors.New("redis-server did not answer within 15 s")
		}
	}
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	if !r.downAt.IsZero() {
		r.outages = append(r.outages, span{r.downAt, time.Now()})
		r.downAt = time.Time{}
	}
	r.mu.Unlock()
	return nil
}

// stop ends redis-server: kill -9, or SHUTDOWN, which with the
// append-only file on flushes and syncs it first. SHUTDOWN NOSAVE would
// prove nothing about durability, so the suite never uses it.
func (r *redisServer) stop(ctx context.Context, kill bool) {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd = nil
	r.downAt = time.Now()
	if kill {
		r.kills++
	} else {
		r.shutdown++
	}
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	if kill {
		_ = cmd.Process.Kill()
	} else {
		rdb := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
		_ = rdb.Shutdown(ctx).Err()
		rdb.Close()
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// final stops Redis for good at the end of the run; it is not an outage.
func (r *redisServer) final() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd = nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	rdb := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
	_ = rdb.Shutdown(context.Background()).Err()
	rdb.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// upAfter is when Redis was next up at or after t: t itself if it was up.
func (r *redisServer) upAfter(t time.Time) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.outages {
		if !t.Before(o.from) && t.Before(o.to) {
			return o.to
		}
	}
	if !r.downAt.IsZero() && !t.Before(r.downAt) {
		return time.Now()
	}
	return t
}

// botProc is one run of `innsjekk run`.
type botProc struct {
	id      int
	slot    string
	cmd     *exec.Cmd
	logPath string
	started time.Time
	done    chan struct{}

	// Set under fleet.mu.
	ended    time.Time
	killedAt time.Time // zero unless the suite sent SIGKILL
	termed   bool      // the suite sent SIGTERM
	exitErr  error
	addr     string // the HTTP listener, read from the log
}

// slot is a place for one bot process that the fleet keeps filled, as
// systemd would: a process that dies is started again.
type slot struct {
	name     string
	cur      *botProc
	delay    time.Duration // before the next start, set by whoever killed it
	stopping bool
	ended    chan struct{}
}

// fleet runs the bot processes. Each process gets its own path prefix in
// TELEGRAM_API_URL (/p<ID>), so the tap knows which process made a call.
type fleet struct {
	bin     string
	logDir  string
	apiBase string
	env     []string // besides the token, API URL and listener
	note    func(format string, args ...any)

	mu         sync.Mutex
	procs      []*botProc
	slots      map[string]*slot
	kills      int
	termed     int
	unexpected []*botProc
}

func (f *fleet) proc(id int) *botProc {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id < 1 || id > len(f.procs) {
		return nil
	}
	return f.procs[id-1]
}

func (f *fleet) spawn(s *slot) (*botProc, error) {
	f.mu.Lock()
	id := len(f.procs) + 1
	p := &botProc{id: id, slot: s.name, logPath: filepath.Join(f.logDir, fmt.Sprintf("bot-%03d-%s.log", id, s.name)),
		done: make(chan struct{})}
	f.procs = append(f.procs, p)
	f.mu.Unlock()
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(f.bin, "run")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"TELEGRAM_TOKEN=" + botToken, fmt.Sprintf("TELEGRAM_API_URL=%s/p%d", f.apiBase, id),
		"INNSJEKK_LISTEN=127.0.0.1:0", "INNSJEKK_LOG=info"}, f.env...)
	// A file, not a pipe: what the process wrote up to the moment it was
	// killed is all there, with nothing left in a buffer.
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	p.cmd = cmd
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		err := cmd.Wait()
		logf.Close()
		f.mu.Lock()
		p.ended, p.exitErr = time.Now(), err
		f.mu.Unlock()
		close(p.done)
	}()
	go f.watchListen(p)
	return p, nil
}

// watchListen reads the listener's address from the process's first log
// lines; webhook mode needs it to forward updates.
func (f *fleet) watchListen(p *botProc) {
	for {
		if addr := listenAddr(p.logPath); addr != "" {
			f.mu.Lock()
			p.addr = addr
			f.mu.Unlock()
			return
		}
		select {
		case <-p.done:
			return
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func listenAddr(path string) string {
	fh, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l struct {
			Msg    string `json:"msg"`
			Listen string `json:"listen"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "innsjekk running" {
			return l.Listen
		}
	}
	return ""
}

// start fills a slot and keeps it filled until stopSlot.
func (f *fleet) start(name string) {
	s := &slot{name: name, ended: make(chan struct{})}
	f.mu.Lock()
	if f.slots == nil {
		f.slots = map[string]*slot{}
	}
	f.slots[name] = s
	f.mu.Unlock()
	go func() {
		defer close(s.ended)
		for {
			f.mu.Lock()
			stopping := s.stopping
			f.mu.Unlock()
			if stopping {
				return
			}
			p, err := f.spawn(s)
			if err != nil {
				f.note("bot slot %s: %v", name, err)
				time.Sleep(time.Second)
				continue
			}
			f.mu.Lock()
			s.cur = p
			if s.stopping {
				// stopSlot came while this one was starting.
				p.termed = true
				_ = p.cmd.Process.Signal(syscall.SIGTERM)
			}
			f.mu.Unlock()
			<-p.done
			f.mu.Lock()
			s.cur = nil
			stopping, delay := s.stopping, s.delay
			s.delay = 0
			if p.killedAt.IsZero() && !p.termed {
				f.unexpected = append(f.unexpected, p)
				// systemd's RestartSec in deploy/innsjekk.service.
				delay = time.Second
			}
			f.mu.Unlock()
			if stopping {
				return
			}
			if p.killedAt.IsZero() && !p.termed {
				f.note("bot#%d exited by itself (%v); restarting in 1 s", p.id, p.exitErr)
			}
			time.Sleep(delay)
		}
	}()
}

// running reports whether the slot has a live process.
func (f *fleet) running(name string) *botProc {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.slots[name]; s != nil && !s.stopping {
		return s.cur
	}
	return nil
}

// kill sends SIGKILL to process id and waits until it is gone; its slot
// starts a new one after delay.
func (f *fleet) kill(id int, delay time.Duration) bool {
	f.mu.Lock()
	if id < 1 || id > len(f.procs) {
		f.mu.Unlock()
		return false
	}
	p := f.procs[id-1]
	if !p.ended.IsZero() || !p.killedAt.IsZero() {
		f.mu.Unlock()
		return false
	}
	if s := f.slots[p.slot]; s != nil {
		s.delay = delay
	}
	p.killedAt = time.Now()
	f.kills++
	f.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	return true
}

// stopSlot ends a slot: SIGTERM (a graceful stop, which must lose and
// repeat nothing) or SIGKILL; it waits until the process is gone.
func (f *fleet) stopSlot(name string, kill bool) {
	f.mu.Lock()
	s := f.slots[name]
	if s == nil {
		f.mu.Unlock()
		return
	}
	s.stopping = true
	p := s.cur
	if p != nil {
		if kill {
			p.killedAt = time.Now()
			f.kills++
		} else {
			p.termed = true
			f.termed++
		}
	}
	f.mu.Unlock()
	if p != nil {
		sig := syscall.SIGTERM
		if kill {
			sig = syscall.SIGKILL
		}
		_ = p.cmd.Process.Signal(sig)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
		}
	}
	<-s.ended
	f.mu.Lock()
	delete(f.slots, name)
	f.mu.Unlock()
}

// liveAddrs are the listeners of the running processes, for the webhook
// proxy.
func (f *fleet) liveAddrs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.slots {
		if s.cur != nil && s.cur.addr != "" && s.cur.ended.IsZero() && s.cur.killedAt.IsZero() {
			out = append(out, s.cur.addr)
		}
	}
	return out
}

// all returns every process started so far.
func (f *fleet) all() []*botProc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*botProc(nil), f.procs...)
}
