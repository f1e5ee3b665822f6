package flows_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"innsjekk/codec"
	"innsjekk/examples"
	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts under testdata/")

var oslo, _ = time.LoadLocation("Europe/Oslo")

// Tuesday 1 December 2026, 08:00 in Oslo.
var tuesday = time.Date(2026, 12, 1, 8, 0, 0, 0, oslo)

// A transcript is a conversation a reviewer can read: what people type and
// tap, and what each of them is sent, as rendered text. Lines of a file:
//
//	# a comment
//	at 2026-12-01 09:31      move the clock; jobs due by then run
//	only amina yonas         the roster's only participants
//	lang amina nb            the roster language of a person
//	leave amina              a new roster without amina
//	bind amina per anne      these people are on Telegram
//	invite yonas CODE        an invite code for yonas
//	amina> 🤒 Jeg er syk      amina types (a menu tap is typed text too)
//	amina> /meeting …        a command
//	amina> [I dag]           amina taps the newest button with that label
//	amina> [↩️ Angre] #1      … the one on her message #1
//	per> [✔ Kvitter] @kari   … one of kari's, pressed by per
//	amina> [↩️ Angre] #2 (old)  … one message #2 showed before it was taken away
//	amina> press 1|abs|send  a button's raw data, as a forged press would send
//	amina> again             her last press once more (a double tap)
//	blocks amina             amina has blocked the bot (unblocks: again not)
//	away anne 2026-12-01 2026-12-04   a staff member away, both days included
//	down until 2026-12-04 07:00       the bot was down until then
//	restart                           the bot starts again and plans today anew
//	goal amina hygiene New text       a roster renaming a goal, keeping its id
//	dropgoal amina hygiene            a roster without that goal
//	amina> (voice)           a voice message; (photo) a photo
//	stranger:ru> hello       someone not on the roster, Telegram app in Russian
//
// Every other line is output, indented, and rewritten by -update:
//
//	→ per #1  absence.mentor      per's first message, with its catalogue id
//	✎ amina #1  absence.confirm_title  an edit of amina's message #1
//	✎ amina #1  buttons            an edit of its buttons only
//	  text, one line each
//	  [button] [button]            one inline keyboard row
//	  ⌨ [label] [label]            the reply keyboard, when it changes
//	⏰ Tue 09:30 ci.nudge amina     a job that fell due (shown when it
//	                               told someone on Telegram)
//	✗ lars  absence.teacher        not sent: lars is not on Telegram
//	! toast text                   the answer to a tapped button
//
// Isolation marks are shown as <FSI> and <PDI>.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no transcripts under testdata/")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(f, "testdata/"), ".txt"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := runTranscript(t, string(src))
			if *update {
				if err := os.WriteFile(f, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if d := cmp.Diff(string(src), got); d != "" {
				t.Errorf("%s differs (-file +now; run go test ./flows -update to accept):\n%s", f, d)
			}
		})
	}
}

// world is the bot's stored state as the engine keeps it, with every
// value passed through the codec as the engine stores it.
type world struct {
	t       *testing.T
	r       *roster.Roster
	cal     *schedule.Calendar
	now     time.Time
	chats   map[int64][]byte
	people  map[string][]byte
	records map[flows.Key]map[string]string
	invites map[string][]byte
	jobs    map[string]codec.Job
	planned map[string]bool // days planned
	held    []heldMsg
	msgs    map[int64][]*sent // each chat's messages, by id-1
	menus   map[int64]string
	chatOf  map[string]int64
	// counts are a stranger chat's counts, each an expiry time.
	counts map[int64]map[string][]time.Time
	// lastPress is each person's last button press, for "again".
	lastPress map[string]flows.Event
	pressed   []pressed
	// blocked people refuse every message, as Telegram does once they
	// block the bot.
	blocked        map[string]bool
	pendingBlocked []string
	out            *strings.Builder
	steps          int
}

type heldMsg struct {
	at  time.Time
	say flows.Say
}

type sent struct {
	id     int
	text   string
	inline [][]flows.Button
	shown  [][]flows.Button // every button the message ever showed
}

