package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"innsjekk/app"
	"innsjekk/bot/fakeapi"
	"innsjekk/engine"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// The simulated year: a programme run for a year through the bot, so that
// Redis holds what a year leaves. A year of real time cannot be waited
// for, so here the bot runs in this process (app.App, as "run" builds
// it) with a clock the bench moves, and without Telegram's message rate;
// everything else is as in production: updates go through the fake Bot
// API over TCP, steps run in the flows, jobs fall due on the clock,
// housekeeping and retention run every night.
//
// Each participant has a placement two days a week and classes on two
// other days; checks in on every placement day; reports sick ten times
// (three taps, and "back" the next morning); looks at 📅 My week every
// Monday; raises two issues, each acknowledged and closed by the adviser;
// and has three Nav meetings booked by taps. Mentors answer every weekly
// feedback prompt and rate the learning goals each month; advisers get
// their digests.

// simClock runs at real speed and jumps forward when told: leases and
// per-chat spacing still need time to pass between jumps.
type simClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func newSimClock(at time.Time) *simClock { return &simClock{offset: time.Until(at)} }

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// jump moves the clock to t; it never moves back.
func (c *simClock) jump(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := t.Sub(time.Now().Add(c.offset)); d > 0 {
		c.offset += d
	}
}

// yearMonday is the first Monday after today: the year lies ahead of the
// real date, for the keys Redis expires at absolute times.
func yearMonday(now time.Time) time.Time {
	d := now.In(oslo).AddDate(0, 0, 1)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, oslo)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// step is one thing a user does in a scripted conversation: send text,
// or press a button whose data starts with prefix once it is there.
type yearStep struct {
	text   string
	prefix string
	// forge: when no message carries the button, press it on the newest
	// message with a button starting with forge (a long pick list).
	forge string
	// later: when the button is not there, page forward with the button
	// starting with later whose last argument is the highest (the
	// meeting's day picker: a week without a free day).
	later  string
	record func(data string)
}

type yearScript struct {
	name  string
	steps []yearStep
	tries int
}

type pressKey struct {
	chat int64
	msg  int
	data string
}

type yearSim struct {
	b     *bench
	start time.Time
	br    *benchRoster
	api   *benchAPI
	a     *app.App
	st    *store.Store
	clk   *simClock
	cal   *schedule.Calendar
	parts map[string]*roster.Participant

	lastEvent      atomic.Int64
	intakes, steps atomic.Int64

	mu      sync.Mutex
	dirty   map[int64]bool
	scripts map[int64][]*yearScript
	pressed map[pressKey]bool
	// meetingDay is the day each participant's latest meeting was booked
	// on: the day they must pick in the notice.
	meetingDay map[int64]string
	stuck      map[string]int
	actions    int
}

