package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"innsjekk/bot/fakeapi"
	"innsjekk/locales"
)

// noticeAck is a sick notice the bot confirmed to the participant: the
// receipt with its ↩️ Undo button, which names the notice.
type noticeAck struct {
	P        *person
	ID       string
	Msg      int
	At       time.Time
	Undone   bool // the participant pressed Undo and saw it confirmed
	UndoSent bool // the participant pressed Undo
}

type checkinAck struct {
	P     *person
	Dates []string // the day as the suite saw it when it asked and when it heard back
}

type feedbackAck struct {
	Mentor, P    *person
	Week, Rating string
}

// record is what the simulated people did and were told.
type record struct {
	mu          sync.Mutex
	updates     []int64
	redelivered int
	doubleTaps  int
	convs       map[string]int
	completed   int
	cancelled   int
	stalls      []string
	notices     []*noticeAck
	checkins    []checkinAck
	feedback    []feedbackAck
	expect      map[int64]map[string]int // chat -> reply family -> how many asked for
}

func newRecord() *record {
	return &record{convs: map[string]int{}, expect: map[int64]map[string]int{}}
}

func (r *record) addUpdate(id int64) {
	r.mu.Lock()
	r.updates = append(r.updates, id)
	r.mu.Unlock()
}

func (r *record) expectReply(chat int64, fam string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.expect[chat] == nil {
		r.expect[chat] = map[string]int{}
	}
	r.expect[chat][fam]++
}

// randomUpdate picks an update made at least a second ago, for a
// redelivery of something the bot has most likely handled already.
func (r *record) randomUpdate(rnd *rand.Rand) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.updates) == 0 {
		return 0, false
	}
	return r.updates[rnd.IntN(len(r.updates))], true
}

// plan is one conversation a person starts at a moment of the run.
type plan struct {
	at   time.Duration
	kind string
}

// Conversation kinds.
const (
	convSick     = "sick notice"
	convSickUndo = "sick notice + undo"
	convCheckin  = "check-in"
	convHelp     = "/help"
	convWeek     = "/week"
	convFeedback = "mentor feedback"
)

// driver plays the people: it types and taps as they would, reading the
// buttons from the bot's messages.
type driver struct {
	fake          *fakeapi.Server
	rec           *record
	loc           *time.Location
	timeout       time.Duration
	redeliverSend float64
	note          func(format string, args ...any)
	verbose       bool
}

func (d *driver) today(off int) string {
	return time.Now().In(d.loc).AddDate(0, 0, off).Format("2006-01-02")
}

func (d *driver) say(p *person, text string) int64 {
	id := d.fake.SendText(p.Chat, text)
	d.rec.addUpdate(id)
	return id
}

func (d *driver) press(p *person, msg int, data string) int64 {
	id, _ := d.fake.Press(p.Chat, msg, data)
	d.rec.addUpdate(id)
	return id
}

func (d *driver) maxID(p *person) int {
	n := 0
	for _, m := range d.fake.Chat(p.Chat) {
		n = max(n, m.ID)
	}
	return n
}

// waitNew waits for a bot message newer than after that matches.
func (d *driver) waitNew(ctx context.Context, p *person, after int, match func(fakeapi.Message) bool) (fakeapi.Message, bool) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	m, err := d.fake.WaitFor(ctx, func(m fakeapi.Message) bool { return m.ID > after && match(m) }, p.Chat)
	return m, err == nil
}

// waitMsg waits until bot message id matches (after an edit, usually).
func (d *driver) waitMsg(ctx context.Context, p *person, id int, match func(fakeapi.Message) bool) (fakeapi.Message, bool) {
	return d.waitNew(ctx, p, id-1, func(m fakeapi.Message) bool { return m.ID == id && match(m) })
}

func buttons(m fakeapi.Message, prefix string) []fakeapi.Button {
	var out []fakeapi.Button
	for _, row := range m.Inline {
		for _, b := range row {
			if strings.HasPrefix(b.Data, prefix) {
				out = append(out, b)
			}
		}
	}
	return out
}

func has(prefix string) func(fakeapi.Message) bool {
	return func(m fakeapi.Message) bool { return len(buttons(m, prefix)) > 0 }
}

