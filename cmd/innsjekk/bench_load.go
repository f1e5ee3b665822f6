package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// The throughput, latency and backlog runs, for one roster size.
//
// The tap is the participant's ✅ "I'm here" check-in button, pressed on a
// placement day: the flow loads the chat's state, the participant's
// binding, their facts record and their adviser's alerts, records the
// check-in (or finds it recorded and says so), commits, and answers the
// button. The answer to a button, answerCallbackQuery, is made right after
// the commit and is not held to Telegram's message rate; that is what
// "answered" means below, for both bots. The edited message the flow also
// queues goes out through the outbox at 25 a second and is not waited for.

// benchMonday is the Monday of the week the bench plays in: the first
// week without a public holiday at least two weeks after today. It lies
// ahead of the real date because Redis expires some keys (invites) at
// absolute times, which must not have passed already.
func benchMonday(now time.Time) time.Time {
	d := now.In(oslo).AddDate(0, 0, 14)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, oslo)
	for {
		if d.Weekday() == time.Monday {
			free := true
			for i := range 5 {
				if _, hol := schedule.Holiday(roster.DateOf(d.AddDate(0, 0, i))); hol {
					free = false
				}
			}
			if free {
				return d
			}
		}
		d = d.AddDate(0, 0, 1)
	}
}

// The load runs on the Tuesday of that week, a working day on which every
// generated participant has a placement.
func (b *bench) onboardAt() time.Time  { return b.monday.AddDate(0, 0, 1).Add(8 * time.Hour) }
func (b *bench) scenarioAt() time.Time { return b.monday.AddDate(0, 0, 1).Add(10 * time.Hour) }

func isoDate(t time.Time) string { return t.Format("2006-01-02") }

type cpuPoint struct {
	n         int
	perUpdate time.Duration
	echo      time.Duration
	ok        bool
}

// botSide is one of the two bots of a size run.
type botSide struct {
	name string // "innsjekk" or "echo"
	api  *benchAPI
	msg  map[int64]int // the bot message each chat's button is on
}

type sizeRun struct {
	b      *bench
	n      int
	br     *benchRoster
	inn    *botSide
	echo   *botSide
	chats  []int64
	tap    string
	warmed bool
}

func (b *bench) runSize(n int) (cpuPoint, error) {
	g := genRoster{id: "bench", n: n, prefix: "p", hours: "12:00-16:00", classHours: "08:00-11:30",
		from: isoDate(b.monday.AddDate(0, 0, -28)), to: isoDate(b.monday.AddDate(0, 0, 180)),
		days: func(i int) []string {
			// Two days a week, one of them Tuesday: the day the load runs.
			return [][]string{{"tue", "thu"}, {"mon", "tue"}, {"tue", "fri"}, {"tue", "wed"}}[i%4]
		}}
	br, err := g.build()
	if err != nil {
		return cpuPoint{}, err
	}
	b.logf("%d participants: onboarding", n)
	if err := b.redis.flush(b.ctx, dbGolden); err != nil {
		return cpuPoint{}, err
	}
	innAPI, err := newBenchAPI()
	if err != nil {
		return cpuPoint{}, err
	}
	defer innAPI.Close()
	echoAPI, err := newBenchAPI()
	if err != nil {
		return cpuPoint{}, err
	}
	defer echoAPI.Close()
	if err := b.onboard(innAPI, br, br.participants, dbGolden, b.onboardAt()); err != nil {
		return cpuPoint{}, err
	}
	s := &sizeRun{b: b, n: n, br: br,
		inn:  &botSide{name: "innsjekk", api: innAPI, msg: map[int64]int{}},
		echo: &botSide{name: "echo", api: echoAPI, msg: map[int64]int{}},
		tap:  flows.Payload{Flow: "ci", Args: []string{"here", isoDate(b.scenarioAt())}}.Encode()}
	for _, id := range br.participants {
		c := br.chat[id]
		s.chats = append(s.chats, c)
		msgs := innAPI.fake.Chat(c)
		if len(msgs) == 0 {
			return cpuPoint{}, fmt.Errorf("chat of %s has no greeting", id)
		}
		s.inn.msg[c] = msgs[len(msgs)-1].ID
	}
	for _, u := range innAPI.fake.Users() {
		echoAPI.fake.AddUser(u)
	}
	point := cpuPoint{n: n}
	if b.wants("throughput") {
		if point, err = s.throughput(); err != nil {
			return point, err
		}
		if err := s.menuTap(); err != nil {
			return point, err
		}
	}
	if b.wants("latency") {
		for _, r := range b.rates {
			if err := s.latency(r); err != nil {
				return point, err
			}
		}
	}
	if b.wants("backlog") {
		if err := s.backlogDrain(); err != nil {
			return point, err
		}
	}
	return point, nil
}