func (b *bench) runYear() error {
	n, days := b.yearN, b.yearDays
	yearStart := yearMonday(time.Now())
	end := yearStart.AddDate(0, 0, days)
	g := genRoster{id: "benchyear", n: n, prefix: "y", hours: "09:00-15:00", classHours: "09:00-12:00",
		from: yearStart.Format("2006-01-02"), to: end.AddDate(0, 0, -1).Format("2006-01-02"), goals: true, cards: true,
		days: func(i int) []string {
			return [][]string{{"mon", "wed"}, {"tue", "thu"}, {"wed", "fri"}, {"mon", "thu"}, {"tue", "fri"}}[i%5]
		},
		start: func(i int) time.Time { return yearStart.AddDate(0, 0, -7*(i%20)) },
	}
	br, err := g.build()
	if err != nil {
		return err
	}
	if err := b.redis.flush(b.ctx, dbYear); err != nil {
		return err
	}
	defer func() { _ = b.redis.flush(context.Background(), dbYear) }()
	api, err := newBenchAPI()
	if err != nil {
		return err
	}
	defer api.Close()
	y := &yearSim{b: b, start: yearStart, br: br, api: api, clk: newSimClock(yearStart.Add(-12 * time.Hour)), cal: schedule.New(br.r.Programme),
		parts: map[string]*roster.Participant{}, dirty: map[int64]bool{}, scripts: map[int64][]*yearScript{},
		pressed: map[pressKey]bool{}, meetingDay: map[int64]string{}, stuck: map[string]int{}}
	for _, p := range br.r.Participants {
		y.parts[p.ID] = p
	}
	api.fake.SetClock(y.clk.Now)
	api.setHook(y.observeAPI)
	logf, err := os.Create(filepath.Join(b.dir, "year.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg := app.Config{Token: benchToken, APIURL: api.URL, Redis: store.Config{URL: b.redis.URL(dbYear)}, BotUsername: "innsjekk_test_bot"}
	var level slog.Level
	if level.UnmarshalText([]byte(b.logLevel)) != nil {
		level = slog.LevelInfo
	}
	a, err := app.New(b.ctx, cfg, slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: level})), app.Options{
		Clock: y.clk, Listener: ln, RosterName: "benchyear.yaml", RosterData: br.data,
		Engine: engine.Options{GlobalRate: 1e6, ChatSpacing: time.Millisecond, PollInterval: 20 * time.Millisecond},
	})
	if err != nil {
		return err
	}
	defer a.Close()
	y.a, y.st = a, a.Store()
	a.Engine().AddObserver(func(ev engine.Event) {
		y.lastEvent.Store(time.Now().UnixNano())
		switch ev.Kind {
		case "intake":
			y.intakes.Add(1)
		case "step":
			y.steps.Add(1)
		}
	})
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	defer stop()
	if err := api.waitPolls(b.ctx, 0, 30*time.Second); err != nil {
		return err
	}
	t0 := time.Now()
	b.logf("year: onboarding %d people", len(br.participants)+len(br.staff)+len(br.contacts))
	if err := y.onboard(); err != nil {
		return err
	}
	// The onboarded programme before its year, to compare a step's cost
	// with and without a year of records behind it.
	if err := b.redis.copyDB(b.ctx, dbYear, dbGolden); err != nil {
		return err
	}
	plan := y.plan(days)
	b.logf("year: %d participants, %d days", n, days)
	for d := range days {
		if err := b.ctx.Err(); err != nil {
			return errStopped
		}
		day := y.cal.Today(yearStart.AddDate(0, 0, d).Add(12 * time.Hour))
		if d%30 == 0 {
			b.logf("year: day %d of %d (%s), %s", d, days, day, time.Since(t0).Round(time.Second))
		}
		if err := y.runDay(day, plan); err != nil {
			return fmt.Errorf("%s: %w", day, err)
		}
	}
	// The evening of the last day, then the night's housekeeping.
	y.clk.jump(y.cal.At(y.cal.Today(end.Add(12*time.Hour)), 4*60))
	if err := y.settle(); err != nil {
		return err
	}
	stats := a.Engine().Stats()
	took := time.Since(t0)
	b.notef("year: %d updates handled, %d messages sent, %d jobs run, %d user actions, in %s real time (bot in-process, clock moved by the bench, sender unthrottled)",
		stats.Updates.Load(), stats.Sent.Load(), stats.Jobs.Load(), y.actions, took.Round(time.Second))
	for name, k := range y.stuck {
		b.notef("year: %d %q conversations found no button to press and were abandoned", k, name)
	}
	total, kinds, gone, ok, err := b.redis.memory(b.ctx, dbYear, y.st.Prefix(), y.clk.Now())
	if err != nil {
		return err
	}
	if !ok {
		b.add(figure{ID: fmt.Sprintf("redis.per_participant@%d.%dd", n, days), Name: fmt.Sprintf("Redis per participant, %d participants × %d days", n, days),
			Unit: "B", Goal: "≤ 4096 B", Status: "info"})
		b.notef("year: MEMORY USAGE needs a real Redis (the embedded store cannot tell)")
		return nil
	}
	if v, err := b.redis.client(dbYear).MemoryUsage(b.ctx, "innsjekk:programmes", 0).Result(); err == nil {
		total += v
	}
	if gone > 0 {
		b.notef("year: %d keys left out, set to expire before the simulated end (invites, sent-message digests: Redis would have dropped them)", gone)
	}
	per := float64(total) / float64(n)
	goal := "≤ 4096 B"
	st := status(per <= 4096)
	if days < 365 {
		goal, st = "(≤ 4096 B for 365 days)", "info"
	}
	b.add(figure{ID: fmt.Sprintf("redis.per_participant@%d.%dd", n, days), Name: fmt.Sprintf("Redis per participant, %d participants × %d days", n, days),
		Unit: "B", Value: num(per), Goal: goal, Status: st})
	for i, k := range kinds {
		if i == 8 {
			break
		}
		b.notef("year: %-22s %6d keys %10d B  %5.1f B/participant  %4.1f%%", k.Kind, k.Keys, k.Bytes, float64(k.Bytes)/float64(n), 100*float64(k.Bytes)/float64(total))
	}
	stop()
	return y.historyCost(end)
}

