package engine_test

import (
	"context"
	"testing"

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
				raw := update(id, 1000+id%50, "hello")
				if err := e.Intake(ctx, raw); err != nil {
					b.Fatal(err)
				}
				if err := e.Handle(ctx, store.Pending{ID: id, Raw: raw}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
