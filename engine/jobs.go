package engine

import (
	"context"
	"time"

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
	e.scheduleHousekeeping(ctx, e.clock.Now())
	for ctx.Err() == nil {
		now := e.clock.Now()
		jobs, err := e.st.ClaimJobs(ctx, now, 32, e.opt.JobLease)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("claim jobs", "err", err)
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
		now := e.clock.Now()
		if err := e.st.Housekeep(ctx, now, keepSeen, keepDone); err != nil {
			return err
		}
		next := e.housekeepingJob(now)
		ran := false
		err := e.st.Apply(ctx, store.Watch{Job: j.ID}, func(r store.Reader) (store.Effects, bool, error) {
			if b, err := r.Job(j.ID); err != nil || b == nil {
				return store.Effects{}, true, err
			}
			ran = true
			return store.Effects{DoneJob: j.ID, Jobs: []store.Job{next}, Now: now}, false, nil
		})
		if err == nil && ran {
			e.stats.Jobs.Add(1)
			e.observe(Event{Kind: "job", Reason: j.Kind, Detail: j.ID})
		}
		return err
	default:
		// A kind this release does not know (written by a newer one):
		// leave it for a process that does.
		e.log.Warn("unknown job kind", "job", j.ID, "kind", j.Kind)
		return nil
	}
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
