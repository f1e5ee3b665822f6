package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/store"
)

// send drains the outbox: claims due messages (at most one per chat at a
// time, spaced per chat), sends them within the global rate, and records
// the outcome. A message is confirmed in the store only after Telegram
// accepted it, so a crash in between sends it again after the lease; that
// is the one duplicate Telegram's API leaves us no way to prevent. The
// lease is short and renewed while the send runs, so that after a crash
// the chat goes on within seconds.
func (e *Engine) send(ctx context.Context) {
	// Telegram counts messages in any one second, not in a bucket: a
	// burst on top of the rate would put more than GlobalRate into some
	// second (the bench's fan-out met 429s that way). Sends are spaced
	// evenly, a little slower than the rate, so that network jitter does
	// not bring two of them closer than Telegram measures.
	lim := rate.NewLimiter(rate.Limit(e.opt.GlobalRate*0.98), 1)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		now := e.clock.Now()
		// Claim only what can start now: a claimed message's lease runs
		// while it waits for a free slot.
		free := cap(sem) - len(sem)
		if free == 0 {
			sleep(ctx, e.wakeSend, 10*time.Millisecond)
			continue
		}
		batch, err := e.st.Claim(ctx, now, free, e.opt.SendLease, int(e.opt.GlobalRate))
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("claim outbox", "err", err)
				e.observe(Event{Kind: "redis_error", Detail: "outbox"})
			}
			sleep(ctx, e.wakeSend, time.Second)
			continue
		}
		for i, m := range batch {
			if err := lim.Wait(ctx); err != nil {
				// Stopping: what was claimed but not started goes back at
				// once rather than wait out its lease.
				e.release(batch[i:])
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func(m store.Outgoing) {
				defer func() { <-sem; wg.Done() }()
				// An accepted message must be recorded even during shutdown.
				e.sendOne(context.WithoutCancel(ctx), m)
			}(m)
		}
		if len(batch) > 0 {
			continue
		}
		sleep(ctx, e.wakeSend, e.untilNextSend(ctx))
	}
}

// untilNextSend is how long the sender may sleep: until the next message
// falls due by the engine's clock, at most the poll interval.
func (e *Engine) untilNextSend(ctx context.Context) time.Duration {
	next, ok, err := e.st.NextDue(ctx)
	d := e.opt.PollInterval
	if err == nil && ok {
		if w := next.Sub(e.clock.Now()); w < d {
			d = max(w, 10*time.Millisecond)
		}
	}
	return d
}

// release gives claims back unsent.
func (e *Engine) release(ms []store.Outgoing) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, m := range ms {
		if err := e.st.Release(ctx, m, e.clock.Now()); err != nil {
			e.log.Warn("release claim", "key", m.Key, "err", err)
		}
	}
}

// renewing keeps m's lease while a send runs, so a slow Telegram does not
// get the message handed out twice; it stops when the send is over.
func (e *Engine) renewing(m store.Outgoing) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(e.opt.SendLease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), e.opt.SendLease/3)
				if _, err := e.st.Renew(ctx, m, e.clock.Now().Add(e.opt.SendLease)); err != nil {
					e.log.Debug("renew lease", "key", m.Key, "err", err)
				}
				cancel()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// recordSent records an accepted message, trying until Redis takes it:
// only this process knows Telegram accepted it, and giving up would send
// it again once the lease and its grace have passed.
func (e *Engine) recordSent(ctx context.Context, m store.Outgoing) {
	wait := 50 * time.Millisecond
	for start := time.Now(); ; {
		err := e.st.Sent(ctx, e.clock.Now(), m, e.opt.ChatSpacing)
		if err == nil {
			return
		}
		if store.Closed(err) || time.Since(start) > 10*time.Minute {
			e.log.Error("record sent message: giving up", "key", m.Key, "err", err)
			return
		}
		e.log.Warn("record sent message; retrying", "key", m.Key, "err", err)
		e.observe(Event{Kind: "redis_error", Detail: "sent"})
		time.Sleep(wait)
		wait = min(wait*2, 250*time.Millisecond)
	}
}

