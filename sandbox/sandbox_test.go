package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// syncBuffer is stdout for Run, read by the test while Run may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs a sandbox on a free port and returns its URL; it stops when
// the test ends.
func start(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out syncBuffer
	go func() {
		done <- Run(ctx, Options{Listen: "127.0.0.1:0", Ready: func(u string) { ready <- u }}, &out, nil)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop within 10 s")
		}
	})
	select {
	case u := <-ready:
		if got, want := out.String(), "sandbox: "+u+"\n"; got != want {
			t.Errorf("stdout = %q, want %q", got, want)
		}
		return strings.TrimSuffix(u, "/")
	case err := <-done:
		t.Fatalf("Run ended before serving: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not serve within 10 s")
	}
	return ""
}

func get(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s %s", url, res.Status, b)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func post(t *testing.T, url string, body any, v any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil && res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("POST %s: %v", url, err)
		}
	}
	return res.StatusCode
}

// waitChat polls a person's chat until cond holds.
func waitChat(t *testing.T, base, person string, what string, cond func(chatView) bool) chatView {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v chatView
		get(t, base+"/api/chat?person="+person, &v)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: chat of %s never showed %s; last: %+v", t.Name(), person, what, v)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}

// sse reads a server-sent event stream.
type sse struct {
	res *http.Response
	sc  *bufio.Scanner
}

func openSSE(t *testing.T, base string) *sse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/events", nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events Content-Type = %q", ct)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	return &sse{res: res, sc: sc}
}

// next returns the next event's name and data.
func (s *sse) next() (string, []byte, error) {
	var event string
	var data []byte
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "":
			if event != "" {
				return event, data, nil
			}
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: ")...)
		}
	}
	if err := s.sc.Err(); err != nil {
		return "", nil, err
	}
	return "", nil, io.EOF
}

// waitLog reads events until a log entry satisfies match. The stream is
// closed by the test's deadline if it never comes.
func (s *sse) waitLog(t *testing.T, what string, match func(logEntry) bool) logEntry {
	t.Helper()
	timer := time.AfterFunc(10*time.Second, func() { s.res.Body.Close() })
	defer timer.Stop()
	for {
		ev, data, err := s.next()
		if err != nil {
			t.Fatalf("waiting for %s in the event log: %v", what, err)
		}
		var entries []logEntry
		switch ev {
		case "log":
			var e logEntry
			if err := json.Unmarshal(data, &e); err != nil {
				t.Fatal(err)
			}
			entries = []logEntry{e}
		case "hello":
			var h struct {
				Log []logEntry `json:"log"`
			}
			if err := json.Unmarshal(data, &h); err != nil {
				t.Fatal(err)
			}
			entries = h.Log
		}
		for _, e := range entries {
			if match(e) {
				return e
			}
		}
	}
}

