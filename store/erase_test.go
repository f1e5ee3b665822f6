package store_test

import (
	"context"
	"testing"
	"time"

	"innsjekk/store"
)

// A message to an erased chat that a sender has already claimed keeps
// the erasure pending: the message is still sent (it was claimed before
// the erasure), and only when it has been recorded does the chat's
// spacing — which names the chat — go. Messages still queued go at once,
// but the goodbye.
func TestErasureWaitsForAMessageBeingSent(t *testing.T) {
	each(t, func(t *testing.T, s *store.Store, c *store.Conn) {
		ctx := context.Background()
		const chat = 4242
		if err := s.Enqueue(ctx, t0, store.Outgoing{Key: "u1.0000", Chat: chat, Payload: []byte(`{"text":"a"}`)}); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.Claim(ctx, t0, 8, 5*time.Second, 0)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claimed %d, %v", len(claimed), err)
		}
		if err := s.Enqueue(ctx, t0, store.Outgoing{Key: "u2.0000", Chat: chat, Payload: []byte(`{"text":"b"}`)},
			store.Outgoing{Key: "u3.0000", Chat: chat, Payload: []byte(`{"text":"goodbye"}`)}); err != nil {
			t.Fatal(err)
		}
		e := store.Erasure{Person: "abdi", Chat: chat, Keep: "u3"}
		if err := s.Erase(ctx, e, nil); !store.StillSending(err) {
			t.Fatalf("erased while a message was being sent: %v", err)
		}
		if n, _ := s.OutboxLen(ctx); n != 2 {
			t.Fatalf("outbox holds %d, want the message in flight and the goodbye", n)
		}
		if err := s.Sent(ctx, t0, claimed[0], time.Second); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(2 * time.Second)
		goodbye, err := s.Claim(ctx, later, 8, 5*time.Second, 0)
		if err != nil || len(goodbye) != 1 || goodbye[0].Key != "u3.0000" {
			t.Fatalf("next claim %+v, %v: want the goodbye only", goodbye, err)
		}
		if err := s.Sent(ctx, later, goodbye[0], time.Second); err != nil {
			t.Fatal(err)
		}
		if err := s.Erase(ctx, e, nil); err != nil {
			t.Fatalf("erasure after the last message: %v", err)
		}
		next, err := c.Client.HGetAll(ctx, s.Prefix()+"out:chatnext").Result()
		if err != nil {
			t.Fatal(err)
		}
		if _, there := next["4242"]; there {
			t.Fatal("the erased chat's spacing is kept")
		}
	})
}
