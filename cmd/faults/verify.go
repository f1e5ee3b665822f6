package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/store"
)

// recordWindow is how long after Telegram's answer a sender has recorded
// the message in Redis, with room to spare: it takes milliseconds. A
// process killed inside it (or while Redis was down, when the sender
// keeps retrying the record) is the one case the bot cannot avoid a
// duplicate in.
const recordWindow = 500 * time.Millisecond

// finding is one lost or duplicated effect, with what to look at.
type finding struct {
	kind   string // "LOST", "DUPLICATED" or "excused"
	what   string
	detail string
	n      int // how many effects it stands for
}

// verdict is the outcome of the run.
type verdict struct {
	lost, dup, excused []finding
	notices, undone    int // in the store
	checkins, feedback int // acknowledged
	stepped            int // updates with a "step" log line
	jobMessages        int // messages from scheduled jobs, each checked to go once
	deadLetters        []string
	waiting            int64
}

// verifier compares what people were told with what the store holds and
// what the fake's chats show.
type verifier struct {
	cast  *cast
	rec   *record
	tap   *tap
	fleet *fleet
	redis *redisServer
	st    *store.Store
	v     verdict
}

func (v *verifier) lose(what, detail string) { v.loseN(1, what, detail) }

func (v *verifier) loseN(n int, what, detail string) {
	v.v.lost = append(v.v.lost, finding{"LOST", what, detail, n})
}

func (v *verifier) duplicate(what, detail string) { v.duplicateN(1, what, detail) }

func (v *verifier) duplicateN(n int, what, detail string) {
	v.v.dup = append(v.v.dup, finding{"DUPLICATED", what, detail, n})
}

// total counts the effects findings stand for.
func total(fs []finding) int {
	n := 0
	for _, f := range fs {
		n += f.n
	}
	return n
}

// atKill says whether an accepted call's answer may never have been
// recorded because its process was killed first.
func (v *verifier) atKill(c *apiCall) (string, bool) {
	if c.Withheld {
		return fmt.Sprintf("bot#%d killed after Telegram accepted it, before it read the answer", c.Proc), true
	}
	p := v.fleet.proc(c.Proc)
	if p == nil || p.killedAt.IsZero() {
		return "", false
	}
	// The request may reach the fake a moment after the kill: the sender
	// wrote it into the socket and died, and the server read it later.
	// Telegram takes such a message like any other.
	limit := v.redis.upAfter(c.End).Add(recordWindow)
	if p.killedAt.Before(limit) && c.Start.Before(p.killedAt.Add(time.Second)) {
		if d := p.killedAt.Sub(c.End); d > 0 {
			return fmt.Sprintf("bot#%d killed %v after Telegram answered", c.Proc, d.Round(time.Millisecond)), true
		}
		return fmt.Sprintf("bot#%d killed while Telegram was taking the message", c.Proc), true
	}
	return "", false
}

// surplus sorts the extra copies of a message into excused (an earlier
// copy went out just as its sender was killed) and duplicated.
func (v *verifier) surplus(what string, copies []*apiCall, extra int) {
	if extra <= 0 {
		return
	}
	sort.SliceStable(copies, func(i, j int) bool { return copies[i].Start.Before(copies[j].Start) })
	// A call sent at a kill explains one resend of it, so only distinct
	// calls before the last one count: copies inside one message (a
	// grouped alert repeating a line) were not resent by anyone.
	var distinct []*apiCall
	for _, c := range copies {
		if len(distinct) == 0 || distinct[len(distinct)-1] != c {
			distinct = append(distinct, c)
		}
	}
	var reasons []string
	for _, c := range distinct[:len(distinct)-1] {
		if why, ok := v.atKill(c); ok {
			reasons = append(reasons, why)
		}
	}
	// One message can hold several copies (a grouped alert repeats a
	// line), so copies of one call are written once, with a count.
	var sent []string
	for i := 0; i < len(copies); {
		j := i
		for j < len(copies) && copies[j] == copies[i] {
			j++
		}
		s := fmt.Sprintf("bot#%d at %s", copies[i].Proc, copies[i].End.Format("15:04:05.000"))
		if j-i > 1 {
			s += fmt.Sprintf(" (%d times in one message)", j-i)
		}
		sent = append(sent, s)
		i = j
	}
	detail := "sent by " + strings.Join(sent, ", ")
	excused := min(extra, len(reasons))
	for i := range excused {
		v.v.excused = append(v.v.excused, finding{"excused", what, detail + "; " + reasons[i], 1})
	}
	if extra > excused {
		v.duplicateN(extra-excused, what, detail)
	}
}

