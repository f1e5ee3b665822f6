package sandbox

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"innsjekk/roster"
)

//go:embed web
var webFS embed.FS

// maxText is Telegram's limit on one message's length.
const maxText = 4096

func (s *sandbox) routes() http.Handler {
	static, _ := fs.Sub(webFS, "web")
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	mux.Handle("GET /", files)
	mux.HandleFunc("GET /api/people", s.handlePeople)
	mux.HandleFunc("GET /api/chat", s.handleChat)
	mux.HandleFunc("GET /api/file", s.handleFile)
	mux.HandleFunc("GET /api/clock", s.handleClockGet)
	mux.HandleFunc("GET /api/log", s.handleLog)
	mux.HandleFunc("GET /api/events", s.handleEvents)
	mux.HandleFunc("POST /api/send", s.handleSend)
	mux.HandleFunc("POST /api/press", s.handlePress)
	mux.HandleFunc("POST /api/voice", s.handleVoice)
	mux.HandleFunc("POST /api/photo", s.handlePhoto)
	mux.HandleFunc("POST /api/clock", s.handleClockPost)
	return secure(mux)
}

// secure sets headers that keep the page to its own files and refuses
// cross-site writes: a POST must be JSON, which a foreign page cannot send
// here without a CORS preflight that this server never grants.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method == http.MethodPost {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				httpError(w, http.StatusUnsupportedMediaType, "send JSON (Content-Type: application/json)")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		httpError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return false
	}
	return true
}

func (s *sandbox) person(w http.ResponseWriter, id string) *Person {
	p := s.byID[id]
	if p == nil {
		httpError(w, http.StatusNotFound, fmt.Sprintf("no person %q", id))
	}
	return p
}

func (s *sandbox) handlePeople(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"programme": s.r.Programme.Name,
		"bot":       s.fake.BotUsername(),
		"people":    s.people,
	})
}

func (s *sandbox) handleChat(w http.ResponseWriter, r *http.Request) {
	if p := s.person(w, r.URL.Query().Get("person")); p != nil {
		writeJSON(w, http.StatusOK, s.chat(p))
	}
}