// historyCost runs the same taps against the programme as onboarded and
// as the year left it, each in a bot process of its own: the difference
// is what a year of records costs every step. The tap is the check-in
// button on a day without placement, which the bot answers as stale only
// after loading the participant's records.
func (y *yearSim) historyCost(end time.Time) error {
	b := y.b
	at := end.Add(10 * time.Hour)
	s := &sizeRun{b: b, n: y.b.yearN, br: y.br}
	side := &botSide{name: "innsjekk", api: y.api, msg: map[int64]int{}}
	for _, id := range y.br.participants {
		c := y.br.chat[id]
		s.chats = append(s.chats, c)
		if msgs := y.api.fake.Chat(c); len(msgs) > 0 {
			side.msg[c] = msgs[len(msgs)-1].ID
		}
	}
	data := flows.Payload{Flow: "ci", Args: []string{"here", isoDate(at)}}.Encode()
	k := min(b.chats, len(s.chats))
	var res [2]loopResult
	for i, state := range []string{"fresh", "after the year"} {
		if i == 1 {
			if err := b.redis.copyDB(b.ctx, dbYear, dbGolden); err != nil {
				return err
			}
		}
		if err := b.redis.restore(b.ctx); err != nil {
			return err
		}
		b.logf("year: closed loop, %d chats, %s", k, state)
		before := y.api.polls.Load()
		p, err := b.startBot("innsjekk", y.api, b.redis.URL(dbScenario), at, false, fmt.Sprintf("year-history-%d", i))
		if err != nil {
			return err
		}
		err = y.api.waitPolls(b.ctx, before, 60*time.Second)
		if err == nil {
			err = waitIdle(b.ctx, p)
		}
		if err != nil {
			_ = p.stop()
			return err
		}
		tr := newTapTracker()
		res[i] = s.closedLoop(side, p, k, func(chat int64) *tap { return tr.press(y.api.fake, chat, side.msg[chat], data) }, tr.observe)
		if err := p.stop(); err != nil {
			return err
		}
		b.noteLog(p, "year "+state)
	}
	fresh, old := res[0], res[1]
	if !fresh.cpuOK || !old.cpuOK || fresh.answered == 0 || old.answered == 0 {
		return nil
	}
	fc, oc := fresh.cpu/time.Duration(fresh.answered), old.cpu/time.Duration(old.answered)
	tag := fmt.Sprintf("@%d.%dd", y.b.yearN, y.b.yearDays)
	b.add(figure{ID: "history.cpu" + tag, Name: fmt.Sprintf("CPU per tap, a year of records ÷ none (N=%d)", y.b.yearN),
		Unit: "×", Value: num(float64(oc) / float64(fc)), Status: "info"})
	b.add(figure{ID: "history.cpu.year" + tag, Name: "  CPU per tap after the year", Unit: "µs",
		Value: num(float64(oc.Nanoseconds()) / 1e3), Status: "info"})
	b.add(figure{ID: "history.cpu.fresh" + tag, Name: "  CPU per tap before it", Unit: "µs",
		Value: num(float64(fc.Nanoseconds()) / 1e3), Status: "info"})
	b.add(figure{ID: "history.throughput" + tag, Name: fmt.Sprintf("  closed-loop taps/s after the year ÷ before (%d chats)", k),
		Unit: "×", Value: ratio(old.rate, fresh.rate), Status: "info"})
	return nil
}

