package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/codec"
	"innsjekk/store"
	"innsjekk/store/storetest"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func each(t *testing.T, f func(t *testing.T, s *store.Store, c *store.Conn)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, store.New(b.Conn.Client, storetest.Programme(t, b.Conn)), b.Conn)
		})
	}
}

func up(id, chat int64) store.Update {
	return store.Update{ID: id, Chat: chat, Raw: []byte(fmt.Sprintf(`{"update_id":%d}`, id))}
}

func idsOf(ps []store.Pending) string {
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%d@%d", p.ID, p.Chat))
	}
	return fmt.Sprint(got)
}

func TestIntakeStoresEachUpdateOnce(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		fresh, err := s.Intake(ctx, up(12, 2), up(10, 1), up(11, 1), up(10, 1))
		if err != nil || fmt.Sprint(fresh) != "[true true true false]" {
			t.Fatalf("intake: %v %v, want the second 10 refused", fresh, err)
		}
		if fresh, err := s.Intake(ctx, up(11, 1)); err != nil || fresh[0] {
			t.Fatalf("second intake of 11: %v %v, want a duplicate", fresh, err)
		}
		// The oldest update of each chat, oldest first.
		pend, err := s.PendingUpdates(ctx, 10)
		if err != nil || idsOf(pend) != "[10@1 12@2]" {
			t.Fatalf("pending = %s %v, want [10@1 12@2]", idsOf(pend), err)
		}
		// A chat being handled is left out.
		if pend, _ := s.PendingUpdates(ctx, 10, map[int64]bool{1: true}); idsOf(pend) != "[12@2]" {
			t.Fatalf("pending without chat 1 = %s", idsOf(pend))
		}
		// Handled updates are refused even if Telegram sends them again,
		// and the chat's next one takes its place.
		err = s.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
			return store.Effects{Seen: 10, SeenChat: 1, Now: t0}, false, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fresh, _ := s.Intake(ctx, up(10, 1)); fresh[0] {
			t.Fatal("a handled update was stored again")
		}
		if pend, _ = s.PendingUpdates(ctx, 10); idsOf(pend) != "[11@1 12@2]" {
			t.Fatalf("pending after handling 10: %s, want [11@1 12@2]", idsOf(pend))
		}
	})
}

// A chat with five hundred updates waiting takes one turn like any other.
func TestInboxIsFairAcrossChats(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		var flood []store.Update
		for i := range int64(500) {
			flood = append(flood, up(1000+i, 7))
		}
		if _, err := s.Intake(ctx, flood...); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Intake(ctx, up(2000, 8)); err != nil {
			t.Fatal(err)
		}
		if pend, _ := s.PendingUpdates(ctx, 2); idsOf(pend) != "[1000@7 2000@8]" {
			t.Fatalf("pending = %s, want the flood's first and chat 8's", idsOf(pend))
		}
	})
}

// Dedupe keeps the highest handled id and a window below it, not every id
// for two days: anything further back is a redelivery.
func TestDedupeKeepsAWindowBelowTheHighestID(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		if _, err := s.Intake(ctx, up(50000, 3)); err != nil {
			t.Fatal(err)
		}
		err := s.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
			return store.Effects{Seen: 50000, SeenChat: 3, Now: t0}, false, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		fresh, _ := s.Intake(ctx, up(100, 3), up(45000, 3))
		if fmt.Sprint(fresh) != "[false true]" {
			t.Fatalf("intake below the window and inside it: %v, want [false true]", fresh)
		}
		var seen bool
		_ = s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
			seen, err = r.Seen(100, 0)
			return store.Effects{}, true, err
		})
		if !seen {
			t.Fatal("an id far below the highest handled one counts as not seen")
		}
	})
}

