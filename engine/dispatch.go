package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/store"
)

// dispatch hands stored updates to workers, one update per chat at a
// time: a chat's next update goes only after its last one is committed,
// so each chat is handled in order, while different chats run in parallel
// on a bounded number of workers. The store offers the oldest update of
// each waiting chat, so a chat that floods the bot holds up only itself.
func (e *Engine) dispatch(ctx context.Context) {
	e.requeueFirstRelease(ctx)
	n := e.opt.Workers
	work := make(chan store.Pending)
	done := make(chan int64, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				e.handleRetrying(ctx, p)
				done <- p.Chat
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	busy := map[int64]bool{} // chats with an update being handled
	finished := func(c int64) { delete(busy, c) }
	for ctx.Err() == nil {
		for drained := false; !drained; {
			select {
			case c := <-done:
				finished(c)
			default:
				drained = true
			}
		}
		full := false
		if free := n - len(busy); free > 0 {
			pend, err := e.st.PendingUpdates(ctx, int64(free), busy)
			if err != nil && ctx.Err() == nil {
				e.log.Warn("read inbox", "err", err)
				e.observe(Event{Kind: "redis_error", Detail: "inbox"})
			}
			for _, p := range pend {
				busy[p.Chat] = true
				select {
				case work <- p:
				case <-ctx.Done():
					return
				}
			}
			full = err == nil && len(pend) == free
		}
		if full {
			continue // there may be more waiting: look again at once
		}
		// A finishing worker wakes the dispatcher as much as new updates do.
		t := time.NewTimer(e.opt.PollInterval)
		select {
		case <-ctx.Done():
		case <-e.wakeIntake:
		case c := <-done:
			finished(c)
		case <-t.C:
		}
		t.Stop()
	}
}

// requeueFirstRelease moves updates the first release left in its single
// queue into their chats' queues.
func (e *Engine) requeueFirstRelease(ctx context.Context) {
	for ctx.Err() == nil {
		ps, err := e.st.FirstReleasePending(ctx, 256)
		if err != nil {
			e.log.Warn("requeue first-release updates", "err", err)
			return
		}
		if len(ps) == 0 {
			return
		}
		for i := range ps {
			ps[i].Chat = e.chatOf(ps[i].Raw)
		}
		if err := e.st.Requeue(ctx, ps); err != nil {
			e.log.Warn("requeue first-release updates", "err", err)
			return
		}
	}
}

func (e *Engine) chatOf(raw []byte) int64 {
	in, err := e.tg.Decode(raw)
	if err != nil {
		return 0
	}
	return in.Chat
}

// handleRetrying handles one update, retrying while the store is
// unreachable: the worker holds its chats back rather than reorder them.
// A shutdown lets the update being handled finish.
func (e *Engine) handleRetrying(ctx context.Context, p store.Pending) bool {
	backoff := 100 * time.Millisecond
	for {
		if ctx.Err() != nil {
			return false // not started: handled after restart
		}
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		err := e.Handle(hctx, p)
		cancel()
		if err == nil {
			return true
		}
		e.log.Warn("handle update", "update_id", p.ID, "err", err)
		e.observe(Event{Kind: "redis_error", Detail: "handle"})
		if ctx.Err() != nil {
			return false // still pending: handled after restart
		}
		sleep(ctx, nil, backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Handle runs one stored update through its flow and commits the result,
// in one transaction.
func (e *Engine) Handle(ctx context.Context, p store.Pending) error {
	in, ok := e.decoded.take(p.ID)
	var err error
	if !ok {
		in, err = e.tg.Decode(p.Raw)
	}
	if err != nil || in.Chat == 0 {
		// Nothing for the flows: mark it handled so it is not tried again.
		return e.st.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
			return store.Effects{Seen: p.ID, SeenChat: p.Chat, Now: e.clock.Now()}, false, nil
		})
	}
	in.UpdateID = p.ID
	snap := e.snap.Load()
	var res flows.Result
	var duplicate bool
	ahead := e.ahead(snap, in)
	err = e.st.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
		now := e.clock.Now()
		seen, err := r.Seen(p.ID, in.Chat, ahead)
		if err != nil {
			return store.Effects{}, false, err
		}
		if seen {
			duplicate = true
			return store.Effects{Seen: p.ID, SeenChat: p.Chat, Now: now}, false, nil
		}
		var eff store.Effects
		res, eff, err = e.runStep(r, snap, in.Chat, in.Event, fmt.Sprintf("u%020d", p.ID), now)
		eff.Seen, eff.SeenChat = p.ID, p.Chat
		return eff, false, err
	})
	if err != nil {
		return err
	}
	if duplicate {
		e.stats.Duplicates.Add(1)
		return nil
	}
	e.stats.Updates.Add(1)
	e.states.put(in.Chat, res.Chat, res.Chat.Person == "" && len(res.Chat.Open) == 0)
	e.afterCommit(ctx, in, res)
	return nil
}