// waitIdle waits until a bot process has finished starting: its CPU
// time stops growing (a process that starts after a long pause has a
// backlog of planning jobs to run first).
func waitIdle(ctx context.Context, p *botProc) error {
	deadline := time.Now().Add(60 * time.Second)
	last, ok := p.cpu()
	if !ok {
		return pause(ctx, time.Second)
	}
	for time.Now().Before(deadline) {
		if err := pause(ctx, 200*time.Millisecond); err != nil {
			return err
		}
		now, _ := p.cpu()
		if now-last <= 20*time.Millisecond {
			return nil
		}
		last = now
	}
	return nil
}

func (y *yearSim) observeAPI(c apiCall) {
	switch c.Method {
	case "getUpdates":
		return
	case "sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto", "sendVoice":
		if c.Status == 200 && c.Chat != 0 {
			y.mu.Lock()
			y.dirty[c.Chat] = true
			y.mu.Unlock()
		}
	}
	y.lastEvent.Store(time.Now().UnixNano())
}

// settle waits until the bot has nothing left to do at this moment: every
// update fetched and handled, no job or message due, and a short quiet.
func (y *yearSim) settle() error {
	y.a.Engine().Wake()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if err := pause(y.b.ctx, 3*time.Millisecond); err != nil {
			return err
		}
		if time.Since(time.Unix(0, y.lastEvent.Load())) < 10*time.Millisecond {
			continue
		}
		if y.api.fake.Pending() > 0 || y.intakes.Load() > y.steps.Load() {
			continue
		}
		now := y.clk.Now()
		if t, ok, err := y.st.NextJob(y.b.ctx); err != nil || ok && !t.After(now) {
			if time.Now().After(deadline) {
				return errors.New("jobs keep falling due")
			}
			continue
		}
		if t, ok, err := y.st.NextDue(y.b.ctx); err != nil || ok && !t.After(now) {
			if time.Now().After(deadline) {
				return errors.New("the outbox does not drain")
			}
			continue
		}
		return nil
	}
}

func (y *yearSim) onboard() error {
	ctx := y.b.ctx
	var people []string
	people = append(people, y.br.participants...)
	people = append(people, y.br.staff...)
	people = append(people, y.br.contacts...)
	for _, id := range people {
		inv, err := app.NewInvite(ctx, y.st, y.br.r, id, y.clk.Now(), app.DefaultInviteTTL)
		if err != nil {
			return err
		}
		y.api.fake.AddUser(fakeapi.User{ID: y.br.chat[id], FirstName: y.br.name[id], LanguageCode: strings.SplitN(y.br.lang[id], "-", 2)[0]})
		y.api.fake.SendText(y.br.chat[id], "/start "+inv.Code)
	}
	if err := y.settle(); err != nil {
		return err
	}
	all, err := y.st.People(ctx)
	if err != nil {
		return err
	}
	if len(all) < len(people) {
		return fmt.Errorf("onboarding: %d of %d bound", len(all), len(people))
	}
	y.mu.Lock()
	clear(y.dirty)
	y.mu.Unlock()
	return nil
}

// yearPlan says who does what on which day.
type yearPlan struct {
	sick     map[roster.Date][]string
	issues   map[roster.Date][]string
	meetings map[roster.Date][]string
}

func (y *yearSim) plan(days int) yearPlan {
	pl := yearPlan{sick: map[roster.Date][]string{}, issues: map[roster.Date][]string{}, meetings: map[roster.Date][]string{}}
	scale := func(perYear int) int { return max(1, int(math.Round(float64(perYear)*float64(days)/365))) }
	for i, id := range y.br.participants {
		p := y.parts[id]
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		var placed, working []roster.Date
		for d := range days {
			day := y.cal.Today(y.start.AddDate(0, 0, d).Add(12 * time.Hour))
			if _, ok := y.cal.PlacementOn(p, day); ok {
				placed = append(placed, day)
			}
			if y.cal.IsWorkingDay(day) {
				working = append(working, day)
			}
		}
		pick := func(from []roster.Date, k int, into map[roster.Date][]string) {
			for _, j := range rng.Perm(len(from))[:min(k, len(from))] {
				into[from[j]] = append(into[from[j]], id)
			}
		}
		pick(placed, scale(10), pl.sick)
		pick(working, scale(2), pl.issues)
		pick(working, scale(3), pl.meetings)
	}
	return pl
}

