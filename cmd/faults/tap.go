package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"innsjekk/bot/fakeapi"
)

// botToken is the token every bot process uses; the fake accepts only it.
const botToken = "7000001:FAULTS-suite-token"

// apiCall is one message-changing call a bot process made, with which
// process made it and when: the fake's own log knows neither.
type apiCall struct {
	Proc       int
	Method     string
	Chat       int64
	MessageID  int
	Text       string
	Markup     string
	Start, End time.Time
	Status     int
	// Withheld: the fake accepted the call and the suite killed the
	// caller before it could read the answer.
	Withheld bool
}

// tap sits in front of the fake. It strips the /p<ID> prefix that tells
// the processes apart, logs every call that puts something into a chat,
// and can kill the caller at the one moment Telegram's API gives a bot no
// way to recover from: after a message was accepted and before the bot
// heard so.
type tap struct {
	fake *fakeapi.Server

	mu       sync.Mutex
	calls    []*apiCall
	statuses map[string]map[int]int // method -> HTTP status -> count
	armed    int
	fired    int
	target   func(chat int64, text string) bool // which messages an armed kill waits for
	kill     func(proc int)
}

func newTap(fake *fakeapi.Server) *tap {
	return &tap{fake: fake, statuses: map[string]map[int]int{}}
}

// arm makes the next accepted sendMessage to a target chat kill its
// sender before the answer leaves the fake.
func (t *tap) arm() {
	t.mu.Lock()
	t.armed++
	t.mu.Unlock()
}

func (t *tap) count(method string, status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.statuses[method] == nil {
		t.statuses[method] = map[int]int{}
	}
	t.statuses[method][status]++
}

// logged are the methods whose effect a person sees.
var logged = map[string]bool{"sendMessage": true, "editMessageText": true, "editMessageReplyMarkup": true,
	"sendDocument": true, "sendPhoto": true, "sendVoice": true}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	proc := 0
	if rest, ok := strings.CutPrefix(r.URL.Path, "/p"); ok {
		num, tail, _ := strings.Cut(rest, "/")
		if n, err := strconv.Atoi(num); err == nil {
			proc = n
			r.URL.Path = "/" + tail
			r.URL.RawPath = ""
		}
	}
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if !logged[method] {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		t.fake.ServeHTTP(sw, r)
		t.count(method, sw.code)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	params := fakeapi.FormValues(r.Header.Get("Content-Type"), body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	c := &apiCall{Proc: proc, Method: method, Text: params["text"], Markup: params["reply_markup"], Start: time.Now()}
	c.Chat, _ = strconv.ParseInt(params["chat_id"], 10, 64)
	c.MessageID, _ = strconv.Atoi(params["message_id"])
	if c.Text == "" {
		c.Text = params["caption"]
	}
	buf := &bufferWriter{header: http.Header{}, code: http.StatusOK}
	t.fake.ServeHTTP(buf, r)
	c.End, c.Status = time.Now(), buf.code
	t.count(method, buf.code)

	t.mu.Lock()
	fire := t.armed > 0 && method == "sendMessage" && c.Status == http.StatusOK && t.target != nil && t.target(c.Chat, c.Text) && proc > 0
	if fire {
		t.armed--
		t.fired++
		c.Withheld = true
	}
	t.calls = append(t.calls, c)
	kill := t.kill
	t.mu.Unlock()
	if fire && kill != nil {
		kill(proc)
		// The caller is dead; drop the connection without an answer.
		panic(http.ErrAbortHandler)
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.code)
	_, _ = w.Write(buf.body.Bytes())
}

// log returns the logged calls so far.
func (t *tap) log() []*apiCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*apiCall(nil), t.calls...)
}

func (t *tap) status(method string, code int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.statuses[method][code]
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush keeps long polls answering at once.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type bufferWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) WriteHeader(code int)        { b.code = code }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

// hookProxy is the reverse proxy of a webhook deployment with several
// processes (Caddy's reverse_proxy with two upstreams): it forwards each
// update to the next live process and tries another when one refuses the
// connection, as Caddy does for a dead upstream.
type hookProxy struct {
	fleet  *fleet
	client *http.Client
	n      atomic.Uint64
}

func (h *hookProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	addrs := h.fleet.liveAddrs()
	start := int(h.n.Add(1))
	for i := range addrs {
		addr := addrs[(start+i)%len(addrs)]
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "http://"+addr+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		resp, err := h.client.Do(req)
		if err != nil {
			continue
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(out)
		return
	}
	http.Error(w, "no upstream", http.StatusBadGateway)
}
