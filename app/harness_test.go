package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"innsjekk/app"
	"innsjekk/bot/fakeapi"
	"innsjekk/engine"
	"innsjekk/examples"
	"innsjekk/roster"
	"innsjekk/store"
	"innsjekk/store/storetest"
)

const token = "123456:TEST-token-for-the-fake-bot-api-000"

// oslo is the programme's time zone.
var oslo = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return l
}()

// shiftedClock runs at real speed from a chosen start: the outbox spaces a
// chat's messages by clock time, so the clock must move.
type shiftedClock struct {
	mu    sync.Mutex
	shift time.Duration
}

func clockAt(t time.Time) *shiftedClock { return &shiftedClock{shift: time.Until(t)} }

// set moves the clock to t.
func (c *shiftedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shift = time.Until(t)
}

func (c *shiftedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.shift)
}

// Tuesday 1 December 2026, 08:00 in Oslo: amina is at Hotell Strand today.
var tuesdayMorning = time.Date(2026, 12, 1, 8, 0, 0, 0, oslo)

// harness is one bot (app.App) against a fake Bot API over HTTP.
type harness struct {
	t      *testing.T
	fake   *fakeapi.Server
	api    *httptest.Server
	conn   *store.Conn
	app    *app.App
	clock  *shiftedClock
	cfg    app.Config
	roster []byte
	cancel context.CancelFunc
	done   chan error
}

type setup struct {
	conn    *store.Conn
	fake    *fakeapi.Server
	api     *httptest.Server
	webhook bool
	noRun   bool
	// readTimeout bounds a request's read (the app's default if zero).
	readTimeout time.Duration
}

// exampleRoster returns the example roster under a programme id unique to
// the test, so tests on one Redis do not meet.
func exampleRoster(t *testing.T, conn *store.Conn) []byte {
	id := storetest.Programme(t, conn)
	return bytes.Replace(examples.Roster, []byte("  id: gjovik"), []byte("  id: "+id), 1)
}

// syncBuffer is a log buffer safe for the bot's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var logs sync.Map // test name -> *syncBuffer

func start(t *testing.T, s setup, rosterData []byte, clock *shiftedClock) *harness {
	t.Helper()
	h := &harness{t: t, conn: s.conn, fake: s.fake, api: s.api, clock: clock, roster: rosterData}
	if h.fake == nil {
		h.fake = fakeapi.New(token)
		h.api = httptest.NewServer(h.fake)
		t.Cleanup(func() { h.api.Close(); h.fake.Close() })
	}
	buf := &syncBuffer{}
	logs.Store(t.Name(), buf)
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(buf), &slog.HandlerOptions{Level: slog.LevelDebug}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.cfg = app.Config{Token: token, APIURL: h.api.URL, BotUsername: "innsjekk_test_bot"}
	if s.webhook {
		h.cfg.WebhookURL = "http://" + ln.Addr().String() + "/telegram/hook"
		h.cfg.WebhookSecret = "s3cret-Value_1"
	}
	a, err := app.New(context.Background(), h.cfg, log, app.Options{
		Clock: clock, Conn: s.conn, Listener: ln, RosterName: "roster.yaml", RosterData: rosterData, ReadTimeout: s.readTimeout,
		Engine: engine.Options{ChatSpacing: 50 * time.Millisecond, PollInterval: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	h.app = a
	if !s.noRun {
		h.run()
	}
	t.Cleanup(func() {
		h.stop()
		// The token is a credential: it must never reach a log.
		if strings.Contains(buf.String(), token) || strings.Contains(buf.String(), strings.Split(token, ":")[1]) {
			t.Error("the bot token appears in the log")
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", buf.String())
		}
	})
	return h
}

// moveTo jumps the clock to t and wakes the engine. The clock jumps hours
// at once, which a real clock never does: the outbox finishes first, or a
// message in flight would outlive its lease and go out twice.
func (h *harness) moveTo(t time.Time) {
	h.settle()
	h.clock.set(t)
	h.app.Engine().Wake()
}

func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.app.Run(ctx) }()
}

// stop shuts the bot down as SIGTERM would.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		h.t.Error("bot did not stop within 20 s")
	}
	h.cancel = nil
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// invite makes an invite for person and returns the code.
func (h *harness) invite(person string) string {
	h.t.Helper()
	inv, err := app.NewInvite(context.Background(), h.app.Store(), h.app.Roster, person, h.clock.Now(), app.DefaultInviteTTL)
	if err != nil {
		h.t.Fatal(err)
	}
	return inv.Code
}

// waitText waits for a bot message in chat whose text satisfies ok and
// that is not among the first skip messages of the chat.
func (h *harness) wait(chat int64, what string, ok func(fakeapi.Message) bool) fakeapi.Message {
	h.t.Helper()
	m, err := h.fake.WaitFor(h.ctx(), ok, chat)
	if err != nil {
		h.t.Fatalf("waiting in chat %d for %s: %v; chat holds:\n%s", chat, what, err, dump(h.fake.Chat(chat)))
	}
	return m
}

func (h *harness) waitEq(chat int64, want string) fakeapi.Message {
	h.t.Helper()
	return h.wait(chat, want, func(m fakeapi.Message) bool { return m.Text == want })
}

func dump(ms []fakeapi.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("  ")
		b.WriteString(strings.ReplaceAll(m.Text, "\n", "\n  "))
		b.WriteString("\n")
	}
	return b.String()
}

// count counts the chat's messages equal to text.
func count(ms []fakeapi.Message, text string) int {
	n := 0
	for _, m := range ms {
		if m.Text == text {
			n++
		}
	}
	return n
}

func parse(t *testing.T, data []byte) *roster.Roster {
	t.Helper()
	r, err := roster.Parse("roster.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func storeBackends(t *testing.T) []storetest.Backend { return storetest.Backends(t) }

// settle waits until the outbox is empty.
func (h *harness) settle() {
	h.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for {
		// Quiet means: nothing undelivered at the fake, nothing waiting in
		// the inbox (an update leaves it in the commit that queues its
		// messages), nothing in the outbox.
		queued := h.fake.Pending()
		backlog, err1 := h.app.Store().Backlog(ctx)
		n, err2 := h.app.Store().OutboxLen(ctx)
		if err1 == nil && err2 == nil && queued == 0 && backlog == 0 && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("not settled: %d updates at the fake, %d chats waiting, %d messages in the outbox", queued, backlog, n)
		}
		time.Sleep(10 * time.Millisecond) // polling the store, not timing the bot
	}
}

// waitErased waits until every erasure decided has been swept.
func (h *harness) waitErased() {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		pending, err := h.app.Store().PendingErasures(context.Background())
		if err == nil && len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("erasure still pending: %+v (%v)", pending, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitJob waits until a job is scheduled.
func (h *harness) waitJob(id string) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, _ := h.conn.Client.Exists(context.Background(), "innsjekk:{"+h.app.Roster.Programme.ID+"}:job:"+id).Result()
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %s never scheduled", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
