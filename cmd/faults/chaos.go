package main

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"innsjekk/bot/fakeapi"
)

// Fault kinds.
const (
	faultKill        = "kill -9 bot"
	faultAcceptKill  = "kill -9 bot as Telegram accepts a notice"
	faultRedis       = "restart redis-server"
	fault429         = "429 storm"
	fault5xx         = "5xx storm"
	faultSecond      = "second bot process"
	faultRedeliverAt = "redeliver an old update"
)

type fault struct {
	at   time.Duration
	kind string
}

// chaos injects the faults at random moments of the run.
type chaos struct {
	cfg   *config
	fleet *fleet
	redis *redisServer
	fake  *fakeapi.Server
	tap   *tap
	rec   *record
	rnd   *rand.Rand
	note  func(format string, args ...any)

	wg            sync.WaitGroup
	kills         int
	armed         int
	redisRestarts int
	storms429     int
	storms5xx     int
	seconds       int
	secondKills   int
	redelivered   int
}

// schedule spreads the faults over the first three quarters of the run,
// so that the last quarter and the quiet period see the recovery.
func (c *chaos) schedule() []fault {
	var out []fault
	add := func(n int, kind string, to float64) {
		for range n {
			at := time.Duration((0.05 + c.rnd.Float64()*(to-0.05)) * float64(c.cfg.duration))
			out = append(out, fault{at, kind})
		}
	}
	add(c.cfg.kills, faultKill, 0.75)
	add(c.cfg.acceptKills, faultAcceptKill, 0.7)
	add(c.cfg.redisRestarts, faultRedis, 0.75)
	add(c.cfg.storms429, fault429, 0.75)
	add(c.cfg.storms5xx, fault5xx, 0.75)
	if c.cfg.mode == "polling" {
		add(c.cfg.seconds, faultSecond, 0.6)
	}
	add(c.cfg.redeliver, faultRedeliverAt, 0.9)
	slices.SortFunc(out, func(a, b fault) int { return int(a.at - b.at) })
	return out
}

func (c *chaos) run(ctx context.Context, t0 time.Time) {
	for _, f := range c.schedule() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(t0.Add(f.at))):
		}
		c.inject(ctx, f)
	}
	c.wg.Wait()
}

// victim is a running bot process, any of them.
func (c *chaos) victim() *botProc {
	var live []*botProc
	for _, s := range []string{"a", "b"} {
		if p := c.fleet.running(s); p != nil {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return nil
	}
	return live[c.rnd.IntN(len(live))]
}

func (c *chaos) inject(ctx context.Context, f fault) {
	switch f.kind {
	case faultKill:
		p := c.victim()
		if p == nil {
			c.note("kill: no bot running (restarting); skipped")
			return
		}
		delay := time.Duration(c.rnd.IntN(2000)) * time.Millisecond
		if c.fleet.kill(p.id, delay) {
			c.kills++
			c.note("kill -9 bot#%d (slot %s), restart in %v", p.id, p.slot, delay.Round(time.Millisecond))
		}
	case faultAcceptKill:
		c.tap.arm()
		c.armed++
		c.note("armed: kill -9 the bot that sends the next notice, once Telegram has accepted it")
	case faultRedis:
		kill := c.redisRestarts%2 == 0
		c.redisRestarts++
		down := time.Duration(500+c.rnd.IntN(2000)) * time.Millisecond
		how := "SHUTDOWN"
		if kill {
			how = "kill -9"
		}
		c.note("redis-server: %s, down for %v", how, down.Round(time.Millisecond))
		c.redis.stop(ctx, kill)
		time.Sleep(down)
		for ctx.Err() == nil {
			err := c.redis.start(ctx)
			if err == nil {
				break
			}
			c.note("redis-server restart: %v; trying again", err)
			time.Sleep(500 * time.Millisecond)
		}
		c.note("redis-server up again")
	case fault429:
		c.storms429++
		ft := fakeapi.Fault{Method: pick(c.rnd, "sendMessage", "editMessageText", ""), Status: 429,
			RetryAfter: 1 + c.rnd.IntN(3), Times: c.stormSize()}
		c.fake.Inject(ft)
		c.note("429 storm: next %d calls to %s, retry_after %d", ft.Times, methodName(ft.Method), ft.RetryAfter)
	case fault5xx:
		c.storms5xx++
		ft := fakeapi.Fault{Method: pick(c.rnd, "sendMessage", ""), Status: []int{500, 502, 503, 504}[c.rnd.IntN(4)],
			Times: c.stormSize()}
		c.fake.Inject(ft)
		c.note("%d storm: next %d calls to %s", ft.Status, ft.Times, methodName(ft.Method))
	case faultSecond:
		if c.fleet.running("b") != nil {
			return
		}
		c.seconds++
		window := time.Duration(4000+c.rnd.IntN(8000)) * time.Millisecond
		kill := c.rnd.IntN(2) == 0
		c.note("second polling process for %v, both on the same Redis", window.Round(time.Millisecond))
		c.fleet.start("b")
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			time.Sleep(window)
			how := "SIGTERM"
			if kill {
				how = "kill -9"
			}
			c.fleet.stopSlot("b", kill)
			if kill {
				c.fleet.mu.Lock()
				c.secondKills++
				c.fleet.mu.Unlock()
			}
			c.note("second process stopped (%s)", how)
		}()
	case faultRedeliverAt:
		if id, ok := c.rec.randomUpdate(c.rnd); ok && c.fake.Redeliver(id) == nil {
			c.redelivered++
			if c.cfg.verbose {
				c.note("redelivered update %d", id)
			}
		}
	}
}

// stormSize is how many calls a storm fails: enough to stack retries and
// back-offs, few enough that the outbox drains in the quiet period.
func (c *chaos) stormSize() int {
	if c.cfg.smoke {
		return 5 + c.rnd.IntN(10)
	}
	return 10 + c.rnd.IntN(30)
}

func methodName(m string) string {
	if m == "" {
		return "any method"
	}
	return m
}