func newWorld(t *testing.T) *world {
	r, err := roster.Parse("roster.yaml", examples.Roster)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, r: r, cal: schedule.New(r.Programme), now: tuesday, chats: map[int64][]byte{},
		people: map[string][]byte{}, records: map[flows.Key]map[string]string{}, invites: map[string][]byte{},
		jobs: map[string]codec.Job{}, planned: map[string]bool{}, msgs: map[int64][]*sent{}, menus: map[int64]string{},
		chatOf: map[string]int64{}, lastPress: map[string]flows.Event{}, counts: map[int64]map[string][]time.Time{}, blocked: map[string]bool{}, out: &strings.Builder{}}
	for i, id := range allPeople(r) {
		w.chatOf[id] = int64(1000 + i)
	}
	return w
}

func allPeople(r *roster.Roster) []string {
	var ids []string
	for _, p := range r.Participants {
		ids = append(ids, p.ID)
	}
	for _, s := range r.Staff {
		ids = append(ids, s.ID)
	}
	for _, e := range r.Employers {
		for _, c := range e.Contacts {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func (w *world) personOfChat(chat int64) string {
	for id, c := range w.chatOf {
		if c == chat {
			return id
		}
	}
	return fmt.Sprint(chat)
}

func runTranscript(t *testing.T, src string) (string, *world) {
	w := newWorld(t)
	var b strings.Builder
	w.out = &b
	started := false
	start := func() {
		if !started {
			started = true
			w.planDay(w.cal.Today(w.now))
		}
	}
	for _, line := range strings.Split(strings.TrimRight(src, "\n"), "\n") {
		if strings.HasPrefix(line, "  ") {
			continue // output: regenerated
		}
		b.WriteString(line + "\n")
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "at "):
			at, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimPrefix(line, "at "), oslo)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if !started {
				w.now = at
				start()
				continue
			}
			w.advance(at)
		case strings.HasPrefix(line, "down until "):
			// The bot was not running: the clock moves on and nothing
			// runs, not even the planner; whatever fell due meanwhile is
			// found late by the next "at".
			at, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimPrefix(line, "down until "), oslo)
			if err != nil || !started {
				t.Fatalf("%q: %v", line, err)
			}
			w.now = at
		case line == "restart":
			// The bot starts again: it plans today once more, as every
			// start does.
			w.planDay(w.cal.Today(w.now))
		case strings.HasPrefix(line, "lang "):
			f := strings.Fields(line)
			p, _ := w.r.Person(f[1])
			if p == nil || len(f) != 3 {
				t.Fatalf("%q: no such person", line)
			}
			setLanguage(w.r, f[1], f[2])
		case strings.HasPrefix(line, "only "):
			// Only these participants are on the roster: a transcript
			// about them is not crowded by everyone else's reminders.
			keep := strings.Fields(line)[1:]
			w.r.Participants = slices.DeleteFunc(w.r.Participants, func(p *roster.Participant) bool {
				return !slices.Contains(keep, p.ID)
			})
			w.r.Index()
		case strings.HasPrefix(line, "leave "):
			// A new roster without this participant, and with someone
			// new before everyone else: buttons name people by id, so
			// positions do not matter.
			gone := strings.Fields(line)[1]
			w.r.Participants = slices.DeleteFunc(w.r.Participants, func(p *roster.Participant) bool { return p.ID == gone })
			w.r.Index()
		case strings.HasPrefix(line, "goal ") || strings.HasPrefix(line, "dropgoal "):
			// A new roster that renames a learning goal's text, keeping its
			// id, or drops the goal.
			f := strings.SplitN(line, " ", 4)
			p := w.r.Participant(f[1])
			if p == nil || p.Placement == nil || len(f) < 3 {
				t.Fatalf("%q: want goal PARTICIPANT ID TEXT or dropgoal PARTICIPANT ID", line)
			}
			pl := *p.Placement
			pl.Goals = slices.Clone(pl.Goals)
			i := slices.IndexFunc(pl.Goals, func(g roster.Goal) bool { return g.ID == f[2] })
			switch {
			case i < 0:
				t.Fatalf("%q: no goal %s", line, f[2])
			case f[0] == "dropgoal":
				pl.Goals = slices.Delete(pl.Goals, i, i+1)
			case len(f) == 4:
				pl.Goals[i].Text = f[3]
			}
			p.Placement = &pl
		case strings.HasPrefix(line, "invite "):
			f := strings.Fields(line)
			if len(f) != 3 {
				t.Fatalf("%q: want invite PERSON CODE", line)
			}
			b, _ := codec.EncodeInvite(flows.Invite{Code: f[2], Person: f[1], Expires: w.now.Add(14 * 24 * time.Hour)})
			w.invites[f[2]] = b
		case strings.HasPrefix(line, "away "):
			// A roster where this staff member is away these days.
			f := strings.Fields(line)
			st := w.r.StaffMember(f[1])
			from, err1 := time.Parse("2006-01-02", f[2])
			to, err2 := time.Parse("2006-01-02", f[3])
			if st == nil || err1 != nil || err2 != nil {
				t.Fatalf("%q: want away STAFF FIRST LAST", line)
			}
			st.AwayFrom, st.AwayTo = roster.DateOf(from), roster.DateOf(to)
		case strings.HasPrefix(line, "blocks "):
			w.blocked[strings.Fields(line)[1]] = true
		case strings.HasPrefix(line, "unblocks "):
			delete(w.blocked, strings.Fields(line)[1])
		case strings.HasPrefix(line, "bind "):
			for _, id := range strings.Fields(line)[1:] {
				w.bind(id)
			}
		default:
			who, what, ok := strings.Cut(line, "> ")
			if !ok {
				t.Fatalf("cannot read line %q", line)
			}
			start()
			w.input(who, what)
		}
	}
	return b.String(), w
}

