package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"innsjekk/bot"
	"innsjekk/bot/fakeapi"
	"innsjekk/codec"
	"innsjekk/engine"
	"innsjekk/examples"
	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/store"
	"innsjekk/store/storetest"
)

const token = "42:engine-test-token"

type rig struct {
	fake   *fakeapi.Server
	client *bot.Client
	st     *store.Store
	r      *roster.Roster
	log    *bytes.Buffer
	mu     *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newRig(t *testing.T, conn *store.Conn) *rig { return newRigB(t, conn) }

func newRigB(t testing.TB, conn *store.Conn) *rig {
	t.Helper()
	fake := fakeapi.New(token)
	api := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); api.Close() })
	client, err := bot.NewClient(token, api.URL)
	if err != nil {
		t.Fatal(err)
	}
	prog := storetest.Programme(t, conn)
	r, err := roster.Parse("roster.yaml", bytes.Replace(examples.Roster, []byte("  id: gjovik"), []byte("  id: "+prog), 1))
	if err != nil {
		t.Fatal(err)
	}
	return &rig{fake: fake, client: client, st: store.New(conn.Client, prog), r: r, log: &bytes.Buffer{}, mu: &sync.Mutex{}}
}

func (g *rig) engine() *engine.Engine {
	log := slog.New(slog.NewJSONHandler(lockedWriter{g.mu, g.log}, nil))
	e := engine.New(g.st, g.client, engine.SystemClock{}, log, engine.Options{ChatSpacing: 20 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	e.SetRoster(g.r)
	return e
}

func run(t *testing.T, e *engine.Engine) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// update makes a raw private-chat text update.
func update(id, chat int64, text string) []byte {
	b, _ := json.Marshal(map[string]any{"update_id": id, "message": map[string]any{
		"message_id": id, "date": 1, "text": text,
		"chat": map[string]any{"id": chat, "type": "private"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "U", "language_code": "so"},
	}})
	return b
}

func waitChat(t *testing.T, f *fakeapi.Server, chat int64, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.WaitFor(ctx, func(m fakeapi.Message) bool { return m.Text == want }, chat); err != nil {
		t.Fatalf("chat %d never got %q: %v", chat, want, err)
	}
}

func TestPanickingFlowIsAnsweredWithAnApologyAndTheBotGoesOn(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			g := newRig(t, b.Conn)
			g.fake.AddUser(fakeapi.User{ID: 11, FirstName: "A", LanguageCode: "so"})
			e := g.engine()
			e.SetStep(func(in flows.Input) flows.Result {
				if in.Event.Text == "boom" {
					var m map[string]int
					//lint:ignore SA5000 a nil-map write, as a flow bug would
					m["x"] = 1
				}
				return flows.Step(in)
			})
			stop := run(t, e)
			defer stop()
			ctx := context.Background()
			if err := e.Intake(ctx, update(1, 11, "boom")); err != nil {
				t.Fatal(err)
			}
			if err := e.Intake(ctx, update(2, 11, "hello")); err != nil {
				t.Fatal(err)
			}
			// Unknown chat: the apology is in the hinted language.
			waitChat(t, g.fake, 11, locales.Text("so", "error.apology", nil))
			ctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if _, err := g.fake.WaitFor(ctx2, func(m fakeapi.Message) bool {
				return strings.HasPrefix(m.Text, locales.Text("so", "unknown.intro", nil))
			}, 11); err != nil {
				t.Fatal("the update after the panic was not handled")
			}
			if e.Stats().Panics.Load() != 1 {
				t.Fatalf("panics = %d", e.Stats().Panics.Load())
			}
			g.mu.Lock()
			logged := g.log.String()
			g.mu.Unlock()
			if !strings.Contains(logged, "flow panicked") {
				t.Fatal("panic not logged")
			}
		})
	}
}

