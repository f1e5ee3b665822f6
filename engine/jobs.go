package engine

import (
	"context"
	"fmt"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// Job kinds the engine itself runs.
const jobHousekeeping = "housekeeping"

// How long replay protection and sent-message keys are kept: Telegram
// keeps an unconfirmed update for 24 hours, so two days covers any
// redelivery.
const (
	keepSeen = 48 * time.Hour
	keepDone = 7 * 24 * time.Hour
)

// runJobs claims due jobs and runs each once. A job is removed only in the
// same transaction that commits its effects; if this process dies, the
// lease runs out and another process runs it.
func (e *Engine) runJobs(ctx context.Context) {
	now := e.clock.Now()
	e.scheduleHousekeeping(ctx, now)
	// Plan today at start (a fresh deploy, or a roster imported mid-day),
	// and make sure tomorrow's planner exists.
	today := e.snap.Load().Cal.Today(now)
	if err := e.PlanDay(ctx, today); err != nil && ctx.Err() == nil {
		e.log.Warn("plan today", "err", err)
	}
	if err := e.st.Schedule(ctx, e.planJob(schedule.AddDays(today, 1))); err != nil && ctx.Err() == nil {
		e.log.Warn("schedule planner", "err", err)
	}
	for ctx.Err() == nil {
		now := e.clock.Now()
		jobs, err := e.st.ClaimJobs(ctx, now, 32, e.opt.JobLease)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("claim jobs", "err", err)
				e.observe(Event{Kind: "redis_error", Detail: "jobs"})
			}
			sleep(ctx, e.wakeJobs, time.Second)
			continue
		}
		for _, j := range jobs {
			jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			if err := e.RunJob(jctx, j); err != nil {
				e.log.Warn("run job", "job", j.ID, "err", err)
			}
			cancel()
		}
		if len(jobs) > 0 {
			continue
		}
		d := e.opt.PollInterval
		if next, ok, err := e.st.NextJob(ctx); err == nil && ok {
			if w := next.Sub(e.clock.Now()); w < d {
				d = max(w, 10*time.Millisecond)
			}
		}
		sleep(ctx, e.wakeJobs, d)
	}
}

// RunJob runs one claimed job and commits its effects with its removal.
func (e *Engine) RunJob(ctx context.Context, j store.Job) error {
	switch j.Kind {
	case jobHousekeeping:
		return e.runHousekeeping(ctx, j)
	case jobPlan:
		return e.runPlan(ctx, j)
	}
	t, known, err := codec.Timer(j)
	switch {
	case !known:
		// A kind this release does not know (written by a newer one):
		// leave it for a process that does.
		e.log.Warn("unknown job kind", "job", j.ID, "kind", j.Kind)
		return nil
	case err != nil:
		// It will never read: drop it rather than claim it forever.
		e.log.Error("job unreadable; dropped", "job", j.ID, "err", err)
		return e.st.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
			return store.Effects{DoneJob: j.ID, Now: e.clock.Now()}, false, nil
		})
	}
	return e.runTimer(ctx, j, t)
}

func (e *Engine) runHousekeeping(ctx context.Context, j store.Job) error {
	now := e.clock.Now()
	if err := e.st.Housekeep(ctx, now, keepSeen, keepDone); err != nil {
		return err
	}
	if err := e.tidyRecords(ctx, now); err != nil {
		return err
	}
	e.sweepErasures(ctx)
	next := e.housekeepingJob(now)
	ran := false
	err := e.st.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
		if b, err := r.Job(j.ID); err != nil || b == nil {
			return store.Effects{}, true, err
		}
		ran = true
		return store.Effects{DoneJob: j.ID, Jobs: []store.Job{next}, Now: now}, false, nil
	})
	if err == nil && ran {
		e.stats.Jobs.Add(1)
		e.observe(Event{Kind: "job", Job: j.Kind, Reason: j.Kind, Detail: j.ID, Lag: now.Sub(j.Due)})
	}
	return err
}