// ahead is what the chat's update will most likely read: what its flow
// needs, going by the chat's state as this process last left it.
func (e *Engine) ahead(snap *Snapshot, in Incoming) store.Ahead {
	st, ok := e.states.get(in.Chat)
	if !ok || st.Person == "" || snap == nil {
		return store.Ahead{}
	}
	needs := flows.NeedsFor(snap.Roster, st, in.Event)
	if needs.AllPeople {
		return store.Ahead{}
	}
	a := store.Ahead{People: needs.People}
	for _, k := range needs.Records {
		a.Records = append(a.Records, string(k))
	}
	return a
}

// runStep reads what the step's flow needs — the chat's state, then the
// bindings, records and invite it names — runs the step and turns its
// actions into effects. Everything read is watched.
func (e *Engine) runStep(r store.Reader, snap *Snapshot, chat int64, ev flows.Event, keyBase string, now time.Time) (flows.Result, store.Effects, error) {
	input := flows.Input{Now: now, Roster: snap.Roster, Cal: snap.Cal, ChatID: chat, Event: ev}
	if chat != 0 {
		raw, err := r.Chat(chat)
		if err != nil {
			return flows.Result{}, store.Effects{}, err
		}
		if raw != nil {
			if input.Chat, err = codec.DecodeChat(raw, now); err != nil {
				e.log.Error("chat state unreadable; starting afresh", "chat_id", chat, "err", err)
				input.Chat = flows.Chat{}
			}
		}
	}
	if chat != 0 && input.Chat.Person == "" && ev.Kind != flows.EvTimer && ev.Kind != flows.EvBlocked {
		// A chat bound to nobody: what it was allowed lately.
		n, err := r.Counts(chat, "answers", "presses", "invites")
		if err != nil {
			return flows.Result{}, store.Effects{}, err
		}
		input.Limits = flows.Limits{Answers: n["answers"], Presses: n["presses"], Invites: n["invites"]}
	}
	needs := flows.NeedsFor(snap.Roster, input.Chat, ev)
	if ev.Kind == flows.EvTimer && ev.Timer != nil {
		// A job runs in its subject's chat; the subject's binding says
		// which, and whether they are on Telegram at all.
		needs.People = append(needs.People, ev.Timer.TimerSubject())
	}
	// The records and bindings the step names are read in one round trip;
	// a flow whose needs depend on a record (Needs.Then) takes a second.
	var err error
	var people map[string]flows.Binding
	folded := map[string]string{}
	if input.Records, people, err = e.load(r, needs.Records, needs.People, needs.AllPeople, folded); err != nil {
		return flows.Result{}, store.Effects{}, err
	}
	if needs.Then != nil {
		more := needs.Then(input.Records)
		var fresh []flows.Key
		for _, k := range more.Records {
			if _, ok := input.Records[k]; !ok {
				fresh = append(fresh, k)
			}
		}
		var others []string
		for _, id := range more.People {
			if _, ok := people[id]; !ok && !needs.AllPeople && !slices.Contains(needs.People, id) {
				others = append(others, id)
			}
		}
		extra, bound, err := e.load(r, fresh, others, false, folded)
		if err != nil {
			return flows.Result{}, store.Effects{}, err
		}
		for k, rec := range extra {
			input.Records[k] = rec
		}
		for id, b := range bound {
			people[id] = b
		}
	}
	input.People = people
	if needs.Invite != "" {
		raw, err := r.Invite(needs.Invite)
		if err != nil {
			return flows.Result{}, store.Effects{}, err
		}
		if raw != nil {
			if inv, err := codec.DecodeInvite(raw); err == nil {
				input.Invite = &inv
			}
		}
	}
	res := e.step(input)
	eff, err := e.effects(r, res, chat, people, keyBase, now)
	if err == nil {
		err = e.unfold(r, eff.Records, input.Records, folded)
	}
	return res, eff, err
}