// A step committed its messages and the process died before sending: the
// next process sends each exactly once.
func TestCommittedMessagesAreSentOnceAfterACrash(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			g := newRig(t, b.Conn)
			g.fake.AddUser(fakeapi.User{ID: 12, FirstName: "B", LanguageCode: "nb"})
			first := g.engine()
			// Handle without running the sender: the commit is done, the
			// messages wait in the outbox, and then the process "dies".
			p := store.Pending{ID: 5, Chat: 12, Raw: update(5, 12, "hei")}
			if _, err := g.st.Intake(context.Background(), store.Update(p)); err != nil {
				t.Fatal(err)
			}
			if err := first.Handle(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			// A replay of the same update changes nothing.
			if err := first.Handle(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			if n, _ := g.st.OutboxLen(context.Background()); n != 1 {
				t.Fatalf("outbox holds %d messages, want 1", n)
			}
			if len(g.fake.Chat(12)) != 0 {
				t.Fatal("sent before the restart")
			}
			second := g.engine()
			third := g.engine() // a second process on the same Redis
			stop2, stop3 := run(t, second), run(t, third)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := g.fake.WaitUntil(ctx, func() bool { return len(g.fake.Chat(12)) >= 1 }); err != nil {
				t.Fatal(err)
			}
			// Give a wrongly duplicated send the chance to show up: wait
			// until the outbox is empty and both senders idled a round.
			for {
				n, _ := g.st.OutboxLen(context.Background())
				if n == 0 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			stop2()
			stop3()
			if n := len(g.fake.Chat(12)); n != 1 {
				t.Fatalf("chat got %d messages, want 1", n)
			}
		})
	}
}

func TestHousekeepingJobRunsOnceWithTwoProcesses(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			g := newRig(t, b.Conn)
			ctx := context.Background()
			due := time.Now().Add(-time.Minute)
			if err := g.st.Schedule(ctx, store.Job{ID: "housekeeping:test", Kind: "housekeeping", Due: due}); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			ran := 0
			count := func(ev engine.Event) {
				if ev.Kind == "job" && ev.Detail == "housekeeping:test" {
					mu.Lock()
					ran++
					mu.Unlock()
				}
			}
			e1, e2 := g.engine(), g.engine()
			e1.AddObserver(count)
			e2.AddObserver(count)
			stop1, stop2 := run(t, e1), run(t, e2)
			deadline := time.Now().Add(10 * time.Second)
			for {
				next, _, _ := g.st.NextJob(ctx)
				mu.Lock()
				r := ran
				mu.Unlock()
				// Done when the test job ran and only tomorrow's remains.
				if r > 0 && next.After(time.Now()) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("housekeeping never ran")
				}
				time.Sleep(10 * time.Millisecond)
			}
			stop1()
			stop2()
			if ran != 1 {
				t.Fatalf("job ran %d times, want 1", ran)
			}
		})
	}
}

func TestSendRetries5xxAndDropsWhenBlocked(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			g := newRig(t, b.Conn)
			g.fake.AddUser(fakeapi.User{ID: 21, FirstName: "C", LanguageCode: "en"})
			g.fake.AddUser(fakeapi.User{ID: 22, FirstName: "D", LanguageCode: "en"})
			g.fake.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: 21, Status: 500})
			g.fake.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: 21, Status: 502})
			g.fake.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: 22, Status: 403, Times: -1})
			e := engine.New(g.st, g.client, engine.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)),
				engine.Options{ChatSpacing: 20 * time.Millisecond, PollInterval: 50 * time.Millisecond, MaxBackoff: 2 * time.Second})
			e.SetRoster(g.r)
			stop := run(t, e)
			defer stop()
			ctx := context.Background()
			_ = e.Intake(ctx, update(1, 21, "hi"))
			_ = e.Intake(ctx, update(2, 22, "hi"))
			intro := locales.Text("so", "unknown.intro", nil) // update() hints Somali
			wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			if _, err := g.fake.WaitFor(wctx, func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, intro) }, 21); err != nil {
				t.Fatalf("not delivered after a 500 and a 502: %v; calls %+v", err, g.fake.CallsTo("sendMessage"))
			}
			if err := g.fake.WaitUntil(wctx, func() bool { return e.Stats().Dropped.Load() == 1 }); err != nil {
				t.Fatal("the blocked chat's message was not dropped")
			}
			tries := 0
			for _, c := range g.fake.CallsTo("sendMessage") {
				if c.Params["chat_id"] == "22" {
					tries++
				}
			}
			if tries != 1 {
				t.Fatalf("sent %d times to a chat that blocked the bot, want 1", tries)
			}
			if e.Stats().Retried.Load() != 2 {
				t.Fatalf("retried %d times, want 2", e.Stats().Retried.Load())
			}
		})
	}
}

