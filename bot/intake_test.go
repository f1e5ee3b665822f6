package bot

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"innsjekk/bot/fakeapi"
)

type memIntake struct {
	mu   sync.Mutex
	got  int
	done func()
}

func (m *memIntake) Intake(_ context.Context, raws ...[]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got += len(raws)
	if m.got > 0 {
		m.done()
	}
	return nil
}

type memOffsets struct{ off int64 }

func (m *memOffsets) Offset(context.Context) (int64, error)        { return m.off, nil }
func (m *memOffsets) SetOffset(_ context.Context, off int64) error { m.off = off; return nil }

// A 429 to getUpdates says how long to wait, and the poller waits that
// long: not less (Telegram's flood control), and not its own growing
// back-off either, which kept people waiting 5 s a call through a storm.
func TestPollerWaitsWhatTelegramSays(t *testing.T) {
	fake := fakeapi.New("42:poll")
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer fake.Close()
	c, err := NewClient("42:poll", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	fake.AddUser(fakeapi.User{ID: 5, FirstName: "A", LanguageCode: "nb"})
	fake.Inject(fakeapi.Fault{Method: "getUpdates", Status: 429, RetryAfter: 1, Times: 7})
	fake.SendText(5, "hei")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := &memIntake{done: cancel}
	p := &Poller{Client: c, Intake: in, Offsets: &memOffsets{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	_ = p.Run(ctx)
	if in.got != 1 {
		t.Fatalf("stored %d updates", in.got)
	}
	calls := fake.CallsTo("getUpdates")
	if len(calls) < 8 {
		t.Fatalf("%d calls to getUpdates, want 7 refused and one answered", len(calls))
	}
	for i := 1; i < 8; i++ {
		gap := calls[i].At.Sub(calls[i-1].At)
		if gap < 950*time.Millisecond || gap > 3*time.Second {
			t.Errorf("call %d came %s after a 429 saying retry after 1 s", i+1, gap)
		}
	}
}
