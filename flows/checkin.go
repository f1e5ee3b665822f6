package flows

import (
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// Check-in on placement days, the nudges when nobody checked in, the
// evening reminder and the mentor's morning card (PRODUCT.md §3.3, §3.4).

// Timer kinds.
const (
	TimerNudge       = "nudge"  // start + grace: "are you at work today?"
	TimerUnexplained = "unexpl" // start + 2 × grace: tell the adviser
	TimerReminder    = "remind" // evening before a placement day
	TimerCard        = "card"   // 07:00: the mentor's morning card
	TimerBack        = "back"   // morning after an absence: "are you back?"
)

func (s *step) checkIn() {
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
	s.reason(ReasonCheckIn)
	s.setFact(p.ID, checkInField(iso), CheckIn{Date: iso, At: s.in.Now})
	args["Time"] = s.in.Now.In(s.in.Cal.Loc()).Format("15:04")
	if msg != 0 {
		s.say("checkin.done", args, withEdit(msg))
		return
	}
	s.say("checkin.done", args, s.menu())
}

// checkInButton handles the answers to "are you at work today?".
func (s *step) checkInButton(p Payload, msg int) {
	part := s.me.Participant
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
	s.do(Answer{})
	switch p.Arg(0) {
	case "here":
		s.recordCheckIn(part, a, msg)
	case "sick":
		s.out.Chat.Absence = &AbsenceDraft{Kind: "sick", Days: []string{day.String()}}
		s.confirmScreen(s.out.Chat.Absence, msg)
	case "problem":
		s.reason(ReasonCheckInProblem)
		if _, answered := s.facts(part.ID).CheckIns[day.String()]; !answered {
			s.setFact(part.ID, checkInField(day.String()), CheckIn{Date: day.String(), At: s.in.Now, Problem: true})
		}
		adv := part.Adviser
		s.notify(adv.ID, "checkin.problem_adviser", locales.Args{"Name": part.Name, "Place": a.Place})
		s.say("checkin.problem_told", locales.Args{"Name": adv.Name}, withEdit(msg))
	default:
		s.stale()
	}
}

// timer runs a job that fell due. Its subject need not be on Telegram:
// the adviser still hears of an unexplained absence.
func (s *step) timer() {
	t := decodeTimer(s.in.Event.Data)
	switch s.in.Event.Timer {
	case TimerNudge, TimerUnexplained, TimerReminder:
		p := s.in.Roster.Participant(t.Person)
		day, ok := parseDate(t.Date)
		if p == nil || !ok {
			return
		}
		a, ok := s.in.Cal.PlacementOn(p, day)
		if !ok {
			return // the roster changed since the job was planned
		}
		f := s.facts(p.ID)
		_, absent := f.Absences[t.Date]
		_, came := f.CheckIns[t.Date]
		grace := s.in.Roster.Programme.Reminders.CheckinGrace
		switch s.in.Event.Timer {
		case TimerNudge:
			// A job planned before the hours changed must not fire early.
			if absent || came || s.in.Now.Before(a.Start.Add(grace)) {
				return
			}
			s.reason(ReasonCheckInNudge)
			lang := s.langOf(p.ID)
			b := func(id, arg string) Button {
				return Button{Text: tr(lang, id, nil), Data: Payload{Flow: "ci", Args: []string{arg, t.Date}}.Encode()}
			}
			kb := [][]Button{{b("checkin.btn.here", "here"), b("checkin.btn.sick", "sick")}, {b("checkin.btn.problem", "problem")}}
			s.notify(p.ID, "checkin.nudge", locales.Args{"Place": a.Place}, withInline(kb))
		case TimerUnexplained:
			if absent || came || s.in.Now.Before(a.Start.Add(2*grace)) {
				return
			}
			s.reason(ReasonUnexplained)
			s.notify(p.Adviser.ID, "checkin.unexplained", locales.Args{"Name": p.Name, "Place": a.Place,
				"Start": a.Start.Format("15:04")})
		case TimerReminder:
			if absent {
				return
			}
			s.reason(ReasonReminder)
			args := locales.Args{"Place": a.Place, "Start": a.Start.Format("15:04"), "End": a.End.Format("15:04"),
				"Address": a.Address, "Mentor": a.Mentor.Name}
			id := "reminder.evening"
			if a.Address == "" {
				id = "reminder.evening_no_address"
			}
			s.notify(p.ID, id, args)
		}
	case TimerCard:
		s.morningCard(t)
	case TimerBack:
		s.askBack(t)
	case TimerMeeting:
		s.meetingReminder(t)
	}
}

// morningCard tells a mentor on shift who comes today and who is away,
// for the whole workplace in one message (PRODUCT.md §3.3).
func (s *step) morningCard(t TimerData) {
	m := s.in.Roster.Contact(t.Person)
	day, ok := parseDate(t.Date)
	if m == nil || !ok || !m.MorningCard {
		return
	}
	lang := s.langOf(m.ID)
	lines := []string{tr(lang, "card.title", locales.Args{"Employer": m.Employer.Name, "Day": s.dayLabel(lang, day)})}
	n := 0
	for _, p := range s.in.Roster.Participants {
		if p.Placement == nil || p.Placement.Employer != m.Employer {
			continue
		}
		a, ok := s.in.Cal.PlacementOn(p, day)
		if !ok {
			continue
		}
		n++
		if _, absent := s.facts(p.ID).Absences[t.Date]; absent {
			lines = append(lines, tr(lang, "card.absent", locales.Args{"Name": p.Name}))
		} else {
			lines = append(lines, tr(lang, "card.coming", locales.Args{"Name": p.Name,
				"Start": a.Start.Format("15:04"), "End": a.End.Format("15:04")}))
		}
	}
	if n == 0 {
		return
	}
	s.reason(ReasonMorningCard)
	s.notifyText(m.ID, "card.title", locales.Lines(lang, lines))
}