// Handled ids are bits in bitmaps of a few thousand ids each, and the
// bitmaps the window has left are deleted with the commit that moved it:
// the dedupe costs a few kilobytes however long the bot runs. Ids the
// earlier releases kept in a sorted set are still refused.
func TestDedupeBitmapsFollowTheWindow(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *store.Conn) {
		ctx := context.Background()
		handle := func(id int64) {
			t.Helper()
			if _, err := s.Intake(ctx, up(id, 3)); err != nil {
				t.Fatal(err)
			}
			err := s.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
				return store.Effects{Seen: id, SeenChat: 3, Now: t0}, false, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		seen := func(id int64) bool {
			var yes bool
			_ = s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
				var err error
				yes, err = r.Seen(id, 0)
				return store.Effects{}, true, err
			})
			return yes
		}
		// An earlier release's handled id, scored by itself.
		if err := c.Client.ZAdd(ctx, s.Prefix()+"seen", redis.Z{Score: 52000, Member: "52000"}).Err(); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{100, 9000, 17000, 30000, 51000, 60000} {
			handle(id)
		}
		if !seen(60000) || !seen(51000) || seen(59999) || seen(50001) {
			t.Fatal("the bitmaps answer wrongly inside the window")
		}
		fresh, _ := s.Intake(ctx, up(60000, 3), up(51000, 3), up(52000, 3), up(59999, 3))
		if fmt.Sprint(fresh) != "[false false false true]" {
			t.Fatalf("intake of handled, earlier-handled and new ids: %v, want [false false false true]", fresh)
		}
		bitmaps, err := c.Client.Keys(ctx, s.Prefix()+"seen:b:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		// The window is 50,000 to 60,000: the bitmaps of ids from 49,152
		// (6) and 57,344 (7) up; those of 100 to 30,000 are gone.
		if want := []string{s.Prefix() + "seen:b:6", s.Prefix() + "seen:b:7"}; fmt.Sprint(sorted(bitmaps)) != fmt.Sprint(want) {
			t.Fatalf("bitmaps %v, want %v", bitmaps, want)
		}
		// Far on, the earlier release's set is gone too.
		handle(90000)
		if n, _ := c.Client.Exists(ctx, s.Prefix()+"seen", s.Prefix()+"seen:b:6", s.Prefix()+"seen:b:7").Result(); n != 0 {
			t.Fatalf("%d keys the window has passed are still there", n)
		}
	})
}

func sorted(ss []string) []string {
	out := append([]string(nil), ss...)
	slices.Sort(out)
	return out
}

// A record's history is a key of its own, so that the record's hash stays
// in Redis's compact encoding; readers see it as one more field, and a
// record dropped goes with its history.
func TestARecordsHistoryIsKeptBesideIt(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *store.Conn) {
		ctx := context.Background()
		write := func(eff store.Effects) {
			t.Helper()
			eff.Now = t0
			if err := s.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) { return eff, false, nil }); err != nil {
				t.Fatal(err)
			}
		}
		history := bytes.Repeat([]byte{0, 1, 2, 0xff}, 300)
		write(store.Effects{Records: map[string]map[string][]byte{"facts:amina": {"c:2026-12-01": []byte(`{}`), codec.HistoryField: history}}})
		f, err := s.Record(ctx, "facts:amina")
		if err != nil || f[codec.HistoryField] != string(history) || f["c:2026-12-01"] != "{}" || len(f) != 2 {
			t.Fatalf("record read as %d fields (%v)", len(f), err)
		}
		var loaded map[string]map[string]string
		_ = s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
			loaded, _, err = r.Load([]string{"facts:amina", "facts:nobody"}, nil, false)
			return store.Effects{}, true, err
		})
		if loaded["facts:amina"][codec.HistoryField] != string(history) || len(loaded["facts:nobody"]) != 0 {
			t.Fatalf("loaded %v", loaded)
		}
		if n, _ := c.Client.HLen(ctx, s.Prefix()+"facts:amina").Result(); n != 1 {
			t.Fatalf("the hash holds %d fields, want only the live one", n)
		}
		if enc, _ := c.Client.ObjectEncoding(ctx, s.Prefix()+"facts:amina").Result(); c.Embedded == nil && enc != "listpack" {
			t.Fatalf("the record's hash is encoded as %s", enc)
		}
		write(store.Effects{Records: map[string]map[string][]byte{"facts:amina": {codec.HistoryField: nil}}})
		if f, _ := s.Record(ctx, "facts:amina"); len(f) != 1 {
			t.Fatalf("after deleting the history the record holds %v", f)
		}
		write(store.Effects{Records: map[string]map[string][]byte{"facts:amina": {codec.HistoryField: history}}})
		write(store.Effects{DropRecords: []string{"facts:amina"}})
		if n, _ := c.Client.Exists(ctx, s.Prefix()+"facts:amina", s.Prefix()+"facts:amina:history").Result(); n != 0 {
			t.Fatalf("%d keys of a dropped record are left", n)
		}
	})
}