// runTimer runs a flow's job in its subject's chat. The subject need not
// be on Telegram: the job still runs, and what it says to others goes out.
func (e *Engine) runTimer(ctx context.Context, j store.Job, t flows.Timer) error {
	snap := e.snap.Load()
	ev := flows.Event{Kind: flows.EvTimer, Timer: t}
	var res flows.Result
	ran := false
	err := e.st.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
		if b, err := r.Job(j.ID); err != nil || b == nil {
			return store.Effects{}, true, err
		}
		now := e.clock.Now()
		var chat int64
		subject := t.TimerSubject()
		bs, err := e.bindings(r, flows.Needs{People: []string{subject}})
		if err != nil {
			return store.Effects{}, false, err
		}
		if b, ok := bs[subject]; ok {
			chat = b.Chat
		}
		var eff store.Effects
		res, eff, err = e.runStep(r, snap, chat, ev, "j"+j.ID, now)
		eff.DoneJob = j.ID
		ran = true
		return eff, false, err
	})
	if err != nil || !ran {
		return err
	}
	e.stats.Jobs.Add(1)
	e.log.Info("job", "job", j.ID, "kind", j.Kind, "person", j.Person, "flow", res.Flow, "reason", res.Reason.String(),
		"actions", len(res.Actions))
	e.observe(Event{Kind: "job", Job: j.Kind, Person: j.Person, Flow: res.Flow, Reason: res.Reason.String(), Detail: j.ID,
		Lag: e.clock.Now().Sub(j.Due)})
	select {
	case e.wakeSend <- struct{}{}:
	default:
	}
	return nil
}

// jobPlan plans a day's reminders, nudges and morning cards, just after
// midnight, and then plans itself for the next day.
const jobPlan = "plan"

func (e *Engine) planJob(day roster.Date) store.Job {
	cal := e.snap.Load().Cal
	return store.Job{ID: jobPlan + ":" + day.String(), Kind: jobPlan, Due: cal.At(day, 5)}
}

// PlanDay schedules day's jobs now (idempotent: job ids are stable).
func (e *Engine) PlanDay(ctx context.Context, day roster.Date) error {
	jobs, err := e.plan(day)
	if err != nil {
		return err
	}
	return e.st.Schedule(ctx, jobs...)
}

// plan lists a day's jobs and logs the ones whose moment had passed.
func (e *Engine) plan(day roster.Date) ([]store.Job, error) {
	snap := e.snap.Load()
	planned, missed := flows.Plan(snap.Roster, snap.Cal, day, e.clock.Now())
	for _, m := range missed {
		e.log.Info("missed job", "job", m.ID, "due", m.Due.Format(time.RFC3339))
		e.observe(Event{Kind: "missed", Reason: m.Timer.TimerKind(), Person: m.Timer.TimerSubject(), Detail: m.ID})
	}
	if len(missed) > 0 || len(planned) > 0 {
		e.observe(Event{Kind: "plan", Detail: day.String(), Reason: fmt.Sprintf("%d planned, %d missed", len(planned), len(missed))})
	}
	return e.jobsOf(planned)
}

