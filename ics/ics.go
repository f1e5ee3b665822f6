// Package ics builds the calendar feeds (RFC 5545) a participant or a
// staff member subscribes to in Outlook, Google Calendar or their phone:
// placement days, classes, Nav meetings and reported absences, in the
// programme's time zone. It does no I/O and reads no clock; the shell
// hands it the roster, the records and now.
//
// A feed carries no health detail (docs/behaviour.md): an absence is an
// all-day "away", never its kind, and a meeting is where it is, never
// why it was booked over a clash.
package ics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	ical "github.com/arran4/golang-ical"

	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// DefaultWeeks is how far ahead a feed looks by default.
const DefaultWeeks = 8

// PastDays is how far back a feed looks, so that last week's days stay
// in a calendar that refreshes.
const PastDays = 14

// Options say when a feed is made and how far ahead it looks.
type Options struct {
	Now   time.Time // DTSTAMP, and the day the window is counted from
	Weeks int       // weeks ahead of today; 0 means DefaultWeeks
}

// words are the few words a feed needs. A feed is read in a calendar
// program, by staff mostly, so it is in Norwegian for those whose
// language is nb and in English for everyone else; names and places are
// as the roster writes them.
type words struct {
	placement, class, meeting, nav, away, contact, participants string
}

var vocabulary = map[string]words{
	"nb": {placement: "Praksis", class: "Undervisning", meeting: "Nav-møte", nav: "Nav", away: "Borte",
		contact: "Kontaktperson", participants: "deltakere"},
	"en": {placement: "Placement", class: "Class", meeting: "Nav meeting", nav: "Nav", away: "Away",
		contact: "Contact person", participants: "participants"},
}

func wordsFor(lang string) words {
	if lang == "nb" {
		return vocabulary["nb"]
	}
	return vocabulary["en"]
}

// feed is one calendar being built.
type feed struct {
	r      *roster.Roster
	cal    *schedule.Calendar
	tzid   string
	w      words
	now    time.Time
	from   roster.Date
	days   int
	out    *ical.Calendar
	events []*ical.VEvent
}

func newFeed(r *roster.Roster, cal *schedule.Calendar, lang, name string, opt Options) *feed {
	weeks := opt.Weeks
	if weeks <= 0 {
		weeks = DefaultWeeks
	}
	loc := cal.Loc()
	tzid := r.Programme.Timezone
	if tzid == "" {
		tzid = loc.String()
	}
	today := cal.Today(opt.Now)
	f := &feed{r: r, cal: cal, tzid: tzid, w: wordsFor(lang), now: opt.Now,
		from: schedule.AddDays(today, -PastDays), days: PastDays + 7*weeks + 1}
	out := ical.NewCalendarFor("Innsjekk")
	out.SetProductId("-//Innsjekk//" + r.Programme.ID + "//NO")
	out.SetCalscale("GREGORIAN")
	out.SetMethod(ical.MethodPublish)
	out.SetName(name)
	out.SetXWRTimezone(tzid)
	// Calendar programs that honour these fetch the feed again hourly;
	// Google decides for itself.
	out.SetRefreshInterval("PT1H")
	out.SetXPublishedTTL("PT1H")
	first := f.from.In(loc)
	last := schedule.AddDays(f.from, f.days).In(loc)
	out.AddVTimezone(vtimezone(tzid, loc, first, last))
	f.out = out
	return f
}

// Participant returns p's own feed: their placement days, classes and
// Nav meetings, and the days they reported away; rec is their stored
// record (flows.PersonKey).
func Participant(r *roster.Roster, cal *schedule.Calendar, p *roster.Participant, rec flows.Record, opt Options) []byte {
	f := newFeed(r, cal, p.Language, "Innsjekk: "+p.Name, opt)
	f.participant(p, rec, "")
	return f.bytes()
}

// Staff returns one feed for s's whole caseload (roster.Caseload): every
// participant's days as in their own feed, each summary starting with
// the participant's name. recs holds the records by participant id.
func Staff(r *roster.Roster, cal *schedule.Calendar, s *roster.Staff, recs map[string]flows.Record, opt Options) []byte {
	f := newFeed(r, cal, s.Language, fmt.Sprintf("Innsjekk: %s (%s)", s.Name, wordsFor(s.Language).participants), opt)
	for _, p := range r.Caseload(s) {
		f.participant(p, recs[p.ID], p.Name+": ")
	}
	return f.bytes()
}

func (f *feed) bytes() []byte {
	// Events in time order, so the file reads as a diary and two builds
	// of the same data are the same bytes.
	slices.SortStableFunc(f.events, func(a, b *ical.VEvent) int {
		return strings.Compare(sortKey(a), sortKey(b))
	})
	for _, e := range f.events {
		f.out.AddVEvent(e)
	}
	return []byte(f.out.Serialize(ical.WithNewLineWindows))
}