// think is a person's pause between two taps.
func think(ctx context.Context, rnd *rand.Rand) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Duration(100+rnd.IntN(600)) * time.Millisecond):
	}
}

// run plays one person's conversations, each at its planned moment or
// when the one before it ended.
func (d *driver) run(ctx context.Context, p *person, plans []plan, t0 time.Time, rnd *rand.Rand) {
	for _, pl := range plans {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(t0.Add(pl.at))):
		}
		d.rec.mu.Lock()
		d.rec.convs[pl.kind]++
		d.rec.mu.Unlock()
		var err error
		switch pl.kind {
		case convSick:
			err = d.sick(ctx, p, rnd, false)
		case convSickUndo:
			err = d.sick(ctx, p, rnd, true)
		case convCheckin:
			err = d.checkin(ctx, p, rnd)
		case convHelp:
			err = d.simple(ctx, p, "/help", famHelp)
		case convWeek:
			err = d.simple(ctx, p, pick(rnd, "/week", locales.Text(p.Lang, "menu.week", nil)), famWeek)
		case convFeedback:
			err = d.feedback(ctx, p, rnd)
		}
		d.rec.mu.Lock()
		switch {
		case errors.Is(err, errCancelled):
			d.rec.cancelled++
		case err != nil:
			d.rec.stalls = append(d.rec.stalls, fmt.Sprintf("%s %s: %v", p.ID, pl.kind, err))
		default:
			d.rec.completed++
		}
		d.rec.mu.Unlock()
		if err != nil && !errors.Is(err, errCancelled) && d.verbose {
			d.note("%s %s stalled: %v", p.ID, pl.kind, err)
		}
	}
}

var errCancelled = errors.New("cancelled: no free day left to report")

func pick(rnd *rand.Rand, options ...string) string { return options[rnd.IntN(len(options))] }

// simple sends a command and waits for its one reply.
func (d *driver) simple(ctx context.Context, p *person, text, fam string) error {
	after := d.maxID(p)
	d.rec.expectReply(p.Chat, fam)
	d.say(p, text)
	if _, ok := d.waitNew(ctx, p, after, func(m fakeapi.Message) bool { return family(p.Lang, m.Text) == fam }); !ok {
		return fmt.Errorf("no reply to %q within %v", text, d.timeout)
	}
	return nil
}

