package flows

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"innsjekk/absence"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// 📋 Digests (docs/behaviour.md): what needs a coordinator today, in one
// message instead of fifty. Each adviser gets a daily digest about their
// own caseload at digest.daily on working days, and a weekly overview
// with a spreadsheet and a picture at digest.weekly; admins get the same
// for the whole programme, grouped by adviser. /today shows the daily one
// now, and "innsjekk digest" prints exactly the same text. Urgent alerts
// about one participant that come within a minute of each other are sent
// as one message, like Alertmanager's group_by with a short group_wait.
//
// The digest is first data (Digest, also what --json prints), then text
// in the reader's language (RenderDigest).

type digests struct{ base }

var _ = register(digests{})

func (digests) spec() spec {
	return spec{name: "digest", code: "dg",
		commands: []Command{{Name: "today", Icon: "📋", Label: "menu.today", Rank: 31,
			For: []roster.Role{roster.RoleAdviser, roster.RoleTeacher, roster.RoleNav, roster.RoleAdmin}}},
		timers: []Timer{DailyDigestTimer{}, WeeklyDigestTimer{}, AlertTimer{}},
	}
}

// DailyDigestTimer sends one staff member's daily digest.
type DailyDigestTimer struct {
	Staff string `json:"staff"`
	Date  string `json:"date"`
}

// WeeklyDigestTimer sends one staff member's weekly overview.
type WeeklyDigestTimer struct {
	Staff string `json:"staff"`
	Week  string `json:"week"`
}

// AlertTimer sends the alerts about one participant gathered for one
// staff member in the last minute, as one message.
type AlertTimer struct {
	Staff       string `json:"staff"`
	Participant string `json:"participant"`
	Window      int64  `json:"window"`
}

func (DailyDigestTimer) TimerKind() string       { return "dg.daily" }
func (t DailyDigestTimer) TimerSubject() string  { return t.Staff }
func (WeeklyDigestTimer) TimerKind() string      { return "dg.weekly" }
func (t WeeklyDigestTimer) TimerSubject() string { return t.Staff }
func (AlertTimer) TimerKind() string             { return "dg.alert" }
func (t AlertTimer) TimerSubject() string        { return t.Staff }

// AlertsKey holds the urgent alerts waiting for one staff member's next
// grouped message.
func AlertsKey(staff string) Key { return Key("alerts:" + staff) }

// Alert is one urgent thing waiting to be told.
type Alert struct {
	Participant string    `json:"participant"`
	Kind        string    `json:"kind"` // "unexplained", "escalated", "unreachable"
	At          time.Time `json:"at"`
	Place       string    `json:"place,omitempty"`
	Start       string    `json:"start,omitempty"`
	Issue       string    `json:"issue,omitempty"`
	Owner       string    `json:"owner,omitempty"`
}

var alertField = field[Alert]("al", 1)

// groupInterval is how long after an alert about a participant further
// alerts about them are gathered into one message: the first goes at
// once (Alertmanager's group_wait of zero), the rest together at the end
// of the interval.
const groupInterval = 2 * time.Minute

// AlertSent is when a staff member was last alerted about a participant.
type AlertSent struct {
	Participant string    `json:"participant"`
	At          time.Time `json:"at"`
}

var alertSentField = field[AlertSent]("as", 1)

func (a Alert) recordDate(loc *time.Location) (string, bool) {
	return a.At.In(loc).Format("2006-01-02"), true
}
func (a AlertSent) recordDate(loc *time.Location) (string, bool) {
	return a.At.In(loc).Format("2006-01-02"), true
}

// alert tells staff of an urgent thing at once, quiet hours or not; more
// about the same participant within groupInterval become one message.
func (s *step) alert(staff string, a Alert) {
	a.At = s.in.Now
	rec := s.rec(AlertsKey(staff))
	last, ok := get[AlertSent](rec, fieldOf(alertSentField, a.Participant))
	if !ok || !s.in.Now.Before(last.At.Add(groupInterval)) {
		s.put(AlertsKey(staff), fieldOf(alertSentField, a.Participant), AlertSent{Participant: a.Participant, At: s.in.Now})
		s.tellAlerts(staff, a.Participant, []Alert{a})
		return
	}
	s.put(AlertsKey(staff), fieldOf(alertField, a.Participant+":"+recordID(s.in.Now, len(rec))), a)
	due := last.At.Add(groupInterval)
	s.do(Schedule{ID: fmt.Sprintf("dg.alert:%s:%s:%d", staff, a.Participant, due.UnixMilli()), Due: due,
		Timer: AlertTimer{Staff: staff, Participant: a.Participant, Window: due.UnixMilli()}})
}

