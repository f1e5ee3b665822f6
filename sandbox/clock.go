package sandbox

import (
	"sync"
	"time"

	"innsjekk/roster"
	"innsjekk/schedule"
)

// Clock is the sandbox's simulated time: the real clock shifted by an
// offset. It keeps ticking in real time because the outbox spaces messages
// to one chat by a second of clock time; a frozen clock would hold every
// second message back until someone pressed a button.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// NewClock returns a clock that shows start now.
func NewClock(start time.Time) *Clock {
	return &Clock{offset: time.Until(start)}
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock d forward and returns the new time. The clock
// never goes back: leases, replay protection and sent-message records in
// the store all assume time only moves forward.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.offset += d
	}
	return time.Now().Add(c.offset)
}

// AdvanceTo moves the clock to t if t is later than now, and returns the
// new time.
func (c *Clock) AdvanceTo(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if d := t.Sub(now.Add(c.offset)); d > 0 {
		c.offset += d
	}
	return now.Add(c.offset)
}

// startTime is where the sandbox clock starts: 08:00 on the first working
// day after real now, in the programme's zone. A fixed hour before any
// placement begins makes every session tell the same story: "My week"
// shows placement days, and "+1 hour" walks through a working day from
// its start instead of from whatever hour the sandbox happened to start.
func startTime(cal *schedule.Calendar, now time.Time) time.Time {
	const eight = roster.Clock(8 * 60)
	for t := cal.NextAt(now, eight); ; t = cal.NextAt(t, eight) {
		if cal.IsWorkingDay(cal.Today(t)) {
			return t
		}
	}
}
