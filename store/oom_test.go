package store_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/store"
)

// privateRedis starts a redis-server of the test's own, for what cannot
// be done to the shared one (here: running it out of memory).
func privateRedis(t *testing.T) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI needs redis-server on the PATH")
		}
		t.Skip("no redis-server on the PATH")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	t.Cleanup(func() { c.Close() })
	for deadline := time.Now().Add(10 * time.Second); c.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
	}
	return c
}

// Over maxmemory (with noeviction, as docs/operations.md prescribes) a
// step is refused whole: a job that ran and queued a notice is not marked
// done while its notice is lost, and nothing is queued.
func TestAStepOverMaxmemoryIsRefusedWhole(t *testing.T) {
	c := privateRedis(t)
	ctx := context.Background()
	s := store.New(c, "oom")
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	if err := s.Schedule(ctx, store.Job{ID: "remind:abdi", Kind: "remind", Due: now}); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	err := s.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
		if _, err := r.Job("remind:abdi"); err != nil {
			return store.Effects{}, false, err
		}
		return store.Effects{Now: now, DoneJob: "remind:abdi", Outbox: []store.Outgoing{
			{Key: "jremind:abdi.0000", Chat: 7, Payload: []byte(`{"text":"I morgen: Vaskeriet"}`)},
		}}, false, nil
	})
	if err == nil {
		t.Fatal("a step over maxmemory committed")
	}
	if err := c.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Exists(ctx, "innsjekk:{oom}:job:remind:abdi").Result(); err != nil || n != 1 {
		t.Fatalf("the job was marked done without its notice (%v)", err)
	}
	if n, _ := s.OutboxLen(ctx); n != 0 {
		t.Fatalf("%d messages queued by a refused step", n)
	}
}
