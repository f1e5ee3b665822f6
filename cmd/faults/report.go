package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"innsjekk/bot/fakeapi"
)

// report prints the figures of the run and every finding.
func report(w io.Writer, cfg *config, c *cast, rec *record, ch *chaos, fl *fleet, rs *redisServer, fake *fakeapi.Server, tp *tap, vd verdict, drained bool) {
	injected := map[string]int{}
	flood := 0
	for _, call := range fake.Calls() {
		switch {
		case call.Injected && call.Status == 429:
			injected["429"]++
		case call.Injected && call.Status >= 500:
			injected["5xx"]++
		case !call.Injected && call.Status == 429:
			flood++
		}
	}
	rec.mu.Lock()
	var convs []string
	started := 0
	for k, n := range rec.convs {
		convs = append(convs, fmt.Sprintf("%s %d", k, n))
		started += n
	}
	sort.Strings(convs)
	completed, cancelled, stalls := rec.completed, rec.cancelled, append([]string(nil), rec.stalls...)
	updates, redelivered, doubleTaps, acked := len(rec.updates), rec.redelivered+ch.redelivered, rec.doubleTaps, len(rec.notices)
	rec.mu.Unlock()
	rs.mu.Lock()
	redisKills, redisShutdowns := rs.kills, rs.shutdown
	rs.mu.Unlock()
	fl.mu.Lock()
	procs, kills, unexpected, secondKills := len(fl.procs), fl.kills, len(fl.unexpected), ch.secondKills
	fl.mu.Unlock()
	tp.mu.Lock()
	armed, fired := ch.armed, tp.fired
	tp.mu.Unlock()

	fmt.Fprintf(w, "\n== innsjekk fault suite: %s, mode %s, seed %d ==\n", formName(cfg), cfg.mode, cfg.seed)
	row := func(k string, v any) { fmt.Fprintf(w, "  %-34s %v\n", k, v) }
	row("people", fmt.Sprintf("%d: %d participants, %d mentors, %d advisers", len(c.people), len(c.participants), len(c.mentors), len(c.advisers)))
	row("conversations", fmt.Sprintf("%d: %d completed, %d stalled, %d cancelled (%s)", started, completed, len(stalls), cancelled, strings.Join(convs, ", ")))
	row("updates sent by people", updates)
	row("updates redelivered", fmt.Sprintf("%d (+%d double taps)", redelivered, doubleTaps))
	row("kills (kill -9 of a bot)", fmt.Sprintf("%d: %d at random, %d just after Telegram accepted a notice (%d armed), %d ending a second process",
		kills, ch.kills, fired, armed, secondKills))
	row("bot processes started", fmt.Sprintf("%d (%d exited by themselves)", procs, unexpected))
	row("Redis restarts", fmt.Sprintf("%d (%d kill -9, %d SHUTDOWN)", redisKills+redisShutdowns, redisKills, redisShutdowns))
	row("429 injected / 5xx injected", fmt.Sprintf("%d / %d (in %d + %d storms)", injected["429"], injected["5xx"], ch.storms429, ch.storms5xx))
	row("429 from flood control", flood)
	row("409 to getUpdates", tp.status("getUpdates", 409))
	row("second process windows", ch.seconds)
	row("notices in store (undone)", fmt.Sprintf("%d (%d); %d confirmed to participants", vd.notices, vd.undone, acked))
	row("check-ins / ratings confirmed", fmt.Sprintf("%d / %d", vd.checkins, vd.feedback))
	row("updates handled (step logged)", vd.stepped)
	row("messages from scheduled jobs", vd.jobMessages)
	row("queues drained", drained)
	row("outbox left / dead letters", fmt.Sprintf("%d / %d", vd.waiting, len(vd.deadLetters)))
	row("duplicates at a kill (excused)", len(vd.excused))
	row("LOST", total(vd.lost))
	row("DUPLICATED", total(vd.dup))
	for _, f := range vd.excused {
		fmt.Fprintf(w, "  excused: %s: %s\n", f.what, f.detail)
	}
	for _, f := range append(vd.lost, vd.dup...) {
		fmt.Fprintf(w, "  %s ×%d: %s: %s\n", f.kind, f.n, f.what, f.detail)
	}
	for _, d := range vd.deadLetters {
		fmt.Fprintf(w, "  dead letter: %s\n", d)
	}
	if len(stalls) > 0 {
		fmt.Fprintf(w, "  stalled conversations (the person gave up waiting; what they were told is still checked):\n")
		for _, s := range stalls {
			fmt.Fprintf(w, "    %s\n", s)
		}
	}
	if total(vd.lost)+total(vd.dup) == 0 {
		fmt.Fprintln(w, "PASS: nothing lost, nothing duplicated")
	} else {
		fmt.Fprintf(w, "FAIL: %d lost, %d duplicated\n", total(vd.lost), total(vd.dup))
	}
}

func formName(cfg *config) string {
	if cfg.smoke {
		return "smoke"
	}
	return "long"
}
