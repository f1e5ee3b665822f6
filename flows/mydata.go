package flows

import (
	"slices"
	"strings"

	"innsjekk/locales"
	"innsjekk/roster"
)

// /mydata shows a person what Innsjekk stores about them (PRODUCT.md §3.1,
// §6: the right of access).

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
		lines = append(lines, s.t("mydata.adviser", locales.Args{"Name": p.Adviser.Name}))
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
		f := s.facts(p.ID)
		if len(f.Absences) == 0 && len(f.CheckIns) == 0 && len(s.meetings(p)) == 0 {
			lines = append(lines, s.t("mydata.records_none", nil))
		} else {
			var days []string
			for iso := range f.Absences {
				days = append(days, iso)
			}
			slices.Sort(days)
			for _, iso := range days {
				a := f.Absences[iso]
				d, _ := parseDate(iso)
				lines = append(lines, s.t("mydata.absence", locales.Args{"Day": s.dayLabel(s.lang(), d),
					"Kind": kindLabel(s.lang(), a.Kind), "At": a.ReportedAt.In(s.in.Cal.Loc()).Format("02.01 15:04")}))
			}
			lines = append(lines, s.t("mydata.checkins", locales.Args{"Count": len(f.CheckIns)}))
		}
		for _, m := range s.meetings(p) {
			lines = append(lines, s.t("mydata.meeting", locales.Args{"Day": s.dayLabel(s.lang(), roster.DateOf(m.Start.In(s.in.Cal.Loc()))),
				"Start": m.Start.In(s.in.Cal.Loc()).Format("15:04"), "Place": m.Place}))
		}
		lines = append(lines, s.t("mydata.erase", locales.Args{"Name": p.Adviser.Name}))
	} else {
		if m.Contact != nil {
			lines = append(lines, s.t("mydata.workplace", locales.Args{"Employer": m.Contact.Employer.Name}))
		}
		var roles []string
		for _, r := range m.Roles {
			roles = append(roles, s.t("role."+string(r), nil))
		}
		lines = append(lines, s.t("mydata.roles", locales.Args{"Roles": strings.Join(roles, ", ")}))
	}
	s.sayText("mydata.title", locales.Lines(s.lang(), lines), s.menu())
}
