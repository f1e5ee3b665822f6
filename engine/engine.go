// Package engine is the shell around the pure flows: it takes stored
// updates in order per chat, runs one flow step against the state it loads
// from the store, commits everything the step decided in one transaction,
// and only then lets the outbox send. It also runs scheduled jobs and the
// outbox sender, within Telegram's rate limits.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// Clock tells the time; tests and the sandbox move it by hand.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Incoming is an update as the flows see it.
type Incoming struct {
	UpdateID   int64
	Chat       int64 // 0: nothing for the flows (a service update)
	Event      flows.Event
	CallbackID string
}

// Telegram is what the engine needs from the Bot API shell.
type Telegram interface {
	// Decode turns a raw update into an Incoming.
	Decode(raw []byte) (Incoming, error)
	// Send carries out one outgoing message; failures are *SendError.
	Send(ctx context.Context, m store.Outgoing) error
	// AnswerCallback stops the client's spinner on a tapped button.
	AnswerCallback(ctx context.Context, id, text string) error
}

// SendErrorKind classifies a failed send by what to do about it.
type SendErrorKind int

const (
	// SendRetryAfter: Telegram asked us to wait (429 retry_after).
	SendRetryAfter SendErrorKind = iota + 1
	// SendTransient: 5xx or network; retry with back-off.
	SendTransient
	// SendBlocked: the user blocked the bot (403); retrying is pointless.
	SendBlocked
	// SendRejected: any other refusal (400); retrying is pointless.
	SendRejected
)

// SendError is a classified send failure.
type SendError struct {
	Kind  SendErrorKind
	After time.Duration // for SendRetryAfter
	Err   error
}

func (e *SendError) Error() string { return fmt.Sprintf("send: %v", e.Err) }
func (e *SendError) Unwrap() error { return e.Err }

