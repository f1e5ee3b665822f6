package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"

	"innsjekk/bot/fakeapi"
	"innsjekk/engine"
	"innsjekk/flows"
)

func TestParseCommand(t *testing.T) {
	cases := []struct {
		in, cmd, args string
		ok            bool
	}{
		{"/start abc", "start", "abc", true},
		{"/Week@Innsjekk_bot", "week", "", true},
		{"/meeting amina ٢٠٢٦-١٢-٠١ ۱۰:۳۰", "meeting", "amina 2026-12-01 10:30", true},
		{"/", "", "", false},
		{"hello /start", "", "", false},
		{"/@bot", "", "", false},
	}
	for _, c := range cases {
		cmd, args, ok := parseCommand(c.in)
		if cmd != c.cmd || args != c.args || ok != c.ok {
			t.Errorf("parseCommand(%q) = %q %q %v, want %q %q %v", c.in, cmd, args, ok, c.cmd, c.args, c.ok)
		}
	}
}

func TestDecode(t *testing.T) {
	c := &Client{}
	cases := []struct {
		raw  string
		chat int64
		kind flows.EventKind
		cb   string
	}{
		{`{"update_id":1,"message":{"message_id":5,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"A","language_code":"ar"},"text":"/start x"}}`, 7, flows.EvCommand, ""},
		{`{"update_id":2,"message":{"message_id":5,"date":1,"chat":{"id":-100,"type":"group"},"from":{"id":7,"is_bot":false,"first_name":"A"},"text":"/week"}}`, 0, "", ""},
		{`{"update_id":3,"message":{"message_id":5,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"A"},"voice":{"file_id":"v","file_unique_id":"u","duration":3}}}`, 7, flows.EvMedia, ""},
		{`{"update_id":4,"callback_query":{"id":"cb1","from":{"id":7,"is_bot":false,"first_name":"A"},"chat_instance":"c","data":"1|lang|ar","message":{"message_id":9,"date":1,"chat":{"id":7,"type":"private"}}}}`, 7, flows.EvButton, "cb1"},
		{`{"update_id":5,"my_chat_member":{"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"B"}},"new_chat_member":{"status":"kicked","user":{"id":1,"is_bot":true,"first_name":"B"},"until_date":0}}}`, 0, "", ""},
	}
	for _, tc := range cases {
		in, err := c.Decode([]byte(tc.raw))
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if in.Chat != tc.chat || in.Event.Kind != tc.kind || in.CallbackID != tc.cb {
			t.Errorf("%s: chat %d kind %q cb %q", tc.raw, in.Chat, in.Event.Kind, in.CallbackID)
		}
	}
	in, _ := c.Decode([]byte(cases[3].raw))
	if in.Event.MessageID != 9 || in.Event.Data != "1|lang|ar" {
		t.Errorf("callback: %+v", in.Event)
	}
	if _, err := c.Decode([]byte(`{not json`)); err == nil {
		t.Error("bad JSON decoded")
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		kind engine.SendErrorKind
	}{
		{&tg.TooManyRequestsError{RetryAfter: 3}, engine.SendRetryAfter},
		{fmt.Errorf("wrapped: %w", &tg.TooManyRequestsError{RetryAfter: 3}), engine.SendRetryAfter},
		{fmt.Errorf("%w, bot was blocked by the user", tg.ErrorForbidden), engine.SendBlocked},
		{fmt.Errorf("%w, chat not found", tg.ErrorBadRequest), engine.SendRejected},
		{&url.Error{Op: "Post", URL: "x", Err: errors.New("connection refused")}, engine.SendTransient},
		{errors.New("error response from telegram for method sendMessage, 500 Internal Server Error"), engine.SendTransient},
	}
	for _, c := range cases {
		var se *engine.SendError
		if !errors.As(classify(c.err), &se) || se.Kind != c.kind {
			t.Errorf("classify(%v) = %+v, want kind %d", c.err, se, c.kind)
		}
	}
	var se *engine.SendError
	errors.As(classify(&tg.TooManyRequestsError{RetryAfter: 3}), &se)
	if se.After.Seconds() != 3 {
		t.Errorf("retry after %v", se.After)
	}
}

// Calls made at once, as the workers, the sender and the poller make
// them, reuse their connections to the Bot API instead of dialling (and,
// against Telegram, shaking hands) anew each time.
func TestConcurrentCallsReuseConnections(t *testing.T) {
	fake := fakeapi.New("42:reuse")
	var dials atomic.Int64
	// Each answer takes a moment, as over a network: the calls overlap.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		fake.ServeHTTP(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := NewClient("42:reuse", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 20, 10
	round := func(r int) {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.AnswerCallback(context.Background(), fmt.Sprintf("cb%d.%d", w, r), "")
			}()
		}
		wg.Wait()
	}
	round(0)
	first := dials.Load()
	for r := 1; r <= rounds; r++ {
		round(r)
	}
	// After the first round the connections are there to be reused: with
	// two kept a host, each round of twenty at once dialled eighteen anew.
	if n := dials.Load() - first; n > workers {
		t.Fatalf("%d connections dialled in %d more rounds of %d calls at once, after %d in the first", n, rounds, workers, first)
	}
}