func (e *Engine) jobsOf(ss []flows.Schedule) ([]store.Job, error) {
	out := make([]store.Job, 0, len(ss))
	for _, s := range ss {
		j, err := codec.JobOf(s)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

func (e *Engine) runPlan(ctx context.Context, j store.Job) error {
	snap := e.snap.Load()
	day := snap.Cal.Today(j.Due)
	jobs, err := e.plan(day)
	if err != nil {
		return err
	}
	jobs = append(jobs, e.planJob(schedule.AddDays(day, 1)))
	return e.st.Apply(ctx, store.Watch{}, func(r store.Reader) (store.Effects, bool, error) {
		if b, err := r.Job(j.ID); err != nil || b == nil {
			return store.Effects{}, true, err
		}
		return store.Effects{DoneJob: j.ID, Jobs: jobs, Now: e.clock.Now()}, false, nil
	})
}

// foldAfter is how old (by the day it is about) a field of a person's
// record gets before the nightly housekeeping folds it into the record's
// history (codec/history.go). Two days: what flows write about older days
// (a Friday's feedback prompt marked nudged on Monday, a late answer, a
// correction) costs only a rewrite of one history, a millisecond or so,
// and the record's live fields are what a year's Redis is mostly made
// of after the history (docs/PERFORMANCE.md).
const foldAfter = 2 * 24 * time.Hour

// calendarKeep is how long a counsellor's calendar keeps a meeting after
// its day. The calendar is there so that nobody is booked twice; the
// meeting itself stays in the participant's record for the retention.
const calendarKeep = 7 * 24 * time.Hour

// tidyRecords deletes what people's records hold about days older than
// the roster's retention (docs/privacy.md: 365 days by default) — the bot
// keeps what the rules need and the municipality's own systems keep the
// rest — folds what is older than foldAfter into each participant's
// history, and takes meetings a week past out of counsellors' calendars.
// Each record is rewritten in a transaction of its own, so a step
// writing the record meanwhile is not undone.
func (e *Engine) tidyRecords(ctx context.Context, now time.Time) error {
	r := e.snap.Load().Roster
	keep := r.Programme.Retention.Records
	loc := r.Programme.Location
	expire := ""
	if keep > 0 {
		expire = now.Add(-keep).In(loc).Format("2006-01-02")
	}
	foldBefore := now.Add(-foldAfter).In(loc).Format("2006-01-02")
	type rec struct {
		name   string
		expire string
		fold   bool
	}
	var names []rec
	for _, p := range r.Participants {
		names = append(names, rec{string(flows.PersonKey(p.ID)), expire, true})
	}
	// Calendars are not folded (the erasure sweep finds a person's
	// entries in them by field name); past meetings leave them.
	calExpire := max(expire, now.Add(-calendarKeep).In(loc).Format("2006-01-02"))
	for _, st := range r.Staff {
		names = append(names, rec{string(flows.CalendarKey(st.ID)), calExpire, false})
	}
	for _, n := range names {
		var writes map[string][]byte
		err := e.st.Apply(ctx, store.Watch{}, func(rd store.Reader) (store.Effects, bool, error) {
			recs, err := rd.Records([]string{n.name})
			if err != nil {
				return store.Effects{}, false, err
			}
			var unreadable error
			writes, unreadable = codec.Tidy(recs[n.name], loc, n.expire, foldBefore, n.fold)
			if unreadable != nil {
				e.log.Warn("history unreadable; not folded", "record", n.name, "err", unreadable)
			}
			if len(writes) == 0 {
				return store.Effects{}, true, nil
			}
			return store.Effects{Records: map[string]map[string][]byte{n.name: writes}, Now: e.clock.Now()}, false, nil
		})
		if err != nil {
			return err
		}
		if len(writes) > 0 {
			e.log.Debug("tidied record", "record", n.name, "fields", len(writes))
		}
	}
	return nil
}

// housekeepingJob is the next nightly clean-up, at 03:00 in the
// programme's time zone.
func (e *Engine) housekeepingJob(now time.Time) store.Job {
	cal := e.snap.Load().Cal
	due := cal.NextAt(now, 3*60)
	return store.Job{ID: jobHousekeeping + ":" + cal.Today(due).String(), Kind: jobHousekeeping, Due: due}
}

func (e *Engine) scheduleHousekeeping(ctx context.Context, now time.Time) {
	if err := e.st.Schedule(ctx, e.housekeepingJob(now)); err != nil && ctx.Err() == nil {
		e.log.Warn("schedule housekeeping", "err", err)
	}
}

// sweepErasures finishes every erasure decided and not yet swept. One
// whose goodbye is still on its way is tried again a little later; the
// nightly housekeeping picks up whatever a crash left.
func (e *Engine) sweepErasures(ctx context.Context) {
	snap := e.snap.Load()
	pending, err := e.st.PendingErasures(ctx)
	if err != nil || snap == nil {
		return
	}
	again := false
	for _, er := range pending {
		err := e.st.Erase(ctx, er, EveryoneBut(snap.Roster, er.Person))
		switch {
		case store.StillSending(err):
			again = true
		case err != nil:
			e.log.Warn("erase", "err", err)
			again = true
		}
	}
	if again {
		// Retried for as long as the engine runs, not the step that
		// decided it.
		run := e.runCtx.Load()
		if run == nil {
			return
		}
		go func() {
			t := time.NewTimer(2 * time.Second)
			defer t.Stop()
			select {
			case <-(*run).Done():
			case <-t.C:
				e.sweepErasures(*run)
			}
		}()
	}
}

// EveryoneBut lists everyone in r but person: whose inboxes, alerts and
// calendars an erasure of person sweeps.
func EveryoneBut(r *roster.Roster, person string) []string {
	var out []string
	add := func(id string) {
		if id != person {
			out = append(out, id)
		}
	}
	for _, p := range r.Participants {
		add(p.ID)
	}
	for _, s := range r.Staff {
		add(s.ID)
	}
	for _, e := range r.Employers {
		for _, c := range e.Contacts {
			add(c.ID)
		}
	}
	return out
}