// setLanguage changes a person's roster language, as another roster
// would give it.
func setLanguage(r *roster.Roster, id, lang string) {
	if p := r.Participant(id); p != nil {
		p.Language = lang
	}
	if s := r.StaffMember(id); s != nil {
		s.Language = lang
	}
	if c := r.Contact(id); c != nil {
		c.Language = lang
	}
}

func (w *world) bind(id string) {
	chat, ok := w.chatOf[id]
	if !ok {
		w.t.Fatalf("bind: no person %q", id)
	}
	b, _ := codec.EncodeBinding(flows.Binding{Chat: chat})
	w.people[id] = b
	c, _ := codec.EncodeChat(flows.Chat{Person: id})
	w.chats[chat] = c
}

func (w *world) input(who, what string) {
	// "stranger:ru" is someone not on the roster whose Telegram app says
	// "ru".
	who, hint, _ := strings.Cut(who, ":")
	if hint == "" {
		hint = "en"
	}
	chat, ok := w.chatOf[who]
	if !ok {
		chat = 9000 + int64(len(who))
		w.chatOf[who] = chat
	}
	ev := flows.Event{Kind: flows.EvText, Text: what, LangHint: hint}
	switch {
	case strings.HasPrefix(what, "/"):
		head, rest, _ := strings.Cut(what[1:], " ")
		ev = flows.Event{Kind: flows.EvCommand, Command: head, Text: strings.TrimSpace(schedule.NormalizeDigits(rest)), LangHint: hint}
	case what == "(voice)":
		ev = flows.Event{Kind: flows.EvMedia, Media: &flows.Media{Kind: flows.MediaVoice, FileID: fmt.Sprintf("voice-%d", w.steps)}}
	case what == "(photo)":
		ev = flows.Event{Kind: flows.EvMedia, Media: &flows.Media{Kind: flows.MediaPhoto, FileID: fmt.Sprintf("photo-%d", w.steps)}}
	case what == "again":
		// The same button once more: a double tap, or a client that had
		// not seen the edit that took it away.
		ev = w.lastPress[who]
		if ev.Kind != flows.EvButton {
			w.t.Fatalf("%s> again: %s pressed nothing yet", who, who)
		}
	case strings.HasPrefix(what, "press "):
		data := strings.TrimPrefix(what, "press ")
		ev = flows.Event{Kind: flows.EvButton, Data: data, MessageID: w.lastMessage(chat), LangHint: hint}
	case strings.HasPrefix(what, "["):
		// "[label]" is the newest button with that label; "[label] #2"
		// the one on message #2; "[label] @anne" one of anne's, pressed
		// from here, as a forged or shared button would be.
		where := chat
		if i := strings.LastIndex(what, "] @"); i > 0 {
			other, ok := w.chatOf[what[i+3:]]
			if !ok {
				w.t.Fatalf("%s> %s: no such person", who, what)
			}
			where, what = other, what[:i+1]
		}
		// "[label] #2 (old)" is a button message #2 showed once: a tap
		// that reached the bot after the button was taken away.
		what, old := strings.CutSuffix(what, " (old)")
		label, num, _ := strings.Cut(what[1:], "] #")
		label = strings.TrimSuffix(label, "]")
		msg, data := w.findButton(where, label, num, old)
		if data == "" {
			w.t.Fatalf("%s> %s: no such button in %s's chat; the transcript so far:\n%s", who, what, who, w.out)
		}
		ev = flows.Event{Kind: flows.EvButton, Data: data, MessageID: msg, LangHint: hint}
	}
	if ev.Kind == flows.EvButton {
		w.lastPress[who] = ev
		w.pressed = append(w.pressed, pressed{who: who, chat: chat, ev: ev})
	}
	w.step(chat, ev)
}