func (v *verifier) run(ctx context.Context) verdict {
	calls := v.tap.log()
	sends := map[int64][]*apiCall{} // chat -> accepted new messages
	for _, c := range calls {
		if c.Method == "sendMessage" && c.Status == 200 {
			sends[c.Chat] = append(sends[c.Chat], c)
		}
	}
	v.replies(sends)
	v.scheduled(sends)
	facts := v.facts(ctx)
	v.notices(facts, calls, sends)
	v.others(facts)
	v.updates(ctx)
	v.steps()
	v.leftovers(ctx)
	return v.v
}

// replies: every command a person sent got exactly one reply.
func (v *verifier) replies(sends map[int64][]*apiCall) {
	for _, p := range v.cast.people {
		got := map[string][]*apiCall{}
		for _, c := range sends[p.Chat] {
			if f := family(p.Lang, c.Text); f != "" {
				got[f] = append(got[f], c)
			}
		}
		v.rec.mu.Lock()
		want := v.rec.expect[p.Chat]
		v.rec.mu.Unlock()
		for _, f := range []string{famHelp, famWeek, famAskDays, famCheckin, famFeedback} {
			n := len(got[f])
			switch {
			case n < want[f]:
				v.loseN(want[f]-n, fmt.Sprintf("reply %q to %s", f, p.ID), fmt.Sprintf("asked %d times, answered %d", want[f], n))
			case n > want[f]:
				v.surplus(fmt.Sprintf("reply %q to %s", f, p.ID), got[f], n-want[f])
			}
		}
	}
}

// personFacts is a participant's record as the store has it.
type personFacts struct {
	notices  map[string]flows.Notice
	absences map[string]flows.Absence
	checkins map[string]flows.CheckIn
	feedback map[string]flows.Feedback
}

func (v *verifier) facts(ctx context.Context) map[string]*personFacts {
	out := map[string]*personFacts{}
	for _, p := range v.cast.participants {
		f := &personFacts{notices: map[string]flows.Notice{}, absences: map[string]flows.Absence{},
			checkins: map[string]flows.CheckIn{}, feedback: map[string]flows.Feedback{}}
		out[p.ID] = f
		raw, err := v.st.Record(ctx, string(flows.PersonKey(p.ID)))
		if err != nil {
			v.lose("the store", fmt.Sprintf("cannot read the record of %s: %v", p.ID, err))
			continue
		}
		rec, errs := codec.DecodeRecord(raw)
		for _, err := range errs {
			v.lose("the store", fmt.Sprintf("%s: unreadable field: %v", p.ID, err))
		}
		for field, x := range rec {
			switch x := x.(type) {
			case flows.Notice:
				f.notices[x.ID] = x
			case flows.Absence:
				f.absences[x.Date] = x
			case flows.CheckIn:
				f.checkins[x.Date] = x
			case flows.Feedback:
				f.feedback[field] = x
			}
		}
	}
	return out
}