// The roster is kept gzipped, and a plain one an earlier release stored
// still reads.
func TestTheRosterIsStoredCompressed(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *store.Conn) {
		ctx := context.Background()
		yaml := bytes.Repeat([]byte("  - id: p0001\n    name: Amina Yusuf\n    language: so\n"), 200)
		if err := c.Client.Set(ctx, s.Prefix()+"roster", yaml, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Roster(ctx); err != nil || !bytes.Equal(got, yaml) {
			t.Fatalf("an earlier release's roster read as %d bytes (%v)", len(got), err)
		}
		err := s.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
			return store.Effects{Roster: yaml, RosterSeq: 2, Now: t0}, false, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := c.Client.Get(ctx, s.Prefix()+"roster").Bytes()
		if len(raw)*5 > len(yaml) || raw[0] != 0x1f {
			t.Fatalf("stored as %d bytes for %d", len(raw), len(yaml))
		}
		var seq int64
		var got []byte
		_ = s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
			got, seq, err = r.Roster()
			return store.Effects{}, true, err
		})
		if !bytes.Equal(got, yaml) || seq != 2 {
			t.Fatalf("read back %d bytes, import %d", len(got), seq)
		}
		if got, _ := s.Roster(ctx); !bytes.Equal(got, yaml) {
			t.Fatal("Roster read back something else")
		}
	})
}

func TestOffsetOnlyMovesForward(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		for _, o := range []int64{5, 9, 7} {
			if err := s.SetOffset(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.Offset(ctx); got != 9 {
			t.Fatalf("offset = %d, want 9", got)
		}
	})
}

func out(key string, chat int64, urgent bool, nb time.Time) store.Outgoing {
	return store.Outgoing{Key: key, Chat: chat, Urgent: urgent, NotBefore: nb.UnixMilli(), Payload: json.RawMessage(`{}`)}
}

func keysOf(ms []store.Outgoing) []string {
	var ks []string
	for _, m := range ms {
		ks = append(ks, m.Key)
	}
	return ks
}

func TestOutboxOrderSpacingAndPriority(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		err := s.Enqueue(ctx, t0,
			out("bulk-a1", 1, false, t0),
			out("bulk-a2", 1, false, t0.Add(time.Millisecond)),
			out("bulk-b1", 2, false, t0),
			out("urgent-c1", 3, true, t0.Add(2*time.Millisecond)),
			out("later", 4, false, t0.Add(time.Hour)),
		)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Claim(ctx, t0.Add(5*time.Millisecond), 10, 30*time.Second, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Urgent first; one message per chat; nothing not yet due.
		if fmt.Sprint(keysOf(got)) != "[urgent-c1 bulk-a1 bulk-b1]" {
			t.Fatalf("claimed %v", keysOf(got))
		}
		// Chat 1 is held while a1 is in flight.
		if again, _ := s.Claim(ctx, t0.Add(10*time.Millisecond), 10, 30*time.Second, 0); len(again) != 0 {
			t.Fatalf("claimed %v while chat 1 was in flight", keysOf(again))
		}
		if err := s.Sent(ctx, t0.Add(10*time.Millisecond), got[1], time.Second); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.Claim(ctx, t0.Add(900*time.Millisecond), 10, 30*time.Second, 0); len(again) != 0 {
			t.Fatalf("claimed %v before the chat's spacing passed", keysOf(again))
		}
		again, _ := s.Claim(ctx, t0.Add(1010*time.Millisecond), 10, 30*time.Second, 0)
		if fmt.Sprint(keysOf(again)) != "[bulk-a2]" {
			t.Fatalf("after spacing claimed %v, want [bulk-a2]", keysOf(again))
		}
		// A sent key is never queued again.
		if err := s.Enqueue(ctx, t0, out("bulk-a1", 1, false, t0)); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.OutboxLen(ctx); n != 4 {
			t.Fatalf("outbox has %d messages, want 4 (the sent one not re-queued)", n)
		}
	})
}