// at moves the clock to hh:mm of day, lets the bot do what falls due and
// lets the users answer, until nobody has anything left to do.
func (y *yearSim) at(day roster.Date, hh, mm int, start func()) error {
	y.clk.jump(y.cal.At(day, roster.Clock(hh*60+mm)))
	if err := y.settle(); err != nil {
		return err
	}
	if start != nil {
		start()
	}
	for round := 0; round < 60; round++ {
		if !y.respond() {
			return nil
		}
		if err := y.settle(); err != nil {
			return err
		}
	}
	return nil
}

func (y *yearSim) runDay(day roster.Date, pl yearPlan) error {
	if !y.cal.IsWorkingDay(day) {
		if err := y.at(day, 6, 0, nil); err != nil {
			return err
		}
		return y.at(day, 18, 5, nil)
	}
	sick := map[string]bool{}
	for _, id := range pl.sick[day] {
		sick[id] = true
	}
	monday := schedule.Weekday(day) == time.Monday
	steps := []struct {
		hh, mm int
		start  func()
	}{
		{6, 0, nil},
		{7, 0, nil},
		{7, 30, func() {
			for _, id := range pl.sick[day] {
				y.add(y.br.chat[id], &yearScript{name: "sick", steps: []yearStep{{text: "/sick"},
					{prefix: flows.Payload{Flow: "abs", Args: []string{"today"}}.Encode()},
					{prefix: flows.Payload{Flow: "abs", Args: []string{"send"}}.Encode()}}})
			}
		}},
		{8, 50, func() {
			for _, id := range y.br.participants {
				if _, ok := y.cal.PlacementOn(y.parts[id], day); ok && !sick[id] {
					y.add(y.br.chat[id], &yearScript{name: "checkin", steps: []yearStep{{text: "/checkin"}}})
				}
			}
		}},
		{10, 0, func() {
			if monday {
				for _, id := range y.br.participants {
					y.add(y.br.chat[id], &yearScript{name: "week", steps: []yearStep{{text: "/week"}}})
				}
			}
			for _, id := range pl.issues[day] {
				y.add(y.br.chat[id], &yearScript{name: "issue", steps: []yearStep{{text: "/problem"},
					{prefix: flows.Payload{Flow: "is", Args: []string{"c", "housing"}}.Encode()},
					{text: "Det er fukt og mugg på badet i leiligheten min."},
					{prefix: flows.Payload{Flow: "is", Args: []string{"send"}}.Encode()}}})
			}
			for _, id := range pl.meetings[day] {
				p := y.parts[id]
				if p.Nav == nil {
					continue
				}
				pchat := y.br.chat[id]
				mt := func(args ...string) string { return flows.Payload{Flow: "mt", Args: args}.Encode() }
				y.add(y.br.chat[p.Nav.ID], &yearScript{name: "meeting", steps: []yearStep{{text: "/meeting"},
					{prefix: mt("p", id), forge: "1|mt|"},
					{prefix: mt("d", id) + "|", later: mt("w", id) + "|", record: func(data string) {
						parts := strings.Split(data, "|")
						y.meetingDay[pchat] = parts[len(parts)-1]
					}},
					{prefix: mt("t", id) + "|"},
					{prefix: mt("ok", id) + "|"}}})
			}
		}},
		{14, 35, nil},
		{15, 10, nil},
		{18, 5, nil},
	}
	for _, s := range steps {
		if err := y.at(day, s.hh, s.mm, s.start); err != nil {
			return err
		}
	}
	return nil
}

func (y *yearSim) add(chat int64, s *yearScript) {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.scripts[chat] = append(y.scripts[chat], s)
}

// respond lets every user with something new in their chat, or a
// conversation of their own under way, take one step. It reports
// whether anyone did.
func (y *yearSim) respond() bool {
	y.mu.Lock()
	chats := make([]int64, 0, len(y.dirty)+len(y.scripts))
	for c := range y.dirty {
		chats = append(chats, c)
	}
	for c := range y.scripts {
		if !y.dirty[c] {
			chats = append(chats, c)
		}
	}
	clear(y.dirty)
	y.mu.Unlock()
	slices.Sort(chats)
	acted := false
	for _, c := range chats {
		if y.respondIn(c) {
			acted = true
		}
	}
	return acted
}