func TestSandbox(t *testing.T) {
	t.Parallel()
	base := start(t)
	events := openSSE(t, base)

	var people struct {
		Programme string    `json:"programme"`
		People    []*Person `json:"people"`
	}
	get(t, base+"/api/people", &people)
	byID := map[string]*Person{}
	for _, p := range people.People {
		byID[p.ID] = p
	}
	for id, group := range map[string]string{"amina": "participant", "per": "mentor", "anne": "adviser", "lars": "teacher", "kari": "nav"} {
		if p := byID[id]; p == nil || p.Group != group {
			t.Errorf("person %s = %+v, want group %s", id, p, group)
		}
	}
	if p := byID["amina"]; p == nil || p.Lang != "ar" || !p.RTL {
		t.Fatalf("amina = %+v, want Arabic, right to left", p)
	}
	if people.Programme == "" {
		t.Error("no programme name")
	}

	// Every chat starts with the real welcome and the main menu.
	v := waitChat(t, base, "amina", "the welcome", func(v chatView) bool {
		for _, m := range v.Messages {
			if m.From == "bot" && strings.Contains(m.Text, "Amina Yusuf") {
				return len(v.Keyboard) > 0
			}
		}
		return false
	})
	if v.Messages[0].From != "user" || !strings.HasPrefix(v.Messages[0].Text, "/start ") {
		t.Errorf("first message = %+v, want the user's /start", v.Messages[0])
	}
	waitChat(t, base, "per", "the welcome", func(v chatView) bool {
		return len(v.Messages) > 1 && strings.Contains(v.Messages[1].Text, "Per Olsen")
	})

	// "/week" for Amina: an Arabic answer listing her placement, and an
	// event-log entry saying what was sent, to whom, in which language, why.
	if code := post(t, base+"/api/send", sendReq{Person: "amina", Text: "/week"}, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	v = waitChat(t, base, "amina", "an answer to /week", func(v chatView) bool {
		sent := -1
		for i, m := range v.Messages {
			if m.From == "user" && m.Text == "/week" {
				sent = i
			}
			if sent >= 0 && i > sent && m.From == "bot" && strings.Contains(m.Text, "Hotell Strand") {
				return true
			}
		}
		return false
	})
	e := events.waitLog(t, "the /week answer", func(e logEntry) bool {
		return e.Kind == "sent" && e.Person == "amina" && e.Reason == "week"
	})
	if e.Lang != "ar" || e.Name != "Amina Yusuf" || e.MsgID != "week.title" {
		t.Errorf("log entry = %+v", e)
	}

	// The clock: +1 hour, next event, next morning.
	var c0, c1 clockState
	get(t, base+"/api/clock", &c0)
	if c0.Zone != "Europe/Oslo" {
		t.Errorf("zone = %q", c0.Zone)
	}
	if h := c0.Now.In(oslo(t)).Hour(); h != 8 {
		t.Errorf("sandbox starts at %v, want 08:xx", c0.Now.In(oslo(t)))
	}
	post(t, base+"/api/clock", map[string]string{"action": "hour"}, &c1)
	if d := c1.Now.Sub(c0.Now); d < time.Hour || d > time.Hour+5*time.Second {
		t.Errorf("+1 hour moved the clock by %v", d)
	}
	// "Next event" goes exactly where the label said, every time: the
	// label is never a job's lease or a message in flight.
	prev := c1
	var c2 clockState
	for i := 0; i < 3; i++ {
		if prev.Next == nil {
			t.Fatalf("jump %d: no next event shown after %+v", i, prev)
		}
		label := *prev.Next
		if !label.After(prev.Now) {
			t.Errorf("jump %d: the next event %v is not after now %v", i, label, prev.Now)
		}
		var c clockState
		post(t, base+"/api/clock", map[string]string{"action": "next"}, &c)
		if c.Note != "Next event" || c.Now.Before(label) || c.Now.After(label.Add(5*time.Second)) {
			t.Errorf("jump %d: the label said %v, the clock went to %v (%q)", i, label.In(oslo(t)), c.Now.In(oslo(t)), c.Note)
		}
		if c.Seq <= prev.Seq {
			t.Errorf("jump %d: clock state %d after %d", i, c.Seq, prev.Seq)
		}
		if i == 0 {
			c2 = c
		}
		prev = c
	}
	if !c2.Now.After(c1.Now.Add(time.Minute)) {
		t.Errorf("next event: %+v after %v; want a jump (to the nightly housekeeping at least)", c2, c1.Now)
	}
	var got clockState
	get(t, base+"/api/clock", &got)
	if (got.Next == nil) != (prev.Next == nil) || (got.Next != nil && !got.Next.Equal(*prev.Next)) {
		t.Errorf("GET /api/clock shows next %v, the last move said %v", got.Next, prev.Next)
	}
	events.waitLog(t, "a job run", func(e logEntry) bool { return e.Kind == "job" && !e.At.Before(c2.Now.Add(-time.Second)) })
	var c3 clockState
	post(t, base+"/api/clock", map[string]string{"action": "morning"}, &c3)
	if l := c3.Now.In(oslo(t)); l.Hour() != 7 || l.Minute() != 0 || !l.After(prev.Now) {
		t.Errorf("next morning: clock at %v, want 07:00 after %v", l, prev.Now.In(oslo(t)))
	}

	// Mistakes are refused plainly.
	if code := post(t, base+"/api/clock", map[string]string{"action": "back"}, nil); code != http.StatusBadRequest {
		t.Errorf("bad clock action: %d", code)
	}
	if code := post(t, base+"/api/send", sendReq{Person: "nobody", Text: "hi"}, nil); code != http.StatusNotFound {
		t.Errorf("unknown person: %d", code)
	}
	if code := post(t, base+"/api/send", sendReq{Person: "amina", Text: "  "}, nil); code != http.StatusBadRequest {
		t.Errorf("empty text: %d", code)
	}
	res, err := http.Post(base+"/api/send", "text/plain", strings.NewReader(`{"person":"amina","text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d, want 415", res.StatusCode)
	}
}

func TestSandboxButtonsAndMedia(t *testing.T) {
	t.Parallel()
	base := start(t)
	v := waitChat(t, base, "sarah", "the language offer", func(v chatView) bool {
		for _, m := range v.Messages {
			if len(m.Inline) > 0 {
				return true
			}
		}
		return false
	})
	var offer viewMsg
	for _, m := range v.Messages {
		if len(m.Inline) > 0 {
			offer = m
		}
	}
	var nb viewButton
	for _, row := range offer.Inline {
		for _, b := range row {
			if b.Text == "Norsk" {
				nb = b
			}
		}
	}
	if nb.Data == "" {
		t.Fatalf("no Norsk button in %+v", offer)
	}
	if code := post(t, base+"/api/press", pressReq{Person: "sarah", MessageID: offer.ID, Data: nb.Data}, nil); code != http.StatusOK {
		t.Fatalf("press: %d", code)
	}
	// The offer is edited in place, and the menu comes back in Norwegian.
	waitChat(t, base, "sarah", "the edited offer", func(v chatView) bool {
		for _, m := range v.Messages {
			if m.ID == offer.ID {
				return m.Edited && m.Text != offer.Text && strings.Contains(fmt.Sprint(v.Keyboard), "📅 Min uke")
			}
		}
		return false
	})

	if code := post(t, base+"/api/photo", sendReq{Person: "sarah"}, nil); code != http.StatusOK {
		t.Fatalf("photo: %d", code)
	}
	if code := post(t, base+"/api/voice", sendReq{Person: "sarah"}, nil); code != http.StatusOK {
		t.Fatalf("voice: %d", code)
	}
	v = waitChat(t, base, "sarah", "her photo and voice note", func(v chatView) bool {
		var photo, voice bool
		for _, m := range v.Messages {
			photo = photo || (m.From == "user" && m.Photo != nil)
			voice = voice || (m.From == "user" && m.Voice != nil)
		}
		return photo && voice
	})
	for _, m := range v.Messages {
		if m.Photo == nil {
			continue
		}
		res, err := http.Get(base + m.Photo.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("photo download: %s %q %d bytes", res.Status, res.Header.Get("Content-Type"), len(b))
		}
	}
}

func TestSandboxBadRoster(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roster.yaml")
	if err := os.WriteFile(path, []byte("programme:\n  id: x\nparticipants:\n  - {id: a, name: A, language: xx}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	err := Run(context.Background(), Options{Listen: "127.0.0.1:0", RosterFile: path}, &out, nil)
	var probs roster.Problems
	if !errors.As(err, &probs) || len(probs) == 0 {
		t.Fatalf("Run = %v, want roster problems", err)
	}
	if out.String() != "" {
		t.Errorf("printed %q before failing", out.String())
	}
	err = Run(context.Background(), Options{Listen: "127.0.0.1:0", RosterFile: path + ".missing"}, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "read roster") {
		t.Errorf("missing file: %v", err)
	}
}

func TestStartTime(t *testing.T) {
	r, err := roster.Parse("t", []byte("programme:\n  id: x\n  name: X\n  closed: [2026-12-24, 2026-12-28]\nstaff:\n  - {id: s, name: S, roles: [adviser], language: nb}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cal := schedule.New(r.Programme)
	loc := oslo(t)
	for _, c := range []struct{ now, want string }{
		{"2026-11-26 07:59", "2026-11-26 08:00"}, // Thursday, before eight: today
		{"2026-11-26 10:47", "2026-11-27 08:00"}, // after eight: the next day
		{"2026-11-27 09:00", "2026-11-30 08:00"}, // Friday: skips the weekend
		{"2026-12-23 12:00", "2026-12-29 08:00"}, // closed, Christmas Day, the weekend, closed
		{"2026-03-27 12:00", "2026-03-30 08:00"}, // across the spring DST change
	} {
		now, _ := time.ParseInLocation("2006-01-02 15:04", c.now, loc)
		got := startTime(cal, now).In(loc).Format("2006-01-02 15:04")
		if got != c.want {
			t.Errorf("startTime(%s) = %s, want %s", c.now, got, c.want)
		}
	}
}

func TestClockOnlyMovesForward(t *testing.T) {
	start := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if d := c.Now().Sub(start); d < 0 || d > time.Second {
		t.Fatalf("Now = %v, want about %v", c.Now(), start)
	}
	c.Advance(-time.Hour)
	c.AdvanceTo(start.Add(-time.Hour))
	if c.Now().Before(start) {
		t.Errorf("clock went back to %v", c.Now())
	}
	if got := c.AdvanceTo(start.Add(24 * time.Hour)); got.Sub(start) < 24*time.Hour || got.Sub(start) > 24*time.Hour+time.Second {
		t.Errorf("AdvanceTo = %v", got)
	}
}

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"<b>Amina</b> &amp; <i>Per</i>": "Amina & Per",
		"a &lt;b&gt; c":                 "a <b> c",
	} {
		if got := plainText(in, "HTML"); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := plainText("<b>x</b>", ""); got != "<b>x</b>" {
		t.Errorf("plain text was changed: %q", got)
	}
}

func TestPageURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/",
		"[::]:8080":      "http://127.0.0.1:8080/",
		"[::1]:8080":     "http://[::1]:8080/",
	} {
		if got := pageURL(fakeAddr(addr)); got != want {
			t.Errorf("pageURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

func oslo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