// pressed is a button press of a transcript, for replaying it.
type pressed struct {
	who  string
	chat int64
	ev   flows.Event
}

func (w *world) lastMessage(chat int64) int {
	if ms := w.msgs[chat]; len(ms) > 0 {
		return ms[len(ms)-1].id
	}
	return 0
}

func (w *world) findButton(chat int64, label, num string, old bool) (int, string) {
	ms := w.msgs[chat]
	for i := len(ms) - 1; i >= 0; i-- {
		if num != "" && fmt.Sprint(ms[i].id) != num {
			continue
		}
		rows := ms[i].inline
		if old {
			rows = ms[i].shown
		}
		for _, row := range rows {
			for _, b := range row {
				if b.Text == label {
					return ms[i].id, b.Data
				}
			}
		}
	}
	return 0, ""
}

// step runs one event the way the engine does: load what the flow needs
// (through the codec), step, check the input was left alone, apply.
func (w *world) step(chat int64, ev flows.Event) flows.Result {
	w.t.Helper()
	w.steps++
	res := w.run(chat, ev)
	if chat != 0 {
		c, err := codec.EncodeChat(res.Chat)
		if err != nil {
			w.t.Fatal(err)
		}
		w.chats[chat] = c
	}
	w.apply(chat, res)
	for len(w.pendingBlocked) > 0 {
		who := w.pendingBlocked[0]
		w.pendingBlocked = w.pendingBlocked[1:]
		w.step(w.chatOf[who], flows.Event{Kind: flows.EvBlocked, Text: who})
	}
	return res
}