// A sent key is refused for a week, whatever the day it went out on, and
// then forgotten with the small hash it was kept in; so is a key an
// earlier release kept in its sorted set, until the housekeeping trims it.
func TestSentKeysAreRefusedForAWeekAndThenForgotten(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *store.Conn) {
		ctx := context.Background()
		queued := func(at time.Time, key string) bool {
			t.Helper()
			before, _ := s.OutboxLen(ctx)
			if err := s.Enqueue(ctx, at, out(key, 9, false, at)); err != nil {
				t.Fatal(err)
			}
			after, _ := s.OutboxLen(ctx)
			return after > before
		}
		sent := func(at time.Time, key string) {
			t.Helper()
			if !queued(at, key) {
				t.Fatalf("%s refused before it was sent", key)
			}
			got, err := s.Claim(ctx, at, 10, 30*time.Second, 0)
			if err != nil || len(got) != 1 || got[0].Key != key {
				t.Fatalf("claimed %v (%v), want %s", keysOf(got), err, key)
			}
			if err := s.Sent(ctx, at, got[0], 0); err != nil {
				t.Fatal(err)
			}
		}
		late := t0.Add(23*time.Hour + 59*time.Minute) // just before midnight UTC
		sent(t0, "card:amina:2026-12-01")
		sent(late, "remind:amina:2026-12-01")
		for _, d := range []time.Duration{0, time.Minute, 24 * time.Hour, 7 * 24 * time.Hour} {
			if queued(late.Add(d), "remind:amina:2026-12-01") {
				t.Fatalf("a key sent %s before was queued again", d)
			}
		}
		// A sender whose clock ran ahead across midnight kept its key under
		// tomorrow; a replay by one whose clock did not is still refused.
		ahead := late.Add(2 * time.Minute)
		sent(ahead, "card:amina:2026-12-02")
		if queued(late.Add(-time.Minute), "card:amina:2026-12-02") {
			t.Fatal("a key kept under the next day was queued again")
		}
		if err := c.Client.ZAdd(ctx, s.Prefix()+"out:done", redis.Z{Score: float64(t0.UnixMilli()), Member: "old-release"}).Err(); err != nil {
			t.Fatal(err)
		}
		if queued(t0, "old-release") {
			t.Fatal("a key an earlier release sent was queued again")
		}
		hashes, _ := c.Client.Keys(ctx, s.Prefix()+"out:sent:*").Result()
		if len(hashes) == 0 || len(hashes) > 3 {
			t.Fatalf("sent keys in %v", hashes)
		}
		for _, h := range hashes {
			if ttl, _ := c.Client.PTTL(ctx, h).Result(); ttl <= 0 {
				t.Fatalf("%s never expires (%s)", h, ttl)
			}
		}
		if err := s.Housekeep(ctx, t0.Add(8*24*time.Hour), 48*time.Hour, 7*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if !queued(t0.Add(8*24*time.Hour), "old-release") {
			t.Fatal("an earlier release's key older than a week was still refused")
		}
		if !queued(late.Add(8*24*time.Hour+time.Minute), "card:amina:2026-12-01") {
			t.Fatal("a key sent more than eight days before was still refused")
		}
	})
}

