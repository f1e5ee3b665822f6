// Package sandbox runs Innsjekk offline for a person to try in a browser:
// the embedded store, the project's fake Telegram Bot API and the real bot
// against it, one simulated Telegram user per roster person (bound through
// the real invite flow), and a web page to chat as each of them, move a
// simulated clock and watch what the bot sends and why.
//
// The clock starts at 08:00 on the next working day in the programme's
// zone (see startTime) and then runs in real time; the page moves it
// forward.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"innsjekk/app"
	"innsjekk/bot/fakeapi"
	"innsjekk/engine"
	"innsjekk/examples"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// DefaultListen is where the page is served unless Options say otherwise.
const DefaultListen = "127.0.0.1:8080"

// token is the fake bot's token. The fake takes the bot's id from its
// numeric prefix, as Telegram does; nothing real ever sees it.
const token = "7000000001:sandbox-fake-token"

// lease is how long the engine holds a job or message it is working on
// before it would try again: here, for good. The bot runs in this
// process, so nothing is left half done by a crash; and the clock jumps,
// which with the engine's usual minute would run a job or send a message
// twice whenever a move fell while it was in hand, and would show the
// lease's end as the "next event". A job being run is seen by its lease
// lying this far ahead (see busy).
const lease = 10 * 365 * 24 * time.Hour

// firstUserID is the first simulated user's id; the rest follow in the
// order of the people list, so ids are stable between runs.
const firstUserID = 1000

// Options configure a sandbox.
type Options struct {
	// Listen is the page's address; "" means DefaultListen, and port 0
	// picks a free one.
	Listen string
	// RosterFile is a roster to load instead of the built-in example.
	RosterFile string
	// Ready, if set, is called with the page's URL once it is served.
	Ready func(url string)
}

// Person is one roster person as the page lists them.
type Person struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Group    string   `json:"group"` // participant, mentor, adviser, teacher, nav or admin
	Roles    []string `json:"roles"`
	Lang     string   `json:"lang"`
	LangName string   `json:"lang_name"`
	RTL      bool     `json:"rtl"`
	Detail   string   `json:"detail,omitempty"`
	User     int64    `json:"user"`
	// A participant's placement days ("Tue", "Thu") and contact people,
	// for the page's guided tour.
	Days    []string `json:"days,omitempty"`
	Mentor  string   `json:"mentor,omitempty"`
	Adviser string   `json:"adviser,omitempty"`
	Nav     string   `json:"nav,omitempty"`
}

type sandbox struct {
	clk  *Clock
	cal  *schedule.Calendar
	r    *roster.Roster
	fake *fakeapi.Server
	app  *app.App
	hub  *hub

	// Built before anything runs and never changed, so the engine's
	// goroutines read them without a lock.
	people []*Person
	byID   map[string]*Person
	byChat map[int64]*Person

	mu       sync.Mutex
	userMsgs map[int64][]userMsg // what each simulated user sent, oldest first

	// The event log's grouping: which step or job a message belongs to.
	logMu   sync.Mutex
	groups  []logGroup  // recent steps, jobs and plans, oldest first
	orphans []logOrphan // recent entries waiting for their cause

	moving sync.Mutex // held while the clock is being moved or the next event sought

	// The next event as settle last found it: what the page's label
	// shows and the "next event" button jumps to.
	nextMu    sync.Mutex
	next      time.Time
	nextOK    bool
	nextKnown bool // settle has run at least once
	clockSeq  atomic.Int64

	// poke asks for the clock state to be published again: a step or a
	// job may have changed when the next event is due.
	poke chan struct{}
}