// sick reports one or two days the participant never named before, in
// one of the ways the days question offers, and sometimes takes it back.
func (d *driver) sick(ctx context.Context, p *person, rnd *rand.Rand, undo bool) error {
	after := d.maxID(p)
	d.rec.expectReply(p.Chat, famAskDays)
	d.say(p, pick(rnd, "/sick", "/sick", locales.Text(p.Lang, "menu.sick", nil)))
	m, ok := d.waitNew(ctx, p, after, has("1|abs|cal"))
	if !ok {
		return fmt.Errorf("no days question within %v", d.timeout)
	}
	think(ctx, rnd)
	today, tomorrow := d.today(0), d.today(1)
	p.mu.Lock()
	var ways []string
	if !p.usedDays[today] && len(buttons(m, "1|abs|today")) > 0 {
		ways = append(ways, "today", "today")
	}
	if !p.usedDays[tomorrow] {
		ways = append(ways, "tom")
	}
	if !p.usedDays[today] && !p.usedDays[tomorrow] && len(buttons(m, "1|abs|two")) > 0 {
		ways = append(ways, "two")
	}
	ways = append(ways, "cal", "cal")
	way := ways[rnd.IntN(len(ways))]
	switch way {
	case "today":
		p.usedDays[today] = true
	case "tom":
		p.usedDays[tomorrow] = true
	case "two":
		p.usedDays[today], p.usedDays[tomorrow] = true, true
	}
	p.mu.Unlock()

	if way != "cal" {
		d.press(p, m.ID, "1|abs|"+way)
	} else {
		d.press(p, m.ID, "1|abs|cal")
		if m, ok = d.waitMsg(ctx, p, m.ID, has("1|abs|day|")); !ok {
			return fmt.Errorf("no calendar within %v", d.timeout)
		}
		p.mu.Lock()
		var free []string
		for _, b := range buttons(m, "1|abs|day|") {
			if day := strings.TrimPrefix(b.Data, "1|abs|day|"); !p.usedDays[day] {
				free = append(free, day)
			}
		}
		rnd.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
		free = free[:min(len(free), 1+rnd.IntN(2))]
		for _, day := range free {
			p.usedDays[day] = true
		}
		p.mu.Unlock()
		if len(free) == 0 {
			d.press(p, m.ID, "1|abs|cancel")
			return errCancelled
		}
		for _, day := range free {
			think(ctx, rnd)
			d.press(p, m.ID, "1|abs|day|"+day)
			picked := func(m fakeapi.Message) bool {
				for _, b := range buttons(m, "1|abs|day|"+day) {
					if strings.HasPrefix(b.Text, "✅") {
						return true
					}
				}
				return false
			}
			if m, ok = d.waitMsg(ctx, p, m.ID, picked); !ok {
				return fmt.Errorf("day %s not ticked within %v", day, d.timeout)
			}
		}
		think(ctx, rnd)
		d.press(p, m.ID, "1|abs|done")
	}
	if m, ok = d.waitMsg(ctx, p, m.ID, has("1|abs|send")); !ok {
		return fmt.Errorf("no confirmation within %v", d.timeout)
	}
	if rnd.IntN(5) == 0 {
		think(ctx, rnd)
		d.press(p, m.ID, "1|abs|call")
		on := locales.Text(p.Lang, "absence.btn.call_on", nil)
		if m, ok = d.waitMsg(ctx, p, m.ID, func(m fakeapi.Message) bool {
			return slices.ContainsFunc(buttons(m, "1|abs|call"), func(b fakeapi.Button) bool { return b.Text == on })
		}); !ok {
			return fmt.Errorf("call-me not ticked within %v", d.timeout)
		}
	}
	think(ctx, rnd)
	send := d.press(p, m.ID, "1|abs|send")
	d.maybeRedeliver(rnd, send)
	if rnd.IntN(10) == 0 {
		// A double tap: a second, distinct update with the same button.
		d.press(p, m.ID, "1|abs|send")
		d.rec.mu.Lock()
		d.rec.doubleTaps++
		d.rec.mu.Unlock()
	}
	already := norm(locales.Text(p.Lang, "absence.already_reported", nil))
	if m, ok = d.waitMsg(ctx, p, m.ID, func(m fakeapi.Message) bool {
		return len(buttons(m, "1|abs|undo|")) > 0 || norm(m.Text) == already
	}); !ok {
		return fmt.Errorf("no receipt within %v", d.timeout)
	}
	bs := buttons(m, "1|abs|undo|")
	if len(bs) == 0 {
		return nil
	}
	ack := &noticeAck{P: p, ID: strings.TrimPrefix(bs[0].Data, "1|abs|undo|"), Msg: m.ID, At: time.Now()}
	d.rec.mu.Lock()
	d.rec.notices = append(d.rec.notices, ack)
	d.rec.mu.Unlock()
	if !undo {
		return nil
	}
	think(ctx, rnd)
	d.rec.mu.Lock()
	ack.UndoSent = true
	d.rec.mu.Unlock()
	u := d.press(p, m.ID, bs[0].Data)
	d.maybeRedeliver(rnd, u)
	undone := norm(locales.Text(p.Lang, "absence.undone", nil))
	if _, ok = d.waitMsg(ctx, p, m.ID, func(m fakeapi.Message) bool { return strings.HasPrefix(norm(m.Text), undone) }); !ok {
		return fmt.Errorf("undo not confirmed within %v", d.timeout)
	}
	d.rec.mu.Lock()
	ack.Undone = true
	d.rec.mu.Unlock()
	return nil
}

// maybeRedeliver has Telegram deliver an update a second time, as it does
// when it believes a delivery failed, at the moment the bot is most
// likely to be handling the first copy.
func (d *driver) maybeRedeliver(rnd *rand.Rand, id int64) {
	if rnd.Float64() >= d.redeliverSend {
		return
	}
	delay := time.Duration(rnd.IntN(300)) * time.Millisecond
	go func() {
		time.Sleep(delay)
		if d.fake.Redeliver(id) == nil {
			d.rec.mu.Lock()
			d.rec.redelivered++
			d.rec.mu.Unlock()
		}
	}()
}

