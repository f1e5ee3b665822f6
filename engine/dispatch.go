package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"innsjekk/flows"
	"innsjekk/store"
)

// dispatch hands stored updates to workers: all updates of one chat go to
// the same worker, so they are handled in order, while different chats run
// in parallel on a bounded number of workers.
func (e *Engine) dispatch(ctx context.Context) {
	n := e.opt.Workers
	queues := make([]chan store.Pending, n)
	var mu sync.Mutex
	busy := map[int64]bool{} // update ids handed out and not finished
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan store.Pending, 64)
		wg.Add(1)
		go func(q chan store.Pending) {
			defer wg.Done()
			stopped := false
			for p := range q {
				// Once one update could not be finished at shutdown, the
				// rest of this worker's queue waits for the restart too,
				// so a chat's updates are never committed out of order.
				if !stopped && !e.handleRetrying(ctx, p) {
					stopped = true
				}
				mu.Lock()
				delete(busy, p.ID)
				mu.Unlock()
			}
		}(queues[i])
	}
	defer func() {
		for _, q := range queues {
			close(q)
		}
		wg.Wait()
	}()
	for ctx.Err() == nil {
		pend, err := e.st.PendingUpdates(ctx, 256)
		if err != nil && ctx.Err() == nil {
			e.log.Warn("read inbox", "err", err)
		}
		for _, p := range pend {
			mu.Lock()
			if busy[p.ID] {
				mu.Unlock()
				continue
			}
			busy[p.ID] = true
			mu.Unlock()
			chat := e.chatOf(p.Raw)
			q := queues[uint64(chat)%uint64(n)]
			select {
			case q <- p:
			case <-ctx.Done():
				return
			}
		}
		sleep(ctx, e.wakeIntake, e.opt.PollInterval)
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
		if ctx.Err() != nil {
			return false // still pending: handled after restart
		}
		sleep(ctx, nil, backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Handle runs one stored update through its flow and commits the result.
func (e *Engine) Handle(ctx context.Context, p store.Pending) error {
	in, err := e.tg.Decode(p.Raw)
	if err != nil || in.Chat == 0 {
		// Nothing for the flows: mark it handled so it is not tried again.
		return e.st.Apply(ctx, store.Watch{Update: p.ID}, func(store.Reader) (store.Effects, bool, error) {
			return store.Effects{Seen: p.ID, Now: e.clock.Now()}, false, nil
		})
	}
	in.UpdateID = p.ID
	snap := e.snap.Load()
	var code string
	if in.Event.Kind == flows.EvCommand && in.Event.Command == "start" {
		code = strings.TrimSpace(in.Event.Text)
	}
	// Whose facts the step needs depends on who the chat belongs to; read
	// that first so those keys are watched too.
	var chatPerson string
	if err := e.st.Apply(ctx, store.Watch{Chats: []int64{in.Chat}}, func(r store.Reader) (store.Effects, bool, error) {
		raw, err := r.Chat(in.Chat)
		if err == nil && raw != nil {
			var c flows.Chat
			if json.Unmarshal(raw, &c) == nil {
				chatPerson = c.Person
			}
		}
		return store.Effects{}, true, err
	}); err != nil {
		return err
	}
	factsOf := flows.FactsFor(snap.Roster, chatPerson, in.Event)
	w := store.Watch{Chats: []int64{in.Chat}, People: true, Update: p.ID, Facts: factsOf}
	if code != "" && len(code) <= 64 {
		w.Invites = []string{code}
	} else {
		code = ""
	}
	var res flows.Result
	var duplicate bool
	var people map[string]flows.Binding
	err = e.st.Apply(ctx, w, func(r store.Reader) (store.Effects, bool, error) {
		now := e.clock.Now()
		seen, err := r.Seen(p.ID)
		if err != nil {
			return store.Effects{}, false, err
		}
		if seen {
			duplicate = true
			return store.Effects{Seen: p.ID, Now: now}, false, nil
		}
		input, err := e.load(r, snap, in, code, now)
		if err != nil {
			return store.Effects{}, false, err
		}
		if input.Facts, err = loadFacts(r, factsOf); err != nil {
			return store.Effects{}, false, err
		}
		people = input.People
		res = e.step(input)
		eff, err := e.effects(res, in.Chat, people, fmt.Sprintf("u%020d", p.ID), now)
		eff.Seen = p.ID
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
	e.afterCommit(ctx, in, res)
	return nil
}

// load reads what a step may look at.
func (e *Engine) load(r store.Reader, snap *Snapshot, in Incoming, code string, now time.Time) (flows.Input, error) {
	input := flows.Input{Now: now, Roster: snap.Roster, Cal: snap.Cal, ChatID: in.Chat, Event: in.Event}
	raw, err := r.Chat(in.Chat)
	if err != nil {
		return input, err
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &input.Chat); err != nil {
			e.log.Error("chat state unreadable; starting afresh", "chat_id", in.Chat, "err", err)
			input.Chat = flows.Chat{}
		}
	}
	people, err := r.People()
	if err != nil {
		return input, err
	}
	input.People = make(map[string]flows.Binding, len(people))
	for id, v := range people {
		var b flows.Binding
		if json.Unmarshal([]byte(v), &b) == nil {
			input.People[id] = b
		}
	}
	if code != "" {
		raw, err := r.Invite(code)
		if err != nil {
			return input, err
		}
		if raw != nil {
			var inv flows.Invite
			if json.Unmarshal(raw, &inv) == nil {
				input.Invite = &inv
			}
		}
	}
	return input, nil
}

func loadFacts(r store.Reader, people []string) (map[string]*flows.Facts, error) {
	out := make(map[string]*flows.Facts, len(people))
	for _, id := range people {
		fields, err := r.Facts(id)
		if err != nil {
			return nil, err
		}
		out[id] = flows.DecodeFacts(fields)
	}
	return out, nil
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
func (e *Engine) effects(res flows.Result, chat int64, people map[string]flows.Binding, keyBase string, now time.Time) (store.Effects, error) {
	eff := store.Effects{Now: now, Chats: map[int64][]byte{}}
	if chat != 0 {
		b, err := json.Marshal(res.Chat)
		if err != nil {
			return eff, err
		}
		eff.Chats[chat] = b
	}
	for i, a := range res.Actions {
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
			payload, err := json.Marshal(a)
			if err != nil {
				return eff, err
			}
			var nb int64
			if !a.NotBefore.IsZero() {
				nb = a.NotBefore.UnixMilli()
			}
			// Keys are zero-padded: messages due at the same instant leave
			// in key order, which must be the order they were said in.
			eff.Outbox = append(eff.Outbox, store.Outgoing{Key: fmt.Sprintf("%s.%04d", keyBase, i), Chat: to,
				Urgent: a.Urgent, NotBefore: nb, Payload: payload})
		case flows.SetBinding:
			if eff.People == nil {
				eff.People = map[string][]byte{}
			}
			if a.Binding.Chat == 0 {
				eff.People[a.Person] = nil
			} else {
				b, _ := json.Marshal(a.Binding)
				eff.People[a.Person] = b
			}
			people[a.Person] = a.Binding
		case flows.UseInvite:
			b, _ := json.Marshal(a.Invite)
			eff.Invites = append(eff.Invites, store.InviteWrite{Code: a.Invite.Code, Data: b, Expires: a.Invite.Expires})
		case flows.SetFact:
			if eff.Facts == nil {
				eff.Facts = map[string]map[string][]byte{}
			}
			if eff.Facts[a.Person] == nil {
				eff.Facts[a.Person] = map[string][]byte{}
			}
			var b []byte
			if a.Value != nil {
				var err error
				if b, err = json.Marshal(a.Value); err != nil {
					return eff, err
				}
			}
			eff.Facts[a.Person][a.Field] = b
		case flows.Schedule:
			data, _ := json.Marshal(a.Data)
			eff.Jobs = append(eff.Jobs, store.Job{ID: a.ID, Kind: a.Kind, Due: a.Due, Person: a.Person, Data: data})
		case flows.CancelJob:
			eff.CancelJobs = append(eff.CancelJobs, a.ID)
		case flows.SetCommands:
			payload, err := json.Marshal(a)
			if err != nil {
				return eff, err
			}
			eff.Outbox = append(eff.Outbox, store.Outgoing{Key: fmt.Sprintf("%s.%04d", keyBase, i), Chat: a.Chat,
				Kind: "commands", Payload: payload})
		case flows.Forget:
			eff.ForgetFacts = append(eff.ForgetFacts, a.Person)
			if b, ok := people[a.Person]; ok && b.Chat != 0 {
				eff.ForgetChats = append(eff.ForgetChats, b.Chat)
				if eff.People == nil {
					eff.People = map[string][]byte{}
				}
				eff.People[a.Person] = nil
				delete(people, a.Person)
			}
			eff.Audit = append(eff.Audit, store.AuditEntry{Actor: a.By, Action: "forget", Subject: a.Person})
		case flows.Answer:
			// Not stored: answered right after the commit.
		default:
			return eff, fmt.Errorf("unknown action %T", a)
		}
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
	person := res.Chat.Person
	e.log.Info("step", "update_id", in.UpdateID, "chat_id", in.Chat, "person", person, "reason", res.Reason.String(),
		"phase", string(res.Chat.Phase), "actions", len(res.Actions))
	e.observe(Event{Kind: "step", Chat: in.Chat, Person: person, Reason: res.Reason.String()})
	select {
	case e.wakeSend <- struct{}{}:
	default:
	}
}