// Options tune the engine. Zero values take the defaults.
type Options struct {
	Workers      int           // update workers, default 8
	GlobalRate   float64       // messages per second in all, default 25
	ChatSpacing  time.Duration // between two messages to one chat, default 1s
	SendLease    time.Duration // a claim not renewed by then is sent again (after a short grace), default 5s
	SendTimeout  time.Duration // one request to Telegram, default 30s
	JobLease     time.Duration // default 60s
	MaxBackoff   time.Duration // cap on 5xx back-off, default 1m
	PollInterval time.Duration // fallback wake-up of the loops, default 500ms
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.GlobalRate <= 0 {
		o.GlobalRate = 25
	}
	if o.ChatSpacing <= 0 {
		o.ChatSpacing = time.Second
	}
	if o.SendLease <= 0 {
		// Short, because it is renewed while a send runs: after a kill -9
		// the dead process's claims are free again within seconds.
		o.SendLease = 5 * time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.JobLease <= 0 {
		o.JobLease = time.Minute
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
}

// Snapshot is an immutable roster with its calendar, shared by all steps.
type Snapshot struct {
	Roster *roster.Roster
	Cal    *schedule.Calendar
}

// Engine runs the bot's core loops.
type Engine struct {
	st    *store.Store
	tg    Telegram
	clock Clock
	log   *slog.Logger
	opt   Options

	snap atomic.Pointer[Snapshot]

	wakeIntake chan struct{}
	wakeSend   chan struct{}
	wakeJobs   chan struct{}

	running atomic.Bool

	observers []func(Event)

	stats Stats

	// stepFn replaces flows.Step in tests that need a step to misbehave.
	stepFn func(flows.Input) flows.Result

	// langs is the language each chat was last spoken to in, kept in
	// memory: while Redis is down it is all there is to say "try again"
	// in the person's own language.
	langs sync.Map // int64 -> string

	runCtx atomic.Pointer[context.Context] // Run's, for work that outlives a step

	// decoded holds what Intake read from each update it stored, for
	// Handle: decoding an update was a tenth of the bot's CPU, and it was
	// done twice. Another process handling the update decodes it itself.
	decoded decodedUpdates

	// states is each chat's state as this process last committed it: a
	// guess at what the chat's next step will read, so that it is read
	// with the dedupe check in one round trip (Handle). Only a guess:
	// another process or a job may have moved the chat on, and then the
	// step reads what it needs as usual.
	states chatStates
}

// chatStates is a bounded map of chat id to the chat's last state.
type chatStates struct {
	mu sync.Mutex
	m  map[int64]flows.Chat
}

// maxStates bounds the chat states kept: a programme's people several
// times over.
const maxStates = 1 << 16

func (c *chatStates) put(chat int64, st flows.Chat, gone bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxStates {
		c.m = make(map[int64]flows.Chat)
	}
	if gone {
		delete(c.m, chat)
		return
	}
	c.m[chat] = st
}

func (c *chatStates) get(chat int64) (flows.Chat, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[chat]
	return st, ok
}

// decodedUpdates is a bounded map of update id to the update decoded.
type decodedUpdates struct {
	mu sync.Mutex
	m  map[int64]Incoming
}

// maxDecoded bounds the updates kept decoded: beyond it (another process
// handles most of them, or the bot is far behind) they are decoded again.
const maxDecoded = 4096

func (d *decodedUpdates) put(in Incoming) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= maxDecoded {
		d.m = make(map[int64]Incoming)
	}
	d.m[in.UpdateID] = in
}

func (d *decodedUpdates) take(id int64) (Incoming, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	in, ok := d.m[id]
	delete(d.m, id)
	return in, ok
}

// ChatLanguage returns the language chat was last spoken to in.
func (e *Engine) ChatLanguage(chat int64) (string, bool) {
	v, ok := e.langs.Load(chat)
	if !ok {
		return "", false
	}
	return v.(string), true
}

// learnLanguages fills the chat languages from the stored bindings.
func (e *Engine) learnLanguages(ctx context.Context) {
	raw, err := e.st.People(ctx)
	snap := e.snap.Load()
	if err != nil || snap == nil {
		return
	}
	for id, v := range raw {
		b, err := codec.DecodeBinding([]byte(v))
		if err != nil || b.Chat == 0 {
			continue
		}
		lang := b.Lang
		if p, _ := snap.Roster.Person(id); lang == "" && p != nil {
			lang = p.Language
		}
		if roster.ShipsLanguage(lang) {
			e.langs.Store(b.Chat, lang)
		}
	}
}

// Event is something the engine did, for logs, metrics and the sandbox.
type Event struct {
	At     time.Time
	Kind   string // "step", "sent", "retry", "dropped", "job", "plan", "missed", "intake", "redis_error"
	Chat   int64
	Person string
	Flow   string
	Reason string
	MsgID  string
	Lang   string
	Detail string
	// Outcome of a send: "ok", "retry_after", "transient", "blocked",
	// "rejected".
	Outcome string
	// Class of a sent message: answer, notice, bulk.
	Class string
	// Lag of a job: how long after it fell due it ran.
	Lag time.Duration
	// Job is the kind of job that ran.
	Job string
}

// Stats are counters for logs and tests.
type Stats struct {
	Updates, Duplicates, Panics, Sent, Retried, Dropped, Jobs atomic.Int64
}

// New returns an engine; call SetRoster before Run.
func New(st *store.Store, tg Telegram, clock Clock, log *slog.Logger, opt Options) *Engine {
	opt.defaults()
	return &Engine{st: st, tg: tg, clock: clock, log: log, opt: opt,
		wakeIntake: make(chan struct{}, 1), wakeSend: make(chan struct{}, 1), wakeJobs: make(chan struct{}, 1)}
}

// SetRoster swaps in a new roster; steps already running keep the old one.
func (e *Engine) SetRoster(r *roster.Roster) {
	e.snap.Store(&Snapshot{Roster: r, Cal: schedule.New(r.Programme)})
}

// Roster returns the current roster snapshot.
func (e *Engine) Roster() *Snapshot { return e.snap.Load() }

// Store returns the engine's store.
func (e *Engine) Store() *store.Store { return e.st }

// Stats returns the engine's counters.
func (e *Engine) Stats() *Stats { return &e.stats }

// Running reports whether the loops run (for /readyz).
func (e *Engine) Running() bool { return e.running.Load() }

// Wake makes every loop look for work now: after the clock moved, say.
func (e *Engine) Wake() {
	for _, c := range []chan struct{}{e.wakeIntake, e.wakeSend, e.wakeJobs} {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// AddObserver adds a function that sees every step's result, every
// message sent and every job run: the sandbox's event log and the
// metrics. Add observers before Run.
func (e *Engine) AddObserver(f func(Event)) { e.observers = append(e.observers, f) }

func (e *Engine) observe(ev Event) {
	if len(e.observers) == 0 {
		return
	}
	ev.At = e.clock.Now()
	for _, f := range e.observers {
		f(ev)
	}
}

// Intake stores raw updates durably, all in one round trip; only after it
// returns nil may they be confirmed to Telegram. Updates that are not
// JSON with an update_id are left out (ErrBadUpdate when that is all of
// them): retrying cannot make them readable.
func (e *Engine) Intake(ctx context.Context, raws ...[]byte) error {
	ups := make([]store.Update, 0, len(raws))
	ins := make([]Incoming, 0, len(raws))
	for _, raw := range raws {
		in, err := e.tg.Decode(raw)
		if err != nil {
			// Not an update the client reads; stored by its id alone,
			// to be marked handled.
			var head struct {
				UpdateID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &head) != nil {
				continue
			}
			in = Incoming{UpdateID: head.UpdateID}
		}
		if in.UpdateID == 0 {
			continue
		}
		ups = append(ups, store.Update{ID: in.UpdateID, Chat: in.Chat, Raw: raw})
		ins = append(ins, in)
	}
	if len(ups) == 0 {
		return ErrBadUpdate
	}
	fresh, err := e.st.Intake(ctx, ups...)
	if err != nil {
		e.observe(Event{Kind: "redis_error", Detail: "intake"})
		return fmt.Errorf("intake %d: %w", ups[0].ID, err)
	}
	for i, ok := range fresh {
		e.observe(Event{Kind: "intake"})
		if !ok {
			e.stats.Duplicates.Add(1)
			e.log.Debug("duplicate update", "update_id", ups[i].ID)
		} else if ins[i].Chat != 0 {
			e.decoded.put(ins[i])
		}
	}
	select {
	case e.wakeIntake <- struct{}{}:
	default:
	}
	return nil
}

// ErrBadUpdate is an update that is not JSON with an update_id.
var ErrBadUpdate = errors.New("malformed update")

// Run runs the update workers, the job runner and the outbox sender until
// ctx ends; updates being handled then are finished first.
func (e *Engine) Run(ctx context.Context) error {
	if e.snap.Load() == nil {
		return errors.New("engine: no roster")
	}
	e.running.Store(true)
	defer e.running.Store(false)
	e.runCtx.Store(&ctx)
	e.learnLanguages(ctx)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); e.dispatch(ctx) }()
	go func() { defer wg.Done(); e.runJobs(ctx) }()
	go func() { defer wg.Done(); e.send(ctx) }()
	wg.Wait()
	return nil
}

// sleep waits for d, a wake-up on c, or the end of ctx.
func sleep(ctx context.Context, c <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-c:
	case <-t.C:
	}
}