func TestOutboxRetryKeepsChatOrderAndLeaseExpiryResends(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		_ = s.Enqueue(ctx, t0, out("m1", 7, false, t0), out("m2", 7, false, t0.Add(time.Millisecond)), out("x1", 8, false, t0))
		got, _ := s.Claim(ctx, t0, 10, 30*time.Second, 0)
		if fmt.Sprint(keysOf(got)) != "[m1 x1]" {
			t.Fatalf("claimed %v", keysOf(got))
		}
		// Telegram said 429 retry_after=2 for chat 7.
		if err := s.Retry(ctx, got[0], t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.Claim(ctx, t0.Add(1999*time.Millisecond), 10, 30*time.Second, 0); len(again) != 0 {
			t.Fatalf("claimed %v before retry_after passed", keysOf(again))
		}
		again, _ := s.Claim(ctx, t0.Add(2*time.Second), 10, 30*time.Second, 0)
		if fmt.Sprint(keysOf(again)) != "[m1]" || again[0].Attempts != 1 {
			t.Fatalf("after retry_after claimed %v, want m1 again (attempt 1) before m2", keysOf(again))
		}
		if err := s.Sent(ctx, t0.Add(2*time.Second), got[1], time.Second); err != nil {
			t.Fatal(err)
		}
		// The sender dies holding m1: after the lease and its grace it
		// goes out again, and m2 does not overtake it meanwhile.
		for _, at := range []time.Duration{31 * time.Second, 34 * time.Second} {
			if lost, _ := s.Claim(ctx, t0.Add(at), 10, 30*time.Second, 0); len(lost) != 0 {
				t.Fatalf("claimed %v at %v while m1's lease (and grace) ran", keysOf(lost), at)
			}
		}
		back, _ := s.Claim(ctx, t0.Add(35*time.Second), 10, 30*time.Second, 0)
		if fmt.Sprint(keysOf(back)) != "[m1]" {
			t.Fatalf("after the lease claimed %v, want [m1]", keysOf(back))
		}
	})
}

func TestJobRunsOnceAcrossClaimers(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		if err := s.Schedule(ctx, store.Job{ID: "j1", Kind: "k", Due: t0}, store.Job{ID: "j1", Kind: "k", Due: t0}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		claimed := 0
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				js, err := s.ClaimJobs(ctx, t0, 10, time.Minute)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				claimed += len(js)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if claimed != 1 {
			t.Fatalf("job claimed %d times, want 1", claimed)
		}
		// The worker died: after the lease another one gets it.
		if js, _ := s.ClaimJobs(ctx, t0.Add(59*time.Second), 10, time.Minute); len(js) != 0 {
			t.Fatal("job claimed again during its lease")
		}
		js, _ := s.ClaimJobs(ctx, t0.Add(61*time.Second), 10, time.Minute)
		if len(js) != 1 {
			t.Fatalf("job not picked up again after its lease ran out")
		}
		// Its commit removes it; a second commit (a racing worker) finds
		// nothing to do.
		runs := 0
		for range 2 {
			err := s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
				b, err := r.Job("j1")
				if err != nil || b == nil {
					return store.Effects{}, true, err
				}
				runs++
				return store.Effects{DoneJob: "j1", Now: t0}, false, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if runs != 1 {
			t.Fatalf("job committed %d times, want 1", runs)
		}
		if _, ok, _ := s.NextJob(ctx); ok {
			t.Fatal("job still scheduled after it ran")
		}
	})
}

func TestApplyRetriesOnConflict(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *store.Conn) {
		ctx := context.Background()
		// Two writers increment a counter in chat state 50 times each with
		// read-modify-write; WATCH must make every increment count.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					err := s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
						b, err := r.Chat(1)
						if err != nil {
							return store.Effects{}, false, err
						}
						var n int
						if b != nil {
							_ = json.Unmarshal(b, &n)
						}
						nb, _ := json.Marshal(n + 1)
						return store.Effects{Chats: map[int64][]byte{1: nb}, Now: t0}, false, nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		err := s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
			b, _ := r.Chat(1)
			if string(b) != "100" {
				t.Errorf("counter = %s, want 100", b)
			}
			return store.Effects{}, true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// One chat's deep queue cannot hide another chat's message: claiming
// walks chats, so the answer to chat 2 goes in the first claim although
// chat 1 queued a thousand answers before it.
func TestOutboxIsFairAcrossChats(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		var flood []store.Outgoing
		for i := range 1000 {
			flood = append(flood, out(fmt.Sprintf("f%04d", i), 1, true, t0))
		}
		if err := s.Enqueue(ctx, t0, flood...); err != nil {
			t.Fatal(err)
		}
		if err := s.Enqueue(ctx, t0, out("help", 2, true, t0.Add(time.Millisecond))); err != nil {
			t.Fatal(err)
		}
		got, err := s.Claim(ctx, t0.Add(time.Second), 2, 5*time.Second, 0)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(keysOf(got)) != "[f0000 help]" {
			t.Fatalf("claimed %v, want the flood's first and chat 2's answer", keysOf(got))
		}
	})
}

