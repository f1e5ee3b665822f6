package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"innsjekk/bot/fakeapi"
)

// benchToken is the token both bots use against their own fake.
const benchToken = "424242:bench-token-for-the-fake-bot-api"

// apiCall is one request a bot made to a fake, as the bench needs to see
// it: the fake's own call log is copied whole on every read, which at
// thousands of calls a second would measure the bench, not the bot.
type apiCall struct {
	At       time.Time // when the request arrived: the moment the bot acted
	Method   string
	Chat     int64
	Callback string // answerCallbackQuery's callback_query_id
	Text     string
	Offset   int64 // getUpdates' offset
	Status   int
}

// benchAPI is a fake Bot API served over TCP with a tap on every request.
type benchAPI struct {
	fake *fakeapi.Server
	srv  *http.Server
	ln   net.Listener
	URL  string

	// hook sees every finished request; nil drops them. It is swapped
	// between scenarios, never during one.
	hook atomic.Pointer[func(apiCall)]

	polls atomic.Int64 // getUpdates requests seen
}

func newBenchAPI() (*benchAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &benchAPI{fake: fakeapi.New(benchToken), ln: ln, URL: "http://" + ln.Addr().String()}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

// Close stops the fake first: its long polls would otherwise hold the
// HTTP server's shutdown until they time out.
func (a *benchAPI) Close() {
	a.fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.srv.Shutdown(ctx)
}

func (a *benchAPI) setHook(f func(apiCall)) {
	if f == nil {
		a.hook.Store(nil)
		return
	}
	a.hook.Store(&f)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (a *benchAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	c := apiCall{At: at, Method: method}
	switch method {
	case "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery":
		body, err := io.ReadAll(r.Body)
		if err == nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			p := fakeapi.FormValues(r.Header.Get("Content-Type"), body)
			c.Chat, _ = strconv.ParseInt(p["chat_id"], 10, 64)
			c.Callback = p["callback_query_id"]
			c.Text = p["text"]
			c.Offset, _ = strconv.ParseInt(p["offset"], 10, 64)
		}
	}
	if method == "getUpdates" {
		// A long poll answers only when updates come or it times out;
		// what the bench needs is when it was asked, so the hook sees it
		// then, with Status 0.
		a.polls.Add(1)
		if h := a.hook.Load(); h != nil {
			(*h)(c)
		}
		a.fake.ServeHTTP(w, r)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	a.fake.ServeHTTP(sw, r)
	c.Status = sw.status
	if h := a.hook.Load(); h != nil {
		(*h)(c)
	}
}

// waitPolls waits until the fake has seen more getUpdates requests than
// before: a bot that polls has finished starting.
func (a *benchAPI) waitPolls(ctx context.Context, before int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for a.polls.Load() <= before {
		if time.Now().After(deadline) {
			return errors.New("the bot did not start polling in time")
		}
		if err := pause(ctx, 2*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// pause waits d unless ctx ends first. Waits like this poll the bench's
// own state, never time the bot.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// tapTracker matches button presses with the bot's answerCallbackQuery.
// The answer can reach the fake before Press has returned the callback's
// id to us, so whichever side comes second completes the pair.
type tapTracker struct {
	mu      sync.Mutex
	waiting map[string]*tap
	early   map[string]time.Time
}

type tap struct {
	chat     int64
	update   int64
	sent     time.Time
	answered time.Time
	done     chan struct{}
}

func newTapTracker() *tapTracker {
	return &tapTracker{waiting: map[string]*tap{}, early: map[string]time.Time{}}
}

// press makes user press a button and tracks the answer.
func (t *tapTracker) press(f *fakeapi.Server, user int64, msg int, data string) *tap {
	tp := &tap{chat: user, done: make(chan struct{})}
	tp.sent = time.Now()
	upd, id := f.Press(user, msg, data)
	tp.update = upd
	t.mu.Lock()
	if at, ok := t.early[id]; ok {
		delete(t.early, id)
		tp.answered = at
		close(tp.done)
	} else {
		t.waiting[id] = tp
	}
	t.mu.Unlock()
	return tp
}

// observe is the API hook: it completes taps whose answer arrived.
func (t *tapTracker) observe(c apiCall) {
	if c.Method != "answerCallbackQuery" || c.Status != http.StatusOK {
		return
	}
	t.mu.Lock()
	if tp, ok := t.waiting[c.Callback]; ok {
		delete(t.waiting, c.Callback)
		tp.answered = c.At
		close(tp.done)
	} else {
		t.early[c.Callback] = c.At
	}
	t.mu.Unlock()
}

// outstanding counts presses not answered yet.
func (t *tapTracker) outstanding() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.waiting)
}

// textTracker matches a text a user sends with the bot's next message to
// that chat. One text per chat is outstanding at a time, so the chat is
// key enough, and it is known before the text goes out.
type textTracker struct {
	mu      sync.Mutex
	waiting map[int64]*tap
	match   func(apiCall) bool
}

func newTextTracker(match func(apiCall) bool) *textTracker {
	return &textTracker{waiting: map[int64]*tap{}, match: match}
}

func (t *textTracker) send(f *fakeapi.Server, user int64, text string) *tap {
	tp := &tap{chat: user, done: make(chan struct{})}
	t.mu.Lock()
	t.waiting[user] = tp
	t.mu.Unlock()
	tp.sent = time.Now()
	tp.update = f.SendText(user, text)
	return tp
}

func (t *textTracker) observe(c apiCall) {
	if c.Method != "sendMessage" || c.Status != http.StatusOK || (t.match != nil && !t.match(c)) {
		return
	}
	t.mu.Lock()
	if tp, ok := t.waiting[c.Chat]; ok {
		delete(t.waiting, c.Chat)
		tp.answered = c.At
		close(tp.done)
	}
	t.mu.Unlock()
}
