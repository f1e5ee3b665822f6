package sandbox

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"innsjekk/engine"
	"innsjekk/examples"
	"innsjekk/roster"
)

func testRoster(t *testing.T) *roster.Roster {
	t.Helper()
	r, err := roster.Parse("examples/roster.yaml", examples.Roster)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func engineEvent(kind, person, reason, msg string) engine.Event {
	return engine.Event{At: time.Now(), Kind: kind, Person: person, Reason: reason, MsgID: msg}
}

// flowConstants reads the string constants of one type from the flows
// package's source, so that a reason or timer added there and not here
// fails this test instead of showing up as a code in the event log.
func flowConstants(t *testing.T, typ string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "flows", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("flows sources: %v", err)
	}
	var out []string
	fset := gotoken.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || vs.Type == nil {
				return true
			}
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typ {
				return true
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
					s, _ := strconv.Unquote(lit.Value)
					out = append(out, s)
				}
			}
			return true
		})
	}
	return out
}

// TestReasonWords: every reason the flows give reads as words. One added
// there and not yet here falls back to its code with spaces; the test
// names it so the table can catch up, without holding up the flows.
func TestReasonWords(t *testing.T) {
	reasons := flowConstants(t, "Reason")
	if len(reasons) < 50 {
		t.Fatalf("found only %d reasons in flows: %v", len(reasons), reasons)
	}
	for _, r := range reasons {
		if _, ok := reasonWords[r]; !ok {
			t.Errorf("reason %q has no words in reasonWords; it reads %q", r, reasonPhrase(r))
		}
		if w := reasonPhrase(r); w == "" || strings.Contains(w, "_") {
			t.Errorf("reason %q reads %q", r, w)
		}
	}
	for r, w := range reasonWords {
		if w == "" || strings.Contains(w, "_") {
			t.Errorf("reasonWords[%q] = %q", r, w)
		}
	}
}

// TestJobWords lists the timers the flows schedule that have no name
// here yet.
func TestJobWords(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "flows", "*.go"))
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			// func (NudgeTimer) TimerKind() string { return "ci.nudge" }
			_, after, ok := strings.Cut(line, ") TimerKind() string")
			if !ok {
				continue
			}
			_, lit, ok := strings.Cut(after, "return ")
			if !ok {
				continue
			}
			kind, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lit), "}")))
			if err != nil {
				continue
			}
			n++
			if _, ok := jobWords[kind]; !ok {
				t.Errorf("timer %q has no words in jobWords; it reads %q", kind, jobNoun(kind))
			}
		}
	}
	if n < 10 {
		t.Errorf("found only %d timer kinds in flows", n)
	}
}

