// Package storetest gives tests the Redis backends to run on: the
// embedded store always, and a real Redis server whenever
// INNSJEKK_TEST_REDIS names one (CI always does). Each test works under
// its own programme id, so tests on one server run in parallel without
// seeing each other's keys.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"innsjekk/store"
)

// Backend is one Redis to test against.
type Backend struct {
	Name string
	Conn *store.Conn
}

// EnvVar names the real Redis server tests use.
const EnvVar = "INNSJEKK_TEST_REDIS"

// Backends opens the embedded store and, if configured, the real server.
// In CI (CI=true) the real server is required: a CI run that cannot reach
// it fails instead of quietly testing less.
func Backends(t testing.TB) []Backend {
	t.Helper()
	emb, err := store.OpenEmbedded()
	if err != nil {
		t.Fatalf("embedded store: %v", err)
	}
	t.Cleanup(func() { emb.Close() })
	out := []Backend{{Name: "embedded", Conn: emb}}
	if r := Real(t); r != nil {
		out = append(out, Backend{Name: "redis", Conn: r})
	}
	return out
}

// Real opens the real Redis server, or returns nil when none is
// configured outside CI.
func Real(t testing.TB) *store.Conn {
	t.Helper()
	url := os.Getenv(EnvVar)
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must test against a real Redis: set %s", EnvVar)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatalf("%s=%s is not reachable: %v", EnvVar, url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Programme returns a programme id unique to this test, and deletes its
// keys when the test ends.
func Programme(t testing.TB, c *store.Conn) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.ToLower(strings.NewReplacer("/", "-", " ", "-", "#", "-").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	id := "t-" + name + "-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Client.Scan(ctx, 0, "innsjekk:{"+id+"}:*", 500).Iterator()
		var ks []string
		for iter.Next(ctx) {
			ks = append(ks, iter.Val())
		}
		for _, k := range ks {
			c.Client.Del(ctx, k)
		}
		c.Client.SRem(ctx, "innsjekk:programmes", id)
	})
	return id
}
