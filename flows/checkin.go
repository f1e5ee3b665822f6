package flows

import (
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// ✅ Check-in on placement days, the nudge when nobody checked in and the
// adviser's unexplained-absence alert after that (docs/behaviour.md).

type checkIns struct{ base }

var _ = register(checkIns{})

func (checkIns) spec() spec {
	return spec{name: "checkin", code: "ci",
		commands: []Command{{Name: "checkin", Icon: "✅", Label: "menu.checkin", Rank: 11, For: []roster.Role{roster.RoleParticipant}}},
		timers:   []Timer{NudgeTimer{}, UnexplainedTimer{}},
	}
}

// NudgeTimer asks "are you at work today?" checkin_grace after the start.
type NudgeTimer struct {
	Person string `json:"person"`
	Date   string `json:"date"`
}

// UnexplainedTimer tells the adviser, another grace later.
type UnexplainedTimer struct {
	Person string `json:"person"`
	Date   string `json:"date"`
}

// NoShow is what the bot did about a placement day without a check-in
// or an absence: when it asked the participant, and when it alerted the
// adviser. Each is done once a day: a restart plans the day again, and
// the jobs must not ask or raise the alarm a second time.
type NoShow struct {
	Date      string    `json:"date"`
	NudgedAt  time.Time `json:"nudged_at,omitzero"`
	AlertedAt time.Time `json:"alerted_at,omitzero"`
}

func (n NoShow) recordDate(*time.Location) (string, bool) { return n.Date, true }

var noShowField = field[NoShow]("ns", 1)

func (NudgeTimer) TimerKind() string            { return "ci.nudge" }
func (t NudgeTimer) TimerSubject() string       { return t.Person }
func (UnexplainedTimer) TimerKind() string      { return "ci.unexplained" }
func (t UnexplainedTimer) TimerSubject() string { return t.Person }

func (checkIns) needs(n *Needs, q query) {
	id := q.person
	switch t := q.ev.Timer.(type) {
	case NudgeTimer:
		id = t.Person
	case UnexplainedTimer:
		id = t.Person
	}
	needParticipant(n, q.r, id)
	if p := q.r.Participant(id); p != nil {
		n.record(AlertsKey(p.Adviser.ID))
	}
}

func (checkIns) command(s *step, _, _ string) {
	p := s.me.Participant
	if p == nil {
		s.reason(ReasonNotForRole)
		s.say("checkin.not_participant", nil, s.menu())
		return
	}
	today := s.today()
	a, ok := s.in.Cal.PlacementOn(p, today)
	if !ok {
		s.reason(ReasonCheckInNoPlacement)
		s.say("checkin.no_placement", nil, s.menu())
		return
	}
	s.recordCheckIn(p, a, 0)
}

func (s *step) recordCheckIn(p *roster.Participant, a schedule.Activity, msg int) {
	iso := a.Date.String()
	args := locales.Args{"Place": a.Place}
	if c, done := s.facts(p.ID).CheckIns[iso]; done && !c.Problem {
		s.reason(ReasonCheckInAgain)
		args["Time"] = c.At.In(s.in.Cal.Loc()).Format("15:04")
		s.say("checkin.already", args, withEdit(msg))
		return
	}
	if _, away := s.facts(p.ID).Absences[iso]; away {
		// The mentor still believes they are away: ask before telling.
		s.reason(ReasonCheckInReportedAway)
		b := func(id, arg string) Button {
			return Button{Text: s.t(id, nil), Data: Payload{Flow: "ci", Args: []string{arg, iso}}.Encode()}
		}
		s.say("checkin.reported_absent", nil, withEdit(msg),
			withInline([][]Button{{b("checkin.btn.came", "came"), b("checkin.btn.not_came", "away")}}))
		return
	}
	s.checkIn(p, a, msg, nil)
}

// checkIn records the arrival; told are the people who heard that the
// participant came after all.
func (s *step) checkIn(p *roster.Participant, a schedule.Activity, msg int, told []hearer) {
	s.reason(ReasonCheckIn)
	s.setCheckIn(p.ID, CheckIn{Date: a.Date.String(), At: s.in.Now})
	lines := []string{s.t("checkin.done", locales.Args{"Place": a.Place, "Time": s.in.Now.In(s.in.Cal.Loc()).Format("15:04")})}
	lines = append(lines, s.toldLines(p, told, nil)...)
	text := locales.Lines(s.lang(), lines)
	if msg != 0 {
		s.sayText("checkin.done", text, withEdit(msg))
		return
	}
	s.sayText("checkin.done", text, s.menu())
}

// button handles the answers to "are you at work today?".
func (checkIns) button(s *step, p Payload) {
	part := s.me.Participant
	msg := s.in.Event.MessageID
	day, ok := parseDate(p.Arg(1))
	if part == nil || !ok || day != s.today() {
		s.stale()
		return
	}
	a, ok := s.in.Cal.PlacementOn(part, day)
	if !ok {
		s.stale()
		return
	}
	switch p.Arg(0) {
	case "here":
		s.do(Answer{})
		s.recordCheckIn(part, a, msg)
	case "came":
		s.do(Answer{})
		if _, away := s.facts(part.ID).Absences[day.String()]; !away {
			s.recordCheckIn(part, a, msg) // pressed twice, or undone meanwhile
			return
		}
		told := s.cameAfterAll(part, day.String())
		s.checkIn(part, a, msg, told)
		s.reason(ReasonCameAfterAll)
	case "away":
		s.do(Answer{})
		s.reason(ReasonCheckInReportedAway)
		s.say("checkin.still_away", nil, withEdit(msg))
	case "sick":
		s.do(Answer{})
		s.confirmScreen(&AbsenceDraft{Kind: "sick", Days: []string{day.String()}}, msg)
	case "problem":
		s.do(Answer{})
		s.reason(ReasonCheckInProblem)
		adv := part.Adviser
		if c, answered := s.facts(part.ID).CheckIns[day.String()]; answered {
			if c.Problem {
				// Told already: a second tap tells nobody again.
				s.say("checkin.problem_told", locales.Args{"Name": adv.Name}, withEdit(msg))
				return
			}
		} else {
			s.setCheckIn(part.ID, CheckIn{Date: day.String(), At: s.in.Now, Problem: true})
		}
		s.notify(adv.ID, "checkin.problem_adviser", locales.Args{"Name": part.Name, "Place": a.Place})
		s.say("checkin.problem_told", locales.Args{"Name": adv.Name}, withEdit(msg))
	default:
		s.stale()
	}
}

// timer runs a nudge or an alert. Its subject need not be on Telegram:
// the adviser still hears of an unexplained absence.
func (checkIns) timer(s *step, t Timer) {
	var person, date string
	switch t := t.(type) {
	case NudgeTimer:
		person, date = t.Person, t.Date
	case UnexplainedTimer:
		person, date = t.Person, t.Date
	}
	p := s.in.Roster.Participant(person)
	day, ok := parseDate(date)
	if p == nil || !ok || day != s.today() {
		return // about a day gone by: too late to ask
	}
	a, ok := s.in.Cal.PlacementOn(p, day)
	if !ok || !s.in.Now.Before(a.End) {
		return // the roster changed since the job was planned, or the shift is over
	}
	// Only someone who can check in is expected to: a participant not
	// (yet) on Telegram, erased, or who blocked the bot is listed in the
	// digest instead, not alerted about every placement day.
	if !s.reachable(p.ID) {
		return
	}
	f := s.facts(p.ID)
	if atNavThen(f, a) {
		return // a meeting at Nav took them out of the placement
	}
	_, absent := f.Absences[date]
	_, came := f.CheckIns[date]
	grace := s.in.Roster.Programme.Reminders.CheckinGrace
	switch t.(type) {
	case NudgeTimer:
		// A job planned before the hours changed must not fire early.
		if absent || came || s.in.Now.Before(a.Start.Add(grace)) {
			return
		}
		ns, _ := get[NoShow](s.rec(PersonKey(p.ID)), fieldOf(noShowField, date))
		if !ns.NudgedAt.IsZero() {
			return
		}
		ns.Date, ns.NudgedAt = date, s.in.Now
		s.put(PersonKey(p.ID), fieldOf(noShowField, date), ns)
		s.reason(ReasonCheckInNudge)
		lang := s.langOf(p.ID)
		b := func(id, arg string) Button {
			return Button{Text: tr(lang, id, nil), Data: Payload{Flow: "ci", Args: []string{arg, date}}.Encode()}
		}
		kb := [][]Button{{b("checkin.btn.here", "here"), b("checkin.btn.sick", "sick")}, {b("checkin.btn.problem", "problem")}}
		s.notify(p.ID, "checkin.nudge", locales.Args{"Place": a.Place}, withInline(kb))
	case UnexplainedTimer:
		if absent || came || s.in.Now.Before(a.Start.Add(2*grace)) {
			return
		}
		ns, _ := get[NoShow](s.rec(PersonKey(p.ID)), fieldOf(noShowField, date))
		if !ns.AlertedAt.IsZero() {
			return
		}
		s.reason(ReasonUnexplained)
		ns.Date, ns.AlertedAt = date, s.in.Now
		s.put(PersonKey(p.ID), fieldOf(noShowField, date), ns)
		s.alert(p.Adviser.ID, Alert{Participant: p.ID, Kind: "unexplained", Place: a.Place, Start: a.Start.Format("15:04")})
	}
}

// plan lays out the day's nudges and alerts. The start is part of the
// job id: a roster that moves the hours plans new jobs, and the old ones
// find nothing to do.
func (checkIns) plan(pl *planning) {
	grace := pl.r.Programme.Reminders.CheckinGrace
	if grace <= 0 {
		return
	}
	iso := pl.day.String()
	for _, p := range pl.r.Participants {
		a, ok := pl.cal.PlacementOn(p, pl.day)
		if !ok {
			continue
		}
		at := a.Start.Format("1504")
		// A nudge or an alert is worth it until the shift ends.
		pl.add(Schedule{ID: "nudge:" + p.ID + ":" + iso + ":" + at, Due: a.Start.Add(grace),
			Timer: NudgeTimer{Person: p.ID, Date: iso}, Until: a.End})
		pl.add(Schedule{ID: "unexpl:" + p.ID + ":" + iso + ":" + at, Due: a.Start.Add(2 * grace),
			Timer: UnexplainedTimer{Person: p.ID, Date: iso}, Until: a.End})
	}
}