// notices: every notice confirmed to a participant is in the store, every
// notice in the store was confirmed and told to each person it names,
// once.
func (v *verifier) notices(facts map[string]*personFacts, calls []*apiCall, sends map[int64][]*apiCall) {
	v.rec.mu.Lock()
	acks := slices.Clone(v.rec.notices)
	v.rec.mu.Unlock()
	for _, a := range acks {
		n, ok := facts[a.P.ID].notices[a.ID]
		switch {
		case !ok:
			v.lose(fmt.Sprintf("notice %s of %s", a.ID, a.P.ID), "the participant got the receipt; the store has no such notice")
		case a.Undone && !n.Undone:
			v.lose(fmt.Sprintf("undo of notice %s of %s", a.ID, a.P.ID), "the participant was told it was undone; the store says it stands")
		}
	}
	// Receipts as Telegram accepted them: a send or an edit in the
	// participant's chat carrying the notice's Undo button.
	receipt := map[string]bool{}
	for _, c := range calls {
		if c.Status == 200 && strings.Contains(c.Markup, "1|abs|undo|") {
			for _, part := range strings.Split(c.Markup, "1|abs|undo|")[1:] {
				id, _, _ := strings.Cut(part, "\"")
				receipt[fmt.Sprint(c.Chat)+"/"+id] = true
			}
		}
	}
	type key struct {
		chat int64
		name string
		kind string
	}
	want := map[key]int{}
	for _, p := range v.cast.participants {
		f := facts[p.ID]
		for id, n := range f.notices {
			v.v.notices++
			if !receipt[fmt.Sprint(p.Chat)+"/"+id] {
				v.lose(fmt.Sprintf("receipt of notice %s of %s", id, p.ID), "in the store, but the participant never got the receipt")
			}
			for _, who := range n.Told {
				h := v.cast.byID[who]
				if h == nil {
					v.lose(fmt.Sprintf("notice %s of %s", id, p.ID), "told someone not in the roster: "+who)
					continue
				}
				want[key{h.Chat, p.Name, noticeTold}]++
				if n.Undone {
					want[key{h.Chat, p.Name, noticeUndone}]++
				}
			}
			if n.Undone {
				v.v.undone++
			}
			for _, day := range n.Days {
				a, ok := f.absences[day]
				switch {
				case !n.Undone && (!ok || a.Notice != id):
					v.lose(fmt.Sprintf("absence %s of %s", day, p.ID), fmt.Sprintf("notice %s names the day; the store has no absence for it", id))
				case n.Undone && ok && a.Notice == id:
					v.lose(fmt.Sprintf("undo of %s of %s", day, p.ID), fmt.Sprintf("notice %s is undone; its absence is still stored", id))
				}
			}
		}
		// Two standing notices for one day would have told everyone twice.
		days := map[string]string{}
		for id, n := range f.notices {
			if n.Undone {
				continue
			}
			for _, d := range n.Days {
				if other, ok := days[d]; ok {
					v.duplicate(fmt.Sprintf("absence %s of %s", d, p.ID), fmt.Sprintf("reported by notices %s and %s", other, id))
				}
				days[d] = id
			}
		}
	}
	got := map[key]map[string][]*apiCall{}
	for _, h := range v.cast.people {
		if h.Role == roleParticipant {
			continue
		}
		for _, c := range sends[h.Chat] {
			kind, name, ok := staffNotice(h.Lang, c.Text)
			if !ok || v.cast.byName[name] == nil {
				continue
			}
			k := key{h.Chat, name, kind}
			if got[k] == nil {
				got[k] = map[string][]*apiCall{}
			}
			got[k][c.Text] = append(got[k][c.Text], c)
		}
	}
	for k, n := range want {
		if distinct := len(got[k]); distinct < n {
			who := v.cast.byChat[k.chat]
			v.loseN(n-distinct, fmt.Sprintf("%s notice to %s about %s", k.kind, who.ID, v.cast.byName[k.name].ID),
				fmt.Sprintf("the store says %d were told, %d reached the chat", n, distinct))
		}
	}
	for k, texts := range got {
		who, about := v.cast.byChat[k.chat], v.cast.byName[k.name]
		if extra := len(texts) - want[k]; extra > 0 {
			v.loseN(extra, fmt.Sprintf("%s notice to %s about %s", k.kind, who.ID, about.ID),
				fmt.Sprintf("%d reached the chat, the store knows of %d: a notice sent and then lost from the store", len(texts), want[k]))
		}
		for text, copies := range texts {
			v.surplus(fmt.Sprintf("%s notice to %s about %s (%q)", k.kind, who.ID, about.ID, firstLine(text)), copies, len(copies)-1)
		}
	}
}

// others: acknowledged check-ins and ratings are in the store.
func (v *verifier) others(facts map[string]*personFacts) {
	v.rec.mu.Lock()
	checkins, feedback := slices.Clone(v.rec.checkins), slices.Clone(v.rec.feedback)
	v.rec.mu.Unlock()
	for _, c := range checkins {
		v.v.checkins++
		if !slices.ContainsFunc(c.Dates, func(d string) bool { _, ok := facts[c.P.ID].checkins[d]; return ok }) {
			v.lose(fmt.Sprintf("check-in of %s on %s", c.P.ID, c.Dates[0]), "the participant was told it was recorded; the store has none")
		}
	}
	for _, f := range feedback {
		v.v.feedback++
		if f.P == nil {
			continue
		}
		got, ok := facts[f.P.ID].feedback["fb:"+f.Week]
		if !ok || got.Rating != f.Rating || got.Mentor != f.Mentor.ID {
			v.lose(fmt.Sprintf("rating of %s by %s for %s", f.P.ID, f.Mentor.ID, f.Week),
				fmt.Sprintf("the mentor was thanked for %q; the store has %+v", f.Rating, got))
		}
	}
}

// updates: every update Telegram delivered was handled.
func (v *verifier) updates(ctx context.Context) {
	v.rec.mu.Lock()
	ids := slices.Clone(v.rec.updates)
	v.rec.mu.Unlock()
	slices.Sort(ids)
	ids = slices.Compact(ids)
	seen := map[int64]bool{}
	err := v.st.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
		for _, id := range ids {
			ok, err := r.Seen(id, 0)
			if err != nil {
				return store.Effects{}, true, err
			}
			seen[id] = ok
		}
		return store.Effects{}, true, nil
	})
	if err != nil {
		v.lose("the store", "cannot read which updates were handled: "+err.Error())
		return
	}
	for _, id := range ids {
		if !seen[id] {
			v.lose(fmt.Sprintf("update %d", id), "sent by a person, never marked handled")
		}
	}
}