// bindings reads the bindings of people a step did not load.
func (e *Engine) bindings(r store.Reader, n flows.Needs) (map[string]flows.Binding, error) {
	_, raw, err := r.Load(nil, n.People, n.AllPeople)
	if err != nil {
		return nil, err
	}
	return e.decodeBindings(raw), nil
}

func (e *Engine) decodeBindings(raw map[string]string) map[string]flows.Binding {
	out := make(map[string]flows.Binding, len(raw))
	for id, v := range raw {
		b, err := codec.DecodeBinding([]byte(v))
		if err != nil {
			e.log.Warn("binding unreadable", "person", id, "err", err)
			continue
		}
		out[id] = b
	}
	return out
}

// load reads and decodes the records and bindings a step needs, and notes
// in folded what each record's history holds (codec.HistoryField).
func (e *Engine) load(r store.Reader, keys []flows.Key, people []string, everyone bool, folded map[string]string) (map[flows.Key]flows.Record, map[string]flows.Binding, error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = string(k)
	}
	raw, bound, err := r.Load(names, people, everyone)
	if err != nil {
		return nil, nil, err
	}
	recs := make(map[flows.Key]flows.Record, len(keys))
	for _, k := range keys {
		rec, errs := codec.DecodeRecord(raw[string(k)])
		for _, err := range errs {
			e.log.Warn("record field unreadable", "record", string(k), "err", err)
		}
		recs[k] = rec
		if h, ok := raw[string(k)][codec.HistoryField]; ok {
			folded[string(k)] = h
		}
	}
	return recs, e.decodeBindings(bound), nil
}

// unfold takes the fields a step writes out of their record's history:
// from now on they live outside it, and a deleted field must not live on
// folded (codec/history.go). A record the step writes without having
// read it has its history read now, in the same transaction.
func (e *Engine) unfold(r store.Reader, writes map[string]map[string][]byte, loaded map[flows.Key]flows.Record, folded map[string]string) error {
	var unread []string
	for name := range writes {
		// Only people's records are folded (engine/jobs.go).
		if _, ok := loaded[flows.Key(name)]; !ok && flows.Key(name).Kind() == "facts" {
			unread = append(unread, name)
		}
	}
	if len(unread) > 0 {
		more, err := r.Histories(unread)
		if err != nil {
			return err
		}
		for name, h := range more {
			folded[name] = h
		}
	}
	for name, fields := range writes {
		h, ok := folded[name]
		if !ok {
			continue
		}
		if _, own := fields[codec.HistoryField]; own {
			continue
		}
		written := make([]string, 0, len(fields))
		for f := range fields {
			written = append(written, f)
		}
		b, changed, err := codec.Unfold(h, written)
		if err != nil {
			// Unreadable (damaged, or a newer release's after a rollback,
			// which docs/operations.md rules out): left as it is. The
			// step's writes go to live fields, which win on read, but a
			// deletion of a folded field cannot take effect.
			e.log.Error("history unreadable; not rewritten", "record", name, "err", err)
			continue
		}
		if changed {
			fields[codec.HistoryField] = b
		}
	}
	return nil
}