// button is one inline button on one bot message.
type button struct {
	msg  int
	data string
	row  []fakeapi.Button
}

func (y *yearSim) respondIn(chat int64) bool {
	f := y.api.fake
	msgs := f.Chat(chat)
	// Only the last few messages can hold a button anyone would still
	// press; the year's history stays unread.
	recent := msgs[max(0, len(msgs)-6):]
	var buttons []button
	for i := len(recent) - 1; i >= 0; i-- {
		for _, row := range recent[i].Inline {
			for _, bt := range row {
				if bt.Data != "" {
					buttons = append(buttons, button{msg: recent[i].ID, data: bt.Data, row: row})
				}
			}
		}
	}
	press := func(msg int, data string) {
		y.mu.Lock()
		y.pressed[pressKey{chat, msg, data}] = true
		y.actions++
		y.mu.Unlock()
		f.Press(chat, msg, data)
	}
	fresh := func(b button) bool {
		y.mu.Lock()
		defer y.mu.Unlock()
		return !y.pressed[pressKey{chat, b.msg, b.data}]
	}
	acted := false
	y.mu.Lock()
	var s *yearScript
	if q := y.scripts[chat]; len(q) > 0 {
		s = q[0]
	}
	y.mu.Unlock()
	if s != nil {
		st := s.steps[0]
		done := false
		switch {
		case st.text != "":
			y.mu.Lock()
			y.actions++
			y.mu.Unlock()
			f.SendText(chat, st.text)
			done = true
		default:
			for _, b := range buttons {
				if strings.HasPrefix(b.data, st.prefix) && fresh(b) {
					if st.record != nil {
						st.record(b.data)
					}
					press(b.msg, b.data)
					done = true
					break
				}
			}
			if !done && st.later != "" {
				best, bestWeek := button{}, -1<<31
				for _, b := range buttons {
					if !strings.HasPrefix(b.data, st.later) || !fresh(b) {
						continue
					}
					if w, err := strconv.Atoi(b.data[strings.LastIndexByte(b.data, '|')+1:]); err == nil && w > bestWeek {
						best, bestWeek = b, w
					}
				}
				if best.data != "" {
					press(best.msg, best.data)
					y.mu.Lock()
					s.tries++
					y.dirty[chat] = true
					y.mu.Unlock()
					return true
				}
			}
			if !done && st.forge != "" {
				for _, b := range buttons {
					if strings.HasPrefix(b.data, st.forge) {
						press(b.msg, st.prefix)
						done = true
						break
					}
				}
			}
		}
		y.mu.Lock()
		if done {
			s.steps, s.tries = s.steps[1:], 0
			acted = true
		} else if s.tries++; s.tries > 3 {
			y.stuck[s.name]++
			s.steps = nil
		}
		if len(s.steps) == 0 {
			y.scripts[chat] = y.scripts[chat][1:]
			if len(y.scripts[chat]) == 0 {
				delete(y.scripts, chat)
			}
		} else if !done {
			y.dirty[chat] = true // look again next round
		}
		y.mu.Unlock()
		if done {
			return true
		}
	}
	// What people answer without being asked to by the bench.
	handled := map[int]bool{}
	for _, b := range buttons {
		if handled[b.msg] || !fresh(b) {
			continue
		}
		d := b.data
		switch {
		case strings.HasPrefix(d, "1|fb|r|") && strings.HasSuffix(d, "|"+flows.RatingGood),
			strings.HasPrefix(d, "1|abs|back|yes|"),
			strings.HasPrefix(d, "1|ci|here|"),
			strings.HasPrefix(d, "1|is|ack|"),
			strings.HasPrefix(d, "1|is|done|"):
		case strings.HasPrefix(d, "1|gl|r|"):
			// The mentor's rating: the last button of the row.
			last := b.row[len(b.row)-1].Data
			if d != last {
				continue
			}
		case strings.HasPrefix(d, "1|mt|c|"):
			y.mu.Lock()
			want := y.meetingDay[chat]
			y.mu.Unlock()
			if want != "" && !strings.Contains(d, "|"+want) {
				continue
			}
		default:
			continue
		}
		handled[b.msg] = true
		press(b.msg, d)
		acted = true
	}
	return acted
}