// participant adds p's events. A day reported away replaces that day's
// plan, as in "my week" (docs/behaviour.md).
func (f *feed) participant(p *roster.Participant, rec flows.Record, prefix string) {
	away := map[roster.Date]bool{}
	for _, v := range rec {
		a, ok := v.(flows.Absence)
		if !ok {
			continue
		}
		t, err := time.Parse(time.DateOnly, a.Date)
		if err != nil {
			continue
		}
		d := roster.DateOf(t)
		if d.Before(f.from) || !d.Before(schedule.AddDays(f.from, f.days)) {
			continue
		}
		away[d] = true
	}
	loc := f.cal.Loc()
	var events []*ical.VEvent
	for _, a := range f.cal.Activities(p, f.from, f.days) {
		if away[a.Date] {
			continue
		}
		switch a.Kind {
		case schedule.Placement:
			e := f.timed(fmt.Sprintf("placement-%s-%s", p.ID, compact(a.Date)), a.Start, a.End)
			e.SetSummary(prefix + f.w.placement + ": " + a.Place)
			if a.Address != "" {
				e.SetLocation(a.Address)
			} else {
				e.SetLocation(a.Place)
			}
			if a.Mentor != nil {
				e.SetDescription(f.w.contact + ": " + a.Mentor.Name)
			}
			events = append(events, e)
		case schedule.Class:
			e := f.timed(fmt.Sprintf("class-%s-%s", p.ID, a.Start.In(loc).Format("20060102T1504")), a.Start, a.End)
			summary := prefix + f.w.class
			if a.Place != "" {
				summary += ": " + a.Place
				e.SetLocation(a.Place)
			}
			e.SetSummary(summary)
			events = append(events, e)
		}
	}
	for _, m := range flows.Meetings(rec) {
		if m.Cancelled || m.Start.IsZero() {
			continue
		}
		d := roster.DateOf(m.Start.In(loc))
		if away[d] || d.Before(f.from) || !d.Before(schedule.AddDays(f.from, f.days)) {
			continue
		}
		place := m.Place
		if place == "" && p.Nav != nil {
			place = p.Nav.Place
		}
		e := f.timed(fmt.Sprintf("meeting-%s-%s", p.ID, m.ID), m.Start, m.End)
		// The place only: a forced meeting's reason is for the adviser's
		// digest, not for a calendar others may see.
		if place != "" {
			e.SetSummary(prefix + f.w.nav + ": " + place)
			e.SetLocation(place)
		} else {
			e.SetSummary(prefix + f.w.meeting)
		}
		events = append(events, e)
	}
	for d := range away {
		e := ical.NewEvent(fmt.Sprintf("away-%s-%s@%s.innsjekk", p.ID, compact(d), f.r.Programme.ID))
		e.SetDtStampTime(f.now)
		e.SetAllDayStartAt(d.In(time.UTC))
		e.SetAllDayEndAt(schedule.AddDays(d, 1).In(time.UTC))
		e.SetSummary(prefix + f.w.away)
		// Busy, and "out of office" where Outlook understands it: others
		// see the person is away, not why.
		e.SetTimeTransparency(ical.TransparencyOpaque)
		e.SetProperty(ical.ComponentProperty("X-MICROSOFT-CDO-BUSYSTATUS"), "OOF")
		events = append(events, e)
	}
	f.events = append(f.events, events...)
}

// sortKey orders events by their start as written (all-day dates sort
// before the timed events of the same day) and then by UID.
func sortKey(e *ical.VEvent) string {
	start := ""
	if p := e.GetProperty(ical.ComponentPropertyDtStart); p != nil {
		start = p.Value
	}
	uid := ""
	if p := e.GetProperty(ical.ComponentPropertyUniqueId); p != nil {
		uid = p.Value
	}
	return start + " " + uid
}

// timed makes an event from start to end, written as wall-clock times in
// the programme's zone with its TZID, so a calendar shows 09:00 on both
// sides of a daylight-saving change.
func (f *feed) timed(id string, start, end time.Time) *ical.VEvent {
	loc := f.cal.Loc()
	e := ical.NewEvent(id + "@" + f.r.Programme.ID + ".innsjekk")
	e.SetDtStampTime(f.now)
	e.SetProperty(ical.ComponentPropertyDtStart, start.In(loc).Format(localStamp), ical.WithTZID(f.tzid))
	e.SetProperty(ical.ComponentPropertyDtEnd, end.In(loc).Format(localStamp), ical.WithTZID(f.tzid))
	e.SetStatus(ical.ObjectStatusConfirmed)
	e.SetTimeTransparency(ical.TransparencyOpaque)
	return e
}

const localStamp = "20060102T150405"

func compact(d roster.Date) string { return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day) }