// Run runs the sandbox until ctx ends. It prints the page's URL to stdout
// as soon as the page is served.
func Run(ctx context.Context, opts Options, stdout io.Writer, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name, data := "examples/roster.yaml", examples.Roster
	if opts.RosterFile != "" {
		b, err := os.ReadFile(opts.RosterFile)
		if err != nil {
			return fmt.Errorf("read roster: %w", err)
		}
		name, data = opts.RosterFile, b
	}
	// Parsed here as well as by app.New because the clock, which app.New
	// needs, depends on the roster's time zone.
	r, err := roster.Parse(name, data)
	if err != nil {
		return err
	}
	listen := opts.Listen
	if listen == "" {
		listen = DefaultListen
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()

	cal := schedule.New(r.Programme)
	s := &sandbox{
		clk:      NewClock(startTime(cal, time.Now())),
		cal:      cal,
		r:        r,
		hub:      newHub(),
		userMsgs: map[int64][]userMsg{},
		poke:     make(chan struct{}, 1),
	}
	s.people = listPeople(r)
	s.byID = map[string]*Person{}
	s.byChat = map[int64]*Person{}
	for _, p := range s.people {
		s.byID[p.ID] = p
		s.byChat[p.User] = p
	}

	s.fake = fakeapi.New(token)
	s.fake.SetClock(s.clk.Now)
	api := httptest.NewServer(s.fake) // binds 127.0.0.1 only
	// The fake must close first: it ends the bot's long poll, which the
	// httptest server would otherwise wait out.
	defer api.Close()
	defer s.fake.Close()

	conn, err := store.OpenEmbedded()
	if err != nil {
		return err
	}
	defer conn.Close()

	cfg := app.Config{Token: token, APIURL: api.URL, Listen: "127.0.0.1:0"}
	a, err := app.New(ctx, cfg, log, app.Options{
		Clock:      s.clk,
		Conn:       conn,
		RosterName: name,
		RosterData: data,
		Engine:     engine.Options{PollInterval: 200 * time.Millisecond, JobLease: lease, SendLease: lease},
	})
	if err != nil {
		return err
	}
	defer a.Close()
	s.app = a
	// Set before Run: the engine reads Observe without a lock.
	a.Engine().AddObserver(s.observe)

	// Subscribed before any user speaks, so the transcript misses nothing.
	events, unsubscribe := s.fake.Subscribe()
	defer unsubscribe()

	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	appErr := make(chan error, 1)
	wg.Add(3)
	go func() { defer wg.Done(); appErr <- a.Run(runCtx) }()
	go func() { defer wg.Done(); s.watchFake(runCtx, events) }()
	go func() { defer wg.Done(); s.publishClock(runCtx) }()

	if err := s.bindEveryone(ctx); err != nil {
		return err
	}
	// The next event is known once the welcomes are out; pages hear of
	// it then.
	select {
	case s.poke <- struct{}{}:
	default: // one is waiting already
	}

	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		// Server-sent event streams end with the sandbox.
		BaseContext: func(net.Listener) context.Context { return runCtx },
	}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	url := pageURL(ln.Addr())
	fmt.Fprintf(stdout, "sandbox: %s\n", url)
	if opts.Ready != nil {
		opts.Ready(url)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-appErr:
		// The bot also stops when ctx ends; only an early stop is news.
		if runErr == nil && ctx.Err() == nil {
			runErr = errors.New("the bot stopped")
		}
	case runErr = <-srvErr:
	}
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return runErr
}

