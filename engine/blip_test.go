package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/bot"
	"innsjekk/bot/fakeapi"
	"innsjekk/engine"
	"innsjekk/flows"
	"innsjekk/store/storetest"
)

// outage fails every Redis command while it is on, through go-redis's own
// hook: the client, the pool and the scripts are the real ones.
type outage struct{ on atomic.Bool }

var errOutage = errors.New("redis outage (test)")

func (o *outage) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (o *outage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if o.on.Load() {
			cmd.SetErr(errOutage)
			return errOutage
		}
		return next(ctx, cmd)
	}
}

func (o *outage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if o.on.Load() {
			for _, c := range cmds {
				c.SetErr(errOutage)
			}
			return errOutage
		}
		return next(ctx, cmds)
	}
}

// Redis goes away just after Telegram accepted a message and before the
// bot could record it. The process that knows it was accepted keeps trying
// to record it: the message is not sent twice when its lease runs out,
// and the chat's next message follows as soon as Redis is back instead of
// waiting out the lease (issue: a blip sent a notice twice and froze the
// chat for a minute).
func TestARedisBlipDuringASendNeitherDuplicatesNorFreezes(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			g := newRig(t, b.Conn)
			g.fake.AddUser(fakeapi.User{ID: 51, FirstName: "B", LanguageCode: "nb"})
			var o outage
			b.Conn.Client.AddHook(&o)
			const blip = time.Second
			var once sync.Once
			var blipEnd atomic.Int64
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				g.fake.ServeHTTP(w, r)
				if strings.HasSuffix(r.URL.Path, "/sendMessage") {
					once.Do(func() {
						o.on.Store(true)
						blipEnd.Store(time.Now().Add(blip).UnixNano())
						time.AfterFunc(blip, func() { o.on.Store(false) })
					})
				}
			}))
			defer api.Close()
			client, err := bot.NewClient(token, api.URL)
			if err != nil {
				t.Fatal(err)
			}
			// A lease of 2 s: without the retry, the first message would be
			// handed out again 2 s + the 3 s grace after it was claimed.
			const lease = 2 * time.Second
			e := engine.New(g.st, client, engine.SystemClock{}, slog.New(slog.NewTextHandler(lockedWriter{g.mu, g.log}, nil)),
				engine.Options{ChatSpacing: 20 * time.Millisecond, PollInterval: 50 * time.Millisecond, SendLease: lease})
			e.SetRoster(g.r)
			e.SetStep(func(in flows.Input) flows.Result {
				return flows.Result{Chat: in.Chat, Actions: []flows.Action{
					flows.Say{To: in.ChatID, Lang: "nb", MsgID: "first", Text: "first", Class: flows.ClassAnswer},
					flows.Say{To: in.ChatID, Lang: "nb", MsgID: "second", Text: "second", Class: flows.ClassAnswer},
				}}
			})
			stop := run(t, e)
			defer stop()
			if err := e.Intake(context.Background(), update(1, 51, "hei")); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := g.fake.WaitFor(ctx, func(m fakeapi.Message) bool { return m.Text == "second" }, 51); err != nil {
				t.Fatalf("the second message never came: %v", err)
			}
			// The lease and its grace would have freed the first message
			// 5 s after its claim; the second must not have waited for that.
			if late := time.Since(time.Unix(0, blipEnd.Load())); late > lease {
				t.Errorf("the second message came %s after Redis was back", late.Round(time.Millisecond))
			}
			// Wait past the lease and grace of the first send: a message
			// that was never recorded as sent would come again by then.
			time.Sleep(lease + 3*time.Second + 500*time.Millisecond)
			var got []string
			for _, m := range g.fake.Chat(51) {
				got = append(got, m.Text)
			}
			if strings.Join(got, ",") != "first,second" {
				t.Fatalf("the chat got %q, want first then second, once each", got)
			}
		})
	}
}
