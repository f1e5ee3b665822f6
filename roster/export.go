package roster

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Export writes the roster back in the format Parse reads, with every
// programme setting spelled out so an admin sees what is in force.
// Parse(Export(r)) gives a roster equal to r apart from line numbers.
// A roster that would not parse back is refused rather than written.
func (r *Roster) Export() ([]byte, error) {
	var sections []*yaml.Node
	sections = append(sections, sectionNode("programme", r.exportProgramme()))
	if len(r.Staff) > 0 {
		staff := blockSeqNode()
		for _, s := range r.Staff {
			staff.Content = append(staff.Content, exportStaff(s))
		}
		sections = append(sections, sectionNode("staff", staff))
	}
	if len(r.Employers) > 0 {
		emps := blockSeqNode()
		for _, e := range r.Employers {
			emps.Content = append(emps.Content, exportEmployer(e))
		}
		sections = append(sections, sectionNode("employers", emps))
	}
	if len(r.Participants) > 0 {
		parts := blockSeqNode()
		for _, p := range r.Participants {
			n, err := exportParticipant(p)
			if err != nil {
				return nil, err
			}
			parts.Content = append(parts.Content, n)
		}
		sections = append(sections, sectionNode("participants", parts))
	}

	// One section at a time, so a blank line can part them as in the
	// hand-written example (docs/roster.md).
	var out bytes.Buffer
	for i, sec := range sections {
		if i > 0 {
			out.WriteByte('\n')
		}
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		if err := enc.Encode(sec); err != nil {
			return nil, fmt.Errorf("encode roster: %w", err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("encode roster: %w", err)
		}
	}
	if _, err := Parse("export", out.Bytes()); err != nil {
		return nil, fmt.Errorf("exported roster does not parse back:\n%w", err)
	}
	return out.Bytes(), nil
}

func (r *Roster) exportProgramme() *yaml.Node {
	pr := &r.Programme
	tz := pr.Timezone
	if tz == "" && pr.Location != nil {
		tz = pr.Location.String()
	}
	routing := blockMapNode()
	for _, cat := range Categories {
		if roles, ok := pr.Routing[cat]; ok {
			routing.Content = append(routing.Content, strNode(cat), exportRoles(roles))
		}
	}
	closed := flowSeqNode()
	for _, d := range pr.Closed {
		closed.Content = append(closed.Content, plainNode(d.String()))
	}
	return blockMapNode(
		strNode("id"), strNode(pr.ID),
		strNode("name"), strNode(pr.Name),
		strNode("timezone"), strNode(tz),
		strNode("nav_hours"), quotedNode(formatSpan(pr.NavHours)),
		strNode("quiet_hours"), quotedNode(formatSpan(pr.QuietHours)),
		strNode("office_hours"), quotedNode(formatSpan(pr.OfficeHours)),
		strNode("reminders"), flowMapNode(
			strNode("evening_before"), quotedNode(formatClock(pr.Reminders.EveningBefore)),
			strNode("checkin_grace"), plainNode(formatDuration(pr.Reminders.CheckinGrace)),
		),
		strNode("sickness"), exportSickness(pr.Sickness, true),
		strNode("escalate_after"), plainNode(formatDuration(pr.EscalateAfter)),
		strNode("digest"), flowMapNode(
			strNode("daily"), quotedNode(formatClock(pr.Digest.Daily)),
			strNode("weekly"), quotedNode(dayNames[pr.Digest.WeeklyDay%7]+" "+formatClock(pr.Digest.WeeklyAt)),
		),
		strNode("routing"), routing,
		strNode("closed"), closed,
		strNode("retention"), flowMapNode(
			strNode("records"), plainNode(formatDuration(pr.Retention.Records)),
			strNode("issues"), plainNode(formatDuration(pr.Retention.Issues)),
		),
	)
}

// exportSickness writes every field of the programme's policy, but only
// the fields a participant overrides, since zero there means "inherit".
func exportSickness(s Sickness, all bool) *yaml.Node {
	m := flowMapNode()
	for _, f := range []struct {
		key string
		v   int
	}{
		{"self_certified_days", s.SelfCertifiedDays},
		{"self_certified_times", s.SelfCertifiedTimes},
		{"qualifying_weeks", s.QualifyingWeeks},
		{"same_period_days", s.SamePeriodDays},
		{"child_sick_days", s.ChildSickDays},
	} {
		if all || f.v != 0 || s.Set[f.key] {
			m.Content = append(m.Content, strNode(f.key), plainNode(strconv.Itoa(f.v)))
		}
	}
	return m
}

func exportStaff(s *Staff) *yaml.Node {
	m := flowMapNode(
		strNode("id"), strNode(s.ID),
		strNode("name"), strNode(s.Name),
		strNode("roles"), exportRoles(s.Roles),
		strNode("language"), strNode(s.Language),
	)
	if s.NavHours != nil {
		m.Content = append(m.Content, strNode("nav_hours"), quotedNode(formatSpan(*s.NavHours)))
	}
	if s.Place != "" {
		m.Content = append(m.Content, strNode("place"), strNode(s.Place))
	}
	if s.Backup != nil {
		m.Content = append(m.Content, strNode("backup"), strNode(s.Backup.ID))
	}
	// Half a period is written too, so that Export refuses it rather
	// than drop it.
	if !s.AwayFrom.IsZero() || !s.AwayTo.IsZero() {
		m.Content = append(m.Content, strNode("away"), flowSeqNode(plainNode(s.AwayFrom.String()), plainNode(s.AwayTo.String())))
	}
	return m
}

func exportRoles(roles []Role) *yaml.Node {
	seq := flowSeqNode()
	for _, r := range roles {
		seq.Content = append(seq.Content, strNode(string(r)))
	}
	return seq
}

func exportEmployer(e *Employer) *yaml.Node {
	m := blockMapNode(strNode("id"), strNode(e.ID), strNode("name"), strNode(e.Name))
	if e.Address != "" {
		m.Content = append(m.Content, strNode("address"), strNode(e.Address))
	}
	if len(e.Contacts) > 0 {
		contacts := blockSeqNode()
		for _, c := range e.Contacts {
			contacts.Content = append(contacts.Content, flowMapNode(
				strNode("id"), strNode(c.ID),
				strNode("name"), strNode(c.Name),
				strNode("language"), strNode(c.Language),
				strNode("morning_card"), plainNode(strconv.FormatBool(c.MorningCard)),
			))
		}
		m.Content = append(m.Content, strNode("contacts"), contacts)
	}
	return m
}

func exportParticipant(p *Participant) (*yaml.Node, error) {
	if p.Adviser == nil {
		return nil, fmt.Errorf("export participant %q: no adviser", p.ID)
	}
	m := blockMapNode(
		strNode("id"), strNode(p.ID),
		strNode("name"), strNode(p.Name),
		strNode("language"), strNode(p.Language),
	)
	if !p.ProgrammeStart.IsZero() {
		m.Content = append(m.Content, strNode("programme_start"), plainNode(p.ProgrammeStart.String()))
	}
	m.Content = append(m.Content,
		strNode("children"), plainNode(strconv.Itoa(p.Children)),
		strNode("single_carer"), plainNode(strconv.FormatBool(p.SingleCarer)),
	)
	if p.Sickness != nil {
		m.Content = append(m.Content, strNode("sickness"), exportSickness(*p.Sickness, false))
	}
	m.Content = append(m.Content, strNode("adviser"), strNode(p.Adviser.ID))
	if p.Teacher != nil {
		m.Content = append(m.Content, strNode("teacher"), strNode(p.Teacher.ID))
	}
	if p.Nav != nil {
		m.Content = append(m.Content, strNode("nav"), strNode(p.Nav.ID))
	}
	if pl := p.Placement; pl != nil {
		if pl.Employer == nil || pl.Mentor == nil {
			return nil, fmt.Errorf("export participant %q: placement without employer or mentor", p.ID)
		}
		pm := blockMapNode(
			strNode("employer"), strNode(pl.Employer.ID),
			strNode("mentor"), strNode(pl.Mentor.ID),
			strNode("days"), exportDays(pl.Days),
			strNode("hours"), quotedNode(formatSpan(pl.Hours)),
		)
		if !pl.From.IsZero() {
			pm.Content = append(pm.Content, strNode("from"), plainNode(pl.From.String()))
		}
		if !pl.To.IsZero() {
			pm.Content = append(pm.Content, strNode("to"), plainNode(pl.To.String()))
		}
		if len(pl.Goals) > 0 {
			// Always with the id, even one made from a plain text, so
			// that editing the text in the exported file keeps the id,
			// and with it the goal's history.
			goals := blockSeqNode()
			for _, g := range pl.Goals {
				goals.Content = append(goals.Content, flowMapNode(strNode("id"), strNode(g.ID), strNode("text"), strNode(g.Text)))
			}
			pm.Content = append(pm.Content, strNode("goals"), goals)
		}
		m.Content = append(m.Content, strNode("placement"), pm)
	}
	if len(p.Classes) > 0 {
		classes := blockSeqNode()
		for _, c := range p.Classes {
			cm := flowMapNode(
				strNode("days"), exportDays(c.Days),
				strNode("hours"), quotedNode(formatSpan(c.Hours)),
			)
			if c.Place != "" {
				cm.Content = append(cm.Content, strNode("place"), strNode(c.Place))
			}
			classes.Content = append(classes.Content, cm)
		}
		m.Content = append(m.Content, strNode("classes"), classes)
	}
	return m, nil
}

func exportDays(days []time.Weekday) *yaml.Node {
	seq := flowSeqNode()
	for _, d := range days {
		seq.Content = append(seq.Content, strNode(dayNames[d%7]))
	}
	return seq
}

func formatClock(c Clock) string {
	return fmt.Sprintf("%02d:%02d", c.Hour(), c.Minute())
}

func formatSpan(s Span) string {
	return formatClock(s.Start) + "-" + formatClock(s.End)
}

// formatDuration writes whole days as "Nd" and anything else the way a
// person would ("4h", "1h30m"), not time.Duration's "4h0m0s".
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d > 0 && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func sectionNode(k string, v *yaml.Node) *yaml.Node { return blockMapNode(strNode(k), v) }

func blockMapNode(kv ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Content: kv}
}

func flowMapNode(kv ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: kv}
}

func blockSeqNode() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode} }

func flowSeqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: items}
}

// strNode is a name, id or key; tagging it a string makes the encoder quote
// values such as "null" or "123" that would otherwise read back as
// something else.
func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// plainNode is a date, number, bool or duration, written without quotes.
func plainNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s}
}

// quotedNode is a time or range; quoting keeps it from looking like a
// sexagesimal number to older YAML readers.
func quotedNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: s}
}
