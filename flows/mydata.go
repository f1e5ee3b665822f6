package flows

import (
	"slices"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
)

// /mydata shows a person everything Innsjekk stores about them
// (docs/behaviour.md, docs/privacy.md: the right of access): the roster's entry, the
// chat, and for a participant every stored record — absences with their
// flags and whom they told, check-ins, meetings with how the notice was
// understood, feedback and corrections from the workplace, goal ratings
// (also of goals the roster no longer has) and issues.

type myData struct{ base }

var _ = register(myData{})

func (myData) spec() spec {
	return spec{name: "mydata", code: "md", commands: []Command{{Name: "mydata", Icon: "🔒", Rank: 92}}}
}

func (myData) command(s *step, _, _ string) {
	s.reason(ReasonMyData)
	m := s.me
	lines := []string{
		s.t("mydata.title", nil),
		s.t("mydata.name", locales.Args{"Name": m.Name}),
		s.t("mydata.language", locales.Args{"Language": locales.Name(m.Lang)}),
		s.t("mydata.chat", nil),
	}
	if p := m.Participant; p != nil {
		lines = append(lines, s.participantData(p)...)
	} else {
		if m.Contact != nil {
			lines = append(lines, s.t("mydata.workplace", locales.Args{"Employer": m.Contact.Employer.Name}))
		}
		var roles []string
		for _, r := range m.Roles {
			roles = append(roles, locales.Isolate(s.lang(), s.t("role."+string(r), nil)))
		}
		lines = append(lines, s.t("mydata.roles", locales.Args{"Roles": locales.List(s.lang(), roles)}))
	}
	for _, chunk := range chunks(s.lang(), lines) {
		s.sayText("mydata.title", chunk, s.menu())
	}
}

