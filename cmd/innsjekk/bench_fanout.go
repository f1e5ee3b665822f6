package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"innsjekk/locales"
)

// The fan-out: evening reminders falling due at once, sent by the bot as
// shipped (25 messages a second in all, a second between two messages to
// one chat) to a fake that enforces Telegram's limits as Telegram does
// (25 a second overall here, one a second per chat) and answers excess
// with 429. Each size gets an evening of its own: participant i is placed
// on Wednesday if i is below the first size, on Thursday if below the
// second, on Friday if below the third, so the reminders at 18:00 on
// Tuesday, Wednesday and Thursday go to exactly that many chats.
//
// A second after the largest fan-out fell due, two participants ask
// 📅 My week: one who gets no reminder that evening, one who does.

const (
	fanoutGlobal  = 25
	fanoutPerChat = time.Second
)

// fanoutEvening j is 18:00 on Tuesday, Wednesday or Thursday of the
// bench's week.
func (b *bench) fanoutEvening(j int) time.Time {
	return b.monday.AddDate(0, 0, 1+j).Add(18 * time.Hour)
}

const fanoutEvenings = 3

func (b *bench) runFanout() error {
	sizes := slices.Clone(b.fanouts)
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	if len(sizes) > fanoutEvenings {
		return usagef("-fanout: at most %d sizes", fanoutEvenings)
	}
	top := sizes[len(sizes)-1]
	dayNames := []string{"wed", "thu", "fri"}
	g := genRoster{id: "benchfan", n: top, prefix: "f", hours: "12:00-16:00",
		from: isoDate(b.monday.AddDate(0, 0, -28)), to: isoDate(b.monday.AddDate(0, 0, 180)),
		days: func(i int) []string {
			var d []string
			for j, f := range sizes {
				if i < f {
					d = append(d, dayNames[j])
				}
			}
			return d
		},
		lang:   func(i int) string { return "nb" },
		probes: []probe{{id: "fprobe", days: []string{"mon"}, lang: "nb"}},
	}
	br, err := g.build()
	if err != nil {
		return err
	}
	api, err := newBenchAPI()
	if err != nil {
		return err
	}
	defer api.Close()
	if err := b.redis.flush(b.ctx, dbGolden); err != nil {
		return err
	}
	b.logf("fan-out: onboarding %d participants", len(br.participants))
	// Staff and mentors stay off Telegram, so that nothing but the
	// reminders (digests, cards) reaches the outbox at 18:00.
	if err := b.onboard(api, br, br.participants, dbGolden, b.monday.AddDate(0, 0, 1).Add(16*time.Hour)); err != nil {
		return err
	}
	weekTitle := locales.Text("nb", "week.title", nil)
	probeOut := br.chat["fprobe"]
	probeIn := br.chat[br.participants[top-1]]
	for j, f := range sizes {
		if err := b.fanoutOnce(api, br, j, f, f == top, weekTitle, probeOut, probeIn); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) fanoutOnce(api *benchAPI, br *benchRoster, j, f int, probe bool, weekTitle string, probeOut, probeIn int64) error {
	b.logf("fan-out: %d reminders at once", f)
	if err := b.redis.restore(b.ctx); err != nil {
		return err
	}
	due := b.fanoutEvening(j)
	lead := 5 * time.Second
	if b.smoke {
		lead = 3 * time.Second
	}
	targets := map[int64]bool{}
	for i := range f {
		targets[br.chat[br.participants[i]]] = true
	}
	var mu sync.Mutex
	var sent []time.Time
	var reminders, dup, tooMany int
	seen := map[int64]bool{}
	weekTr := newTextTracker(func(c apiCall) bool { return strings.Contains(c.Text, weekTitle) })
	api.setHook(func(c apiCall) {
		if !strings.HasPrefix(c.Method, "send") {
			return
		}
		weekTr.observe(c)
		mu.Lock()
		defer mu.Unlock()
		switch c.Status {
		case http.StatusTooManyRequests:
			tooMany++
		case http.StatusOK:
			sent = append(sent, c.At)
			if targets[c.Chat] && !strings.Contains(c.Text, weekTitle) {
				reminders++
				if seen[c.Chat] {
					dup++
				}
				seen[c.Chat] = true
			}
		}
	})
	defer api.setHook(nil)
	api.fake.SetLimits(fanoutPerChat, fanoutGlobal)
	defer api.fake.SetLimits(0, 0)
	before := api.polls.Load()
	p, err := b.startBot("innsjekk", api, b.redis.URL(dbScenario), due.Add(-lead), false, fmt.Sprintf("fanout%d", f))
	if err != nil {
		return err
	}
	defer func() { _ = p.stop() }()
	if err := api.waitPolls(b.ctx, before, 60*time.Second); err != nil {
		return err
	}
	dueReal := p.clock.real(due)
	if time.Now().After(dueReal) {
		b.notef("fan-out %d: the bot was still starting when the reminders fell due", f)
	}
	var outTap, inTap *tap
	if probe {
		if err := pause(b.ctx, time.Until(dueReal.Add(time.Second))); err != nil {
			return err
		}
		outTap = weekTr.send(api.fake, probeOut, "/week")
		inTap = weekTr.send(api.fake, probeIn, "/week")
	}
	deadline := dueReal.Add(time.Duration(2*f/fanoutGlobal)*time.Second + 30*time.Second)
	for time.Now().Before(deadline) {
		if err := p.alive(); err != nil {
			return err
		}
		mu.Lock()
		n := reminders
		mu.Unlock()
		answered := !probe || (isDone(outTap) && isDone(inTap))
		if n >= f && answered {
			break
		}
		if err := pause(b.ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	if err := p.stop(); err != nil {
		return err
	}
	b.noteLog(p, fmt.Sprintf("fan-out %d", f))
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(sent, func(a, c time.Time) int { return a.Compare(c) })
	tag := fmt.Sprintf("@%d", f)
	var rate float64
	var span time.Duration
	if len(sent) > 1 {
		span = sent[len(sent)-1].Sub(sent[0])
		rate = float64(len(sent)-1) / span.Seconds()
	}
	peak := 0
	for i, k := 0, 0; i < len(sent); i++ {
		for k < len(sent) && sent[k].Sub(sent[i]) < time.Second {
			k++
		}
		peak = max(peak, k-i)
	}
	b.add(figure{ID: "fanout.rate" + tag, Name: fmt.Sprintf("fan-out of %d reminders: achieved send rate", f),
		Unit: "/s", Value: num(rate), Ratio: ratio(rate, fanoutGlobal), Goal: fmt.Sprintf("≥ 0.95× %d/s, no 429", fanoutGlobal),
		Status: status(rate >= 0.95*fanoutGlobal && tooMany == 0 && reminders >= f)})
	b.add(figure{ID: "fanout.429" + tag, Name: fmt.Sprintf("  %d: 429 answers from the fake", f),
		Value: num(float64(tooMany)), Goal: "0", Status: status(tooMany == 0)})
	b.add(figure{ID: "fanout.peak" + tag, Name: fmt.Sprintf("  %d: most messages accepted in any 1 s", f),
		Value: num(float64(peak)), Goal: fmt.Sprintf("≤ %d", fanoutGlobal), Status: "info"})
	b.add(figure{ID: "fanout.delivered" + tag, Name: fmt.Sprintf("  %d: reminders delivered", f),
		Value: num(float64(reminders)), Goal: fmt.Sprintf("%d", f), Status: status(reminders == f)})
	var first time.Duration
	if len(sent) > 0 {
		first = sent[0].Sub(dueReal)
	}
	b.add(figure{ID: "fanout.span" + tag, Name: fmt.Sprintf("  %d: first → last message (first %.2f s after due)", f, first.Seconds()),
		Unit: "s", Value: num(span.Seconds()), Status: "info"})
	if dup > 0 {
		b.notef("fan-out %d: %d participants got their reminder more than once", f, dup)
	}
	if probe {
		for _, pr := range []struct {
			id, name string
			tp       *tap
			goal     bool
		}{{"week.fanout.other", "/week answer 1 s after the fan-out fell due", outTap, true},
			{"week.fanout.reminded", "  the same, from a participant just reminded", inTap, false}} {
			fig := figure{ID: pr.id + tag, Name: fmt.Sprintf("%s (%d)", pr.name, f), Unit: "s", Status: "info"}
			if isDone(pr.tp) {
				fig.Value = num(pr.tp.answered.Sub(pr.tp.sent).Seconds())
			}
			if pr.goal {
				fig.Goal = "≤ 2 s"
				fig.Status = status(fig.Value != nil && *fig.Value <= 2)
			}
			b.add(fig)
		}
	}
	return nil
}

func isDone(tp *tap) bool {
	if tp == nil {
		return false
	}
	select {
	case <-tp.done:
		return true
	default:
		return false
	}
}