func (e *Engine) sendOne(ctx context.Context, m store.Outgoing) {
	var say flows.Say
	if m.Kind == "" {
		say, _ = codec.DecodeSay(m.Payload)
	}
	stop := e.renewing(m)
	sctx, cancel := context.WithTimeout(ctx, e.opt.SendTimeout)
	err := e.tg.Send(sctx, m)
	cancel()
	stop()
	now := e.clock.Now()
	ev := Event{Chat: m.Chat, MsgID: say.MsgID, Lang: say.Lang, Reason: string(say.Reason), Person: say.ToPerson,
		Class: string(m.Queue())}
	if m.Kind != "" {
		ev.MsgID = m.Kind
	}
	if err == nil {
		e.recordSent(ctx, m)
		e.stats.Sent.Add(1)
		ev.Kind, ev.Outcome = "sent", "ok"
		ev.Detail = say.Text
		e.observe(ev)
		return
	}
	var se *SendError
	if !errors.As(err, &se) {
		se = &SendError{Kind: SendTransient, Err: err}
	}
	switch se.Kind {
	case SendRetryAfter:
		e.stats.Retried.Add(1)
		e.log.Warn("telegram asked to wait", "chat_id", m.Chat, "retry_after", se.After.String())
		ev.Outcome = "retry_after"
		e.retry(ctx, m, now.Add(se.After), ev)
	case SendTransient:
		e.stats.Retried.Add(1)
		d := backoff(m.Attempts, e.opt.MaxBackoff)
		e.log.Warn("send failed; will retry", "chat_id", m.Chat, "attempt", m.Attempts+1, "in", d.String(), "err", se.Err)
		ev.Outcome = "transient"
		e.retry(ctx, m, now.Add(d), ev)
	default:
		e.stats.Dropped.Add(1)
		why := "rejected"
		if se.Kind == SendBlocked {
			why = "blocked"
		}
		e.log.Warn("telegram refused message", "chat_id", m.Chat, "why", why, "err", se.Err)
		if err := e.st.Drop(ctx, now, m, why+": "+se.Err.Error()); err != nil {
			e.log.Error("record dropped message", "key", m.Key, "err", err)
		}
		ev.Kind, ev.Detail, ev.Outcome = "dropped", why, why
		e.observe(ev)
		if se.Kind == SendBlocked {
			e.tellBlocked(ctx, m, say.ToPerson)
		}
	}
}

// tellBlocked feeds a 403 back to the flows: the person is marked
// unreachable and their adviser told, once (docs/behaviour.md).
func (e *Engine) tellBlocked(ctx context.Context, m store.Outgoing, person string) {
	snap := e.snap.Load()
	err := e.st.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
		who := person
		if who == "" {
			raw, err := r.Chat(m.Chat)
			if err != nil || raw == nil {
				return store.Effects{}, true, err
			}
			c, err := codec.DecodeChat(raw, e.clock.Now())
			if err != nil || c.Person == "" {
				return store.Effects{}, true, nil
			}
			who = c.Person
		}
		_, eff, err := e.runStep(r, snap, m.Chat, flows.Event{Kind: flows.EvBlocked, Text: who}, "b"+m.Key, e.clock.Now())
		return eff, false, err
	})
	if err != nil {
		e.log.Warn("record unreachable", "chat_id", m.Chat, "err", err)
	}
}

func (e *Engine) retry(ctx context.Context, m store.Outgoing, until time.Time, ev Event) {
	if err := e.st.Retry(ctx, m, until); err != nil {
		e.log.Error("requeue message", "key", m.Key, "err", err)
	}
	ev.Kind, ev.Detail = "retry", until.Format(time.RFC3339)
	e.observe(ev)
}

// backoff doubles from one second per attempt up to limit.
func backoff(attempts int, limit time.Duration) time.Duration {
	d := time.Second
	for i := 0; i < attempts && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