// checkin taps ✅ Check in; a day reported away is answered "no, still
// away", which tells nobody anything.
func (d *driver) checkin(ctx context.Context, p *person, rnd *rand.Rand) error {
	after := d.maxID(p)
	d.rec.expectReply(p.Chat, famCheckin)
	asked := d.today(0)
	d.say(p, pick(rnd, "/checkin", locales.Text(p.Lang, "menu.checkin", nil)))
	m, ok := d.waitNew(ctx, p, after, func(m fakeapi.Message) bool { return family(p.Lang, m.Text) == famCheckin })
	if !ok {
		return fmt.Errorf("no reply to check-in within %v", d.timeout)
	}
	if _, done := matchName(p.Lang, "checkin.done", m.Text, "Time", "Place"); done {
		d.rec.mu.Lock()
		d.rec.checkins = append(d.rec.checkins, checkinAck{P: p, Dates: []string{asked, d.today(0)}})
		d.rec.mu.Unlock()
		return nil
	}
	if bs := buttons(m, "1|ci|away|"); len(bs) > 0 {
		think(ctx, rnd)
		d.press(p, m.ID, bs[0].Data)
	}
	return nil
}

// feedback is a mentor's any-time rating: 📝, the participant, a rating.
func (d *driver) feedback(ctx context.Context, p *person, rnd *rand.Rand) error {
	after := d.maxID(p)
	d.rec.expectReply(p.Chat, famFeedback)
	d.say(p, pick(rnd, "/feedback", locales.Text(p.Lang, "menu.feedback", nil)))
	m, ok := d.waitNew(ctx, p, after, func(m fakeapi.Message) bool { return family(p.Lang, m.Text) == famFeedback })
	if !ok {
		return fmt.Errorf("no feedback question within %v", d.timeout)
	}
	if ps := buttons(m, "1|fb|p|"); len(ps) > 0 {
		think(ctx, rnd)
		b := ps[rnd.IntN(len(ps))]
		d.press(p, m.ID, b.Data)
		if m, ok = d.waitMsg(ctx, p, m.ID, has("1|fb|r|"+strings.TrimPrefix(b.Data, "1|fb|p|")+"|")); !ok {
			return fmt.Errorf("no rating buttons within %v", d.timeout)
		}
	}
	rs := buttons(m, "1|fb|r|")
	if len(rs) == 0 {
		return nil // nobody placed with this mentor now
	}
	think(ctx, rnd)
	b := rs[rnd.IntN(len(rs))]
	args := strings.Split(b.Data, "|") // 1 fb r PARTICIPANT WEEK RATING
	if len(args) != 6 {
		return fmt.Errorf("rating button %q is not 1|fb|r|PARTICIPANT|WEEK|RATING", b.Data)
	}
	pid, wk, rating := args[3], args[4], args[5]
	mid := d.maxID(p)
	d.press(p, m.ID, b.Data)
	thanked := func(x fakeapi.Message) bool {
		_, ok := matchName(p.Lang, "feedback.thanks", x.Text, "Name", "Rating")
		return x.ID == m.ID && ok
	}
	answered := func(x fakeapi.Message) bool {
		_, ok := matchName(p.Lang, "feedback.already", x.Text, "Name", "Rating")
		return x.ID > mid && ok
	}
	got, ok := d.waitNew(ctx, p, m.ID-1, func(x fakeapi.Message) bool { return thanked(x) || answered(x) })
	if !ok {
		return fmt.Errorf("no thanks within %v", d.timeout)
	}
	if thanked(got) {
		var who *person
		for _, q := range p.Placed {
			if q.ID == pid {
				who = q
			}
		}
		d.rec.mu.Lock()
		d.rec.feedback = append(d.rec.feedback, feedbackAck{Mentor: p, P: who, Week: wk, Rating: rating})
		d.rec.mu.Unlock()
	}
	return nil
}
