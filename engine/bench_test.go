package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"innsjekk/bot/fakeapi"
	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/store"
	"innsjekk/store/storetest"
)

// The cost of handling one update (store, dedupe, load, step, one atomic
// commit with its outgoing message) against the baseline of one Redis
// round trip on the same server, measured in the same run:
//
//	go test -run x -bench . ./engine/
func BenchmarkUpdate(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name+"/baseline-ping", func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				if err := be.Conn.Client.Ping(ctx).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(be.Name+"/intake-and-handle", func(b *testing.B) {
			g := newRigB(b, be.Conn)
			e := g.engine()
			ctx := context.Background()
			var id int64
			for b.Loop() {
				id++
				chat := 1000 + id%50
				raw := update(id, chat, "hello")
				if err := e.Intake(ctx, raw); err != nil {
					b.Fatal(err)
				}
				if err := e.Handle(ctx, store.Pending{ID: id, Chat: chat, Raw: raw}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A participant's answer time while a stranger floods the bot with wrong
// invite codes, against the same answer with no flood, in one run: the
// ratio of the two answer-ms figures is what matters.
//
//	go test -run x -bench AnswerWhileAnotherChatFloods ./engine/
func BenchmarkAnswerWhileAnotherChatFloods(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		for _, flood := range []int{0, 500} {
			b.Run(fmt.Sprintf("%s/flood-%d", be.Name, flood), func(b *testing.B) {
				g := newRigB(b, be.Conn)
				const user, stranger = 5001, 9999
				g.fake.AddUser(fakeapi.User{ID: user, FirstName: "A", LanguageCode: "nb"})
				g.fake.AddUser(fakeapi.User{ID: stranger, FirstName: "S", LanguageCode: "nb"})
				bind(b, g, "amina", user)
				e := g.engine()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { e.Run(ctx); close(done) }()
				defer func() { cancel(); <-done }()
				var id int64
				var answer time.Duration
				for b.Loop() {
					for sent := 0; sent < flood; {
						var batch [][]byte
						for ; len(batch) < 100 && sent < flood; sent++ {
							id++
							batch = append(batch, update(id, stranger, fmt.Sprintf("/start wrong-%d", id)))
						}
						if err := e.Intake(ctx, batch...); err != nil {
							b.Fatal(err)
						}
					}
					id++
					// Past the chat's spacing from the last answer, which is
					// not what is measured.
					time.Sleep(50 * time.Millisecond)
					before := len(g.fake.Chat(user))
					t0 := time.Now()
					if err := e.Intake(ctx, update(id, user, "/help")); err != nil {
						b.Fatal(err)
					}
					wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
					if err := g.fake.WaitUntil(wctx, func() bool { return len(g.fake.Chat(user)) > before }); err != nil {
						b.Fatal("no answer", err)
					}
					wcancel()
					answer += time.Since(t0)
				}
				b.ReportMetric(float64(answer.Microseconds())/1000/float64(b.N), "answer-ms")
			})
		}
	}
}

// bind puts person on Telegram in chat, as an accepted invite would.
func bind(b testing.TB, g *rig, person string, chat int64) {
	raw, err := codec.EncodeBinding(flows.Binding{Chat: chat})
	if err != nil {
		b.Fatal(err)
	}
	state, err := codec.EncodeChat(flows.Chat{V: flows.ChatVersion, Person: person})
	if err != nil {
		b.Fatal(err)
	}
	err = g.st.Apply(context.Background(), store.Watch{People: true}, func(store.Reader) (store.Effects, bool, error) {
		return store.Effects{People: map[string][]byte{person: raw}, Chats: map[int64][]byte{chat: state}, Now: time.Now()}, false, nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