// handleFile serves a file the bot or a user sent. Only pictures are shown
// in the page; everything else is a download, so no document the bot sends
// can run as a page on this origin.
func (s *sandbox) handleFile(w http.ResponseWriter, r *http.Request) {
	f, ok := s.fake.FileByID(r.URL.Query().Get("id"))
	if !ok {
		httpError(w, http.StatusNotFound, "no such file")
		return
	}
	mt := f.MIMEType
	switch mt {
	case "image/png", "image/jpeg", "image/gif":
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": f.Name}))
	default:
		if mt == "" {
			mt = "application/octet-stream"
		}
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(f.Data)
}

type sendReq struct {
	Person string `json:"person"`
	Text   string `json:"text"`
}

func (s *sandbox) handleSend(w http.ResponseWriter, r *http.Request) {
	var req sendReq
	if !decode(w, r, &req) {
		return
	}
	p := s.person(w, req.Person)
	if p == nil {
		return
	}
	text := strings.TrimSpace(req.Text)
	switch {
	case text == "":
		httpError(w, http.StatusBadRequest, "empty message")
		return
	case utf8.RuneCountInString(text) > maxText:
		httpError(w, http.StatusBadRequest, "message too long")
		return
	}
	id := s.fake.SendText(p.User, text)
	writeJSON(w, http.StatusOK, map[string]int64{"update_id": id})
}

type pressReq struct {
	Person    string `json:"person"`
	MessageID int    `json:"message_id"`
	Data      string `json:"data"`
}

func (s *sandbox) handlePress(w http.ResponseWriter, r *http.Request) {
	var req pressReq
	if !decode(w, r, &req) {
		return
	}
	p := s.person(w, req.Person)
	if p == nil {
		return
	}
	if req.MessageID <= 0 || req.Data == "" {
		httpError(w, http.StatusBadRequest, "need message_id and data")
		return
	}
	id, _ := s.fake.Press(p.User, req.MessageID, req.Data)
	writeJSON(w, http.StatusOK, map[string]int64{"update_id": id})
}

func (s *sandbox) handleVoice(w http.ResponseWriter, r *http.Request) {
	s.handleMedia(w, r, s.fake.SendVoice)
}

func (s *sandbox) handlePhoto(w http.ResponseWriter, r *http.Request) {
	s.handleMedia(w, r, s.fake.SendPhoto)
}

func (s *sandbox) handleMedia(w http.ResponseWriter, r *http.Request, send func(int64) int64) {
	var req sendReq
	if !decode(w, r, &req) {
		return
	}
	if p := s.person(w, req.Person); p != nil {
		writeJSON(w, http.StatusOK, map[string]int64{"update_id": send(p.User)})
	}
}

// clockState is the clock as the page shows it.
type clockState struct {
	// Seq orders the states: a page that hears of a state both in an
	// answer and on the event stream keeps the newer.
	Seq  int64      `json:"seq"`
	Now  time.Time  `json:"now"`
	Zone string     `json:"zone"`
	Next *time.Time `json:"next,omitempty"` // what "next event" jumps to
	// Finding says the next event is not known yet: the bot is still
	// starting.
	Finding bool   `json:"finding,omitempty"`
	Note    string `json:"note,omitempty"`
}

// state is the clock with the next event as settle last found it: the
// very instant the "next event" button jumps to, so the page's label
// and the jump agree.
func (s *sandbox) state(note string) clockState {
	s.nextMu.Lock()
	next, ok, known := s.next, s.nextOK, s.nextKnown
	s.nextMu.Unlock()
	st := clockState{Seq: s.clockSeq.Add(1), Now: s.clk.Now(), Zone: s.r.Programme.Location.String(), Note: note, Finding: !known}
	// Shown even if the clock has just reached it: what falls due is
	// being handled, and a new state follows once it is.
	if ok {
		st.Next = &next
	}
	return st
}

// findNext settles and keeps the next event; it reports whether it
// changed. Call it with s.moving held.
func (s *sandbox) findNext(ctx context.Context) (time.Time, bool, bool) {
	t, ok := s.settle(ctx)
	s.nextMu.Lock()
	defer s.nextMu.Unlock()
	changed := ok != s.nextOK || !t.Equal(s.next) || !s.nextKnown
	s.next, s.nextOK, s.nextKnown = t, ok, true
	return t, ok, changed
}

// nextEvent is when the earliest scheduled thing falls due: a job
// (reminder, nudge, digest, housekeeping …) or a message held back, say
// until quiet hours end.
func (s *sandbox) nextEvent(ctx context.Context) (time.Time, bool) {
	// Only what lies ahead: a job or message already due is being handled
	// and must not hide the next thing a person waits for.
	now := s.clk.Now()
	t, ok, err := s.app.Store().NextAfter(ctx, now)
	// A job in hand is leased for good: not an event anyone waits for.
	return t, ok && err == nil && t.Before(now.Add(lease/2))
}

// busy reports whether the bot has work in hand: an update not yet
// handled, a job or message due and not yet taken, or a job taken a
// moment ago and still running.
func (s *sandbox) busy(ctx context.Context) bool {
	st := s.app.Store()
	now := s.clk.Now()
	// A job taken is leased until claim time + lease; one taken more than
	// a few seconds ago (of clock time) failed and waits for good, and
	// must not hold up every move.
	if t, ok, err := st.NextAfter(ctx, now.Add(lease-10*time.Second)); err != nil || (ok && inHand(t, now)) {
		return true
	}
	if pend, err := st.PendingUpdates(ctx, 1); err != nil || len(pend) > 0 {
		return true
	}
	if t, ok, err := st.NextJob(ctx); err != nil || (ok && !t.After(now)) {
		return true
	}
	// A message due within moments: the sender spaces messages to one
	// chat by a second, so a burst takes a few seconds to go out, and is
	// not an event to jump to. One being sent is leased like a job.
	if t, ok, err := st.NextDue(ctx); err != nil || (ok && (!t.After(now.Add(sending)) || inHand(t, now))) {
		return true
	}
	return false
}

// sending is how soon a message may be due and still count as part of
// the burst being sent.
const sending = 3 * time.Second

// inHand reports whether t is the lease of a job or message taken in the
// last few seconds.
func inHand(t, now time.Time) bool {
	return t.After(now.Add(lease-10*time.Second)) && !t.After(now.Add(lease+time.Second))
}

// settle waits, for a few seconds at most, until the bot has caught up:
// no update waits to be handled, nothing is due or being run, and the
// next event has stayed put for a moment: what a job being run schedules
// may come before what was next. It returns the next event as it then
// stands.
func (s *sandbox) settle(ctx context.Context) (time.Time, bool) {
	const (
		every  = 25 * time.Millisecond
		steady = 4 // reads in a row that agree
	)
	deadline := time.Now().Add(3 * time.Second)
	var last time.Time
	var lastOK bool
	agree := 0
	for {
		t, ok := s.nextEvent(ctx)
		switch {
		case s.busy(ctx):
			agree = 0
			s.app.Engine().Wake()
		case ok == lastOK && t.Equal(last):
			agree++
		default:
			agree = 1
		}
		last, lastOK = t, ok
		if agree >= steady || time.Now().After(deadline) {
			return t, ok
		}
		select {
		case <-ctx.Done():
			return t, ok
		case <-time.After(every):
		}
	}
}

func (s *sandbox) handleClockGet(w http.ResponseWriter, r *http.Request) {
	s.moving.Lock()
	_, _, changed := s.findNext(r.Context())
	st := s.state("")
	s.moving.Unlock()
	if changed {
		s.hub.publish("clock", st)
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *sandbox) handleClockPost(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Action string `json:"action"`
	}
	if !decode(w, r, &req) {
		return
	}
	switch req.Action {
	case "hour", "morning", "next":
	default:
		httpError(w, http.StatusBadRequest, `action must be "hour", "morning" or "next"`)
		return
	}
	// One move at a time: two "next event" presses must not both jump to
	// the same event, nor one jump while the other waits for the bot.
	s.moving.Lock()
	defer s.moving.Unlock()
	// The same search as the one behind the page's label, so "next event"
	// goes where the label said.
	next, ok, _ := s.findNext(r.Context())
	before := s.clk.Now()
	var note string
	switch req.Action {
	case "hour":
		s.clk.Advance(time.Hour)
		note = "+1 hour"
	case "morning":
		s.clk.AdvanceTo(s.cal.NextAt(before, roster.Clock(7*60)))
		note = "Next morning 07:00"
	case "next":
		switch {
		case !ok:
			note = "Nothing is scheduled"
		case next.After(before):
			s.clk.AdvanceTo(next)
			note = "Next event"
		default:
			note = "The bot is still busy; try again"
		}
	}
	// Logged before what the move makes due, which runs now.
	if moved := s.clk.Now(); moved.Sub(before) > time.Second {
		s.hub.addLog(logEntry{At: moved, Kind: "clock", Detail: note,
			Text: "Clock moved (" + note + ") to " + moved.In(s.r.Programme.Location).Format("Mon 02.01 15:04")})
	}
	s.app.Engine().Wake()
	// The answer says what comes after, as the label will.
	s.findNext(r.Context())
	st := s.state(note)
	s.hub.publish("clock", st)
	writeJSON(w, http.StatusOK, st)
}

// publishClock tells the pages when the next event moves, which happens
// whenever a step or job schedules something. It publishes only settled
// states: a job being run, leased for a minute, is not the next event.
func (s *sandbox) publishClock(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.poke:
		}
		s.moving.Lock()
		_, _, changed := s.findNext(ctx)
		var st clockState
		if changed {
			st = s.state("")
		}
		s.moving.Unlock()
		if changed {
			s.hub.publish("clock", st)
		}
	}
}

func (s *sandbox) handleLog(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.hub.logSnapshot())
}

// handleEvents streams server-sent events: "hello" (the clock and the log
// so far) on every (re)connection, then "chat", "toast", "clock" and
// "log" as things happen.
func (s *sandbox) handleEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	ch, backlog, cancel := s.hub.subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	hello, _ := json.Marshal(map[string]any{"clock": s.state(""), "log": backlog})
	if !writeEvent(w, rc, sseMsg{event: "hello", data: hello}) {
		return
	}
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case m, ok := <-ch:
			if !ok {
				return // fell behind; the page reconnects and starts afresh
			}
			if !writeEvent(w, rc, m) {
				return
			}
		case <-ping.C:
			// A comment line keeps proxies and idle timeouts from closing
			// a quiet stream.
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

func writeEvent(w http.ResponseWriter, rc *http.ResponseController, m sseMsg) bool {
	if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.event, m.data); err != nil {
		return false
	}
	return rc.Flush() == nil
}
