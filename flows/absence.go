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

// The sick notice and other absence (docs/behaviour.md): which days, an
// optional "please call me", a confirmation listing what will be missed;
// then the mentor, teacher and adviser are told, each only what they
// need. Three taps in the common case: 🤒, [Today], [Send].

type absences struct{ base }

var _ = register(absences{})

func (absences) spec() spec {
	return spec{name: "absence", code: "abs",
		commands: []Command{{Name: "sick", Icon: "🤒", Label: "menu.sick", Rank: 10, For: []roster.Role{roster.RoleParticipant}}},
		timers:   []Timer{BackTimer{}, UndoTimer{}},
		typed:    isSickWord,
	}
}

const (
	PhaseAbsenceDays     Phase = "absence.days"
	PhaseAbsenceCalendar Phase = "absence.calendar"
	PhaseAbsenceConfirm  Phase = "absence.confirm"
	PhaseAbsenceKind     Phase = "absence.kind"
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

// UndoTimer takes the [Undo] button off a notice's receipt when undo is
// no longer possible.
type UndoTimer struct {
	Person  string `json:"person"`
	Notice  string `json:"notice"`
	Message int    `json:"message"`
}

func (UndoTimer) TimerKind() string      { return "abs.undo" }
func (t UndoTimer) TimerSubject() string { return t.Person }

// undoWindow is how long a notice can be taken back (docs/behaviour.md).
const undoWindow = 10 * time.Minute

// draftLife is how long a notice being put together stays open.
const draftLife = 2 * time.Hour

// needs: the participant's own record and the bindings of the people a
// notice tells.
func (absences) needs(n *Needs, q query) {
	id := q.person
	switch t := q.ev.Timer.(type) {
	case BackTimer:
		id = t.Person
	case UndoTimer:
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
	switch t := t.(type) {
	case BackTimer:
		s.askBack(t)
	case UndoTimer:
		if n, ok := s.facts(t.Person).Notices[t.Notice]; ok && !n.Undone {
			s.reason(ReasonAbsenceUndoClosed)
			s.do(Say{ToPerson: t.Person, Lang: s.langOf(t.Person), MsgID: "absence.sent", Edit: t.Message, ButtonsOnly: true,
				Class: ClassNotice, Reason: s.out.Reason})
		}
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

// daysKeyboard asks one thing: which days. The reason is sick unless the
// participant changes it on the confirmation, so the common case stays at
// three taps.
func (s *step) daysKeyboard() [][]Button {
	b := func(id string, args ...string) Button {
		return Button{Text: s.t(id, nil), Data: Payload{Flow: "abs", Args: args}.Encode()}
	}
	var rows [][]Button
	if s.todayOpen() {
		rows = append(rows, []Button{b("absence.btn.today", "today"), b("absence.btn.tomorrow", "tom")},
			[]Button{b("absence.btn.today_tomorrow", "two")})
	} else {
		rows = append(rows, []Button{b("absence.btn.tomorrow", "tom")})
	}
	return append(rows, []Button{b("absence.btn.choose", "cal")}, []Button{b("absence.btn.cancel", "cancel")})
}

// todayOpen reports whether today can still be reported: not once the
// participant's activities today are over (or, on a day without any, the
// programme's office hours), since there is nothing left to miss.
func (s *step) todayOpen() bool {
	today := s.today()
	end := s.in.Cal.At(today, s.in.Roster.Programme.OfficeHours.End)
	if acts := s.in.Cal.Activities(s.me.Participant, today, 1); len(acts) > 0 {
		end = acts[0].End
		for _, a := range acts {
			if a.End.After(end) {
				end = a.End
			}
		}
	}
	return s.in.Now.Before(end)
}

// firstPickable is the first day a notice can name.
func (s *step) firstPickable() roster.Date {
	if s.todayOpen() {
		return s.today()
	}
	return schedule.AddDays(s.today(), 1)
}

// kindKeyboard asks for the reason, on its own screen.
func (s *step) kindKeyboard() [][]Button {
	b := func(k absence.Kind) Button {
		return Button{Text: kindLabel(s.lang(), k), Data: Payload{Flow: "abs", Args: []string{"kind", string(k)}}.Encode()}
	}
	return [][]Button{
		{b(absence.Sick), b(absence.ChildSick)},
		{b(absence.Appointment), b(absence.PaidShift)},
		{b(absence.Other)},
	}
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
	case "reason":
		if phase != PhaseAbsenceConfirm {
			s.stale()
			return
		}
		s.reason(ReasonAbsenceAsked)
		s.keepDraft(PhaseAbsenceKind, draft)
		s.do(Answer{})
		s.say("absence.ask_kind", nil, withEdit(msg), withInline(s.kindKeyboard()))
	case "kind":
		k := absence.Kind(p.Arg(1))
		if !k.Valid() || phase != PhaseAbsenceKind {
			s.stale()
			return
		}
		draft.Kind = k
		s.confirmScreen(&draft, msg)
	case "today", "tom", "two":
		if phase != PhaseAbsenceDays {
			s.stale()
			return
		}
		if p.Arg(0) != "tom" && !s.todayOpen() {
			// A days screen left open from the afternoon.
			s.reason(ReasonAbsenceAsked)
			s.do(Answer{})
			s.say("absence.today_over", nil, withEdit(msg), withInline(s.daysKeyboard()))
			return
		}
		switch p.Arg(0) {
		case "today":
			draft.Days = []string{today.String()}
		case "tom":
			draft.Days = []string{schedule.AddDays(today, 1).String()}
		default:
			draft.Days = []string{today.String(), schedule.AddDays(today, 1).String()}
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

// pickable: the day picker offers 14 days from the first day that can
// still be missed.
func (s *step) pickable(d roster.Date) bool {
	first := s.firstPickable()
	return !d.Before(first) && d.Before(schedule.AddDays(first, calendarDays))
}

func (s *step) calendarKeyboard(d *AbsenceDraft) [][]Button {
	p := s.me.Participant
	first := s.firstPickable()
	var rows [][]Button
	for i := range calendarDays {
		day := schedule.AddDays(first, i)
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
		lines = append(lines, s.t("absence.nothing_scheduled", locales.Args{"Days": s.dayList(lang, datesOf(d.Days))}))
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
		{{Text: s.t("absence.btn.other_reason", nil), Data: Payload{Flow: "abs", Args: []string{"reason"}}.Encode()}},
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
// a crash cannot confirm without telling (docs/behaviour.md).
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
	for _, iso := range d.Days {
		day, _ := parseDate(iso)
		s.setAbsence(p.ID, Absence{Date: iso, Kind: d.Kind, ReportedAt: now, By: p.ID, Late: s.lateFor(p, day), Notice: n.ID})
	}
	told, missing := s.tellAbsence(p, n, d.Days, check, false)
	n.Told = ids(told)
	s.setNotice(p.ID, n)
	s.close("absence", "")

	lines := []string{s.t("absence.sent", nil)}
	lines = append(lines, s.toldLines(p, told, missing)...)
	if d.Kind == absence.Sick {
		lines = append(lines, s.t("absence.get_well", nil))
	}
	lines = append(lines, s.limitLines(check)...)
	undo := [][]Button{{{Text: s.t("absence.btn.undo", nil), Data: Payload{Flow: "abs", Args: []string{"undo", n.ID}}.Encode()}}}
	s.do(Answer{})
	s.sayText("absence.sent", locales.Lines(s.lang(), lines), withInline(undo), withEdit(msg))
	if msg != 0 {
		s.do(Schedule{ID: "abs.undo:" + p.ID + ":" + n.ID, Due: now.Add(undoWindow),
			Timer: UndoTimer{Person: p.ID, Notice: n.ID, Message: msg}})
	}
	s.scheduleBack(p, n)
}

// lateFor: reported after the day's first activity started.
func (s *step) lateFor(p *roster.Participant, day roster.Date) bool {
	if day != s.today() {
		return false
	}
	acts := s.in.Cal.Activities(p, day, 1)
	return len(acts) > 0 && !s.in.Now.Before(acts[0].Start)
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

// Who a notice concerns, besides the adviser.
const (
	hearMentor  = "mentor"
	hearTeacher = "teacher"
	hearAdviser = "adviser"
)

// hearer is one person a notice tells, with the days that concern them.
type hearer struct {
	ID, Name, Role string
	Place          string // the workplace, for the mentor
	Days           []roster.Date
}

func ids(hs []hearer) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

// audience is whom a notice about days tells, each with only the days
// that concern them: the mentor the placement days, the teacher the class
// days, the adviser all of them (docs/behaviour.md). Someone who is both the
// adviser and the teacher hears once, as the adviser.
func (s *step) audience(p *roster.Participant, days []string) []hearer {
	var placement, class []roster.Date
	for _, a := range s.missed(p, days) {
		switch {
		case a.Kind == schedule.Placement:
			placement = append(placement, a.Date)
		case !slices.Contains(class, a.Date):
			class = append(class, a.Date)
		}
	}
	var out []hearer
	adviser := p.Adviser.ID
	if len(placement) > 0 && p.Placement != nil && p.Placement.Mentor.ID != adviser {
		m := p.Placement.Mentor
		out = append(out, hearer{ID: m.ID, Name: m.Name, Role: hearMentor, Place: p.Placement.Employer.Name, Days: placement})
	}
	if len(class) > 0 && p.Teacher != nil && p.Teacher.ID != adviser {
		out = append(out, hearer{ID: p.Teacher.ID, Name: p.Teacher.Name, Role: hearTeacher, Days: class})
	}
	return append(out, hearer{ID: adviser, Name: p.Adviser.Name, Role: hearAdviser, Days: datesOf(days)})
}

// whoList names people for lang: "Per Olsen (Hotell Strand), Anne Dahl
// (adviser)".
func whoList(lang string, hs []hearer) locales.Verbatim {
	var parts []string
	for _, h := range hs {
		parts = append(parts, tr(lang, "absence.who_"+h.Role, locales.Args{"Name": h.Name, "Place": h.Place}))
	}
	return locales.List(lang, parts)
}

// toldLines says exactly who was told, when a notice held for the quiet
// hours will go, and who could not be told at all.
func (s *step) toldLines(p *roster.Participant, told, missing []hearer) []string {
	var lines []string
	if len(told) > 0 {
		if at := s.quietEnd(); !at.IsZero() {
			lines = append(lines, s.t("absence.told_later", locales.Args{"Names": whoList(s.lang(), told),
				"Time": at.In(s.in.Cal.Loc()).Format("15:04")}))
		} else {
			lines = append(lines, s.t("absence.told", locales.Args{"Names": whoList(s.lang(), told)}))
		}
	}
	if len(missing) > 0 {
		lines = append(lines, s.t("absence.not_told", locales.Args{"Names": whoList(s.lang(), missing)}))
		if slices.ContainsFunc(told, func(h hearer) bool { return h.Role == hearAdviser }) {
			lines = append(lines, s.t("absence.adviser_tells_them", locales.Args{"Name": p.Adviser.Name}))
		} else {
			lines = append(lines, s.t("absence.call_adviser", locales.Args{"Name": p.Adviser.Name}))
		}
	}
	return lines
}

// tellAbsence tells the mentor of each affected placement day, the
// teacher for class days and the adviser, each in their language and
// each only about their days, and returns whom it told and whom it could
// not reach. The mentor's and teacher's messages take no reason argument
// at all: employers learn that someone is absent, never why (docs/behaviour.md
// §2.5).
func (s *step) tellAbsence(p *roster.Participant, n Notice, days []string, check absence.Result, again bool) (told, missing []hearer) {
	for _, h := range s.audience(p, days) {
		if s.reachable(h.ID) {
			told = append(told, h)
		} else {
			missing = append(missing, h)
		}
	}
	lastDay := lastOf(datesOf(n.Days))
	for _, h := range told {
		lang := s.langOf(h.ID)
		switch h.Role {
		case hearMentor:
			args := locales.Args{"Name": p.Name, "Days": s.dayList(lang, h.Days)}
			id := "absence.mentor_no_back"
			if back, ok := s.in.Cal.NextPlacementDay(p, lastDay); ok {
				id = "absence.mentor"
				args["Back"] = s.dayLabel(lang, back)
			}
			// "Still absent" only to a mentor who heard the first time.
			if again && slices.Contains(n.Told, h.ID) {
				id += "_again"
			}
			s.notify(h.ID, id, args)
		case hearTeacher:
			s.notify(h.ID, "absence.teacher", locales.Args{"Name": p.Name, "Days": s.dayList(lang, h.Days)})
		case hearAdviser:
			s.notifyText(h.ID, "absence.adviser", locales.Lines(lang, s.adviserLines(lang, p, n, h.Days, check, again, missing)))
		}
	}
	return told, missing
}

// adviserLines is the adviser's notice: the kind, the days, the late flag,
// a call-me request, the counters and the limits passed.
func (s *step) adviserLines(lang string, p *roster.Participant, n Notice, days []roster.Date, check absence.Result, again bool, missing []hearer) []string {
	var lines []string
	if again {
		lines = append(lines, tr(lang, "absence.adviser_again", locales.Args{"Name": p.Name, "Kind": kindLabel(lang, n.Kind),
			"Days": s.dayList(lang, days)}))
	} else {
		lines = append(lines, tr(lang, "absence.adviser", locales.Args{"Name": p.Name, "Kind": kindLabel(lang, n.Kind),
			"Days": s.dayList(lang, days)}))
	}
	for _, d := range days {
		if ab, ok := s.facts(p.ID).Absences[d.String()]; ok && ab.Late {
			lines = append(lines, tr(lang, "absence.adviser_late", nil))
			break
		}
	}
	if n.CallMe {
		lines = append(lines, tr(lang, "absence.adviser_call_me", nil))
	}
	if len(missing) > 0 {
		lines = append(lines, tr(lang, "absence.adviser_not_told", locales.Args{"Names": whoList(lang, missing)}))
	}
	for _, r := range check.Passed {
		lines = append(lines, tr(lang, "absence.adviser_rule", locales.Args{"Rule": tr(lang, "rule."+string(r), nil)}))
	}
	// The counters are information for the adviser's decision; the note
	// says so where there are counters, and only there.
	c := check.Counters
	switch n.Kind {
	case absence.Sick:
		pol := s.in.Roster.EffectiveSickness(p)
		lines = append(lines, tr(lang, "absence.adviser_counters", locales.Args{
			"Days": c.PeriodDays, "MaxDays": pol.SelfCertifiedDays, "Times": c.Periods12m, "MaxTimes": pol.SelfCertifiedTimes}),
			tr(lang, "absence.adviser_not_a_decision", nil))
	case absence.ChildSick:
		lines = append(lines, tr(lang, "absence.adviser_child_counters", locales.Args{"Days": c.ChildDays, "Max": c.ChildAllowance}),
			tr(lang, "absence.adviser_not_a_decision", nil))
	}
	return lines
}

// dayList is "tir. 01.12, ons. 02.12" in lang, each day once.
func (s *step) dayList(lang string, days []roster.Date) locales.Verbatim {
	var labels []string
	seen := map[roster.Date]bool{}
	for _, d := range days {
		if !seen[d] {
			seen[d] = true
			labels = append(labels, locales.Isolate(lang, s.dayLabel(lang, d)))
		}
	}
	return locales.List(lang, labels)
}

// undo takes a notice back within ten minutes. Each person told hears
// about exactly the days they heard about.
func (s *step) undo(id string, msg int) {
	p := s.me.Participant
	n, ok := s.facts(p.ID).Notices[id]
	if !ok || n.Undone {
		s.stale()
		return
	}
	if s.in.Now.Sub(n.ReportedAt) > undoWindow {
		// The button should be gone already; a tap that beat its removal
		// gets a message, not a toast that is easy to miss.
		s.reason(ReasonAbsenceUndoLate)
		s.do(Answer{})
		s.do(Say{To: s.in.ChatID, Lang: s.lang(), MsgID: "absence.sent", Edit: msg, ButtonsOnly: true, Class: ClassAnswer, Reason: s.out.Reason})
		s.say("absence.undo_too_late", locales.Args{"Name": p.Adviser.Name})
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
	var told []hearer
	for _, h := range s.audience(p, gone) {
		if !slices.Contains(n.Told, h.ID) || !s.reachable(h.ID) {
			continue
		}
		lang := s.langOf(h.ID)
		s.notify(h.ID, "absence.undone_notice", locales.Args{"Name": p.Name, "Days": s.dayList(lang, h.Days)})
		told = append(told, h)
	}
	lines := append([]string{s.t("absence.undone", nil)}, s.toldLines(p, told, nil)...)
	s.do(Answer{})
	s.sayText("absence.undone", locales.Lines(s.lang(), lines), withEdit(msg))
	s.do(CancelJob{ID: "abs.undo:" + p.ID + ":" + id})
	s.cancelBack(p, n)
}

// cancelBack cancels the "are you back?" questions of a notice.
func (s *step) cancelBack(p *roster.Participant, n Notice) {
	for _, d := range n.Days {
		s.do(CancelJob{ID: backJobID(p.ID, n.ID, d)})
	}
	if len(n.Days) == 0 {
		return
	}
	if day, ok := s.nextScheduledDay(p, lastOf(datesOf(n.Days))); ok {
		s.do(CancelJob{ID: backJobID(p.ID, n.ID, day.String())})
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

// asksBack: "are you back?" is a question about sickness, one's own or a
// child's; an appointment or a paid shift ends by itself.
func asksBack(k absence.Kind) bool { return k == absence.Sick || k == absence.ChildSick }

// scheduleBack asks "are you back?" at 07:00 on the participant's next
// scheduled day after the notice (docs/behaviour.md).
func (s *step) scheduleBack(p *roster.Participant, n Notice) {
	if !asksBack(n.Kind) {
		return
	}
	day, ok := s.nextScheduledDay(p, lastOf(datesOf(n.Days)))
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
	if !ok || n.Undone || !asksBack(n.Kind) {
		return
	}
	if _, absent := s.facts(p.ID).Absences[s.today().String()]; absent {
		return // already reported for today
	}
	s.reason(ReasonBackAsked)
	lang := s.langOf(p.ID)
	still := "absence.btn.back_still"
	if n.Kind == absence.ChildSick {
		still = "absence.btn.back_child_still"
	}
	kb := [][]Button{{
		{Text: tr(lang, "absence.btn.back_yes", nil), Data: Payload{Flow: "abs", Args: []string{"back", "yes", n.ID, t.Date}}.Encode()},
		{Text: tr(lang, still, nil), Data: Payload{Flow: "abs", Args: []string{"back", "still", n.ID, t.Date}}.Encode()},
	}}
	s.notify(p.ID, "absence.back_ask", nil, withInline(kb))
}

// backAnswer takes the answer to "are you back today?" — only on the
// day it was asked, so an old button cannot extend an old notice.
func (s *step) backAnswer(answer, id, asked string, msg int) {
	p := s.me.Participant
	n, ok := s.facts(p.ID).Notices[id]
	today := s.today()
	if !ok || n.Undone || asked != today.String() || !asksBack(n.Kind) {
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
		s.setAbsence(p.ID, Absence{Date: iso, Kind: n.Kind, ReportedAt: s.in.Now, By: p.ID, Late: s.lateFor(p, today), Notice: n.ID})
		n.Days = append(slices.Clip(n.Days), iso)
		told, missing := s.tellAbsence(p, n, []string{iso}, check, true)
		for _, who := range ids(told) {
			if !slices.Contains(n.Told, who) {
				n.Told = append(slices.Clip(n.Told), who)
			}
		}
		s.setNotice(p.ID, n)
		lines := append([]string{s.t("absence.extended", nil)}, s.toldLines(p, told, missing)...)
		lines = append(lines, s.limitLines(check)...)
		s.do(Answer{})
		s.sayText("absence.extended", locales.Lines(s.lang(), lines), withEdit(msg))
		s.scheduleBack(p, n)
	default:
		s.stale()
	}
}

// cameAfterAll takes today out of its notice: the participant checked in
// on a day they had reported absent. Everyone told about today hears that
// they came after all; a notice left without days counts for nothing.
func (s *step) cameAfterAll(p *roster.Participant, iso string) []hearer {
	ab, ok := s.facts(p.ID).Absences[iso]
	if !ok {
		return nil
	}
	s.deleteAbsence(p.ID, iso)
	n, ok := s.facts(p.ID).Notices[ab.Notice]
	if !ok {
		return nil
	}
	s.cancelBack(p, n)
	n.Days = slices.DeleteFunc(slices.Clone(n.Days), func(d string) bool { return d == iso })
	n.Undone = len(n.Days) == 0
	s.setNotice(p.ID, n)
	if !n.Undone {
		s.scheduleBack(p, n)
	}
	var told []hearer
	for _, h := range s.audience(p, []string{iso}) {
		if !slices.Contains(n.Told, h.ID) || !s.reachable(h.ID) {
			continue
		}
		lang := s.langOf(h.ID)
		s.notify(h.ID, "absence.came_after_all", locales.Args{"Name": p.Name, "Days": s.dayList(lang, h.Days)})
		told = append(told, h)
	}
	return told
}
