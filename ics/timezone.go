package ics

import (
	"fmt"
	"time"

	ical "github.com/arran4/golang-ical"
)

// transition is one change of a zone's offset.
type transition struct {
	at       time.Time // the instant
	from, to int       // offsets before and after, seconds east of UTC
	name     string    // abbreviation after ("CEST")
	dst      bool      // whether daylight saving time starts
}

// transitions lists loc's offset changes from start up to end.
func transitions(loc *time.Location, start, end time.Time) []transition {
	var out []transition
	t := start
	for {
		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() || next.After(end) {
			return out
		}
		_, before := next.Add(-time.Second).In(loc).Zone()
		name, after := next.In(loc).Zone()
		if before != after {
			out = append(out, transition{at: next, from: before, to: after, name: name, dst: next.In(loc).IsDST()})
		}
		t = next
	}
}

// vtimezone describes loc for calendar programs that do not know its
// name, Outlook above all: a STANDARD and a DAYLIGHT observance with
// yearly rules (RRULE BYMONTH, BYDAY=-1SU for Europe/Oslo) when those
// rules give exactly the changes Go's zone data has for a year either
// side of [first, last]; otherwise each change in that span is listed on
// its own, which is as correct but longer.
func vtimezone(tzid string, loc *time.Location, first, last time.Time) *ical.VTimezone {
	tz := ical.NewTimezone(tzid)
	start := time.Date(first.Year()-1, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(last.Year()+2, 1, 1, 0, 0, 0, 0, loc)
	trs := transitions(loc, start, end)
	if len(trs) == 0 {
		name, off := first.In(loc).Zone()
		s := tz.AddStandard()
		s.AddProperty(ical.ComponentPropertyDtStart, "19700101T000000")
		s.AddProperty(ical.ComponentProperty(ical.PropertyTzoffsetfrom), offset(off))
		s.AddProperty(ical.ComponentProperty(ical.PropertyTzoffsetto), offset(off))
		s.AddProperty(ical.ComponentProperty(ical.PropertyTzname), name)
		return tz
	}
	if rules, ok := yearlyRules(trs, start.Year(), end.Year()-1); ok {
		for _, r := range rules {
			observance(tz, r.tr, time.Date(1970, r.tr.at.Month(), nthWeekday(1970, r.tr.at.Month(), r.weekday, r.nth), 0, 0, 0, 0, time.UTC), r.rrule)
		}
		return tz
	}
	for _, tr := range trs {
		observance(tz, tr, tr.at, "")
	}
	return tz
}

// observance adds one STANDARD or DAYLIGHT block. Its DTSTART is the wall
// clock just before the change (RFC 5545 §3.6.5: local time in
// TZOFFSETFROM); on is the day it is written on.
func observance(tz *ical.VTimezone, tr transition, on time.Time, rrule string) {
	var c *ical.ComponentBase
	if tr.dst {
		d := &ical.Daylight{}
		tz.Components = append(tz.Components, d)
		c = &d.ComponentBase
	} else {
		c = &tz.AddStandard().ComponentBase
	}
	wall := tr.at.In(time.FixedZone("", tr.from))
	dtstart := time.Date(on.Year(), on.Month(), on.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
	if rrule == "" {
		dtstart = time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
	}
	c.AddProperty(ical.ComponentPropertyDtStart, dtstart.Format(localStamp))
	if rrule != "" {
		c.AddProperty(ical.ComponentPropertyRrule, rrule)
	}
	c.AddProperty(ical.ComponentProperty(ical.PropertyTzoffsetfrom), offset(tr.from))
	c.AddProperty(ical.ComponentProperty(ical.PropertyTzoffsetto), offset(tr.to))
	c.AddProperty(ical.ComponentProperty(ical.PropertyTzname), tr.name)
}

type yearlyRule struct {
	tr      transition // the first change the rule describes
	weekday time.Weekday
	nth     int // 1..4, or -1 for the last in the month
	rrule   string
}

// yearlyRules finds, for a zone with one change into and one out of
// daylight saving time a year, the rule of each ("the last Sunday of
// March at 02:00"), and reports whether the rules reproduce every change
// from year y0 to y1.
func yearlyRules(trs []transition, y0, y1 int) ([]yearlyRule, bool) {
	var rules []yearlyRule
	for _, dst := range []bool{true, false} {
		var same []transition
		for _, tr := range trs {
			if tr.dst == dst {
				same = append(same, tr)
			}
		}
		if len(same) != y1-y0+1 {
			return nil, false
		}
		first := same[0]
		wall := first.at.In(time.FixedZone("", first.from))
		nth := (wall.Day()-1)/7 + 1
		if wall.Day()+7 > daysIn(wall.Year(), wall.Month()) {
			nth = -1
		}
		r := yearlyRule{tr: first, weekday: wall.Weekday(), nth: nth,
			rrule: fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(wall.Month()), nth, dayCodes[wall.Weekday()])}
		for i, tr := range same {
			y := y0 + i
			w := tr.at.In(time.FixedZone("", tr.from))
			want := time.Date(y, wall.Month(), nthWeekday(y, wall.Month(), r.weekday, nth), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
			got := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
			if !got.Equal(want) || tr.from != first.from || tr.to != first.to || tr.name != first.name {
				return nil, false
			}
		}
		rules = append(rules, r)
	}
	return rules, true
}

var dayCodes = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// nthWeekday returns the day of month of the nth wd in month m of y, or
// of the last one when n is -1.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) int {
	if n == -1 {
		last := daysIn(y, m)
		back := (int(time.Date(y, m, last, 0, 0, 0, 0, time.UTC).Weekday()) - int(wd) + 7) % 7
		return last - back
	}
	first := (int(wd) - int(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday()) + 7) % 7
	return 1 + first + 7*(n-1)
}

// offset writes seconds east of UTC as RFC 5545's UTC-OFFSET, +0100.
func offset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}