// logLine is what the suite reads from the bot's JSON log.
type logLine struct {
	Time     time.Time `json:"time"`
	Level    string    `json:"level"`
	Msg      string    `json:"msg"`
	UpdateID int64     `json:"update_id"`
	Err      string    `json:"err"`
	Flow     string    `json:"flow"`
	Reason   string    `json:"reason"`
}

func readLog(path string, each func(logLine)) {
	fh, err := os.Open(path)
	if err != nil {
		return
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			each(l)
		}
	}
}

// steps: no update was handled (committed) twice, in any process. The
// "step" line is logged once per committed step.
func (v *verifier) steps() {
	type where struct {
		proc int
		at   time.Time
	}
	handled := map[int64][]where{}
	for _, p := range v.fleet.all() {
		readLog(p.logPath, func(l logLine) {
			if l.Msg == "step" && l.UpdateID != 0 {
				handled[l.UpdateID] = append(handled[l.UpdateID], where{p.id, l.Time})
			}
		})
	}
	v.v.stepped = len(handled)
	for id, ws := range handled {
		if len(ws) > 1 {
			var parts []string
			for _, w := range ws {
				parts = append(parts, fmt.Sprintf("bot#%d at %s", w.proc, w.at.Format("15:04:05.000")))
			}
			v.duplicateN(len(ws)-1, fmt.Sprintf("update %d", id), "handled "+fmt.Sprint(len(ws))+" times: "+strings.Join(parts, ", "))
		}
	}
}

// leftovers: messages still waiting, and messages Telegram refused.
func (v *verifier) leftovers(ctx context.Context) {
	v.v.waiting, _ = v.st.OutboxLen(ctx)
	dead, _ := v.st.Client().LRange(ctx, v.st.Prefix()+"out:dead", 0, -1).Result()
	v.v.deadLetters = dead
}

// scheduled: what a job says (a nudge, an unexplained-absence alert, an
// evening reminder, "are you back?", a digest, a weekly feedback
// question) goes at most once per chat, subject and day, however often
// the bot restarts and plans the day again.
func (v *verifier) scheduled(sends map[int64][]*apiCall) {
	loc, _ := time.LoadLocation("Europe/Oslo")
	type key struct {
		chat          int64
		what, subject string
		day           string
	}
	got := map[key][]*apiCall{}
	for _, h := range v.cast.people {
		for _, c := range sends[h.Chat] {
			day := c.End.In(loc).Format("2006-01-02")
			lines := strings.Split(norm(c.Text), "\n")
			add := func(what, subject string) {
				k := key{h.Chat, what, subject, day}
				got[k] = append(got[k], c)
				v.v.jobMessages++
			}
			l := h.Lang
			switch {
			case pattern(l, "checkin.nudge", "Place").MatchString(lines[0]):
				add("check-in nudge", "")
			case pattern(l, "reminder.evening", "Place", "Start", "End", "Address", "Mentor").MatchString(lines[0]),
				pattern(l, "reminder.evening_no_address", "Place", "Start", "End", "Mentor").MatchString(lines[0]):
				add("evening reminder", "")
			case pattern(l, "absence.back_ask").MatchString(lines[0]):
				add("are you back?", "")
			}
			if m := pattern(l, "digest.title", "Day").FindStringSubmatch(lines[0]); m != nil {
				add("daily digest", m[1])
			} else if m := pattern(l, "digest.quiet", "Day").FindStringSubmatch(lines[0]); m != nil {
				add("daily digest", m[1])
			}
			if m := pattern(l, "feedback.week", "Name", "Workplace").FindStringSubmatch(lines[0]); m != nil {
				add("weekly feedback question", m[1])
			}
			if m := pattern(l, "alert.title", "Name").FindStringSubmatch(lines[0]); m != nil {
				for _, line := range lines[1:] {
					if pattern(l, "alert.unexplained", "Place", "Start").MatchString(line) {
						add("unexplained-absence alert", m[1])
					}
				}
			}
		}
	}
	for k, copies := range got {
		if len(copies) > 1 {
			who := v.cast.byChat[k.chat]
			what := fmt.Sprintf("%s to %s on %s", k.what, who.ID, k.day)
			if k.subject != "" {
				what = fmt.Sprintf("%s to %s about %s on %s", k.what, who.ID, k.subject, k.day)
			}
			before := len(v.v.dup)
			v.surplus(what, copies, len(copies)-1)
			if len(v.v.dup) > before {
				longest := copies[0]
				for _, c := range copies {
					if len(c.Text) > len(longest.Text) {
						longest = c
					}
				}
				v.v.dup[before].detail += fmt.Sprintf("; the longest copy reads %q", longest.Text)
			}
		}
	}
}