// withBot runs one scenario against one bot process: innsjekk from the
// onboarded snapshot, echo as it is. prepare runs before the process
// starts; with ready, run waits until the bot polls and has settled.
func (s *sizeRun) withBot(side *botSide, scenario string, ready bool, prepare func() error, run func(p *botProc) error) error {
	b := s.b
	if side.name == "innsjekk" {
		if err := b.redis.restore(b.ctx); err != nil {
			return err
		}
	}
	if prepare != nil {
		if err := prepare(); err != nil {
			return err
		}
	}
	name := fmt.Sprintf("%d-%s-%s", s.n, scenario, side.name)
	before := side.api.polls.Load()
	p, err := b.startBot(side.name, side.api, b.redis.URL(dbScenario), b.scenarioAt(), false, name)
	if err != nil {
		return err
	}
	defer func() { _ = p.stop() }()
	if ready {
		if err := side.api.waitPolls(b.ctx, before, 60*time.Second); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		// Start-up work (planning the day, the command menus) is not
		// what is measured.
		if err := pause(b.ctx, 300*time.Millisecond); err != nil {
			return err
		}
		if side.name == "echo" && !s.warmed {
			if err := s.warmEcho(); err != nil {
				return err
			}
		}
	}
	if err := run(p); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := p.alive(); err != nil {
		return err
	}
	if err := p.stop(); err != nil {
		return err
	}
	b.noteLog(p, fmt.Sprintf("%d participants, %s", s.n, scenario))
	return nil
}