// A lease renewed while Telegram takes its time keeps the message this
// sender's; Release gives an unsent claim back at once.
func TestOutboxRenewAndRelease(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		_ = s.Enqueue(ctx, t0, out("a1", 5, false, t0), out("a2", 5, false, t0))
		got, _ := s.Claim(ctx, t0, 10, 5*time.Second, 0)
		if len(got) != 1 {
			t.Fatalf("claimed %v", keysOf(got))
		}
		if ok, err := s.Renew(ctx, got[0], t0.Add(20*time.Second)); !ok || err != nil {
			t.Fatalf("renew: %v %v", ok, err)
		}
		if again, _ := s.Claim(ctx, t0.Add(15*time.Second), 10, 5*time.Second, 0); len(again) != 0 {
			t.Fatalf("claimed %v under a renewed lease", keysOf(again))
		}
		if err := s.Release(ctx, got[0], t0.Add(16*time.Second)); err != nil {
			t.Fatal(err)
		}
		back, _ := s.Claim(ctx, t0.Add(16*time.Second), 10, 5*time.Second, 0)
		if fmt.Sprint(keysOf(back)) != "[a1]" || back[0].Attempts != 0 {
			t.Fatalf("after release claimed %v, want a1 (no attempt counted) before a2", keysOf(back))
		}
		if ok, _ := s.Renew(ctx, got[0], t0.Add(40*time.Second)); !ok {
			t.Fatal("the new claim could not be renewed")
		}
		_ = s.Sent(ctx, t0.Add(17*time.Second), back[0], 0)
		if ok, _ := s.Renew(ctx, back[0], t0.Add(50*time.Second)); ok {
			t.Fatal("renewed a message already sent")
		}
	})
}

// Messages the first release queued, in one queue per class, are sent.
func TestOutboxDrainsTheFirstReleaseQueues(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			prog := storetest.Programme(t, b.Conn)
			s := store.New(b.Conn.Client, prog)
			pre := "innsjekk:{" + prog + "}:"
			old := `{"key":"old1","chat":9,"c":"9","nb":` + fmt.Sprint(t0.UnixMilli()) + `,"urgent":true,"payload":{}}`
			b.Conn.Client.HSet(ctx, pre+"out:msgs", "old1", old)
			b.Conn.Client.ZAdd(ctx, pre+"out:urgent", redis.Z{Score: float64(t0.UnixMilli()), Member: "old1"})
			got, err := s.Claim(ctx, t0, 10, 5*time.Second, 0)
			if err != nil || fmt.Sprint(keysOf(got)) != "[old1]" {
				t.Fatalf("claimed %v, %v; want the first release's message", keysOf(got), err)
			}
		})
	}
}

// Two senders on one Redis claim no more in a second, together, than the
// global rate.
func TestClaimsStayWithinTheRateAcrossSenders(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, _ *store.Conn) {
		ctx := context.Background()
		var ms []store.Outgoing
		for i := range int64(20) {
			ms = append(ms, out(fmt.Sprintf("m%02d", i), 100+i, false, t0))
		}
		_ = s.Enqueue(ctx, t0, ms...)
		a, _ := s.Claim(ctx, t0.Add(100*time.Millisecond), 10, 5*time.Second, 5)
		b, _ := s.Claim(ctx, t0.Add(200*time.Millisecond), 10, 5*time.Second, 5)
		if n := len(a) + len(b); n != 5 {
			t.Fatalf("claimed %d in one second by two senders, want 5", n)
		}
		if c, _ := s.Claim(ctx, t0.Add(1100*time.Millisecond), 10, 5*time.Second, 5); len(c) != 5 {
			t.Fatalf("claimed %d in the next second, want 5", len(c))
		}
	})
}