// The nightly housekeeping deletes what is older than the retention and
// folds what is older than a few weeks into the record's history, which
// reads as the fields it holds; a step that deletes a folded field takes
// it out of the history, even from a record the step did not read.
func TestHousekeepingExpiresAndFoldsRecords(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			g := newRig(t, b.Conn)
			ctx := context.Background()
			day := func(d int) string { return time.Now().AddDate(0, 0, d).Format("2006-01-02") }
			today, weeksAgo, monthsAgo, old := day(0), day(-20), day(-90), time.Now().AddDate(-1, 0, -2).Format("2006-01-02")
			absence := func(d string) []byte { return []byte(`{"date":"` + d + `","kind":"sick"}`) }
			meeting := func(d int) []byte {
				at := time.Now().AddDate(0, 0, d).UTC().Format(time.RFC3339)
				return []byte(`{"participant":"amina","meeting":"m","start":"` + at + `","end":"` + at + `"}`)
			}
			err := g.st.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
				return store.Effects{Now: time.Now(), Records: map[string]map[string][]byte{"facts:amina": {
					"a:" + old: absence(old), "a:" + monthsAgo: absence(monthsAgo), "a:" + weeksAgo: absence(weeksAgo), "a:" + today: absence(today),
				}, "cal:kari": {"e:amina:past": meeting(-10), "e:amina:soon": meeting(2)}}}, false, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := g.st.Schedule(ctx, store.Job{ID: "housekeeping:now", Kind: "housekeeping", Due: time.Now().Add(-time.Second)}); err != nil {
				t.Fatal(err)
			}
			e := g.engine()
			var mu sync.Mutex
			var seen flows.Record
			e.SetStep(func(in flows.Input) flows.Result {
				// A stranger's message: the step has not read Amina's
				// record, and deletes a folded field of it.
				if in.ChatID != 41 {
					return flows.Result{Chat: in.Chat}
				}
				mu.Lock()
				defer mu.Unlock()
				seen = in.Records[flows.PersonKey("amina")]
				return flows.Result{Chat: in.Chat, Actions: []flows.Action{flows.Put{Key: flows.PersonKey("amina"), Field: "a:" + monthsAgo}}}
			})
			stop := run(t, e)
			defer stop()
			deadline := time.Now().Add(10 * time.Second)
			var f map[string]string
			for {
				f, _ = g.st.Record(ctx, "facts:amina")
				if _, folded := f[codec.HistoryField]; folded {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not folded: %v", f)
				}
				time.Sleep(10 * time.Millisecond)
			}
			live := slices.Sorted(maps.Keys(f))
			if want := []string{"a:" + today, codec.HistoryField}; !slices.Equal(live, want) {
				t.Fatalf("live fields %v, want %v", live, want)
			}
			// A counsellor's calendar keeps coming meetings, not past ones
			// (their record keeps those), and is not folded.
			for {
				cal, _ := g.st.Record(ctx, "cal:kari")
				if len(cal) == 1 && cal["e:amina:soon"] != "" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the calendar holds %v, want only the coming meeting", slices.Sorted(maps.Keys(cal)))
				}
				time.Sleep(10 * time.Millisecond)
			}
			rec, errs := codec.DecodeRecord(f)
			got := slices.Sorted(maps.Keys(rec))
			if want := []string{"a:" + monthsAgo, "a:" + weeksAgo, "a:" + today}; len(errs) > 0 || !slices.Equal(got, want) {
				t.Fatalf("record reads as %v (%v), want %v: expired or lost", got, errs, want)
			}

			if err := e.Intake(ctx, update(1, 41, "hei")); err != nil {
				t.Fatal(err)
			}
			for {
				f, _ = g.st.Record(ctx, "facts:amina")
				rec, _ = codec.DecodeRecord(f)
				if _, there := rec["a:"+monthsAgo]; !there {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("a deleted field lived on in the history")
				}
				time.Sleep(10 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if seen != nil {
				t.Fatalf("the step read a record it did not need: %v", seen)
			}
			got = slices.Sorted(maps.Keys(rec))
			if want := []string{"a:" + weeksAgo, "a:" + today}; !slices.Equal(got, want) {
				t.Fatalf("after the delete the record reads as %v, want %v", got, want)
			}
		})
	}
}