// pageURL is the URL to print: an unspecified host (":8080") is served on
// every interface, loopback included, and only loopback is sure to work.
func pageURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// listPeople lists everyone on the roster in the page's order:
// participants, mentors, then staff; each gets a simulated user id.
func listPeople(r *roster.Roster) []*Person {
	var out []*Person
	add := func(p roster.Person, group string, roles []string, detail string) *Person {
		out = append(out, &Person{
			ID: p.ID, Name: p.Name, Group: group, Roles: roles, Lang: p.Language,
			LangName: locales.Name(p.Language), RTL: locales.RTL(p.Language), Detail: detail,
			User: int64(firstUserID + len(out)),
		})
		return out[len(out)-1]
	}
	for _, p := range r.Participants {
		detail := "no placement"
		if p.Placement != nil {
			detail = p.Placement.Employer.Name + " · " + weekdays(p.Placement.Days)
		}
		x := add(p.Person, string(roster.RoleParticipant), []string{string(roster.RoleParticipant)}, detail)
		if pl := p.Placement; pl != nil {
			x.Days = strings.Split(weekdays(pl.Days), ", ")
			if pl.Mentor != nil {
				x.Mentor = pl.Mentor.ID
			}
		}
		if p.Adviser != nil {
			x.Adviser = p.Adviser.ID
		}
		if p.Nav != nil {
			x.Nav = p.Nav.ID
		}
	}
	for _, e := range r.Employers {
		for _, c := range e.Contacts {
			var names []string
			for _, p := range r.PlacedWith(c) {
				names = append(names, p.Name)
			}
			detail := e.Name
			if len(names) > 0 {
				detail += " · " + strings.Join(names, ", ")
			}
			add(c.Person, string(roster.RoleMentor), []string{string(roster.RoleMentor)}, detail)
		}
	}
	for _, s := range r.Staff {
		roles := make([]string, len(s.Roles))
		for i, x := range s.Roles {
			roles[i] = string(x)
		}
		group := string(roster.RoleAdmin)
		if len(roles) > 0 {
			group = roles[0]
		}
		n := len(r.Caseload(s))
		detail := strings.Join(roles, ", ")
		if n > 0 {
			detail += fmt.Sprintf(" · %d participants", n)
		}
		add(s.Person, group, roles, detail)
	}
	return out
}

func weekdays(ds []time.Weekday) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.String()[:3]
	}
	return strings.Join(names, ", ")
}

// bindEveryone gives each person a simulated Telegram user and has that
// user redeem a fresh invite, exactly as a real person would, so every
// chat starts with the bot's real welcome.
func (s *sandbox) bindEveryone(ctx context.Context) error {
	for _, p := range s.people {
		s.fake.AddUser(fakeapi.User{ID: p.User, FirstName: firstName(p.Name), LanguageCode: telegramLang(p.Lang)})
		inv, err := app.NewInvite(ctx, s.app.Store(), s.app.Roster, p.ID, s.clk.Now(), app.DefaultInviteTTL)
		if err != nil {
			return fmt.Errorf("invite %s: %w", p.ID, err)
		}
		s.fake.SendText(p.User, "/start "+inv.Code)
	}
	return nil
}

func firstName(name string) string {
	first, _, _ := strings.Cut(name, " ")
	return first
}

// telegramLang is the language_code a Telegram client would send: a bare
// ISO 639-1 code, which for Dari ("fa-AF" in the roster) is "fa".
func telegramLang(lang string) string {
	base, _, _ := strings.Cut(lang, "-")
	return base
}

// groupWindow is how long after a step or job a message with the same
// reason still counts as its consequence: the sender sends within
// moments, one message a second to each chat.
const groupWindow = 15 * time.Second

// orphanWindow is how long a message logged before its step (the sender
// can be quicker than the step's own report) waits to be adopted.
const orphanWindow = 3 * time.Second

// logGroup is a step, job or plan that later entries may belong to.
type logGroup struct {
	seq    int64
	kind   string
	reason string
	person string
	at     time.Time // real time
}

// logOrphan is a message or skipped job whose cause is not logged yet.
type logOrphan struct {
	seq    int64
	kind   string
	reason string
	person string
	alone  bool // no step or job with its reason was open when it came
	at     time.Time
}