// run steps one event on the stored state without applying its result.
func (w *world) run(chat int64, ev flows.Event) flows.Result {
	w.t.Helper()
	in := flows.Input{Now: w.now, Roster: w.r, Cal: w.cal, ChatID: chat, Event: ev}
	if raw, ok := w.chats[chat]; ok {
		c, err := codec.DecodeChat(raw, w.now)
		if err != nil {
			w.t.Fatal(err)
		}
		in.Chat = c
	}
	if in.Chat.Person == "" && ev.Kind != flows.EvTimer && ev.Kind != flows.EvBlocked {
		live := func(name string) int {
			n := 0
			for _, until := range w.counts[chat][name] {
				if w.now.Before(until) {
					n++
				}
			}
			return n
		}
		in.Limits = flows.Limits{Answers: live("answers"), Presses: live("presses"), Invites: live("invites")}
	}
	needs := flows.NeedsFor(w.r, in.Chat, ev)
	if ev.Kind == flows.EvTimer {
		needs.People = append(needs.People, ev.Timer.TimerSubject())
	}
	in.Records = map[flows.Key]flows.Record{}
	load := func(keys []flows.Key) {
		for _, k := range keys {
			rec, errs := codec.DecodeRecord(w.records[k])
			if len(errs) > 0 {
				w.t.Fatal(errs)
			}
			in.Records[k] = rec
		}
	}
	load(needs.Records)
	if needs.Then != nil {
		more := needs.Then(in.Records)
		needs.People = append(needs.People, more.People...)
		load(more.Records)
	}
	in.People = map[string]flows.Binding{}
	for id, raw := range w.people {
		if needs.AllPeople || slices.Contains(needs.People, id) {
			b, err := codec.DecodeBinding(raw)
			if err != nil {
				w.t.Fatal(err)
			}
			in.People[id] = b
		}
	}
	if needs.Invite != "" {
		if raw, ok := w.invites[needs.Invite]; ok {
			inv, _ := codec.DecodeInvite(raw)
			in.Invite = &inv
		}
	}
	before := deepCopy(w.t, in)
	res := flows.Step(in)
	if d := cmp.Diff(before, in, cmpopts.IgnoreFields(flows.Input{}, "Roster", "Cal")); d != "" {
		w.t.Fatalf("the step changed its input:\n%s", d)
	}
	return res
}

// deepCopy copies an Input all the way down, records through the codec:
// what the step was given must be unchanged after it ran.
func deepCopy(t *testing.T, in flows.Input) flows.Input {
	out := in
	out.Chat.Open = slices.Clone(in.Chat.Open)
	for i := range out.Chat.Open {
		out.Chat.Open[i].Draft = slices.Clone(in.Chat.Open[i].Draft)
	}
	out.People = map[string]flows.Binding{}
	for k, v := range in.People {
		out.People[k] = v
	}
	out.Records = map[flows.Key]flows.Record{}
	for k, r := range in.Records {
		c := flows.Record{}
		for f, v := range r {
			b, err := codec.EncodeField(f, v)
			if err != nil {
				t.Fatal(err)
			}
			if c[f], err = codec.DecodeField(f, b); err != nil {
				t.Fatal(err)
			}
		}
		out.Records[k] = c
	}
	if in.Invite != nil {
		inv := *in.Invite
		out.Invite = &inv
	}
	return out
}

func (w *world) apply(chat int64, res flows.Result) {
	for _, a := range res.Actions {
		switch a := a.(type) {
		case flows.Say:
			if !a.NotBefore.IsZero() && a.NotBefore.After(w.now) {
				w.held = append(w.held, heldMsg{at: a.NotBefore, say: a})
				fmt.Fprintf(w.out, "  ⏸ %s  %s  held until %s\n", w.name(a), a.MsgID, a.NotBefore.In(oslo).Format("Mon 15:04"))
				continue
			}
			w.deliver(a, "")
		case flows.Answer:
			if a.Text != "" {
				fmt.Fprintf(w.out, "  ! %s\n", visible(a.Text))
			}
		case flows.SetBinding:
			if a.Binding.Chat == 0 {
				delete(w.people, a.Person)
			} else {
				b, _ := codec.EncodeBinding(a.Binding)
				w.people[a.Person] = b
			}
		case flows.UseInvite:
			b, _ := codec.EncodeInvite(a.Invite)
			w.invites[a.Invite.Code] = b
		case flows.Put:
			if w.records[a.Key] == nil {
				w.records[a.Key] = map[string]string{}
			}
			if a.Value == nil {
				delete(w.records[a.Key], a.Field)
				continue
			}
			b, err := codec.EncodeField(a.Field, a.Value)
			if err != nil {
				w.t.Fatal(err)
			}
			w.records[a.Key][a.Field] = string(b)
		case flows.Schedule:
			j, err := codec.JobOf(a)
			if err != nil {
				w.t.Fatal(err)
			}
			if _, dup := w.jobs[j.ID]; !dup {
				w.jobs[j.ID] = j
			}
		case flows.CancelJob:
			delete(w.jobs, a.ID)
		case flows.Forget:
			delete(w.records, flows.PersonKey(a.Person))
			if raw, ok := w.people[a.Person]; ok {
				b, _ := codec.DecodeBinding(raw)
				delete(w.chats, b.Chat)
			}
			delete(w.people, a.Person)
			fmt.Fprintf(w.out, "  🗑 %s erased\n", a.Person)
		case flows.SetCommands:
		case flows.Count:
			if w.counts[chat] == nil {
				w.counts[chat] = map[string][]time.Time{}
			}
			w.counts[chat][a.Name] = append(w.counts[chat][a.Name], w.now.Add(a.Window))
		default:
			w.t.Fatalf("unknown action %T", a)
		}
	}
}

