package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"innsjekk/store"
	"innsjekk/store/storetest"
)

// A step that read a key and then failed leaves no WATCH behind on the
// pooled connection (the reads send their WATCH in their own pipelines,
// which go-redis does not track): the next transaction on it, about other
// keys, commits the first time even though the first step's key has
// changed since.
func TestAFailedStepLeavesNoWatchOnTheConnection(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			o := *b.Conn.Client.(*redis.Client).Options()
			o.PoolSize, o.MinIdleConns, o.MaxIdleConns = 1, 0, 1
			one := redis.NewClient(&o) // every command on one connection
			defer one.Close()
			prog := storetest.Programme(t, b.Conn)
			s, other := store.New(one, prog), store.New(b.Conn.Client, prog)

			boom := errors.New("step failed")
			failing := map[string]func(r store.Reader) (store.Effects, bool, error){
				"the step fails": func(r store.Reader) (store.Effects, bool, error) {
					if _, err := r.Chat(7); err != nil {
						return store.Effects{}, false, err
					}
					return store.Effects{}, false, boom
				},
				// Its effects cannot be written: no EXEC is ever sent.
				"its effects fail": func(r store.Reader) (store.Effects, bool, error) {
					if _, err := r.Chat(7); err != nil {
						return store.Effects{}, false, err
					}
					return store.Effects{Outbox: []store.Outgoing{{Key: "u1.0000", Chat: 7, Payload: []byte("not json")}}}, false, nil
				},
			}
			for name, step := range failing {
				if err := s.Apply(ctx, store.Watch{}, step); err == nil {
					t.Fatalf("%s: Apply succeeded", name)
				}
				if err := other.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
					return store.Effects{Chats: map[int64][]byte{7: []byte(`{"n":"` + name + `"}`)}}, false, nil
				}); err != nil {
					t.Fatal(err)
				}
				attempts := 0
				if err := s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
					attempts++
					if _, err := r.Chat(8); err != nil {
						return store.Effects{}, false, err
					}
					return store.Effects{Chats: map[int64][]byte{8: []byte(`{}`)}}, false, nil
				}); err != nil {
					t.Fatal(err)
				}
				if attempts != 1 {
					t.Fatalf("%s: %d attempts for one transaction: a WATCH of the failed step was left behind", name, attempts)
				}
			}
		})
	}
}

// Seen reads the chat's state in the same round trip, and what it read is
// watched: a write to the chat between the read and the commit makes the
// step run again, on the new state.
func TestSeenReadsTheChatAndWatchesIt(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *store.Conn) {
		ctx := context.Background()
		set := func(v string) {
			if err := s.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
				return store.Effects{Chats: map[int64][]byte{9: []byte(v)}}, false, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		set(`"a"`)
		var states []string
		err := s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
			if _, err := r.Seen(1, 9); err != nil {
				return store.Effects{}, false, err
			}
			b, err := r.Chat(9)
			if err != nil {
				return store.Effects{}, false, err
			}
			states = append(states, string(b))
			if len(states) == 1 {
				set(`"b"`) // someone else, between the read and the commit
			}
			return store.Effects{Chats: map[int64][]byte{9: append(b, '!')}}, false, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != 2 || states[0] != `"a"` || states[1] != `"b"` {
			t.Fatalf("the step saw %q, want it run again on the new state", states)
		}
	})
}

// What a step reads ahead with the dedupe check is what Load returns, and
// it is watched like any read: a record changed by someone else between
// the read and the commit makes the step run again on fresh data. A Load
// asking for more than was read ahead reads it all.
func TestWhatIsReadAheadIsWatched(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			prog := storetest.Programme(t, b.Conn)
			s, other := store.New(b.Conn.Client, prog), store.New(b.Conn.Client, prog)
			put := func(st *store.Store, value string) {
				t.Helper()
				if err := st.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
					return store.Effects{Records: map[string]map[string][]byte{"facts:amina": {"c:2026-12-01": []byte(value)}},
						People: map[string][]byte{"amina": []byte(`{"chat":7}`)}}, false, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			put(other, `"first"`)
			attempts := 0
			var got []string
			err := s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
				attempts++
				if _, err := r.Seen(1, 7, store.Ahead{Records: []string{"facts:amina"}, People: []string{"amina", "nobody"}}); err != nil {
					return store.Effects{}, false, err
				}
				recs, bound, err := r.Load([]string{"facts:amina"}, []string{"amina", "nobody"}, false)
				if err != nil {
					return store.Effects{}, false, err
				}
				if _, gone := bound["nobody"]; gone || bound["amina"] != `{"chat":7}` {
					t.Errorf("bindings read ahead: %v", bound)
				}
				got = append(got, recs["facts:amina"]["c:2026-12-01"])
				more, _, err := r.Load([]string{"facts:amina", "cal:nils"}, nil, false)
				if err != nil || len(more) != 2 {
					t.Errorf("a load beyond what was read ahead: %v (%v)", more, err)
				}
				if attempts == 1 {
					put(other, `"second"`)
				}
				return store.Effects{Chats: map[int64][]byte{7: []byte(`{}`)}}, false, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if attempts != 2 || len(got) != 2 || got[0] != `"first"` || got[1] != `"second"` {
				t.Fatalf("%d attempts read %v, want the change to make the step run again on it", attempts, got)
			}
		})
	}
}
