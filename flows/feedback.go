package flows

import (
	"slices"
	"strings"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// 📝 Employer feedback in two or three taps (docs/behaviour.md). At the end
// of the last placement shift of each week, each mentor gets one short
// message per participant placed with them — "How was Amina's week?"
// [👍 Good] [🙂 OK] [⚠️ Concern] — with the week's attendance as the bot
// knows it and [✏️ Correct attendance]. A concern asks for a category and
// optional words or a voice message and becomes an issue for the
// placement's teacher and adviser; Safety is urgent. An unanswered prompt
// is asked once more the next working morning, and then the digest lists
// it. Mentors can also give feedback at any time.

type feedbacks struct{}

var _ = register(feedbacks{})

func (feedbacks) spec() spec {
	return spec{name: "feedback", code: "fb",
		commands: []Command{{Name: "feedback", Icon: "📝", Label: "menu.feedback", Rank: 22, For: []roster.Role{roster.RoleMentor}}},
		timers:   []Timer{WeekPromptTimer{}, WeekNudgeTimer{}},
	}
}

// Ratings a mentor can give.
const (
	RatingGood    = "good"
	RatingOK      = "ok"
	RatingConcern = "concern"
	RatingNote    = "note"
)

// Concern categories (docs/behaviour.md).
var concernCategories = []string{"attendance", "understanding", "safety", "cooperation", "other"}

// Feedback is a mentor's word on a participant: the weekly rating, or one
// given any time.
type Feedback struct {
	Participant string    `json:"participant"`
	Mentor      string    `json:"mentor"`
	Week        string    `json:"week"` // schedule.WeekID
	Rating      string    `json:"rating"`
	Concern     string    `json:"concern,omitempty"`
	Issue       string    `json:"issue,omitempty"`
	Note        string    `json:"note,omitempty"`
	At          time.Time `json:"at"`
	Weekly      bool      `json:"weekly,omitempty"` // the answer to the weekly prompt
}

// Correction is a mentor's correction of one placement day's attendance.
// It is kept beside the participant's own report, which is never
// overwritten; the adviser sees both.
type Correction struct {
	Date    string    `json:"date"`
	Present bool      `json:"present"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// FeedbackPrompt records that a weekly prompt went out (and whether it
// was asked again), so that the digest lists only prompts a mentor had.
type FeedbackPrompt struct {
	Week   string    `json:"week"`
	Mentor string    `json:"mentor"`
	At     time.Time `json:"at"`
	Nudged bool      `json:"nudged,omitempty"`
}

var (
	feedbackField   = field[Feedback]("fb", 1)
	correctionField = field[Correction]("fc", 1)
	promptField     = field[FeedbackPrompt]("fp", 1)
)

func (f FeedbackPrompt) recordDate(loc *time.Location) (string, bool) {
	return f.At.In(loc).Format("2006-01-02"), true
}

func (f Feedback) recordDate(loc *time.Location) (string, bool) {
	return f.At.In(loc).Format("2006-01-02"), !f.At.IsZero()
}

func (c Correction) recordDate(*time.Location) (string, bool) { return c.Date, true }

// WeekPromptTimer asks a mentor about one participant's week.
type WeekPromptTimer struct {
	Participant string `json:"participant"`
	Mentor      string `json:"mentor"`
	Week        string `json:"week"`
}

// WeekNudgeTimer asks once more the next working morning.
type WeekNudgeTimer struct {
	Participant string `json:"participant"`
	Mentor      string `json:"mentor"`
	Week        string `json:"week"`
}

func (WeekPromptTimer) TimerKind() string      { return "fb.week" }
func (t WeekPromptTimer) TimerSubject() string { return t.Mentor }
func (WeekNudgeTimer) TimerKind() string       { return "fb.nudge" }
func (t WeekNudgeTimer) TimerSubject() string  { return t.Mentor }

// PhaseFeedbackConcern waits for the optional words of a concern.
const PhaseFeedbackConcern Phase = "feedback.concern"

// PhaseFeedbackNote waits for an any-time note.
const PhaseFeedbackNote Phase = "feedback.note"

type concernDraft struct {
	Participant string `json:"participant"`
	Week        string `json:"week"`
	Concern     string `json:"concern"`
}

const concernLife = 24 * time.Hour

func (feedbacks) needs(n *Needs, q query) {
	switch t := q.ev.Timer.(type) {
	case WeekPromptTimer:
		needParticipant(n, q.r, t.Participant)
		n.person(t.Mentor)
		return
	case WeekNudgeTimer:
		needParticipant(n, q.r, t.Participant)
		n.person(t.Mentor)
		return
	}
	if c := q.r.Contact(q.person); c != nil {
		for _, p := range q.r.PlacedWith(c) {
			needIssuePeople(n, q.r, p.ID)
		}
	}
}

// placedNow lists the participants placed with mentor c today: a mentor
// sees and rates only them.
func (s *step) placedNow(c *roster.Contact) []*roster.Participant {
	var out []*roster.Participant
	for _, p := range s.in.Roster.PlacedWith(c) {
		if s.placementActive(p, s.today()) {
			out = append(out, p)
		}
	}
	return out
}

// placementActive reports whether p's placement runs on day.
func (s *step) placementActive(p *roster.Participant, day roster.Date) bool {
	pl := p.Placement
	return pl != nil && (pl.From.IsZero() || !day.Before(pl.From)) && (pl.To.IsZero() || !pl.To.Before(day))
}

// mentorOf checks that a button's participant is placed with this mentor
// now; otherwise it answers and reports false.
func (s *step) mentorOf(pid string) (*roster.Participant, bool) {
	p := s.in.Roster.Participant(pid)
	c := s.me.Contact
	switch {
	case p == nil:
		s.gone()
		return nil, false
	case c == nil || p.Placement == nil || p.Placement.Mentor != c:
		s.stale()
		return nil, false
	case !s.placementActive(p, s.today()):
		s.reason(ReasonFeedbackEnded)
		s.do(Answer{})
		s.say("feedback.placement_ended", locales.Args{"Name": p.Name})
		return nil, false
	}
	return p, true
}

func (feedbacks) command(s *step, _, _ string) {
	c := s.me.Contact
	if c == nil {
		s.reason(ReasonNotForRole)
		s.say("feedback.not_mentor", nil, s.menu())
		return
	}
	placed := s.placedNow(c)
	switch len(placed) {
	case 0:
		s.reason(ReasonNotForRole)
		s.say("feedback.nobody", nil, s.menu())
	case 1:
		s.anyTime(placed[0], 0)
	default:
		s.reason(ReasonFeedbackAsked)
		var rows [][]Button
		for _, p := range placed {
			rows = append(rows, []Button{{Text: p.Name, Data: Payload{Flow: "fb", Args: []string{"p", p.ID}}.Encode()}})
		}
		s.say("feedback.pick", nil, withInline(rows))
	}
}

// anyTime offers a rating, a concern or a note about one participant.
func (s *step) anyTime(p *roster.Participant, msg int) {
	s.reason(ReasonFeedbackAsked)
	wk := schedule.WeekID(s.today())
	b := func(id string, args ...string) Button {
		return Button{Text: s.t(id, nil), Data: Payload{Flow: "fb", Args: args}.Encode()}
	}
	kb := [][]Button{
		{b("feedback.btn.good", "r", p.ID, wk, RatingGood), b("feedback.btn.ok", "r", p.ID, wk, RatingOK),
			b("feedback.btn.concern", "c", p.ID, wk)},
		{b("feedback.btn.note", "n", p.ID, wk)},
	}
	s.say("feedback.any_time", locales.Args{"Name": p.Name}, withInline(kb), withEdit(msg))
}

// weekDays are p's placement days in the week starting monday.
func (s *step) weekDays(p *roster.Participant, monday roster.Date) []roster.Date {
	var out []roster.Date
	for i := range 7 {
		d := schedule.AddDays(monday, i)
		if _, ok := s.in.Cal.PlacementOn(p, d); ok {
			out = append(out, d)
		}
	}
	return out
}

// dayStatus is what the bot knows of one placement day.
type dayStatus struct {
	Day        roster.Date
	Status     string // "checked_in", "absent", "no_word", "problem", "coming"
	At         time.Time
	Correction *Correction
}

// present is whether the participant was there, as far as the bot knows:
// the workplace's correction, else their own check-in.
func (d dayStatus) present() bool {
	if d.Correction != nil {
		return d.Correction.Present
	}
	return d.Status == "checked_in"
}

// attendance is what the bot knows of p's placement days: the
// participant's own check-ins and reports, and the mentor's corrections
// beside them.
func (s *step) attendance(p *roster.Participant, days []roster.Date) []dayStatus {
	rec := s.rec(PersonKey(p.ID))
	f := factsOf(rec)
	var out []dayStatus
	for _, d := range days {
		iso := d.String()
		ds := dayStatus{Day: d, Status: "no_word"}
		switch c, came := f.CheckIns[iso]; {
		case came && !c.Problem:
			ds.Status, ds.At = "checked_in", c.At
		case f.Absences[iso].Date != "":
			ds.Status = "absent"
		case came:
			ds.Status = "problem"
		case s.in.Cal.At(d, 0).After(s.in.Now):
			ds.Status = "coming"
		}
		if c, ok := get[Correction](rec, fieldOf(correctionField, iso)); ok {
			ds.Correction = &c
		}
		out = append(out, ds)
	}
	return out
}

// attendanceLines renders attendance in lang, for a mentor: away, never
// why.
func (s *step) attendanceLines(lang string, days []dayStatus) []string {
	var lines []string
	for _, d := range days {
		args := locales.Args{"Day": s.dayLabel(lang, d.Day)}
		if !d.At.IsZero() {
			args["Time"] = d.At.In(s.in.Cal.Loc()).Format("15:04")
		}
		line := tr(lang, "feedback.day_"+d.Status, args)
		if d.Correction != nil {
			id := "feedback.corrected_away"
			if d.Correction.Present {
				id = "feedback.corrected_present"
			}
			line += " " + tr(lang, id, nil)
		}
		lines = append(lines, line)
	}
	return lines
}

func (feedbacks) timer(s *step, t Timer) {
	switch t := t.(type) {
	case WeekPromptTimer:
		s.weekPrompt(t.Participant, t.Mentor, t.Week, false)
	case WeekNudgeTimer:
		s.weekPrompt(t.Participant, t.Mentor, t.Week, true)
	}
}

// weekPrompt asks a mentor about one participant's week, unless it was
// answered, the placement moved, or the participant was away all week.
func (s *step) weekPrompt(pid, mentor, wk string, nudge bool) {
	p := s.in.Roster.Participant(pid)
	monday, ok := schedule.ParseWeekID(wk)
	if p == nil || !ok || p.Placement == nil || p.Placement.Mentor == nil || p.Placement.Mentor.ID != mentor {
		return
	}
	if _, answered := get[Feedback](s.rec(PersonKey(p.ID)), fieldOf(feedbackField, wk)); answered {
		return
	}
	days := s.attendance(p, s.weekDays(p, monday))
	if !slices.ContainsFunc(days, func(d dayStatus) bool { return d.Status != "absent" }) {
		return // away every placement day: nothing to say about the week
	}
	if !s.reachable(mentor) {
		return // the digest lists the mentor as not on Telegram, not as silent
	}
	s.reason(ReasonFeedbackPrompt)
	if nudge {
		s.reason(ReasonFeedbackNudge)
	}
	s.put(PersonKey(p.ID), fieldOf(promptField, wk), FeedbackPrompt{Week: wk, Mentor: mentor, At: s.in.Now, Nudged: nudge})
	s.notifyPrompt(p, mentor, wk, days, nudge, 0)
	if !nudge {
		s.do(Schedule{ID: "fb.nudge:" + p.ID + ":" + wk, Due: s.nudgeMorning(), Timer: WeekNudgeTimer{Participant: p.ID, Mentor: mentor, Week: wk}})
	}
}

// nudgeMorning is 08:00 on the next working day.
func (s *step) nudgeMorning() time.Time {
	return s.in.Cal.At(s.nextWorkingDay(), 8*60)
}

func (s *step) promptKeyboard(lang, pid, wk string) [][]Button {
	b := func(id string, args ...string) Button {
		return Button{Text: tr(lang, id, nil), Data: Payload{Flow: "fb", Args: args}.Encode()}
	}
	return [][]Button{
		{b("feedback.btn.good", "r", pid, wk, RatingGood), b("feedback.btn.ok", "r", pid, wk, RatingOK),
			b("feedback.btn.concern", "c", pid, wk)},
		{b("feedback.btn.correct", "ca", pid, wk)},
	}
}

// notifyPrompt sends (or, for the mentor's own tap, edits) the weekly
// prompt.
func (s *step) notifyPrompt(p *roster.Participant, mentor, wk string, days []dayStatus, nudge bool, msg int) {
	lang := s.langOf(mentor)
	id := "feedback.week"
	if nudge {
		id = "feedback.week_again"
	}
	lines := []string{tr(lang, id, locales.Args{"Name": p.Name, "Workplace": p.Placement.Employer.Name})}
	lines = append(lines, s.attendanceLines(lang, days)...)
	text := locales.Lines(lang, lines)
	kb := s.promptKeyboard(lang, p.ID, wk)
	if msg != 0 {
		s.sayText(id, text, withInline(kb), withEdit(msg))
		return
	}
	s.notifyText(mentor, id, text, withInline(kb), asBulk())
}

func (feedbacks) button(s *step, pl Payload) {
	msg := s.in.Event.MessageID
	p, ok := s.mentorOf(pl.Arg(1))
	if !ok {
		return
	}
	wk := pl.Arg(2)
	monday, okWeek := schedule.ParseWeekID(wk)
	if pl.Arg(0) != "p" && !okWeek {
		s.stale()
		return
	}
	switch pl.Arg(0) {
	case "p":
		s.do(Answer{})
		s.anyTime(p, msg)
	case "r":
		rating := pl.Arg(3)
		if rating != RatingGood && rating != RatingOK {
			s.stale()
			return
		}
		s.do(Answer{})
		s.rate(p, wk, rating, msg)
	case "c":
		s.do(Answer{})
		s.reason(ReasonFeedbackAsked)
		var rows [][]Button
		for _, c := range concernCategories {
			rows = append(rows, []Button{{Text: s.t("feedback.concern_btn_"+c, nil), Data: Payload{Flow: "fb", Args: []string{"cq", p.ID, wk, c}}.Encode()}})
		}
		s.say("feedback.concern_ask", locales.Args{"Name": p.Name}, withInline(rows), withEdit(msg))
	case "cq":
		c := pl.Arg(3)
		if !slices.Contains(concernCategories, c) {
			s.stale()
			return
		}
		s.do(Answer{})
		s.reason(ReasonFeedbackAsked)
		s.open(withDraft(Conversation{Flow: "feedback", Ref: "c:" + p.ID, Phase: PhaseFeedbackConcern, Input: true,
			Expires: s.in.Now.Add(concernLife)}, concernDraft{Participant: p.ID, Week: wk, Concern: c}))
		kb := [][]Button{{{Text: s.t("feedback.btn.skip", nil), Data: Payload{Flow: "fb", Args: []string{"cs", p.ID, wk}}.Encode()}}}
		s.say("feedback.concern_words", locales.Args{"Concern": s.t("feedback.concern_"+c, nil)}, withInline(kb), withEdit(msg))
	case "cs":
		conv := s.conv("feedback", "c:"+p.ID)
		if conv == nil {
			s.staleOrExpired("feedback", "c:"+p.ID)
			return
		}
		s.do(Answer{})
		s.sendConcern(p, draftOf[concernDraft](conv), nil, msg)
	case "n":
		s.do(Answer{})
		s.reason(ReasonFeedbackAsked)
		s.open(withDraft(Conversation{Flow: "feedback", Ref: "n:" + p.ID, Phase: PhaseFeedbackNote, Input: true,
			Expires: s.in.Now.Add(concernLife)}, concernDraft{Participant: p.ID, Week: wk}))
		s.say("feedback.note_ask", locales.Args{"Name": p.Name}, withEdit(msg))
	case "ca":
		s.do(Answer{})
		s.correctScreen(p, wk, monday, msg)
	case "ct":
		day, ok := parseDate(pl.Arg(3))
		if !ok || !slices.Contains(s.weekDays(p, monday), day) || s.in.Cal.At(day, 0).After(s.in.Now) {
			s.stale()
			return
		}
		// The button names the state it sets, not "toggle": a double tap
		// or a late press sets the same state again and changes nothing.
		want := pl.Arg(4)
		if want != "p" && want != "a" {
			s.stale()
			return
		}
		s.do(Answer{})
		s.reason(ReasonFeedbackCorrected)
		present := want == "p"
		for _, d := range s.attendance(p, []roster.Date{day}) {
			if d.present() == present {
				s.correctScreen(p, wk, monday, msg)
				return
			}
		}
		s.put(PersonKey(p.ID), fieldOf(correctionField, day.String()), Correction{Date: day.String(), Present: present, By: s.me.ID, At: s.in.Now})
		s.correctScreen(p, wk, monday, msg)
	case "cd":
		s.do(Answer{})
		s.reason(ReasonFeedbackAsked)
		s.notifyPrompt(p, s.me.ID, wk, s.attendance(p, s.weekDays(p, monday)), false, msg)
	default:
		s.stale()
	}
}

// correctScreen shows the week's placement days with a toggle each.
func (s *step) correctScreen(p *roster.Participant, wk string, monday roster.Date, msg int) {
	s.reason(ReasonFeedbackAsked)
	lang := s.lang()
	var rows [][]Button
	for _, d := range s.attendance(p, s.weekDays(p, monday)) {
		if d.Status == "coming" {
			continue
		}
		state, set := "feedback.toggle_away", "p"
		if d.present() {
			state, set = "feedback.toggle_present", "a"
		}
		rows = append(rows, []Button{{Text: s.dayLabel(lang, d.Day) + ": " + s.t(state, nil),
			Data: Payload{Flow: "fb", Args: []string{"ct", p.ID, wk, d.Day.String(), set}}.Encode()}})
	}
	rows = append(rows, []Button{{Text: s.t("feedback.btn.correct_done", nil), Data: Payload{Flow: "fb", Args: []string{"cd", p.ID, wk}}.Encode()}})
	s.say("feedback.correct", locales.Args{"Name": p.Name}, withInline(rows), withEdit(msg))
}

// rate stores a good or OK week: one tap.
func (s *step) rate(p *roster.Participant, wk, rating string, msg int) {
	if old, done := get[Feedback](s.rec(PersonKey(p.ID)), fieldOf(feedbackField, wk)); done && old.Weekly {
		// One answer a week: a second tap (or an old button) changes
		// nothing.
		s.reason(ReasonFeedbackAlready)
		s.say("feedback.already", locales.Args{"Name": p.Name, "Rating": s.t("feedback.btn."+old.Rating, nil)})
		return
	}
	s.reason(ReasonFeedbackGiven)
	f := Feedback{Participant: p.ID, Mentor: s.me.ID, Week: wk, Rating: rating, At: s.in.Now, Weekly: true}
	s.put(PersonKey(p.ID), fieldOf(feedbackField, wk), f)
	s.do(CancelJob{ID: "fb.nudge:" + p.ID + ":" + wk})
	s.say("feedback.thanks", locales.Args{"Name": p.Name, "Rating": s.t("feedback.btn."+rating, nil)}, withEdit(msg))
}

func (feedbacks) input(s *step, c *Conversation, m Message) {
	d := draftOf[concernDraft](c)
	p, ok := s.mentorOf(d.Participant)
	if !ok {
		s.close(c.Flow, c.Ref)
		return
	}
	if c.Phase == PhaseFeedbackNote {
		s.close(c.Flow, c.Ref)
		if m.Text == "" {
			s.reason(ReasonFeedbackAsked)
			s.say("feedback.note_words_only", nil)
			return
		}
		s.reason(ReasonFeedbackGiven)
		f := Feedback{Participant: p.ID, Mentor: s.me.ID, Week: d.Week, Rating: RatingNote, Note: shorten(m.Text, partLimit), At: s.in.Now}
		s.put(PersonKey(p.ID), fieldOf(feedbackField, d.Week+"-"+recordID(s.in.Now, 0)), f)
		s.say("feedback.note_saved", locales.Args{"Name": p.Name})
		return
	}
	s.sendConcern(p, d, &m, 0)
}

// sendConcern records a concern and makes it an issue for the
// placement's teacher and adviser, at once; Safety is urgent.
func (s *step) sendConcern(p *roster.Participant, d concernDraft, m *Message, msg int) {
	s.close("feedback", "c:"+p.ID)
	var parts []Entry
	if m != nil {
		parts = []Entry{part(s, *m)}
	}
	urgent := d.Concern == "safety"
	var cc []string
	if p.Adviser != nil {
		cc = append(cc, p.Adviser.ID)
	}
	iss := s.newIssue(p, s.me.ID, SourceFeedback, "placement", d.Concern, urgent, parts, cc...)
	s.reason(ReasonFeedbackConcern)
	weekly := !strings.Contains(d.Week, "-")
	f := Feedback{Participant: p.ID, Mentor: s.me.ID, Week: d.Week, Rating: RatingConcern, Concern: d.Concern,
		Issue: iss.ID, At: s.in.Now, Weekly: weekly}
	field := fieldOf(feedbackField, d.Week)
	if _, had := get[Feedback](s.rec(PersonKey(p.ID)), field); had {
		// A second word in one week: kept beside the first.
		field = fieldOf(feedbackField, d.Week+"-"+recordID(s.in.Now, 0))
		f.Weekly = false
	}
	s.put(PersonKey(p.ID), field, f)
	s.do(CancelJob{ID: "fb.nudge:" + p.ID + ":" + d.Week})
	var names []string
	for _, who := range iss.Involved {
		names = append(names, locales.Isolate(s.lang(), s.personName(who)))
	}
	s.say("feedback.concern_sent", locales.Args{"Name": p.Name, "To": locales.List(s.lang(), names)}, withEdit(msg))
}

// plan asks about each participant's week at the end of its last
// placement shift.
func (feedbacks) plan(pl *planning) {
	for _, p := range pl.r.Participants {
		a, ok := pl.cal.PlacementOn(p, pl.day)
		if !ok || p.Placement.Mentor == nil {
			continue
		}
		last := true
		for d := schedule.AddDays(pl.day, 1); schedule.WeekStart(d) == schedule.WeekStart(pl.day); d = schedule.AddDays(d, 1) {
			if _, later := pl.cal.PlacementOn(p, d); later {
				last = false
			}
		}
		if !last {
			continue
		}
		wk := schedule.WeekID(pl.day)
		pl.add(Schedule{ID: "fb.week:" + p.ID + ":" + wk, Due: a.End,
			Timer: WeekPromptTimer{Participant: p.ID, Mentor: p.Placement.Mentor.ID, Week: wk},
			Until: quietStart(pl.r, pl.cal, pl.day)})
	}
}