// A text longer than Telegram takes is delivered in parts, the keyboard
// with the last, rather than refused so that the person gets nothing.
func TestLongTextsAreSentInParts(t *testing.T) {
	b := storetest.Backends(t)[0]
	g := newRig(t, b.Conn)
	g.fake.AddUser(fakeapi.User{ID: 31, FirstName: "L", LanguageCode: "nb"})
	e := g.engine()
	line := strings.Repeat("ø", 99) + "\n"
	long := strings.TrimSuffix(strings.Repeat(line, 90), "\n") // 9,000 characters
	e.SetStep(func(in flows.Input) flows.Result {
		return flows.Result{Chat: in.Chat, Actions: []flows.Action{flows.Say{To: in.ChatID, Lang: "nb", MsgID: "long", Text: long,
			Class: flows.ClassAnswer, Inline: [][]flows.Button{{{Text: "OK", Data: "1|x"}}}}}}
	})
	stop := run(t, e)
	defer stop()
	if err := e.Intake(context.Background(), update(1, 31, "hei")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.fake.WaitUntil(ctx, func() bool { return len(g.fake.Chat(31)) == 3 }); err != nil {
		t.Fatalf("got %d messages, want 3 parts", len(g.fake.Chat(31)))
	}
	var got []string
	for i, m := range g.fake.Chat(31) {
		if n := len([]rune(m.Text)); n > 4096 {
			t.Errorf("part %d has %d characters", i, n)
		}
		if (len(m.Inline) > 0) != (i == 2) {
			t.Errorf("part %d: keyboard %v", i, m.Inline)
		}
		got = append(got, m.Text)
	}
	if strings.Join(got, "\n") != long {
		t.Error("the parts do not add up to the text")
	}
}

// A stranger leaves nothing behind but counts that expire on their own:
// no conversation state, however often they write.
func TestStrangersLeaveNoState(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			g := newRig(t, b.Conn)
			g.fake.AddUser(fakeapi.User{ID: 41, FirstName: "S", LanguageCode: "so"})
			e := g.engine()
			stop := run(t, e)
			defer stop()
			ctx := context.Background()
			for i := int64(1); i <= 3; i++ {
				if err := e.Intake(ctx, update(i, 41, "hello")); err != nil {
					t.Fatal(err)
				}
			}
			waitChat(t, g.fake, 41, locales.Text("so", "unknown.intro", nil))
			// The fake's WaitUntil wakes on its own events only; the store
			// is polled.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if n, err := g.st.Backlog(ctx); err == nil && n == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("updates not handled")
				}
			}
			prefix := "innsjekk:{" + g.r.Programme.ID + "}:"
			keys, err := b.Conn.Client.Keys(ctx, prefix+"*41*").Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if !slices.Contains(strings.Split(k, ":"), "41") {
					continue // "41" inside another number, such as a second's key of the send rate
				}
				ttl, _ := b.Conn.Client.PTTL(ctx, k).Result()
				if !strings.Contains(k, ":lim:41:") || ttl <= 0 || ttl > time.Hour {
					t.Errorf("%s is kept (ttl %v)", k, ttl)
				}
			}
			if n := len(g.fake.Chat(41)); n != 1 {
				t.Errorf("the stranger got %d answers in a minute, want 1", n)
			}
		})
	}
}
