package flows

import (
	"strings"
	"time"

	"innsjekk/absence"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// The participant card (docs/behaviour.md): what a participant's adviser,
// teacher or Nav counsellor opens from a digest line — the coming week,
// this period's absences with the counters, meetings, feedback and goal
// progress, and open issues.

func (s *step) participantCard(p *roster.Participant) {
	lang := s.lang()
	loc := s.in.Cal.Loc()
	rec := s.rec(PersonKey(p.ID))
	f := factsOf(rec)
	today := s.today()
	// The kind of absence and the counters are health data: the adviser's.
	health := SeesHealth(s.me.Staff, p)
	lines := []string{s.t("pcard.title", locales.Args{"Name": p.Name})}
	if pl := p.Placement; pl != nil {
		lines = append(lines, s.t("pcard.placement", locales.Args{"Employer": pl.Employer.Name, "Days": s.weekdays(pl.Days),
			"Start": clock(pl.Hours.Start), "End": clock(pl.Hours.End), "Mentor": pl.Mentor.Name}))
	}
	if b, ok := s.binding(p.ID); !ok {
		lines = append(lines, s.t("pcard.not_on_telegram", locales.Args{"ID": p.ID}))
	} else if b.Unreachable {
		lines = append(lines, s.t("pcard.unreachable", nil))
	}
	// The coming week.
	lines = append(lines, s.t("pcard.week", nil))
	acts := schedule.Merge(s.in.Cal.Activities(p, today, 7), s.meetingActivities(p, today, 7))
	if len(acts) == 0 {
		lines = append(lines, s.t("week.empty", nil))
	}
	for _, a := range acts {
		day := s.dayLabel(lang, a.Date)
		if ab, away := f.Absences[a.Date.String()]; away {
			if health {
				lines = append(lines, s.t("pcard.away", locales.Args{"Day": day, "Kind": kindLabel(lang, ab.Kind)}))
			} else {
				lines = append(lines, s.t("pcard.away_plain", locales.Args{"Day": day}))
			}
			continue
		}
		lines = append(lines, s.t("pcard.activity_"+string(a.Kind), locales.Args{"Day": day, "Place": a.Place,
			"Start": a.Start.Format("15:04"), "End": a.End.Format("15:04")}))
	}
	// This week's placement days: the participant's own report, and the
	// workplace's correction beside it.
	if days := s.weekDays(p, schedule.WeekStart(today)); len(days) > 0 {
		lines = append(lines, s.t("pcard.attendance", nil))
		for _, d := range s.attendance(p, days) {
			line := s.t("feedback.day_"+d.Status, locales.Args{"Day": s.dayLabel(lang, d.Day), "Time": d.At.In(loc).Format("15:04")})
			if c := d.Correction; c != nil {
				id := "pcard.corrected_away"
				if c.Present {
					id = "pcard.corrected_present"
				}
				line += " " + s.t(id, locales.Args{"Name": s.personName(c.By)})
			}
			lines = append(lines, line)
		}
	}
	// This period's absences and the counters.
	var history []absence.Notice
	for _, n := range f.Notices {
		if !n.Undone {
			history = append(history, absence.Notice{Kind: n.Kind, Days: datesOf(n.Days)})
		}
	}
	if health {
		c := absence.Status(absence.PersonOf(s.in.Roster, p), history, today)
		pol := s.in.Roster.EffectiveSickness(p)
		lines = append(lines, s.t("pcard.counters", locales.Args{"Days": c.PeriodDays, "MaxDays": pol.SelfCertifiedDays,
			"Times": c.Periods12m, "MaxTimes": pol.SelfCertifiedTimes, "Child": c.ChildDays, "ChildMax": c.ChildAllowance}))
	}
	recent := 0
	for iso, a := range f.Absences {
		d, _ := parseDate(iso)
		if d.Before(schedule.AddDays(today, -30)) || today.Before(d) {
			continue
		}
		recent++
		_ = a
	}
	lines = append(lines, s.t("pcard.absences_30", locales.Args{"Count": recent}))
	// Feedback and goals.
	for _, fb := range all[Feedback](rec, feedbackField) {
		if fb.At.Before(s.in.Now.Add(-28 * 24 * time.Hour)) {
			continue
		}
		line := s.t("pcard.feedback", locales.Args{"Week": weekNumber(fb.Week), "Rating": s.t("feedback.btn."+fb.Rating, nil)})
		if fb.Concern != "" {
			line += " (" + s.t("feedback.concern_"+fb.Concern, nil) + ")"
		}
		if fb.Note != "" {
			line += ": " + shorten(fb.Note, 200)
		}
		lines = append(lines, line)
	}
	if p.Placement != nil {
		ratings := all[GoalRating](rec, goalField)
		for _, g := range p.Placement.Goals {
			lines = append(lines, s.goalLine(lang, g.ID, g.Text, ratings))
		}
	}
	// Open issues.
	var open []string
	for _, is := range all[IssueRef](rec, issueRefField) {
		if is.State != IssueClosed {
			open = append(open, s.t("pcard.issue", locales.Args{"Category": categoryLabel(lang, is.Category),
				"At": is.CreatedAt.In(loc).Format("02.01 15:04"), "State": s.t("issue.state."+is.State, nil),
				"Owner": s.personName(is.Owner)}))
		}
	}
	if len(open) > 0 {
		lines = append(lines, s.t("pcard.issues", nil))
		lines = append(lines, open...)
	}
	for _, chunk := range chunks(lang, lines) {
		s.sayText("pcard.title", chunk)
	}
}

// sendAlerts sends the alerts gathered about one participant as one
// message, at once, quiet hours or not (docs/behaviour.md).
func (s *step) sendAlerts(t AlertTimer) {
	rec := s.rec(AlertsKey(t.Staff))
	prefix := alertField + ":" + t.Participant + ":"
	var alerts []Alert
	for f, v := range rec {
		if a, ok := v.(Alert); ok && strings.HasPrefix(f, prefix) {
			alerts = append(alerts, a)
			s.put(AlertsKey(t.Staff), f, nil)
		}
	}
	if len(alerts) == 0 {
		return
	}
	s.put(AlertsKey(t.Staff), fieldOf(alertSentField, t.Participant), AlertSent{Participant: t.Participant, At: s.in.Now})
	s.tellAlerts(t.Staff, t.Participant, alerts)
}

// tellAlerts sends alerts about one participant as one message.
func (s *step) tellAlerts(staff, participant string, alerts []Alert) {
	t := AlertTimer{Staff: staff, Participant: participant}
	s.reason(ReasonAlert)
	lang := s.langOf(t.Staff)
	loc := s.in.Cal.Loc()
	lines := []string{tr(lang, "alert.title", locales.Args{"Name": s.personName(t.Participant)})}
	var kb [][]Button
	for _, a := range sortAlerts(alerts) {
		args := locales.Args{"Place": a.Place, "Start": a.Start, "Owner": s.personName(a.Owner), "At": a.At.In(loc).Format("15:04")}
		lines = append(lines, tr(lang, "alert."+a.Kind, args))
		if a.Issue != "" {
			kb = append(kb, []Button{{Text: tr(lang, "issue.btn.open", nil), Data: Payload{Flow: "is", Args: []string{"open", a.Issue}}.Encode()},
				{Text: tr(lang, "issue.btn.ack", nil), Data: Payload{Flow: "is", Args: []string{"ack", a.Issue}}.Encode()}})
		}
	}
	kb = append(kb, []Button{{Text: tr(lang, "alert.card", nil), Data: Payload{Flow: "dg", Args: []string{"card", t.Participant}}.Encode()}})
	s.notifyText(t.Staff, "alert.title", locales.Lines(lang, lines), withInline(kb), urgentNotice())
}

func sortAlerts(as []Alert) []Alert {
	for i := 1; i < len(as); i++ {
		for j := i; j > 0 && as[j].At.Before(as[j-1].At); j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
	return as
}