// step runs the flow, turning a panic into an apology so that one bad
// conversation cannot take the bot down.
func (e *Engine) step(in flows.Input) (res flows.Result) {
	defer func() {
		if p := recover(); p != nil {
			e.stats.Panics.Add(1)
			e.log.Error("flow panicked", "chat_id", in.ChatID, "person", in.Chat.Person,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = e.apology(in)
		}
	}()
	if e.stepFn != nil {
		return e.stepFn(in)
	}
	return flows.Step(in)
}

func (e *Engine) apology(in flows.Input) (res flows.Result) {
	defer func() {
		if recover() != nil {
			res = flows.Result{Chat: in.Chat, Reason: flows.ReasonApology}
		}
	}()
	return flows.Apology(in)
}

// effects turns a step's actions into store writes. Keys of outgoing
// messages derive from the update or job and the action's position, so a
// step that is run again queues nothing new.
func (e *Engine) effects(r store.Reader, res flows.Result, chat int64, people map[string]flows.Binding, keyBase string, now time.Time) (store.Effects, error) {
	eff := store.Effects{Now: now, Chats: map[int64][]byte{}}
	switch {
	case chat == 0:
	case res.Chat.Person == "" && len(res.Chat.Open) == 0:
		// Nothing to keep about a chat bound to nobody: a stranger leaves
		// no trace beyond the dedupe window.
		eff.Chats[chat] = nil
	default:
		b, err := codec.EncodeChat(res.Chat)
		if err != nil {
			return eff, err
		}
		eff.Chats[chat] = b
	}
	// Recipients the flow did not load are looked up now, in the same
	// transaction.
	var missing []string
	for _, a := range res.Actions {
		if say, ok := a.(flows.Say); ok && say.To == 0 && say.ToPerson != "" {
			if _, ok := people[say.ToPerson]; !ok && !slices.Contains(missing, say.ToPerson) {
				missing = append(missing, say.ToPerson)
			}
		}
	}
	if len(missing) > 0 {
		more, err := e.bindings(r, flows.Needs{People: missing})
		if err != nil {
			return eff, err
		}
		for id, b := range more {
			people[id] = b
		}
	}
	for i, a := range res.Actions {
		key := fmt.Sprintf("%s.%04d", keyBase, i)
		switch a := a.(type) {
		case flows.Say:
			to := a.To
			if to == 0 {
				b, ok := people[a.ToPerson]
				if !ok || b.Chat == 0 {
					// Not on Telegram yet: the digest shows what they missed.
					e.log.Info("recipient not reachable", "person", a.ToPerson, "msg", a.MsgID)
					continue
				}
				to = b.Chat
			}
			a.To = to
			var nb int64
			if !a.NotBefore.IsZero() {
				nb = a.NotBefore.UnixMilli()
			}
			// Telegram refuses a text over 4,096 characters, and the
			// person would get nothing: a new message goes in parts, the
			// keyboard with the last; an edit can only be cut short.
			parts := []string{a.Text}
			if a.Media == nil && a.Document == nil {
				parts = flows.SplitText(a.Text)
			}
			if a.Edit != 0 && len(parts) > 1 {
				parts = []string{string([]rune(a.Text)[:flows.TextLimit-1]) + "…"}
			}
			for j, text := range parts {
				part := a
				part.Text = text
				if j < len(parts)-1 {
					part.Inline, part.Menu = nil, nil
				}
				payload, err := codec.EncodeSay(part)
				if err != nil {
					return eff, err
				}
				// Keys are zero-padded: messages due at the same instant
				// leave in key order, which must be the order they were
				// said in; a part's key sorts right after its first.
				k := key
				if j > 0 {
					k = fmt.Sprintf("%s.%d", key, j)
				}
				eff.Outbox = append(eff.Outbox, store.Outgoing{Key: k, Chat: to, Class: a.Class, NotBefore: nb, Payload: payload})
			}
		case flows.SetBinding:
			if eff.People == nil {
				eff.People = map[string][]byte{}
			}
			if a.Binding.Chat == 0 {
				eff.People[a.Person] = nil
				delete(people, a.Person)
			} else {
				b, err := codec.EncodeBinding(a.Binding)
				if err != nil {
					return eff, err
				}
				eff.People[a.Person] = b
				people[a.Person] = a.Binding
			}
		case flows.UseInvite:
			b, err := codec.EncodeInvite(a.Invite)
			if err != nil {
				return eff, err
			}
			eff.Invites = append(eff.Invites, store.InviteWrite{Code: a.Invite.Code, Data: b, Expires: a.Invite.Expires})
		case flows.Put:
			if eff.Records == nil {
				eff.Records = map[string]map[string][]byte{}
			}
			name := string(a.Key)
			if eff.Records[name] == nil {
				eff.Records[name] = map[string][]byte{}
			}
			var b []byte
			if a.Value != nil {
				var err error
				if b, err = codec.EncodeField(a.Field, a.Value); err != nil {
					return eff, err
				}
			}
			eff.Records[name][a.Field] = b
		case flows.Schedule:
			j, err := codec.JobOf(a)
			if err != nil {
				return eff, err
			}
			eff.Jobs = append(eff.Jobs, j)
		case flows.CancelJob:
			eff.CancelJobs = append(eff.CancelJobs, a.ID)
		case flows.SetCommands:
			payload, err := codec.EncodeCommands(a)
			if err != nil {
				return eff, err
			}
			eff.Outbox = append(eff.Outbox, store.Outgoing{Key: key, Chat: a.Chat, Kind: "commands",
				Class: flows.ClassAnswer, Payload: payload})
		case flows.Forget:
			// The binding and the chat's state go now; the rest of what
			// names the person is swept right after the commit, and again
			// until the sweep has finished (store.Erase).
			er := store.Erasure{Person: a.Person, Keep: keyBase}
			if b, ok := people[a.Person]; ok && b.Chat != 0 {
				eff.ForgetChats = append(eff.ForgetChats, b.Chat)
				er.Chat = b.Chat
			}
			eff.Erase = append(eff.Erase, er)
			if eff.People == nil {
				eff.People = map[string][]byte{}
			}
			eff.People[a.Person] = nil
			delete(people, a.Person)
			eff.Audit = append(eff.Audit, store.AuditEntry{Actor: a.By, Action: "forget", Subject: a.Person})
		case flows.Count:
			eff.Counts = append(eff.Counts, store.Count{Chat: chat, Name: a.Name, Window: a.Window})
		case flows.Answer:
			// Not stored: answered right after the commit.
		default:
			return eff, fmt.Errorf("unknown action %T", a)
		}
	}
	// Records written after a Forget in the same step must not bring the
	// person back.
	for _, name := range eff.DropRecords {
		delete(eff.Records, name)
	}
	for _, er := range eff.Erase {
		delete(eff.Records, string(flows.PersonKey(er.Person)))
	}
	return eff, nil
}

// afterCommit does what need not survive a crash: answer the button's
// callback (the client stops its spinner) and wake the sender.
func (e *Engine) afterCommit(ctx context.Context, in Incoming, res flows.Result) {
	if in.CallbackID != "" {
		text := ""
		for _, a := range res.Actions {
			if ans, ok := a.(flows.Answer); ok {
				text = ans.Text
			}
		}
		if err := e.tg.AnswerCallback(ctx, in.CallbackID, text); err != nil {
			var se *SendError
			if !errors.As(err, &se) || se.Kind != SendRejected {
				e.log.Debug("answer callback", "err", err)
			}
		}
	}
	for _, a := range res.Actions {
		switch a := a.(type) {
		case flows.Say:
			if a.To == in.Chat && a.Lang != "" {
				e.langs.Store(in.Chat, a.Lang)
			}
		case flows.Forget:
			e.sweepErasures(ctx)
		}
	}
	person := res.Chat.Person
	e.log.Info("step", "update_id", in.UpdateID, "chat_id", in.Chat, "person", person, "flow", res.Flow,
		"reason", res.Reason.String(), "open", len(res.Chat.Open), "actions", len(res.Actions))
	e.observe(Event{Kind: "step", Chat: in.Chat, Person: person, Flow: res.Flow, Reason: res.Reason.String()})
	select {
	case e.wakeSend <- struct{}{}:
	default:
	}
}