func (digests) needs(n *Needs, q query) {
	staff := q.person
	switch t := q.ev.Timer.(type) {
	case DailyDigestTimer:
		staff = t.Staff
	case WeeklyDigestTimer:
		staff = t.Staff
	case AlertTimer:
		n.record(AlertsKey(t.Staff))
		n.person(t.Staff)
		return
	}
	if q.ev.Kind == EvButton {
		// A participant card: that participant's record.
		p, _ := ParsePayload(q.ev.Data)
		if pt := q.r.Participant(p.Arg(1)); pt != nil {
			needIssuePeople(n, q.r, pt.ID)
		}
		return
	}
	st := q.r.StaffMember(staff)
	if st == nil {
		return
	}
	n.person(st.ID)
	for _, p := range digestCaseload(q.r, st) {
		n.record(PersonKey(p.ID))
		n.person(p.ID)
		if p.Placement != nil && p.Placement.Mentor != nil {
			n.person(p.Placement.Mentor.ID)
		}
	}
}

// digestCaseload is whom a staff member's digest covers: an adviser's own
// participants; for a teacher or Nav counsellor theirs; an admin's, all.
func digestCaseload(r *roster.Roster, st *roster.Staff) []*roster.Participant {
	return r.Caseload(st)
}

func (digests) command(s *step, _, _ string) {
	st := s.me.Staff
	if st == nil {
		s.reason(ReasonNotForRole)
		s.say("digest.not_staff", nil, s.menu())
		return
	}
	s.reason(ReasonDigest)
	d := BuildDigest(s.in.Roster, s.in.Cal, st, s.in.Now, s.in.Records, s.in.People, false)
	s.sendDigest(st.ID, d, true)
}

func (digests) timer(s *step, t Timer) {
	switch t := t.(type) {
	case DailyDigestTimer:
		st := s.in.Roster.StaffMember(t.Staff)
		if st == nil || t.Date != s.today().String() {
			return // the roster changed, or the job ran a day late: tomorrow's digest is due then
		}
		s.reason(ReasonDigest)
		s.sendDigest(st.ID, BuildDigest(s.in.Roster, s.in.Cal, st, s.in.Now, s.in.Records, s.in.People, false), false)
	case WeeklyDigestTimer:
		st := s.in.Roster.StaffMember(t.Staff)
		if st == nil || t.Week != schedule.WeekID(s.today()) {
			return
		}
		s.reason(ReasonDigestWeekly)
		d := BuildDigest(s.in.Roster, s.in.Cal, st, s.in.Now, s.in.Records, s.in.People, true)
		s.sendDigest(st.ID, d, false)
		s.attachWeek(st.ID, d)
	case AlertTimer:
		s.sendAlerts(t)
	}
}