// warmEcho gives every echo chat a bot message to press buttons on, as
// the innsjekk chats have their greeting: both updates then carry a
// message of the same kind.
func (s *sizeRun) warmEcho() error {
	f := s.echo.api.fake
	for _, c := range s.chats {
		f.SendText(c, "Hei! Jeg heter "+s.br.name[s.br.participants[0]]+" og vil sjekke inn.")
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, c := range s.chats {
		for {
			if msgs := f.Chat(c); len(msgs) > 0 {
				s.echo.msg[c] = msgs[len(msgs)-1].ID
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("echo did not answer chat %d", c)
			}
			if err := pause(s.b.ctx, 5*time.Millisecond); err != nil {
				return err
			}
		}
	}
	s.warmed = true
	return nil
}

// loopResult is what a closed-loop run measured.
type loopResult struct {
	rate     float64
	lat      []time.Duration
	lost     int
	cpu      time.Duration
	cpuOK    bool
	answered int
}

// closedLoop runs k chats, each pressing again as soon as its answer
// arrives, and counts the answers that arrive in the measured window
// (after a warm-up).
func (s *sizeRun) closedLoop(side *botSide, p *botProc, k int, send func(chat int64) *tap, hook func(apiCall)) loopResult {
	b := s.b
	side.api.setHook(hook)
	defer side.api.setHook(nil)
	k = min(k, len(s.chats))
	start := time.Now()
	from := start.Add(b.warm)
	end := from.Add(b.duration)
	var mu sync.Mutex
	var res loopResult
	var wg sync.WaitGroup
	for i := range k {
		chat := s.chats[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			lost := 0
			for time.Now().Before(end) && b.ctx.Err() == nil {
				tp := send(chat)
				select {
				case <-tp.done:
					if !tp.answered.Before(from) && tp.answered.Before(end) {
						lat = append(lat, tp.answered.Sub(tp.sent))
					}
					continue
				case <-time.After(15 * time.Second):
					lost++
				case <-b.ctx.Done():
				}
				break
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.lost += lost
			mu.Unlock()
		}()
	}
	_ = pause(b.ctx, time.Until(from))
	c0, ok0 := p.cpu()
	_ = pause(b.ctx, time.Until(end))
	c1, ok1 := p.cpu()
	wg.Wait()
	res.answered = len(res.lat)
	res.rate = float64(res.answered) / b.duration.Seconds()
	res.cpu, res.cpuOK = c1-c0, ok0 && ok1
	return res
}

func (s *sizeRun) throughput() (cpuPoint, error) {
	b := s.b
	k := min(b.chats, len(s.chats))
	res := map[string]loopResult{}
	for _, side := range []*botSide{s.inn, s.echo} {
		b.logf("%d participants: closed loop, %d chats, %s", s.n, k, side.name)
		err := s.withBot(side, "closed", true, nil, func(p *botProc) error {
			tr := newTapTracker()
			r := s.closedLoop(side, p, k, func(chat int64) *tap {
				return tr.press(side.api.fake, chat, side.msg[chat], s.tap)
			}, tr.observe)
			if r.lost > 0 {
				b.notef("%d participants, closed loop: %s left %d taps unanswered for 15 s", s.n, side.name, r.lost)
			}
			res[side.name] = r
			return nil
		})
		if err != nil {
			return cpuPoint{}, err
		}
	}
	inn, echo := res["innsjekk"], res["echo"]
	tag := fmt.Sprintf("@%d", s.n)
	b.add(figure{ID: "throughput.closed" + tag, Name: fmt.Sprintf("N=%d throughput, %d chats tapping ✅ (closed loop)", s.n, k),
		Unit: "/s", Value: num(inn.rate), Echo: num(echo.rate), Ratio: ratio(inn.rate, echo.rate),
		Goal: "≥ 0.5× echo", Status: status(inn.rate >= 0.5*echo.rate)})
	b.add(figure{ID: "throughput.closed.p99" + tag, Name: fmt.Sprintf("N=%d   answer p99 in that loop", s.n),
		Unit: "ms", Value: ms(pct(inn.lat, 0.99)), Echo: ms(pct(echo.lat, 0.99)), Ratio: ratio(pct(inn.lat, 0.99).Seconds(), pct(echo.lat, 0.99).Seconds()),
		Status: "info"})
	b.add(figure{ID: "throughput.closed.lost" + tag, Name: fmt.Sprintf("N=%d   taps never answered (15 s)", s.n),
		Unit: "", Value: num(float64(inn.lost)), Echo: num(float64(echo.lost)), Goal: "0", Status: status(inn.lost == 0)})
	pt := cpuPoint{n: s.n, ok: inn.cpuOK && inn.answered > 0 && echo.answered > 0}
	if pt.ok {
		pt.perUpdate = inn.cpu / time.Duration(inn.answered)
		pt.echo = echo.cpu / time.Duration(echo.answered)
		b.add(figure{ID: "cpu.per_update" + tag, Name: fmt.Sprintf("N=%d CPU per update (bot process, closed loop)", s.n),
			Unit: "µs", Value: num(float64(pt.perUpdate.Nanoseconds()) / 1e3), Echo: num(float64(pt.echo.Nanoseconds()) / 1e3),
			Ratio: ratio(float64(pt.perUpdate), float64(pt.echo)), Status: "info"})
	}
	return pt, nil
}

// menuTap is the same loop with a menu button, 📅 My week, which is a
// text: its answer is a message, and messages leave through the outbox at
// the rate Telegram allows, 25 a second for the whole bot.
func (s *sizeRun) menuTap() error {
	b := s.b
	k := min(b.chats, len(s.chats))
	res := map[string]loopResult{}
	for _, side := range []*botSide{s.inn, s.echo} {
		b.logf("%d participants: closed loop /week, %d chats, %s", s.n, k, side.name)
		err := s.withBot(side, "week", true, nil, func(p *botProc) error {
			tr := newTextTracker(nil)
			res[side.name] = s.closedLoop(side, p, k, func(chat int64) *tap {
				return tr.send(side.api.fake, chat, "/week")
			}, tr.observe)
			return nil
		})
		if err != nil {
			return err
		}
	}
	inn, echo := res["innsjekk"], res["echo"]
	tag := fmt.Sprintf("@%d", s.n)
	b.add(figure{ID: "week.closed" + tag, Name: fmt.Sprintf("N=%d /week answers, %d chats (closed loop, outbox)", s.n, k),
		Unit: "/s", Value: num(inn.rate), Echo: num(echo.rate), Ratio: ratio(inn.rate, echo.rate), Goal: "(25/s cap by design)", Status: "info"})
	b.add(figure{ID: "week.closed.p50" + tag, Name: fmt.Sprintf("N=%d   /week answer p50 in that loop", s.n),
		Unit: "ms", Value: ms(pct(inn.lat, 0.5)), Echo: ms(pct(echo.lat, 0.5)), Ratio: ratio(pct(inn.lat, 0.5).Seconds(), pct(echo.lat, 0.5).Seconds()), Status: "info"})
	return nil
}

// openResult is what an open-loop run measured.
type openResult struct {
	lat      []time.Duration
	lost     int
	lag      time.Duration // how far the generator fell behind its schedule
	cpu      time.Duration
	cpuOK    bool
	answered int
}

// merged adds up runs: their answers, losses and CPU.
func merged(runs []openResult) openResult {
	var m openResult
	m.cpuOK = len(runs) > 0
	for _, r := range runs {
		m.lat = append(m.lat, r.lat...)
		m.lost += r.lost
		m.cpu += r.cpu
		m.cpuOK = m.cpuOK && r.cpuOK
		m.answered += r.answered
	}
	return m
}

// medianPct is the median over runs of each run's q-th percentile.
func medianPct(runs []openResult, q float64) time.Duration {
	var ps []time.Duration
	for _, r := range runs {
		ps = append(ps, pct(r.lat, q))
	}
	if len(ps) == 0 {
		return 0
	}
	slices.Sort(ps)
	return ps[len(ps)/2]
}

func eachPct(runs []openResult, q float64) string {
	var out []string
	for _, r := range runs {
		out = append(out, fmt.Sprintf("%.2f ms", float64(pct(r.lat, q).Microseconds())/1e3))
	}
	return strings.Join(out, ", ")
}

// waitDrained waits for the answers to come, for as long as they keep
// coming: a bot that is slow but answers is not losing taps.
func waitDrained(b *bench, tr *tapTracker) {
	left, since := tr.outstanding(), time.Now()
	for left > 0 && time.Since(since) < 10*time.Second && b.ctx.Err() == nil {
		_ = pause(b.ctx, 5*time.Millisecond)
		if n := tr.outstanding(); n < left {
			left, since = n, time.Now()
		}
	}
}

// openLoop presses at a fixed rate whatever the answers do, spread over
// every participant's chat, then waits for the stragglers.
func (s *sizeRun) openLoop(side *botSide, p *botProc, rate int) openResult {
	b := s.b
	tr := newTapTracker()
	side.api.setHook(tr.observe)
	defer side.api.setHook(nil)
	order := slices.Clone(s.chats)
	rng := rand.New(rand.NewPCG(uint64(s.n), uint64(rate)))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	total := int(math.Round(float64(rate) * b.duration.Seconds()))
	taps := make([]*tap, 0, total)
	var res openResult
	c0, ok0 := p.cpu()
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(int64(i) * int64(time.Second) / int64(rate)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		} else if -d > res.lag {
			res.lag = -d
		}
		if b.ctx.Err() != nil {
			break
		}
		c := order[i%len(order)]
		taps = append(taps, tr.press(side.api.fake, c, side.msg[c], s.tap))
	}
	waitDrained(b, tr)
	c1, ok1 := p.cpu()
	res.cpu, res.cpuOK = c1-c0, ok0 && ok1
	for _, tp := range taps {
		select {
		case <-tp.done:
			res.lat = append(res.lat, tp.answered.Sub(tp.sent))
		default:
			res.lost++
		}
	}
	res.answered = len(res.lat)
	return res
}

// latency runs the open loop against each bot b.repeat times, alternating
// them, and reports the median of each run's percentiles: a p99 of one
// five-second run on a shared machine moves by half from run to run.
func (s *sizeRun) latency(rate int) error {
	b := s.b
	runs := map[string][]openResult{}
	for i := range b.repeat {
		for _, side := range []*botSide{s.inn, s.echo} {
			b.logf("%d participants: open loop %d taps/s, %s (run %d of %d)", s.n, rate, side.name, i+1, b.repeat)
			err := s.withBot(side, fmt.Sprintf("open%d", rate), true, nil, func(p *botProc) error {
				r := s.openLoop(side, p, rate)
				if r.lost > 0 {
					b.notef("%d participants, %d taps/s: %s left %d of %d taps unanswered", s.n, rate, side.name, r.lost, r.lost+r.answered)
				}
				if r.lag > 20*time.Millisecond {
					b.notef("%d participants, %d taps/s (%s): the load generator fell %s behind its schedule", s.n, rate, side.name, r.lag.Round(time.Millisecond))
				}
				runs[side.name] = append(runs[side.name], r)
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	inn, echo := merged(runs["innsjekk"]), merged(runs["echo"])
	tag := fmt.Sprintf("@%d.%d", s.n, rate)
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}} {
		iv, ev := medianPct(runs["innsjekk"], q.q), medianPct(runs["echo"], q.q)
		f := figure{ID: "latency." + q.name + tag, Name: fmt.Sprintf("N=%d %s tap→answer at %d taps/s (open loop)", s.n, q.name, rate),
			Unit: "ms", Value: ms(iv), Echo: ms(ev), Ratio: ratio(iv.Seconds(), ev.Seconds()), Status: "info"}
		if q.name == "p99" && rate == 1000 {
			f.Goal = "≤ 3× echo and ≤ 25 ms"
			f.Status = status(inn.lost == 0 && iv <= 3*ev && iv <= 25*time.Millisecond)
		}
		b.add(f)
		if q.name == "p99" && b.repeat > 1 {
			b.notef("%d participants, %d taps/s: p99 of each run, innsjekk %s, echo %s", s.n, rate, eachPct(runs["innsjekk"], q.q), eachPct(runs["echo"], q.q))
		}
	}
	b.add(figure{ID: "latency.lost" + tag, Name: fmt.Sprintf("N=%d   taps unanswered at %d taps/s", s.n, rate),
		Value: num(float64(inn.lost)), Echo: num(float64(echo.lost)), Goal: "0", Status: status(inn.lost == 0)})
	if inn.cpuOK && echo.cpuOK && inn.answered > 0 && echo.answered > 0 {
		iv, ev := inn.cpu/time.Duration(inn.answered), echo.cpu/time.Duration(echo.answered)
		b.add(figure{ID: "latency.cpu" + tag, Name: fmt.Sprintf("N=%d   CPU per update at %d taps/s", s.n, rate),
			Unit: "µs", Value: num(float64(iv.Nanoseconds()) / 1e3), Echo: num(float64(ev.Nanoseconds()) / 1e3),
			Ratio: ratio(float64(iv), float64(ev)), Status: "info"})
	}
	return nil
}

// backlogDrain queues updates while the bot is down, as Telegram holds
// them during a restart, then starts it: intake is how fast the bot takes
// them off Telegram (for innsjekk: stores them in Redis, which is when
// it confirms them), drain until the last one is answered.
func (s *sizeRun) backlogDrain() error {
	b := s.b
	type result struct {
		startup, intake, drain time.Duration
		lost                   int
	}
	res := map[string]result{}
	for _, side := range []*botSide{s.inn, s.echo} {
		b.logf("%d participants: backlog of %d, %s", s.n, b.backlog, side.name)
		if side.name == "echo" && !s.warmed {
			// The echo chats need their message before the bot is
			// stopped with a queue in front of it.
			if err := s.withBot(side, "warm", true, nil, func(*botProc) error { return nil }); err != nil {
				return err
			}
		}
		tr := newTapTracker()
		var taps []*tap
		var maxID, first, confirmed atomic.Int64
		err := s.withBot(side, "backlog", false, func() error {
			side.api.setHook(func(c apiCall) {
				tr.observe(c)
				if c.Method != "getUpdates" {
					return
				}
				first.CompareAndSwap(0, c.At.UnixNano())
				if c.Offset > maxID.Load() && confirmed.Load() == 0 {
					confirmed.Store(c.At.UnixNano())
				}
			})
			for i := range b.backlog {
				c := s.chats[i%len(s.chats)]
				tp := tr.press(side.api.fake, c, side.msg[c], s.tap)
				taps = append(taps, tp)
				maxID.Store(max(maxID.Load(), tp.update))
			}
			return nil
		}, func(p *botProc) error {
			defer side.api.setHook(nil)
			deadline := time.Now().Add(2*time.Minute + time.Duration(b.backlog)*10*time.Millisecond)
			for (tr.outstanding() > 0 || confirmed.Load() == 0) && time.Now().Before(deadline) {
				if err := p.alive(); err != nil {
					return err
				}
				if err := pause(b.ctx, 5*time.Millisecond); err != nil {
					return err
				}
			}
			var r result
			var last time.Time
			for _, tp := range taps {
				select {
				case <-tp.done:
					if tp.answered.After(last) {
						last = tp.answered
					}
				default:
					r.lost++
				}
			}
			t1 := time.Unix(0, first.Load())
			r.startup = t1.Sub(p.started)
			if c := confirmed.Load(); c != 0 {
				r.intake = time.Unix(0, c).Sub(t1)
			}
			r.drain = last.Sub(t1)
			res[side.name] = r
			if r.lost > 0 {
				b.notef("%d participants, backlog: %s left %d of %d updates unanswered", s.n, side.name, r.lost, len(taps))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	inn, echo := res["innsjekk"], res["echo"]
	tag := fmt.Sprintf("@%d", s.n)
	rate := func(d time.Duration) float64 {
		if d <= 0 {
			return math.NaN()
		}
		return float64(b.backlog) / d.Seconds()
	}
	ir, er := rate(inn.intake), rate(echo.intake)
	b.add(figure{ID: "backlog.intake" + tag, Name: fmt.Sprintf("N=%d backlog intake, %d queued while stopped", s.n, b.backlog),
		Unit: "/s", Value: num(ir), Echo: num(er), Ratio: ratio(ir, er), Goal: "≥ 0.5× echo", Status: status(ir >= 0.5*er)})
	b.add(figure{ID: "backlog.drain" + tag, Name: fmt.Sprintf("N=%d   backlog drained (first poll → last answer)", s.n),
		Unit: "s", Value: num(inn.drain.Seconds()), Echo: num(echo.drain.Seconds()), Ratio: ratio(inn.drain.Seconds(), echo.drain.Seconds()), Status: "info"})
	b.add(figure{ID: "backlog.startup" + tag, Name: fmt.Sprintf("N=%d   start-up (exec → first poll)", s.n),
		Unit: "s", Value: num(inn.startup.Seconds()), Echo: num(echo.startup.Seconds()), Ratio: ratio(inn.startup.Seconds(), echo.startup.Seconds()), Status: "info"})
	b.add(figure{ID: "backlog.lost" + tag, Name: fmt.Sprintf("N=%d   backlog updates unanswered", s.n),
		Value: num(float64(inn.lost)), Echo: num(float64(echo.lost)), Goal: "0", Status: status(inn.lost == 0)})
	return nil
}

// cpuRatio compares the CPU an update costs at the largest roster with
// the smallest.
func (b *bench) cpuRatio(points []cpuPoint) {
	if len(points) < 2 {
		return
	}
	lo, hi := points[0], points[0]
	for _, p := range points {
		if p.n < lo.n {
			lo = p
		}
		if p.n > hi.n {
			hi = p
		}
	}
	r := float64(hi.perUpdate) / float64(lo.perUpdate)
	er := float64(hi.echo) / float64(lo.echo)
	b.add(figure{ID: fmt.Sprintf("cpu.scaling@%d/%d", hi.n, lo.n), Name: fmt.Sprintf("CPU per update at N=%d ÷ at N=%d", hi.n, lo.n),
		Unit: "×", Value: num(r), Echo: num(er), Goal: "≤ 1.2", Status: status(r <= 1.2)})
}

// pct is the q-quantile of lat (nearest rank); 0 when there is none.
func pct(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}