func (w *world) name(s flows.Say) string {
	if s.ToPerson != "" {
		return s.ToPerson
	}
	return w.personOfChat(s.To)
}

func (w *world) deliver(s flows.Say, when string) {
	to := s.To
	if to == 0 {
		raw, ok := w.people[s.ToPerson]
		if !ok {
			fmt.Fprintf(w.out, "  ✗ %s  %s  not on Telegram\n", s.ToPerson, s.MsgID)
			return
		}
		b, _ := codec.DecodeBinding(raw)
		to = b.Chat
	}
	if len([]rune(s.Text)) > 4096 {
		w.t.Errorf("message %s is %d characters: Telegram takes 4096", s.MsgID, len([]rune(s.Text)))
	}
	if w.blocked[w.personOfChat(to)] {
		// Telegram answers 403; the shell feeds it back to the flows.
		who := w.personOfChat(to)
		fmt.Fprintf(w.out, "  ✗ %s  %s  has blocked the bot\n", who, s.MsgID)
		w.pendingBlocked = append(w.pendingBlocked, who)
		return
	}
	arrow := "→"
	var m *sent
	if s.Edit != 0 {
		for _, x := range w.msgs[to] {
			if x.id == s.Edit {
				m = x
			}
		}
		if m != nil {
			arrow = "✎"
		}
	}
	if s.ButtonsOnly {
		if m == nil {
			w.t.Errorf("buttons of a message that does not exist: %+v", s)
			return
		}
		m.inline = s.Inline
		m.shown = append(m.shown, s.Inline...)
		fmt.Fprintf(w.out, "  ✎ %s #%d%s  buttons\n", w.personOfChat(to), m.id, when)
		printButtons(w, s.Inline)
		if s.Inline == nil {
			fmt.Fprintf(w.out, "    (none)\n")
		}
		return
	}
	if m == nil {
		m = &sent{id: len(w.msgs[to]) + 1}
		w.msgs[to] = append(w.msgs[to], m)
	}
	m.text, m.inline = s.Text, s.Inline
	m.shown = append(m.shown, s.Inline...)
	name := w.personOfChat(to)
	media := ""
	if s.Media != nil {
		media = "  with " + string(s.Media.Kind) + " " + s.Media.FileID
	}
	if s.Document != nil {
		media = fmt.Sprintf("  with file %s", s.Document.Name)
	}
	fmt.Fprintf(w.out, "  %s %s #%d%s  %s%s\n", arrow, name, m.id, when, s.MsgID, media)
	for _, l := range strings.Split(s.Text, "\n") {
		fmt.Fprintf(w.out, "    %s\n", visible(l))
	}
	printButtons(w, s.Inline)
	if s.Menu != nil || s.NoMenu {
		menu := "⌨ (none)"
		if s.Menu != nil {
			var rows []string
			for _, row := range s.Menu {
				var labels []string
				for _, l := range row {
					labels = append(labels, "["+visible(l)+"]")
				}
				rows = append(rows, strings.Join(labels, " "))
			}
			menu = "⌨ " + strings.Join(rows, " / ")
		}
		if w.menus[to] != menu {
			w.menus[to] = menu
			fmt.Fprintf(w.out, "    %s\n", menu)
		}
	}
}

