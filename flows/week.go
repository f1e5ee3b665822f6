package flows

import (
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// 📅 My week: a participant's next seven days — placement, class, Nav
// meetings and reported absences (docs/behaviour.md).

type week struct{ base }

var _ = register(week{})

func (week) spec() spec {
	return spec{name: "week", code: "wk", commands: []Command{
		{Name: "week", Icon: "📅", Label: "menu.week", Rank: 20, For: []roster.Role{roster.RoleParticipant}},
	}}
}

func (week) command(s *step, _, _ string) {
	p := s.me.Participant
	if p == nil {
		s.reason(ReasonNotForRole)
		s.say("week.not_participant", nil, s.menu())
		return
	}
	s.reason(ReasonWeek)
	cal := s.in.Cal
	today := cal.Today(s.in.Now)
	acts := schedule.Merge(cal.Activities(p, today, 7), s.meetingActivities(p, today, 7))
	lines := []string{s.t("week.title", nil)}
	if len(acts) == 0 {
		lines = append(lines, s.t("week.empty", nil))
	} else {
		days := map[roster.Date]bool{}
		for _, a := range acts {
			days[a.Date] = true
		}
		lines = append(lines, s.t("week.summary", locales.Args{"Count": len(days)}))
	}
	absent := s.facts(p.ID).Absences
	shown := map[roster.Date]bool{}
	for _, a := range acts {
		if ab, ok := absent[a.Date.String()]; ok {
			// A reported absence replaces the day's plan.
			if !shown[a.Date] {
				shown[a.Date] = true
				lines = append(lines, s.t("week.absent", locales.Args{"Weekday": s.weekday(a.Start.Weekday()),
					"Date": a.Start.Format("02.01"), "Kind": kindLabel(s.lang(), ab.Kind)}))
			}
			continue
		}
		args := locales.Args{
			"Weekday": s.weekday(a.Start.Weekday()),
			"Date":    a.Start.Format("02.01"),
			"Start":   a.Start.Format("15:04"),
			"End":     a.End.Format("15:04"),
			"Place":   a.Place,
		}
		switch a.Kind {
		case schedule.Placement:
			args["Address"] = a.Address
			if a.Address == "" {
				lines = append(lines, s.t("week.placement_no_address", args))
			} else {
				lines = append(lines, s.t("week.placement", args))
			}
		case schedule.Class:
			lines = append(lines, s.t("week.class", args))
		case schedule.Meeting:
			mt, ok := s.facts(p.ID).Meetings[a.Meeting]
			if !ok {
				continue
			}
			if c := s.in.Roster.StaffMember(mt.Counsellor); c != nil {
				args["Counsellor"] = c.Name
			}
			lines = append(lines, s.t(s.organised("week.meeting", mt), args))
			if hint := s.leaveHint(s.lang(), p, mt); hint != "" {
				lines = append(lines, "   "+hint)
			}
		}
	}
	s.sayText("week.title", locales.Lines(s.lang(), lines), s.menu())
}

func (s *step) weekday(d time.Weekday) string {
	return s.t("day."+weekdayKeys[d], nil)
}

func (s *step) weekdays(ds []time.Weekday) locales.Verbatim {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = locales.Isolate(s.lang(), s.weekday(d))
	}
	return locales.List(s.lang(), names)
}
