package flows

import (
	"slices"
	"strings"
	"time"

	"innsjekk/absence"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// The sick notice and other absence (PRODUCT.md §3.2): which days, an
// optional "please call me", a confirmation listing what will be missed;
// then the mentor, teacher and adviser are told, each only what they
// need. Three taps in the common case: 🤒, [Today], [Send].

type absences struct{ base }

var _ = register(absences{})

func (absences) spec() spec {
	return spec{name: "absence", code: "abs",
		commands: []Command{{Name: "sick", Icon: "🤒", Label: "menu.sick", Rank: 10, For: []roster.Role{roster.RoleParticipant}}},
		timers:   []Timer{BackTimer{}},
		typed:    isSickWord,
	}
}

const (
	PhaseAbsenceDays     Phase = "absence.days"
	PhaseAbsenceCalendar Phase = "absence.calendar"
	PhaseAbsenceConfirm  Phase = "absence.confirm"
)

// AbsenceDraft is a notice being put together.
type AbsenceDraft struct {
	Kind   absence.Kind `json:"kind"`
	Days   []string     `json:"days,omitempty"`
	CallMe bool         `json:"call_me,omitempty"`
}

// BackTimer asks "are you back?" on the morning after a notice's last day.
type BackTimer struct {
	Person string `json:"person"`
	Date   string `json:"date"`
	Notice string `json:"notice"`
}

func (BackTimer) TimerKind() string      { return "abs.back" }
func (t BackTimer) TimerSubject() string { return t.Person }

// undoWindow is how long a notice can be taken back (PRODUCT.md §3.2).
const undoWindow = 10 * time.Minute

// draftLife is how long a notice being put together stays open.
const draftLife = 2 * time.Hour

// needs: the participant's own record and the bindings of the people a
// notice tells.
func (absences) needs(n *Needs, q query) {
	id := q.person
	if t, ok := q.ev.Timer.(BackTimer); ok {
		id = t.Person
	}
	needParticipant(n, q.r, id)
}

// needParticipant adds a participant's record and the bindings of their
// contact people.
func needParticipant(n *Needs, r *roster.Roster, id string) {
	p := r.Participant(id)
	if p == nil {
		return
	}
	n.record(PersonKey(p.ID))
	n.person(circle(p)...)
}

func (absences) command(s *step, _, _ string) { s.sickStart() }

func (absences) timer(s *step, t Timer) {
	if t, ok := t.(BackTimer); ok {
		s.askBack(t)
	}
}

// absenceConv is the notice being put together in this chat.
func (s *step) absenceConv() (*Conversation, AbsenceDraft) {
	c := s.conv("absence", "")
	return c, draftOf[AbsenceDraft](c)
}

// keepDraft stores the draft in its phase.
func (s *step) keepDraft(phase Phase, d AbsenceDraft) {
	s.open(withDraft(Conversation{Flow: "absence", Phase: phase, Expires: s.in.Now.Add(draftLife)}, d))
}

// calendarDays is how far ahead the day picker reaches.
const calendarDays = 14

var absenceKinds = []absence.Kind{absence.Sick, absence.ChildSick, absence.Appointment, absence.PaidShift, absence.Other}

func kindLabel(lang string, k absence.Kind) string { return tr(lang, "absence.kind_"+string(k), nil) }

// sickStart opens the days question.
func (s *step) sickStart() {
	if s.me.Participant == nil {
		s.reason(ReasonNotForRole)
		s.say("absence.not_participant", nil, s.menu())
		return
	}
	s.reason(ReasonAbsenceAsked)
	s.keepDraft(PhaseAbsenceDays, AbsenceDraft{Kind: absence.Sick})
	s.say("absence.ask_days", nil, withInline(s.daysKeyboard()))
}

func (s *step) daysKeyboard() [][]Button {
	b := func(id string, args ...string) Button {
		return Button{Text: s.t(id, nil), Data: Payload{Flow: "abs", Args: args}.Encode()}
	}
	rows := [][]Button{
		{b("absence.btn.today", "today"), b("absence.btn.today_tomorrow", "two")},
		{b("absence.btn.choose", "cal")},
	}
	// Other reasons: the adviser sees the category, the employer never.
	var kinds []Button
	for _, k := range absenceKinds[1:] {
		kinds = append(kinds, Button{Text: kindLabel(s.lang(), k), Data: Payload{Flow: "abs", Args: []string{"kind", string(k)}}.Encode()})
	}
	rows = append(rows, kinds[:2], kinds[2:])
	rows = append(rows, []Button{b("absence.btn.cancel", "cancel")})
	return rows
}

// button handles every "abs" button. Button data is client input: each
// branch checks the phase and the values against the roster.
func (absences) button(s *step, p Payload) {
	if s.me.Participant == nil {
		s.stale()
		return
	}
	msg := s.in.Event.MessageID
	switch p.Arg(0) {
	case "undo":
		s.undo(p.Arg(1), msg)
		return
	case "back":
		s.backAnswer(p.Arg(1), p.Arg(2), p.Arg(3), msg)
		return
	}
	c, draft := s.absenceConv()
	if c == nil {
		s.staleOrExpired("absence", "")
		return
	}
	phase := c.Phase
	today := s.today()
	switch p.Arg(0) {
	case "kind":
		k := absence.Kind(p.Arg(1))
		if !k.Valid() || phase != PhaseAbsenceDays {
			s.stale()
			return
		}
		s.reason(ReasonAbsenceAsked)
		draft.Kind = k
		s.keepDraft(phase, draft)
		s.do(Answer{Text: kindLabel(s.lang(), k)})
		s.say("absence.ask_days_kind", locales.Args{"Kind": kindLabel(s.lang(), k)}, withEdit(msg), withInline(s.daysKeyboard()))
	case "today", "two":
		if phase != PhaseAbsenceDays {
			s.stale()
			return
		}
		draft.Days = []string{today.String()}
		if p.Arg(0) == "two" {
			draft.Days = append(draft.Days, schedule.AddDays(today, 1).String())
		}
		s.confirmScreen(&draft, msg)
	case "cal":
		if phase != PhaseAbsenceDays {
			s.stale()
			return
		}
		s.reason(ReasonAbsenceAsked)
		s.keepDraft(PhaseAbsenceCalendar, draft)
		s.do(Answer{})
		s.say("absence.ask_calendar", nil, withEdit(msg), withInline(s.calendarKeyboard(&draft)))
	case "day":
		day, ok := parseDate(p.Arg(1))
		if phase != PhaseAbsenceCalendar || !ok || !s.pickable(day) {
			s.stale()
			return
		}
		s.reason(ReasonAbsenceAsked)
		iso := day.String()
		if i := slices.Index(draft.Days, iso); i >= 0 {
			draft.Days = slices.Delete(draft.Days, i, i+1)
		} else {
			draft.Days = append(draft.Days, iso)
			slices.Sort(draft.Days)
		}
		s.keepDraft(phase, draft)
		s.do(Answer{})
		s.say("absence.ask_calendar", nil, withEdit(msg), withInline(s.calendarKeyboard(&draft)))
	case "done":
		if phase != PhaseAbsenceCalendar {
			s.stale()
			return
		}
		if len(draft.Days) == 0 {
			s.reason(ReasonAbsenceAsked)
			s.do(Answer{Text: s.t("absence.pick_a_day", nil)})
			return
		}
		s.confirmScreen(&draft, msg)
	case "call":
		if phase != PhaseAbsenceConfirm {
			s.stale()
			return
		}
		draft.CallMe = !draft.CallMe
		s.confirmScreen(&draft, msg)
	case "send":
		if phase != PhaseAbsenceConfirm || len(draft.Days) == 0 {
			s.stale()
			return
		}
		s.send(draft, msg)
	case "cancel":
		s.reason(ReasonAbsenceCancelled)
		s.close("absence", "")
		s.do(Answer{})
		s.say("absence.cancelled", nil, withEdit(msg))
	default:
		s.stale()
	}
}

// pickable: the day picker offers today and the next 13 days.
func (s *step) pickable(d roster.Date) bool {
	today := s.today()
	return !d.Before(today) && d.Before(schedule.AddDays(today, calendarDays))
}

func (s *step) calendarKeyboard(d *AbsenceDraft) [][]Button {
	p := s.me.Participant
	today := s.today()
	var rows [][]Button
	for i := range calendarDays {
		day := schedule.AddDays(today, i)
		label := s.dayLabel(s.lang(), day)
		// Mark the days that have something scheduled, so the participant
		// sees which days matter.
		for _, a := range s.in.Cal.Activities(p, day, 1) {
			if a.Kind == schedule.Placement {
				label += " 🏢"
			} else if !strings.HasSuffix(label, "📚") && !strings.HasSuffix(label, "🏢") {
				label += " 📚"
			}
		}
		if slices.Contains(d.Days, day.String()) {
			label = "✅ " + label
		}
		b := Button{Text: label, Data: Payload{Flow: "abs", Args: []string{"day", day.String()}}.Encode()}
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	rows = append(rows, []Button{
		{Text: s.t("absence.btn.done", nil), Data: Payload{Flow: "abs", Args: []string{"done"}}.Encode()},
		{Text: s.t("absence.btn.cancel", nil), Data: Payload{Flow: "abs", Args: []string{"cancel"}}.Encode()},
	})
	return rows
}

// missed lists the participant's activities on the notice's days.
func (s *step) missed(p *roster.Participant, days []string) []schedule.Activity {
	var out []schedule.Activity
	for _, iso := range days {
		if d, ok := parseDate(iso); ok {
			out = append(out, s.in.Cal.Activities(p, d, 1)...)
		}
	}
	return out
}

func (s *step) activityLine(lang string, a schedule.Activity) string {
	args := locales.Args{"Day": s.dayLabel(lang, a.Date), "Place": a.Place,
		"Start": a.Start.Format("15:04"), "End": a.End.Format("15:04")}
	if a.Kind == schedule.Placement {
		return tr(lang, "absence.miss_placement", args)
	}
	return tr(lang, "absence.miss_class", args)
}

func (s *step) confirmScreen(d *AbsenceDraft, msg int) {
	s.reason(ReasonAbsenceAsked)
	s.keepDraft(PhaseAbsenceConfirm, *d)
	lang := s.lang()
	lines := []string{s.t("absence.confirm_title", locales.Args{"Kind": kindLabel(lang, d.Kind)})}
	acts := s.missed(s.me.Participant, d.Days)
	if len(acts) == 0 {
		var labels []string
		for _, iso := range d.Days {
			if day, ok := parseDate(iso); ok {
				labels = append(labels, s.dayLabel(lang, day))
			}
		}
		lines = append(lines, s.t("absence.nothing_scheduled", locales.Args{"Days": strings.Join(labels, ", ")}))
	}
	for _, a := range acts {
		lines = append(lines, s.activityLine(lang, a))
	}
	call := s.t("absence.btn.call_off", nil)
	if d.CallMe {
		call = s.t("absence.btn.call_on", nil)
	}
	kb := [][]Button{
		{{Text: call, Data: Payload{Flow: "abs", Args: []string{"call"}}.Encode()}},
		{{Text: s.t("absence.btn.send", nil), Data: Payload{Flow: "abs", Args: []string{"send"}}.Encode()},
			{Text: s.t("absence.btn.cancel", nil), Data: Payload{Flow: "abs", Args: []string{"cancel"}}.Encode()}},
	}
	s.do(Answer{})
	s.sayText("absence.confirm_title", locales.Lines(lang, lines), withInline(kb), withEdit(msg))
}

// person is the absence rules' view of a participant.
func (s *step) rulesPerson(p *roster.Participant) absence.Person {
	return absence.PersonOf(s.in.Roster, p)
}

func (s *step) history(p *roster.Participant) []absence.Notice {
	var out []absence.Notice
	for _, n := range s.facts(p.ID).Notices {
		if n.Undone {
			continue
		}
		out = append(out, absence.Notice{Kind: n.Kind, Days: datesOf(n.Days)})
	}
	return out
}

// send stores the notice and tells the people who need to know. The
// participant's confirmation and every notice are committed together, so
// a crash cannot confirm without telling (PRODUCT.md §2.6).
func (s *step) send(d AbsenceDraft, msg int) {
	p := s.me.Participant
	for _, iso := range d.Days {
		day, ok := parseDate(iso)
		if !ok || !s.pickable(day) {
			s.stale()
			return
		}
	}
	if !d.Kind.Valid() {
		s.stale()
		return
	}
	// Days already reported stay with their first notice: reporting them
	// again would tell everyone twice and tangle an undo.
	var fresh []string
	for _, iso := range d.Days {
		if _, done := s.facts(p.ID).Absences[iso]; !done {
			fresh = append(fresh, iso)
		}
	}
	if len(fresh) == 0 {
		s.reason(ReasonAbsenceAlreadyReported)
		s.close("absence", "")
		s.do(Answer{})
		s.say("absence.already_reported", nil, withEdit(msg))
		return
	}
	d.Days = fresh
	s.reason(ReasonAbsenceReported)
	now := s.in.Now
	check := absence.Check(s.rulesPerson(p), s.history(p), absence.Notice{Kind: d.Kind, Days: datesOf(d.Days)})
	n := Notice{ID: recordID(now, len(s.facts(p.ID).Notices)), Kind: d.Kind, Days: d.Days, ReportedAt: now, CallMe: d.CallMe}
	today := s.today()
	for _, iso := range d.Days {
		day, _ := parseDate(iso)
		late := false
		if day == today {
			// Late: reported after the day's first activity started.
			if acts := s.in.Cal.Activities(p, day, 1); len(acts) > 0 && !now.Before(acts[0].Start) {
				late = true
			}
		}
		s.setAbsence(p.ID, Absence{Date: iso, Kind: d.Kind, ReportedAt: now, By: p.ID, Late: late, Notice: n.ID})
	}
	n.Told = s.tellAbsence(p, n, d.Days, check, false)
	s.setNotice(p.ID, n)
	s.close("absence", "")

	lang := s.lang()
	lines := []string{s.t("absence.sent", nil)}
	if d.Kind == absence.Sick {
		lines = append(lines, s.t("absence.get_well", nil))
	}
	lines = append(lines, s.limitLines(check)...)
	undo := [][]Button{{{Text: s.t("absence.btn.undo", nil), Data: Payload{Flow: "abs", Args: []string{"undo", n.ID}}.Encode()}}}
	s.do(Answer{})
	s.sayText("absence.sent", locales.Lines(lang, lines), withInline(undo), withEdit(msg))
	s.scheduleBack(p, n)
}

// limitLines tells the participant what a passed limit means for them;
// one line is enough, the adviser sees each rule.
func (s *step) limitLines(check absence.Result) []string {
	switch {
	case len(check.Passed) == 0:
		return nil
	case check.Passed[0] == absence.RuleChildSickDays:
		return []string{s.t("absence.child_days_over", nil)}
	}
	return []string{s.t("absence.doctor_note", nil)}
}

// tellAbsence tells the mentor of each affected placement day, the
// teacher for class days and the adviser, each in their language, and
// returns whom it told. The mentor's and teacher's messages take no
// reason argument at all: employers learn that someone is absent, never
// why (PRODUCT.md §2.5).
func (s *step) tellAbsence(p *roster.Participant, n Notice, days []string, check absence.Result, again bool) []string {
	var told []string
	acts := s.missed(p, days)
	var placementDays, classDays []roster.Date
	for _, a := range acts {
		if a.Kind == schedule.Placement {
			placementDays = append(placementDays, a.Date)
		} else if !slices.Contains(classDays, a.Date) {
			classDays = append(classDays, a.Date)
		}
	}
	last := datesOf(n.Days)
	lastDay := last[len(last)-1]
	for _, d := range last {
		if lastDay.Before(d) {
			lastDay = d
		}
	}
	if len(placementDays) > 0 && p.Placement != nil {
		m := p.Placement.Mentor
		lang := s.langOf(m.ID)
		args := locales.Args{"Name": p.Name, "Days": s.dayList(lang, placementDays)}
		id := "absence.mentor_no_back"
		if back, ok := s.in.Cal.NextPlacementDay(p, lastDay); ok {
			id = "absence.mentor"
			args["Back"] = s.dayLabel(lang, back)
		}
		if again {
			id += "_again"
		}
		s.notify(m.ID, id, args)
		told = append(told, m.ID)
	}
	if len(classDays) > 0 && p.Teacher != nil {
		lang := s.langOf(p.Teacher.ID)
		s.notify(p.Teacher.ID, "absence.teacher", locales.Args{"Name": p.Name, "Days": s.dayList(lang, classDays)})
		told = append(told, p.Teacher.ID)
	}
	if a := p.Adviser; a != nil {
		lang := s.langOf(a.ID)
		lines := []string{tr(lang, "absence.adviser", locales.Args{"Name": p.Name, "Kind": kindLabel(lang, n.Kind),
			"Days": s.dayList(lang, datesOf(days))})}
		if again {
			lines[0] = tr(lang, "absence.adviser_again", locales.Args{"Name": p.Name, "Days": s.dayList(lang, datesOf(days))})
		}
		for _, iso := range days {
			if ab, ok := s.facts(p.ID).Absences[iso]; ok && ab.Late {
				lines = append(lines, tr(lang, "absence.adviser_late", nil))
				break
			}
		}
		if n.CallMe {
			lines = append(lines, tr(lang, "absence.adviser_call_me", nil))
		}
		for _, r := range check.Passed {
			lines = append(lines, tr(lang, "absence.adviser_rule", locales.Args{"Rule": tr(lang, "rule."+string(r), nil)}))
		}
		c := check.Counters
		if n.Kind == absence.Sick {
			pol := s.in.Roster.EffectiveSickness(p)
			lines = append(lines, tr(lang, "absence.adviser_counters", locales.Args{
				"Days": c.PeriodDays, "MaxDays": pol.SelfCertifiedDays, "Times": c.Periods12m, "MaxTimes": pol.SelfCertifiedTimes}))
		}
		if n.Kind == absence.ChildSick {
			lines = append(lines, tr(lang, "absence.adviser_child_counters", locales.Args{"Days": c.ChildDays, "Max": c.ChildAllowance}))
		}
		lines = append(lines, tr(lang, "absence.adviser_not_a_decision", nil))
		s.notifyText(a.ID, "absence.adviser", locales.Lines(lang, lines))
		told = append(told, a.ID)
	}
	return told
}

func (s *step) dayList(lang string, days []roster.Date) string {
	var labels []string
	seen := map[roster.Date]bool{}
	for _, d := range days {
		if !seen[d] {
			seen[d] = true
			labels = append(labels, s.dayLabel(lang, d))
		}
	}
	return strings.Join(labels, ", ")
}

// undo takes a notice back within ten minutes and tells the same people.
func (s *step) undo(id string, msg int) {
	p := s.me.Participant
	n, ok := s.facts(p.ID).Notices[id]
	if !ok || n.Undone {
		s.stale()
		return
	}
	if s.in.Now.Sub(n.ReportedAt) > undoWindow {
		s.reason(ReasonAbsenceUndoLate)
		s.do(Answer{Text: s.t("absence.undo_too_late", locales.Args{"Name": p.Adviser.Name})})
		return
	}
	s.reason(ReasonAbsenceUndone)
	var gone []string
	for iso, a := range s.facts(p.ID).Absences {
		if a.Notice == id {
			gone = append(gone, iso)
		}
	}
	slices.Sort(gone)
	for _, iso := range gone {
		s.deleteAbsence(p.ID, iso)
	}
	n.Undone = true
	s.setNotice(p.ID, n)
	for _, who := range n.Told {
		lang := s.langOf(who)
		s.notify(who, "absence.undone_notice", locales.Args{"Name": p.Name, "Days": s.dayList(lang, datesOf(gone))})
	}
	s.do(Answer{})
	s.say("absence.undone", nil, withEdit(msg))
	for _, d := range n.Days {
		s.do(CancelJob{ID: backJobID(p.ID, id, d)})
	}
	if day, ok := s.nextScheduledDay(p, lastOf(datesOf(n.Days))); ok {
		s.do(CancelJob{ID: backJobID(p.ID, id, day.String())})
	}
}

// backJobID names the "are you back?" job of one morning: each morning
// has its own, so that asking again after "still sick" is a new job.
func backJobID(person, notice, date string) string {
	return "abs.back:" + person + ":" + notice + ":" + date
}

func lastOf(days []roster.Date) roster.Date {
	last := days[0]
	for _, d := range days {
		if last.Before(d) {
			last = d
		}
	}
	return last
}

// scheduleBack asks "are you back?" at 07:00 on the participant's next
// scheduled day after the notice (PRODUCT.md §3.2).
func (s *step) scheduleBack(p *roster.Participant, n Notice) {
	last := datesOf(n.Days)
	lastDay := last[0]
	for _, d := range last {
		if lastDay.Before(d) {
			lastDay = d
		}
	}
	day, ok := s.nextScheduledDay(p, lastDay)
	if !ok {
		return
	}
	s.do(Schedule{ID: backJobID(p.ID, n.ID, day.String()), Due: s.in.Cal.At(day, 7*60),
		Timer: BackTimer{Person: p.ID, Date: day.String(), Notice: n.ID}})
}

// nextScheduledDay is the first day after d with a placement or class.
func (s *step) nextScheduledDay(p *roster.Participant, d roster.Date) (roster.Date, bool) {
	for i := 1; i <= 31; i++ {
		day := schedule.AddDays(d, i)
		if len(s.in.Cal.Activities(p, day, 1)) > 0 {
			return day, true
		}
	}
	return roster.Date{}, false
}

// askBack runs when the back-to-work job falls due.
func (s *step) askBack(t BackTimer) {
	p := s.in.Roster.Participant(t.Person)
	if p == nil || t.Date != s.today().String() {
		return // "are you back today?" is about one morning only
	}
	n, ok := s.facts(p.ID).Notices[t.Notice]
	if !ok || n.Undone {
		return
	}
	if _, absent := s.facts(p.ID).Absences[s.today().String()]; absent {
		return // already reported for today
	}
	s.reason(ReasonBackAsked)
	lang := s.langOf(p.ID)
	kb := [][]Button{{
		{Text: tr(lang, "absence.btn.back_yes", nil), Data: Payload{Flow: "abs", Args: []string{"back", "yes", n.ID, t.Date}}.Encode()},
		{Text: tr(lang, "absence.btn.back_still", nil), Data: Payload{Flow: "abs", Args: []string{"back", "still", n.ID, t.Date}}.Encode()},
	}}
	s.notify(p.ID, "absence.back_ask", nil, withInline(kb))
}

// backAnswer takes the answer to "are you back today?" — only on the
// day it was asked, so an old button cannot extend an old notice.
func (s *step) backAnswer(answer, id, asked string, msg int) {
	p := s.me.Participant
	n, ok := s.facts(p.ID).Notices[id]
	today := s.today()
	if !ok || n.Undone || asked != today.String() {
		s.stale()
		return
	}
	switch answer {
	case "yes":
		s.reason(ReasonBack)
		s.do(Answer{})
		s.say("absence.back_welcome", nil, withEdit(msg))
	case "still":
		iso := today.String()
		if _, done := s.facts(p.ID).Absences[iso]; done {
			s.do(Answer{})
			return // tapped twice, or reported otherwise already
		}
		s.reason(ReasonAbsenceExtended)
		check := absence.Check(s.rulesPerson(p), s.history(p), absence.Notice{Kind: n.Kind, Days: datesOf(append(slices.Clone(n.Days), iso))})
		late := false
		if acts := s.in.Cal.Activities(p, today, 1); len(acts) > 0 && !s.in.Now.Before(acts[0].Start) {
			late = true
		}
		s.setAbsence(p.ID, Absence{Date: iso, Kind: n.Kind, ReportedAt: s.in.Now, By: p.ID, Late: late, Notice: n.ID})
		n.Days = append(slices.Clip(n.Days), iso)
		told := s.tellAbsence(p, n, []string{iso}, check, true)
		for _, who := range told {
			if !slices.Contains(n.Told, who) {
				n.Told = append(slices.Clip(n.Told), who)
			}
		}
		s.setNotice(p.ID, n)
		lines := append([]string{s.t("absence.extended", nil)}, s.limitLines(check)...)
		s.do(Answer{})
		s.sayText("absence.extended", locales.Lines(s.lang(), lines), withEdit(msg))
		s.scheduleBack(p, n)
	default:
		s.stale()
	}
}