// observe feeds the event log. The engine calls it from several
// goroutines; it must not block them.
func (s *sandbox) observe(ev engine.Event) {
	if ev.Kind == "intake" {
		// Every update is taken in so; the step that handles it says what
		// it was.
		return
	}
	e := logEntry{At: ev.At, Kind: ev.Kind, Reason: ev.Reason, MsgID: ev.MsgID, Lang: ev.Lang, Detail: ev.Detail, Job: ev.Job}
	p := s.byID[ev.Person]
	if p == nil {
		p = s.byChat[ev.Chat]
	}
	switch {
	case p != nil:
		e.Person, e.Name, e.Role = p.ID, p.Name, p.Group
	case ev.Chat != 0:
		e.Name = fmt.Sprintf("chat %d", ev.Chat)
	}
	if e.Lang != "" {
		e.LangName = locales.Name(e.Lang)
	}

	s.logMu.Lock()
	now := time.Now()
	s.pruneGroups(now)
	var parent *logGroup
	switch e.Kind {
	case "sent", "retry", "dropped":
		if g, ok := s.parentOf(e); ok {
			parent = &g
			e.Parent = g.seq
		}
	case "step", "job", "plan":
		e.Adopt = s.adopt(e)
	}
	e.Text = describe(e, ev.Job, ev.Lag, ev.Outcome, parent, s.r.Programme.Location)
	seq := s.hub.addLog(e)
	switch e.Kind {
	case "step", "job", "plan":
		s.groups = append(s.groups, logGroup{seq: seq, kind: e.Kind, reason: e.Reason, person: e.Person, at: now})
	case "sent", "retry", "dropped", "missed":
		if parent == nil {
			s.orphans = append(s.orphans, logOrphan{seq: seq, kind: e.Kind, reason: e.Reason, person: e.Person,
				alone: s.openWith(e.Reason) == 0, at: now})
		}
	}
	s.logMu.Unlock()

	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// pruneGroups forgets steps and orphans too old to gather more entries.
func (s *sandbox) pruneGroups(now time.Time) {
	i := 0
	for i < len(s.groups) && now.Sub(s.groups[i].at) > groupWindow {
		i++
	}
	s.groups = s.groups[i:]
	j := 0
	for j < len(s.orphans) && now.Sub(s.orphans[j].at) > orphanWindow {
		j++
	}
	s.orphans = s.orphans[j:]
}

// openWith counts the open steps and jobs with a reason.
func (s *sandbox) openWith(reason string) int {
	n := 0
	for _, g := range s.groups {
		if g.kind != "plan" && g.reason == reason && reason != "" {
			n++
		}
	}
	return n
}

// parentOf finds the step or job that sent a message: the newest with
// the message's reason that ran in the recipient's own chat, else the
// only one with that reason. A message without a reason (the command
// menu) belongs to the recipient's newest step. Two people's steps with
// the same reason at once leave a message to a third person unclaimed
// rather than guessed.
func (s *sandbox) parentOf(e logEntry) (logGroup, bool) {
	var only logGroup
	n := 0
	for i := len(s.groups) - 1; i >= 0; i-- {
		g := s.groups[i]
		if g.kind == "plan" {
			continue
		}
		if e.Reason == "" {
			if e.Person != "" && g.person == e.Person {
				return g, true
			}
			continue
		}
		if g.reason != e.Reason {
			continue
		}
		if e.Person != "" && g.person == e.Person {
			return g, true
		}
		if n == 0 {
			only = g
		}
		n++
	}
	return only, n == 1
}

// adopt takes the orphans that belong to a new step, job or plan: its
// messages that were logged first, or, for a plan, the jobs it skipped.
func (s *sandbox) adopt(e logEntry) []int64 {
	var out []int64
	keep := s.orphans[:0]
	for _, o := range s.orphans {
		var mine bool
		switch {
		case e.Kind == "plan":
			mine = o.kind == "missed"
		case o.kind == "missed":
		case o.reason == "":
			mine = e.Person != "" && o.person == e.Person
		case o.reason == e.Reason:
			mine = (e.Person != "" && o.person == e.Person) || (o.alone && s.openWith(e.Reason) == 0)
		}
		if mine {
			out = append(out, o.seq)
		} else {
			keep = append(keep, o)
		}
	}
	s.orphans = keep
	return out
}