func printButtons(w *world, rows [][]flows.Button) {
	for _, row := range rows {
		var labels []string
		for _, b := range row {
			if len(b.Data) > 64 {
				w.t.Errorf("button %q: data over 64 bytes: %q", b.Text, b.Data)
			}
			labels = append(labels, "["+visible(b.Text)+"]")
		}
		fmt.Fprintf(w.out, "    %s\n", strings.Join(labels, " "))
	}
}

func visible(s string) string {
	return strings.NewReplacer(locales.FSI, "<FSI>", locales.PDI, "<PDI>").Replace(s)
}

// advance moves the clock to t, running what falls due on the way in due
// order: the daily planner at 00:05, jobs, and messages held for quiet
// hours.
func (w *world) advance(t time.Time) {
	for {
		next, what := t, ""
		ids := make([]string, 0, len(w.jobs))
		for id := range w.jobs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if j := w.jobs[id]; !j.Due.After(next) && (what == "" || j.Due.Before(next)) {
				next, what = j.Due, "job:"+j.ID
			}
		}
		// Messages held for the quiet hours go ahead of jobs due at the
		// same moment, as the outbox sends notices ahead of bulk work.
		for _, h := range w.held {
			if !h.at.After(next) && (what == "" || !h.at.After(next)) {
				next, what = h.at, "held"
			}
		}
		// The planner runs at 00:05 each day.
		for d := w.cal.Today(w.now); !w.cal.Today(t).Before(d); d = schedule.AddDays(d, 1) {
			at := w.cal.At(d, 5)
			if !w.planned[d.String()] && !at.After(next) && (what == "" || at.Before(next)) {
				next, what = at, "plan:"+d.String()
				break
			}
		}
		if what == "" {
			w.now = t
			return
		}
		if next.After(w.now) {
			w.now = next
		}
		switch {
		case what == "held":
			sort.SliceStable(w.held, func(i, j int) bool { return w.held[i].at.Before(w.held[j].at) })
			var keep []heldMsg
			for _, h := range w.held {
				if h.at.After(w.now) {
					keep = append(keep, h)
					continue
				}
				w.deliver(h.say, " ("+h.at.In(oslo).Format("15:04")+")")
			}
			w.held = keep
		case strings.HasPrefix(what, "plan:"):
			d, _ := time.ParseInLocation("2006-01-02", strings.TrimPrefix(what, "plan:"), oslo)
			w.planDay(roster.DateOf(d))
		default:
			j := w.jobs[strings.TrimPrefix(what, "job:")]
			delete(w.jobs, j.ID)
			timer, known, err := codec.Timer(j)
			if err != nil || !known {
				w.t.Fatalf("job %s: %v (known %v)", j.ID, err, known)
			}
			var chat int64
			if raw, ok := w.people[timer.TimerSubject()]; ok {
				b, _ := codec.DecodeBinding(raw)
				chat = b.Chat
			}
			// A job whose every message went nowhere is left out: the
			// transcript is about the people in it.
			out := w.out
			var buf strings.Builder
			w.out = &buf
			w.step(chat, flows.Event{Kind: flows.EvTimer, Timer: timer})
			w.out = out
			if text := buf.String(); strings.Contains(text, "  → ") || strings.Contains(text, "  ✎ ") || strings.Contains(text, "  ⏸ ") {
				fmt.Fprintf(w.out, "  ⏰ %s %s %s\n%s", j.Due.In(oslo).Format("Mon 15:04"), j.Kind, timer.TimerSubject(), text)
			}
		}
	}
}

func (w *world) planDay(d roster.Date) {
	w.planned[d.String()] = true
	jobs, missed := flows.Plan(w.r, w.cal, d, w.now)
	for _, m := range missed {
		if w.people[m.Timer.TimerSubject()] != nil {
			fmt.Fprintf(w.out, "  ⏭ missed %s (due %s)\n", m.ID, m.Due.In(oslo).Format("Mon 15:04"))
		}
	}
	for _, s := range jobs {
		j, err := codec.JobOf(s)
		if err != nil {
			w.t.Fatal(err)
		}
		if _, dup := w.jobs[j.ID]; !dup {
			w.jobs[j.ID] = j
		}
	}
}