// sendDigest sends a digest's messages: split on section boundaries so
// each fits Telegram's limit, with a button per participant on the last.
func (s *step) sendDigest(to string, d Digest, answer bool) {
	lang := s.langOf(to)
	msgs := RenderDigest(s.in.Roster, lang, d, s.in.Cal.Loc())
	var rows [][]Button
	var row []Button
	for _, pid := range d.Mentioned() {
		row = append(row, Button{Text: s.personName(pid), Data: Payload{Flow: "dg", Args: []string{"card", pid}}.Encode()})
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	id := "digest.daily"
	if d.Weekly {
		id = "digest.weekly"
	}
	for i, m := range msgs {
		var opts []sayOpt
		if i == len(msgs)-1 && len(rows) > 0 {
			opts = append(opts, withInline(rows))
		}
		if answer {
			s.sayText(id, m, opts...)
			continue
		}
		s.notifyText(to, id, m, append(opts, asBulk())...)
	}
}

// button opens a participant card.
func (digests) button(s *step, p Payload) {
	if p.Arg(0) != "card" {
		s.stale()
		return
	}
	pt := s.in.Roster.Participant(p.Arg(1))
	if pt == nil {
		s.gone()
		return
	}
	if !s.maySee(pt) {
		s.stale()
		return
	}
	s.do(Answer{})
	s.reason(ReasonParticipantCard)
	s.participantCard(pt)
}

// maySee: teachers, Nav counsellors and advisers see their own
// participants, admins everyone; a mentor only the attendance of those
// placed with them (docs/privacy.md).
func (s *step) maySee(p *roster.Participant) bool {
	if st := s.me.Staff; st != nil {
		return st.Has(roster.RoleAdmin) || p.Adviser == st || p.Teacher == st || p.Nav == st
	}
	return false
}

// Digest is what one staff member's digest says, as data.
type Digest struct {
	Staff  string  `json:"staff"`
	Date   string  `json:"date"`
	Weekly bool    `json:"weekly,omitempty"`
	Week   string  `json:"week,omitempty"`
	Groups []Group `json:"groups"`
}

// Group is one adviser's caseload in a digest (admins see several).
type Group struct {
	Adviser         string           `json:"adviser"`
	Action          []ActionItem     `json:"needs_action,omitempty"`
	Absences        []AbsenceItem    `json:"absences_today,omitempty"`
	Meetings        []MeetingItem    `json:"meetings,omitempty"`
	MissingFeedback []FeedbackItem   `json:"missing_feedback,omitempty"`
	NotOnTelegram   []string         `json:"not_on_telegram,omitempty"`
	Attendance      []AttendanceItem `json:"attendance,omitempty"`
	Ratings         []RatingItem     `json:"feedback,omitempty"`
	Goals           []GoalItem       `json:"goals,omitempty"`
	Ending          []EndingItem     `json:"placements_ending,omitempty"`
}

// ActionItem is something that needs the staff member.
type ActionItem struct {
	Participant string    `json:"participant"`
	Kind        string    `json:"kind"` // issue, concern, unexplained, unreachable, forced_meeting
	Since       time.Time `json:"since"`
	Category    string    `json:"category,omitempty"`
	Concern     string    `json:"concern,omitempty"`
	Owner       string    `json:"owner,omitempty"`
	Escalated   bool      `json:"escalated,omitempty"`
	Urgent      bool      `json:"urgent,omitempty"`
	Place       string    `json:"place,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

// AbsenceItem is a participant away today.
type AbsenceItem struct {
	Participant string       `json:"participant"`
	Kind        absence.Kind `json:"kind,omitempty"` // empty for a reader who may not see it
	Late        bool         `json:"late,omitempty"`
	Rules       []string     `json:"rules_passed,omitempty"`
	PeriodDays  int          `json:"period_days,omitempty"`
	Periods     int          `json:"periods_12m,omitempty"`
	ChildDays   int          `json:"child_days,omitempty"`
}

// MeetingItem is a meeting in the next two working days.
type MeetingItem struct {
	Participant string    `json:"participant"`
	Start       time.Time `json:"start"`
	Place       string    `json:"place"`
	Counsellor  string    `json:"counsellor"`
	Forced      bool      `json:"forced,omitempty"`
}

// FeedbackItem is a weekly prompt nobody answered.
type FeedbackItem struct {
	Participant string `json:"participant"`
	Mentor      string `json:"mentor"`
	Week        string `json:"week"`
}

// AttendanceItem is one participant's placement week.
type AttendanceItem struct {
	Participant string      `json:"participant"`
	Days        []DayRecord `json:"days"`
	Present     int         `json:"present"`
	Scheduled   int         `json:"scheduled"`
	PrevPresent int         `json:"previous_present"`
	PrevSched   int         `json:"previous_scheduled"`
}

// DayRecord is one scheduled day of a week, for the overview's files.
type DayRecord struct {
	Date      string       `json:"date"`
	Activity  string       `json:"activity"` // placement, class
	Place     string       `json:"place"`
	Status    string       `json:"status"` // present, absent, unexplained, no_word, coming
	Kind      absence.Kind `json:"kind,omitempty"`
	Late      bool         `json:"late,omitempty"`
	Corrected string       `json:"corrected,omitempty"` // present or away, by the workplace
}

// RatingItem is a participant's feedback this week and last.
type RatingItem struct {
	Participant string `json:"participant"`
	Rating      string `json:"rating,omitempty"`
	Previous    string `json:"previous,omitempty"`
}

// GoalItem is one goal's latest rating.
type GoalItem struct {
	Participant string `json:"participant"`
	Goal        string `json:"goal"`
	Text        string `json:"text"`
	Rating      string `json:"rating"`
	Previous    string `json:"previous,omitempty"`
}

// EndingItem is a placement that ends within four weeks.
type EndingItem struct {
	Participant string `json:"participant"`
	Employer    string `json:"employer"`
	To          string `json:"to"`
}

// Mentioned lists the participants a digest names, in order of first
// mention.
func (d Digest) Mentioned() []string {
	var out []string
	add := func(id string) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, g := range d.Groups {
		for _, a := range g.Action {
			add(a.Participant)
		}
		for _, a := range g.Absences {
			add(a.Participant)
		}
		for _, m := range g.Meetings {
			add(m.Participant)
		}
		for _, f := range g.MissingFeedback {
			add(f.Participant)
		}
		for _, a := range g.Attendance {
			add(a.Participant)
		}
	}
	return out
}

// Empty reports whether nothing needs the reader.
func (g Group) Empty() bool {
	return len(g.Action)+len(g.Absences)+len(g.Meetings)+len(g.MissingFeedback)+len(g.NotOnTelegram)+
		len(g.Attendance)+len(g.Ratings)+len(g.Goals)+len(g.Ending) == 0
}

// BuildDigest works out a staff member's digest from the records of their
// caseload; it is what /today, the scheduled digest and the command line
// all show.
func BuildDigest(r *roster.Roster, cal *schedule.Calendar, st *roster.Staff, now time.Time, records map[Key]Record,
	people map[string]Binding, weekly bool) Digest {
	today := cal.Today(now)
	d := Digest{Staff: st.ID, Date: today.String(), Weekly: weekly}
	if weekly {
		d.Week = schedule.WeekID(today)
	}
	caseload := digestCaseload(r, st)
	var advisers []string
	byAdviser := map[string][]*roster.Participant{}
	for _, p := range caseload {
		a := p.Adviser.ID
		if _, ok := byAdviser[a]; !ok {
			advisers = append(advisers, a)
		}
		byAdviser[a] = append(byAdviser[a], p)
	}
	// An admin who is an adviser too reads their own caseload first.
	if i := slices.Index(advisers, st.ID); i > 0 {
		advisers = append([]string{st.ID}, slices.Delete(advisers, i, i+1)...)
	}
	if !st.Has(roster.RoleAdmin) {
		// An adviser's digest is one group: theirs; a teacher's or Nav
		// counsellor's, one group of everyone they follow.
		advisers, byAdviser = []string{st.ID}, map[string][]*roster.Participant{st.ID: caseload}
	}
	b := digestBuilder{r: r, cal: cal, now: now, today: today, records: records, people: people, viewer: st}
	for _, a := range advisers {
		g := Group{Adviser: a}
		for _, p := range byAdviser[a] {
			b.participant(&g, p, weekly)
		}
		sort.SliceStable(g.Action, func(i, j int) bool { return g.Action[i].Since.Before(g.Action[j].Since) })
		sort.SliceStable(g.Meetings, func(i, j int) bool { return g.Meetings[i].Start.Before(g.Meetings[j].Start) })
		d.Groups = append(d.Groups, g)
	}
	return d
}

type digestBuilder struct {
	r       *roster.Roster
	cal     *schedule.Calendar
	now     time.Time
	today   roster.Date
	records map[Key]Record
	people  map[string]Binding
	viewer  *roster.Staff
}

// SeesHealth reports whether st may see the kind of a participant's
// absence and the self-certification counters: health data, for the
// adviser who decides on it (and admins), not for teachers or Nav
// counsellors, who learn that the participant is away (docs/behaviour.md).
func SeesHealth(st *roster.Staff, p *roster.Participant) bool {
	return st != nil && (st.Has(roster.RoleAdmin) || (p.Adviser != nil && p.Adviser.ID == st.ID))
}

func (b digestBuilder) participant(g *Group, p *roster.Participant, weekly bool) {
	rec := b.records[PersonKey(p.ID)]
	f := factsOf(rec)
	bound, onTelegram := b.people[p.ID]
	onTelegram = onTelegram && bound.Chat != 0
	// ❗ Open issues, oldest first, with concerns marked.
	for _, is := range all[IssueRef](rec, issueRefField) {
		if is.State == IssueClosed || (is.State == IssueAcked && is.Source != SourceFeedback) {
			continue
		}
		kind := "issue"
		if is.Source == SourceFeedback {
			kind = "concern"
		}
		g.Action = append(g.Action, ActionItem{Participant: p.ID, Kind: kind, Since: is.CreatedAt, Category: is.Category,
			Concern: is.Concern, Owner: is.Owner, Escalated: is.Escalated, Urgent: is.Urgent})
	}
	if onTelegram && bound.Unreachable {
		g.Action = append(g.Action, ActionItem{Participant: p.ID, Kind: "unreachable", Since: b.now})
	}
	// ❗ Unexplained absence today: only for someone who can check in.
	grace := b.r.Programme.Reminders.CheckinGrace
	if a, ok := b.cal.PlacementOn(p, b.today); ok && onTelegram && !bound.Unreachable && !b.now.Before(a.Start.Add(2*grace)) {
		iso := b.today.String()
		_, came := f.CheckIns[iso]
		_, away := f.Absences[iso]
		if !came && !away && !atNavThen(f, a) {
			g.Action = append(g.Action, ActionItem{Participant: p.ID, Kind: "unexplained", Since: a.Start, Place: a.Place})
		}
	}
	// 🤒 Today's absences, with the counters and any rule passed.
	if a, ok := f.Absences[b.today.String()]; ok && !SeesHealth(b.viewer, p) {
		g.Absences = append(g.Absences, AbsenceItem{Participant: p.ID, Late: a.Late})
	} else if ok {
		item := AbsenceItem{Participant: p.ID, Kind: a.Kind, Late: a.Late}
		if n, ok := f.Notices[a.Notice]; ok {
			var history []absence.Notice
			for _, other := range f.Notices {
				if other.ID != n.ID && !other.Undone {
					history = append(history, absence.Notice{Kind: other.Kind, Days: datesOf(other.Days)})
				}
			}
			res := absence.Check(absence.PersonOf(b.r, p), history, absence.Notice{Kind: n.Kind, Days: datesOf(n.Days)})
			for _, rule := range res.Passed {
				item.Rules = append(item.Rules, string(rule))
			}
			item.PeriodDays, item.Periods, item.ChildDays = res.Counters.PeriodDays, res.Counters.Periods12m, res.Counters.ChildDays
		}
		g.Absences = append(g.Absences, item)
	}
	// 📆 Meetings in the next two working days; forced ones also need
	// action while they are ahead.
	until := b.workingDaysAhead(2)
	for _, m := range f.Meetings {
		if m.Cancelled || m.Start.Before(b.now) {
			continue
		}
		if m.Start.Before(until) {
			g.Meetings = append(g.Meetings, MeetingItem{Participant: p.ID, Start: m.Start, Place: m.Place, Counsellor: m.Counsellor, Forced: m.Forced})
		}
		if m.Forced && m.MentorTold {
			g.Action = append(g.Action, ActionItem{Participant: p.ID, Kind: "forced_meeting", Since: m.Start, Owner: m.Counsellor, Reason: m.Reason})
		}
	}
	// 📝 Weekly feedback the mentor did not give, after the one nudge.
	for _, wk := range []roster.Date{schedule.AddDays(schedule.WeekStart(b.today), -7), schedule.WeekStart(b.today)} {
		if mentor, missing := b.missingFeedback(p, f, rec, wk); missing {
			g.MissingFeedback = append(g.MissingFeedback, FeedbackItem{Participant: p.ID, Mentor: mentor, Week: schedule.WeekID(wk)})
		}
	}
	// 👤 Not on Telegram yet.
	if !onTelegram {
		g.NotOnTelegram = append(g.NotOnTelegram, p.ID)
	}
	if weekly {
		b.week(g, p, f, rec)
	}
}

// atNavThen reports whether a meeting took the participant away during
// the placement hours: they are at Nav, not missing.
func atNavThen(f facts, a schedule.Activity) bool {
	for _, m := range f.Meetings {
		if !m.Cancelled && m.Start.Before(a.End) && a.Start.Before(m.End) {
			return true
		}
	}
	return false
}

// workingDaysAhead is the end of the n-th working day after today.
func (b digestBuilder) workingDaysAhead(n int) time.Time {
	d := b.today
	for n > 0 {
		d = schedule.AddDays(d, 1)
		if b.cal.IsWorkingDay(d) {
			n--
		}
	}
	return b.cal.At(schedule.AddDays(d, 1), 0)
}

// missingFeedback reports a weekly prompt for the week starting monday
// that went out, was nudged once, and still has no answer.
func (b digestBuilder) missingFeedback(p *roster.Participant, f facts, rec Record, monday roster.Date) (string, bool) {
	if p.Placement == nil || p.Placement.Mentor == nil {
		return "", false
	}
	var last schedule.Activity
	away := true
	for i := range 7 {
		d := schedule.AddDays(monday, i)
		if a, ok := b.cal.PlacementOn(p, d); ok {
			last = a
			if _, gone := f.Absences[d.String()]; !gone {
				away = false
			}
		}
	}
	if last.Start.IsZero() || away {
		return "", false
	}
	wk := schedule.WeekID(monday)
	prompt, asked := get[FeedbackPrompt](rec, fieldOf(promptField, wk))
	if !asked || !prompt.Nudged {
		return "", false // not asked, or not yet asked twice
	}
	if _, answered := get[Feedback](rec, fieldOf(feedbackField, wk)); answered {
		return "", false
	}
	return prompt.Mentor, true
}

// week adds a participant's week to the weekly overview.
func (b digestBuilder) week(g *Group, p *roster.Participant, f facts, rec Record) {
	monday := schedule.WeekStart(b.today)
	item := AttendanceItem{Participant: p.ID}
	for i := range 7 {
		day := schedule.AddDays(monday, i)
		for _, a := range b.cal.Activities(p, day, 1) {
			dr := DayRecord{Date: day.String(), Activity: string(a.Kind), Place: a.Place, Status: b.dayStatus(p, f, rec, a)}
			if ab, ok := f.Absences[day.String()]; ok {
				dr.Late = ab.Late
				if SeesHealth(b.viewer, p) {
					dr.Kind = ab.Kind
				}
			}
			if c, ok := get[Correction](rec, fieldOf(correctionField, day.String())); ok && a.Kind == schedule.Placement {
				dr.Corrected = "away"
				if c.Present {
					dr.Corrected = "present"
				}
			}
			item.Days = append(item.Days, dr)
			if a.Kind == schedule.Placement {
				item.Scheduled++
				if dr.Status == "present" {
					item.Present++
				}
			}
		}
	}
	prevMonday := schedule.AddDays(monday, -7)
	for i := range 7 {
		day := schedule.AddDays(prevMonday, i)
		if a, ok := b.cal.PlacementOn(p, day); ok {
			item.PrevSched++
			if b.dayStatus(p, f, rec, a) == "present" {
				item.PrevPresent++
			}
		}
	}
	if len(item.Days) > 0 {
		g.Attendance = append(g.Attendance, item)
	}
	if p.Placement != nil {
		ri := RatingItem{Participant: p.ID}
		if fb, ok := get[Feedback](rec, fieldOf(feedbackField, schedule.WeekID(monday))); ok {
			ri.Rating = fb.Rating
		}
		if fb, ok := get[Feedback](rec, fieldOf(feedbackField, schedule.WeekID(prevMonday))); ok {
			ri.Previous = fb.Rating
		}
		if ri.Rating != "" || ri.Previous != "" {
			g.Ratings = append(g.Ratings, ri)
		}
		ratings := all[GoalRating](rec, goalField)
		for _, goal := range p.Placement.Goals {
			var mine []GoalRating
			for _, r := range ratings {
				if r.Goal == goal.ID {
					mine = append(mine, r)
				}
			}
			slices.SortFunc(mine, func(a, b GoalRating) int { return strings.Compare(a.Month, b.Month) })
			if len(mine) == 0 {
				continue
			}
			gi := GoalItem{Participant: p.ID, Goal: goal.ID, Text: goal.Text, Rating: mine[len(mine)-1].Rating}
			if len(mine) > 1 {
				gi.Previous = mine[len(mine)-2].Rating
			}
			g.Goals = append(g.Goals, gi)
		}
		if to := p.Placement.To; !to.IsZero() && !to.Before(b.today) && to.Before(schedule.AddDays(b.today, 28)) {
			g.Ending = append(g.Ending, EndingItem{Participant: p.ID, Employer: p.Placement.Employer.Name, To: to.String()})
		}
	}
}

// dayStatus is what happened on one scheduled activity: present, absent
// (reported), unexplained (a placement day gone by without a word),
// no_word (a class, or someone who cannot check in) or coming.
func (b digestBuilder) dayStatus(p *roster.Participant, f facts, rec Record, a schedule.Activity) string {
	iso := a.Date.String()
	if c, ok := get[Correction](rec, fieldOf(correctionField, iso)); ok && a.Kind == schedule.Placement {
		if c.Present {
			return "present"
		}
		return "absent"
	}
	if _, away := f.Absences[iso]; away {
		return "absent"
	}
	if c, came := f.CheckIns[iso]; came && !c.Problem && a.Kind == schedule.Placement {
		return "present"
	}
	if a.Start.After(b.now) {
		return "coming"
	}
	bound, on := b.people[p.ID]
	if a.Kind == schedule.Placement && on && bound.Chat != 0 && !atNavThen(f, a) {
		return "unexplained"
	}
	return "no_word"
}

// RenderDigest writes a digest in lang, naming people as the roster does:
// one or more messages, each within Telegram's limit, split between
// sections. It is what /today sends and what "innsjekk digest" prints.
func RenderDigest(ros *roster.Roster, lang string, d Digest, loc *time.Location) []string {
	names := map[string]string{}
	for _, p := range ros.Participants {
		names[p.ID] = p.Name
	}
	for _, s := range ros.Staff {
		names[s.ID] = s.Name
	}
	for _, e := range ros.Employers {
		for _, c := range e.Contacts {
			names[c.ID] = c.Name
		}
	}
	r := renderer{lang: lang, loc: loc, names: names}
	day, _ := parseDate(d.Date)
	dayLabel := tr(lang, "day."+weekdayKeys[schedule.Weekday(day)], nil) + " " + day.In(loc).Format("02.01")
	var sections [][]string
	head := "digest.title"
	if d.Weekly {
		head = "digest.weekly_title"
	}
	anything := false
	for _, g := range d.Groups {
		if !g.Empty() {
			anything = true
		}
	}
	if !anything {
		return []string{locales.Lines(lang, []string{tr(lang, "digest.quiet", locales.Args{"Day": dayLabel})})}
	}
	sections = append(sections, []string{tr(lang, head, locales.Args{"Day": dayLabel, "Week": weekNumber(d.Week)})})
	for _, g := range d.Groups {
		if len(d.Groups) > 1 {
			if g.Empty() {
				continue
			}
			sections = append(sections, []string{tr(lang, "digest.adviser", locales.Args{"Name": r.name(g.Adviser)})})
		}
		sections = append(sections, r.groupSections(g, d.Weekly)...)
	}
	// Sections are joined into messages up to the limit.
	var msgs []string
	var cur []string
	size := 0
	for _, sec := range sections {
		n := 0
		for _, l := range sec {
			n += len([]rune(l)) + 2
		}
		if size+n > messageLimit && len(cur) > 0 {
			msgs = append(msgs, locales.Lines(lang, cur))
			cur, size = nil, 0
		}
		if n > messageLimit {
			msgs = append(msgs, chunks(lang, sec)...)
			continue
		}
		cur = append(cur, sec...)
		size += n
	}
	if len(cur) > 0 {
		msgs = append(msgs, locales.Lines(lang, cur))
	}
	return msgs
}

func weekNumber(wk string) string {
	_, n, _ := strings.Cut(wk, "W")
	return strings.TrimLeft(n, "0")
}

// renderer writes a digest's items, which name people by id, in one
// language.
type renderer struct {
	lang  string
	loc   *time.Location
	names map[string]string
}

func (r renderer) name(id string) string {
	if n, ok := r.names[id]; ok {
		return n
	}
	return id
}

func (r renderer) t(id string, args locales.Args) string { return tr(r.lang, id, args) }

func (r renderer) groupSections(g Group, weekly bool) [][]string {
	var out [][]string
	// Lines about one participant are grouped under their name.
	grouped := func(title string, items []struct{ who, line string }) {
		if len(items) == 0 {
			return
		}
		sec := []string{title}
		var order []string
		lines := map[string][]string{}
		for _, it := range items {
			if _, ok := lines[it.who]; !ok {
				order = append(order, it.who)
			}
			lines[it.who] = append(lines[it.who], it.line)
		}
		for _, who := range order {
			if len(lines[who]) == 1 {
				sec = append(sec, r.t("digest.line", locales.Args{"Name": r.name(who), "Text": lines[who][0]}))
				continue
			}
			sec = append(sec, r.t("digest.name", locales.Args{"Name": r.name(who)}))
			for _, l := range lines[who] {
				sec = append(sec, r.t("digest.sub", locales.Args{"Text": l}))
			}
		}
		out = append(out, sec)
	}
	type item = struct{ who, line string }
	var action []item
	for _, a := range g.Action {
		action = append(action, item{a.Participant, r.actionLine(a)})
	}
	grouped(r.t("digest.section.action", nil), action)
	var absent []item
	for _, a := range g.Absences {
		line := r.t("digest.away", nil)
		if a.Kind != "" {
			line = kindLabel(r.lang, a.Kind)
		}
		if a.Late {
			line += " " + r.t("digest.late", nil)
		}
		for _, rule := range a.Rules {
			line += " " + r.t("digest.rule", locales.Args{"Rule": r.t("rule."+rule, nil)})
		}
		if a.Kind == absence.Sick && a.PeriodDays > 0 {
			line += " " + r.t("digest.counters", locales.Args{"Days": a.PeriodDays, "Times": a.Periods})
		}
		absent = append(absent, item{a.Participant, line})
	}
	grouped(r.t("digest.section.absent", nil), absent)
	var meetings []item
	for _, m := range g.Meetings {
		start := m.Start.In(r.loc)
		line := r.t("digest.meeting", locales.Args{"Day": r.t("day."+weekdayKeys[start.Weekday()], nil) + " " + start.Format("02.01"),
			"Start": start.Format("15:04"), "Place": m.Place, "Counsellor": r.name(m.Counsellor)})
		meetings = append(meetings, item{m.Participant, line})
	}
	grouped(r.t("digest.section.meetings", nil), meetings)
	var fb []item
	for _, f := range g.MissingFeedback {
		fb = append(fb, item{f.Participant, r.t("digest.missing_feedback", locales.Args{"Name": r.name(f.Mentor), "Week": weekNumber(f.Week)})})
	}
	grouped(r.t("digest.section.feedback", nil), fb)
	if len(g.NotOnTelegram) > 0 {
		sec := []string{r.t("digest.section.offline", nil)}
		for _, id := range g.NotOnTelegram {
			sec = append(sec, r.t("digest.offline", locales.Args{"Name": r.name(id), "ID": id}))
		}
		out = append(out, sec)
	}
	if weekly {
		var att []item
		for _, a := range g.Attendance {
			if a.Scheduled == 0 {
				continue
			}
			att = append(att, item{a.Participant, r.t("digest.attendance", locales.Args{"Present": a.Present, "Scheduled": a.Scheduled,
				"Trend": r.trend(a.Present, a.Scheduled, a.PrevPresent, a.PrevSched)})})
		}
		grouped(r.t("digest.section.attendance", nil), att)
		var rt []item
		for _, x := range g.Ratings {
			line := r.t("digest.rating_none", nil)
			if x.Rating != "" {
				line = r.t("feedback.btn."+x.Rating, nil)
			}
			if x.Previous != "" {
				line += " " + r.t("digest.previous", locales.Args{"Rating": r.t("feedback.btn."+x.Previous, nil)})
			}
			rt = append(rt, item{x.Participant, line})
		}
		grouped(r.t("digest.section.ratings", nil), rt)
		var gl []item
		for _, x := range g.Goals {
			line := r.t("digest.goal", locales.Args{"Goal": x.Text, "Rating": r.t("goal.btn."+x.Rating, nil)})
			if x.Previous != "" && x.Previous != x.Rating {
				line += " " + r.t("digest.previous", locales.Args{"Rating": r.t("goal.btn."+x.Previous, nil)})
			}
			gl = append(gl, item{x.Participant, line})
		}
		grouped(r.t("digest.section.goals", nil), gl)
		var end []item
		for _, x := range g.Ending {
			to, _ := parseDate(x.To)
			end = append(end, item{x.Participant, r.t("digest.ending", locales.Args{"Employer": x.Employer, "Day": to.In(r.loc).Format("02.01.2006")})})
		}
		grouped(r.t("digest.section.ending", nil), end)
	}
	return out
}

func (r renderer) trend(p, s, pp, ps int) string {
	if ps == 0 {
		return ""
	}
	// Compared as shares, so a week with fewer days is not worse.
	switch now, then := p*ps, pp*s; {
	case now > then:
		return "📈"
	case now < then:
		return "📉"
	}
	return "➡️"
}

func (r renderer) actionLine(a ActionItem) string {
	switch a.Kind {
	case "issue", "concern":
		id := "digest.issue"
		if a.Kind == "concern" {
			id = "digest.concern"
		}
		line := r.t(id, locales.Args{"Category": categoryLabel(r.lang, a.Category), "Owner": r.name(a.Owner),
			"Concern": r.t("feedback.concern_"+orOther(a.Concern), nil)})
		if a.Escalated {
			line += " " + r.t("digest.escalated", nil)
		}
		if a.Urgent {
			line = "🚨 " + line
		}
		return line
	case "unexplained":
		return r.t("digest.unexplained", locales.Args{"Place": a.Place, "Start": a.Since.In(r.loc).Format("15:04")})
	case "unreachable":
		return r.t("digest.unreachable", nil)
	case "forced_meeting":
		start := a.Since.In(r.loc)
		return r.t("digest.forced", locales.Args{"Day": r.t("day."+weekdayKeys[start.Weekday()], nil) + " " + start.Format("02.01"),
			"Start": start.Format("15:04"), "Name": r.name(a.Owner), "Reason": a.Reason})
	}
	return a.Kind
}

func orOther(c string) string {
	if c == "" {
		return "other"
	}
	return c
}

// plan schedules the daily digest of every adviser and admin on working
// days, and the weekly overview on its day.
func (digests) plan(pl *planning) {
	if !pl.cal.IsWorkingDay(pl.day) {
		return
	}
	dg := pl.r.Programme.Digest
	weekly := schedule.Weekday(pl.day) == dg.WeeklyDay
	for _, st := range pl.r.Staff {
		if !st.Has(roster.RoleAdviser) && !st.Has(roster.RoleAdmin) {
			continue
		}
		pl.add(Schedule{ID: "dg.daily:" + st.ID + ":" + pl.day.String(), Due: pl.cal.At(pl.day, dg.Daily),
			Timer: DailyDigestTimer{Staff: st.ID, Date: pl.day.String()}, Until: quietStart(pl.r, pl.cal, pl.day)})
		if weekly {
			wk := schedule.WeekID(pl.day)
			pl.add(Schedule{ID: "dg.weekly:" + st.ID + ":" + wk, Due: pl.cal.At(pl.day, dg.WeeklyAt),
				Timer: WeeklyDigestTimer{Staff: st.ID, Week: wk}, Until: quietStart(pl.r, pl.cal, pl.day)})
		}
	}
}