func TestDescribe(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 7, 3, 0, 0, time.UTC)
	amina := logEntry{At: at, Person: "amina", Name: "Amina Yusuf", Role: "participant"}
	step := logGroup{kind: "step", reason: "absence_reported", person: "amina"}
	with := func(e logEntry, f func(*logEntry)) logEntry { f(&e); return e }
	for _, c := range []struct {
		e      logEntry
		job    string
		lag    time.Duration
		out    string
		parent *logGroup
		want   string
	}{
		{e: with(amina, func(e *logEntry) { e.Kind, e.Reason = "step", "absence_reported" }),
			want: "Amina Yusuf reported an absence"},
		{e: with(amina, func(e *logEntry) { e.Kind, e.Reason = "step", "none" }),
			want: "Amina Yusuf wrote; the bot had nothing to do"},
		{e: logEntry{At: at, Kind: "sent", Person: "per", Name: "Per Olsen", Role: "mentor", Reason: "absence_reported", MsgID: "absence.mentor"},
			parent: &step, want: "Told Per Olsen (mentor)"},
		{e: with(amina, func(e *logEntry) { e.Kind, e.Reason, e.MsgID = "sent", "absence_reported", "absence.sent" }),
			parent: &step, want: "Replied to Amina Yusuf"},
		{e: with(amina, func(e *logEntry) { e.Kind, e.MsgID = "sent", "commands" }),
			want: "Set the command menu of Amina Yusuf"},
		{e: with(amina, func(e *logEntry) { e.Kind, e.Reason, e.Detail = "job", "check_in_nudge", "nudge:amina" }), job: "ci.nudge",
			want: "Amina Yusuf had not checked in and was reminded to"},
		{e: with(amina, func(e *logEntry) { e.Kind, e.Reason = "job", "none" }), job: "ci.nudge", lag: 22 * time.Hour,
			want: "Check-in nudge for Amina Yusuf: nothing to send (was due Wed 02.12 10:03)"},
		{e: logEntry{At: at, Kind: "job", Reason: "housekeeping"}, job: "housekeeping",
			want: "Housekeeping: old update ids and sent-message records cleared"},
		{e: logEntry{At: at, Kind: "plan", Reason: "18 planned, 2 missed", Detail: "2026-12-03"},
			want: "Planned Thu 03.12.2026: 18 reminders, nudges and cards; 2 were skipped because their time had passed"},
		{e: with(amina, func(e *logEntry) { e.Kind, e.Reason, e.Detail = "missed", "rem.evening", "remind:amina:2026-12-03" }),
			want: "Skipped: evening reminder for Amina Yusuf, because its time had passed when the day was planned"},
		{e: logEntry{At: at, Kind: "dropped", Person: "per", Name: "Per Olsen", Role: "mentor", Detail: "blocked"}, out: "blocked",
			want: "Not delivered to Per Olsen (mentor): they have blocked the bot"},
		{e: with(amina, func(e *logEntry) { e.Kind, e.Detail = "retry", "2026-12-03T07:04:00Z" }), out: "transient",
			want: "Could not reach Telegram; will try Amina Yusuf again at Thu 03.12 08:04"},
	} {
		if got := describe(c.e, c.job, c.lag, c.out, c.parent, oslo); got != c.want {
			t.Errorf("describe(%s %s) = %q, want %q", c.e.Kind, c.e.Reason, got, c.want)
		}
	}
}

// TestLogGroups: a step's messages name it as their parent, a message
// logged before its step is adopted by it, and a plan adopts the jobs it
// skipped.
func TestLogGroups(t *testing.T) {
	s := &sandbox{hub: newHub(), poke: make(chan struct{}, 1), byID: map[string]*Person{}, byChat: map[int64]*Person{}}
	s.r = testRoster(t)
	for _, p := range []*Person{{ID: "amina", Name: "Amina Yusuf", Group: "participant", User: 1}, {ID: "per", Name: "Per Olsen", Group: "mentor", User: 2},
		{ID: "anne", Name: "Anne Hansen", Group: "adviser", User: 3}} {
		s.byID[p.ID], s.byChat[p.User] = p, p
	}
	obs := func(kind, person, reason, msg string) logEntry {
		s.observe(engineEvent(kind, person, reason, msg))
		l := s.hub.logSnapshot()
		return l[len(l)-1]
	}
	st := obs("step", "amina", "absence_reported", "")
	if st.Text != "Amina Yusuf reported an absence" {
		t.Errorf("step: %+v", st)
	}
	for _, to := range []string{"per", "anne", "amina"} {
		if e := obs("sent", to, "absence_reported", "absence.x"); e.Parent != st.Seq {
			t.Errorf("message to %s: parent %d, want %d", to, e.Parent, st.Seq)
		}
	}
	// The sender beat the step's report.
	early := obs("sent", "per", "meeting_booked", "meeting.booked")
	if early.Parent != 0 {
		t.Errorf("early message has parent %d", early.Parent)
	}
	late := obs("step", "anne", "meeting_booked", "")
	if len(late.Adopt) != 1 || late.Adopt[0] != early.Seq {
		t.Errorf("step adopts %v, want [%d]", late.Adopt, early.Seq)
	}
	// Skipped jobs come before the plan that skipped them.
	m := obs("missed", "amina", "rem.evening", "")
	plan := obs("plan", "", "3 planned, 1 missed", "")
	if len(plan.Adopt) != 1 || plan.Adopt[0] != m.Seq {
		t.Errorf("plan adopts %v, want [%d]", plan.Adopt, m.Seq)
	}
	// Updates taken in are not news.
	n := len(s.hub.logSnapshot())
	s.observe(engineEvent("intake", "", "", ""))
	if len(s.hub.logSnapshot()) != n {
		t.Error("an intake was logged")
	}
}