func (s *step) participantData(p *roster.Participant) []string {
	lang := s.lang()
	loc := s.in.Cal.Loc()
	at := func(t time.Time) string { return t.In(loc).Format("02.01 15:04") }
	lines := []string{s.t("mydata.adviser", locales.Args{"Name": p.Adviser.Name})}
	if p.Teacher != nil {
		lines = append(lines, s.t("mydata.teacher", locales.Args{"Name": p.Teacher.Name}))
	}
	if p.Nav != nil {
		lines = append(lines, s.t("mydata.nav", locales.Args{"Name": p.Nav.Name}))
	}
	if pl := p.Placement; pl != nil {
		lines = append(lines, s.t("mydata.placement", locales.Args{
			"Employer": pl.Employer.Name, "Days": s.weekdays(pl.Days),
			"Start": clock(pl.Hours.Start), "End": clock(pl.Hours.End), "Mentor": pl.Mentor.Name,
		}))
	}
	for _, c := range p.Classes {
		lines = append(lines, s.t("mydata.class", locales.Args{
			"Days": s.weekdays(c.Days), "Start": clock(c.Hours.Start), "End": clock(c.Hours.End), "Place": c.Place,
		}))
	}
	rec := s.rec(PersonKey(p.ID))
	f := factsOf(rec)
	var days []string
	for iso := range f.Absences {
		days = append(days, iso)
	}
	slices.Sort(days)
	for _, iso := range days {
		a := f.Absences[iso]
		d, _ := parseDate(iso)
		line := s.t("mydata.absence", locales.Args{"Day": s.dayLabel(lang, d), "Kind": kindLabel(lang, a.Kind), "At": at(a.ReportedAt)})
		if a.Late {
			line += " " + s.t("mydata.late", nil)
		}
		if n, ok := f.Notices[a.Notice]; ok {
			if n.CallMe {
				line += " " + s.t("mydata.call_me", nil)
			}
			var told []string
			for _, who := range n.Told {
				told = append(told, locales.Isolate(s.lang(), s.personName(who)))
			}
			if len(told) > 0 {
				line += " " + s.t("mydata.told", locales.Args{"Names": locales.List(s.lang(), told)})
			}
		}
		lines = append(lines, line)
	}
	var checkins []string
	for iso := range f.CheckIns {
		checkins = append(checkins, iso)
	}
	slices.Sort(checkins)
	for _, iso := range checkins {
		c := f.CheckIns[iso]
		d, _ := parseDate(iso)
		id := "mydata.checkin"
		if c.Problem {
			id = "mydata.checkin_problem"
		}
		lines = append(lines, s.t(id, locales.Args{"Day": s.dayLabel(lang, d), "At": at(c.At)}))
	}
	for _, n := range all[NoShow](rec, noShowField) {
		if d, ok := parseDate(n.Date); ok && !n.AlertedAt.IsZero() {
			lines = append(lines, s.t("mydata.unexplained", locales.Args{"Day": s.dayLabel(lang, d)}))
		}
	}
	for _, m := range Meetings(rec) {
		id := "mydata.meeting"
		if m.Cancelled {
			id = "mydata.meeting_cancelled"
		}
		line := s.t(id, locales.Args{"Day": s.dayLabel(lang, roster.DateOf(m.Start.In(loc))),
			"Start": m.Start.In(loc).Format("15:04"), "Place": m.Place})
		switch {
		case m.Understood:
			line += " " + s.t("mydata.meeting_understood", nil)
		case m.Misunderstood > 0:
			line += " " + s.t("mydata.meeting_misunderstood", nil)
		}
		if m.Forced {
			line += " " + s.t("mydata.meeting_forced", locales.Args{"Reason": m.Reason})
		}
		lines = append(lines, line)
	}
	for _, fb := range all[Feedback](rec, feedbackField) {
		args := locales.Args{"Name": s.personName(fb.Mentor), "At": at(fb.At), "Rating": s.t("feedback.btn."+fb.Rating, nil)}
		switch {
		case fb.Rating == RatingNote:
			args["Note"] = fb.Note
			lines = append(lines, s.t("mydata.feedback_note", args))
		case fb.Concern != "":
			args["Concern"] = s.t("feedback.concern_"+fb.Concern, nil)
			lines = append(lines, s.t("mydata.feedback_concern", args))
		default:
			lines = append(lines, s.t("mydata.feedback", args))
		}
	}
	for _, c := range all[Correction](rec, correctionField) {
		d, _ := parseDate(c.Date)
		id := "mydata.correction_away"
		if c.Present {
			id = "mydata.correction_present"
		}
		lines = append(lines, s.t(id, locales.Args{"Day": s.dayLabel(lang, d), "Name": s.personName(c.By)}))
	}
	ratings := all[GoalRating](rec, goalField)
	for _, g := range ratings {
		month, _ := time.Parse("2006-01", g.Month)
		lines = append(lines, s.t("mydata.goal", locales.Args{"Goal": g.Text, "Rating": s.t("goal.btn."+g.Rating, nil),
			"Month": s.t("month."+month.Format("1"), nil)}))
	}
	for _, is := range all[IssueRef](rec, issueRefField) {
		lines = append(lines, s.t("mydata.issue", locales.Args{"Category": categoryLabel(lang, is.Category), "At": at(is.CreatedAt),
			"State": s.t("issue.state."+is.State, nil)}))
	}
	if r, ok := get[ForgetRequest](rec, forgetRequestField); ok && r.State == "open" {
		lines = append(lines, s.t("mydata.forget_open", locales.Args{"At": at(r.At)}))
	}
	if len(days)+len(checkins)+len(ratings) == 0 && len(f.Meetings) == 0 && len(all[Feedback](rec, feedbackField)) == 0 &&
		len(all[IssueRef](rec, issueRefField)) == 0 {
		lines = append(lines, s.t("mydata.records_none", nil))
	}
	lines = append(lines, s.t("mydata.erase", locales.Args{"Name": p.Adviser.Name}))
	return lines
}

// messageLimit is what one Telegram message holds, with room to spare.
const messageLimit = 3800

// chunks joins lines into messages that each fit Telegram's 4,096
// characters, breaking only between lines.
func chunks(lang string, lines []string) []string {
	var out []string
	var cur []string
	size := 0
	for _, l := range lines {
		n := len([]rune(l)) + 2
		if size+n > messageLimit && len(cur) > 0 {
			out = append(out, locales.Lines(lang, cur))
			cur, size = nil, 0
		}
		cur = append(cur, shorten(l, messageLimit))
		size += n
	}
	if len(cur) > 0 {
		out = append(out, locales.Lines(lang, cur))
	}
	return out
}

// TextLimit is Telegram's limit on one message, in characters.
const TextLimit = 4096

// SplitText breaks a message too long for one Telegram message into
// parts of at most TextLimit characters, between lines where it can: the
// engine's safety net, so that a long text is delivered rather than
// refused (flows keep their own messages shorter).
func SplitText(text string) []string {
	r := []rune(text)
	if len(r) <= TextLimit {
		return []string{text}
	}
	var out []string
	for len(r) > TextLimit {
		cut := TextLimit
		for i := TextLimit - 1; i > TextLimit/2; i-- {
			if r[i] == '\n' {
				cut = i
				break
			}
		}
		out = append(out, string(r[:cut]))
		r = r[cut:]
		if len(r) > 0 && r[0] == '\n' {
			r = r[1:]
		}
	}
	return append(out, string(r))
}
