package flows

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// Nav meetings that cannot clash with placement days (PRODUCT.md §3.5):
// a counsellor picks a participant, a day that has free slots, and a free
// time; nothing on the keyboard can clash, and the step checks again
// anyway, because button data is client input and another counsellor may
// have taken the slot a moment ago.

// MeetingLength is the default length of a Nav meeting.
const MeetingLength = 45 * time.Minute

// bookWeeks is how far ahead the day picker pages.
const bookWeeks = 8

// Meeting is a booked Nav meeting, stored with the participant's facts.
type Meeting struct {
	ID          string    `json:"id"`
	Participant string    `json:"participant"`
	Counsellor  string    `json:"counsellor"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Place       string    `json:"place,omitempty"`
	BookedAt    time.Time `json:"booked_at"`
	// Forced meetings were booked over a clash, with a written reason
	// that only the adviser's digest shows.
	Forced        bool   `json:"forced,omitempty"`
	Reason        string `json:"reason,omitempty"`
	MentorTold    bool   `json:"mentor_told,omitempty"`
	Cancelled     bool   `json:"cancelled,omitempty"`
	Understood    bool   `json:"understood,omitempty"`
	Misunderstood int    `json:"misunderstood,omitempty"`
}

func meetingField(id string) string { return "m:" + id }

// counsellor is the staff member booking: nav or adviser.
func (s *step) counsellor() *roster.Staff {
	if st := s.me.Staff; st != nil && (st.Has(roster.RoleNav) || st.Has(roster.RoleAdviser)) {
		return st
	}
	return nil
}

// bookable lists the participants a counsellor may book: their caseload
// as adviser or Nav counsellor (admins: everyone).
func (s *step) bookable(st *roster.Staff) []*roster.Participant {
	var out []*roster.Participant
	for _, p := range s.in.Roster.Participants {
		if st.Has(roster.RoleAdmin) || p.Adviser == st || p.Nav == st {
			out = append(out, p)
		}
	}
	return out
}

// ref is a participant as button data: roster position and a hash of
// the whole id, so that a reordered roster makes an old button stale
// rather than book someone else, and a long id still fits in 64 bytes.
func (s *step) ref(p *roster.Participant) string {
	i := slices.Index(s.in.Roster.Participants, p)
	return strconv.Itoa(i) + "." + idHash(p.ID)
}

func idHash(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

func (s *step) deref(st *roster.Staff, ref string) *roster.Participant {
	idx, hash, ok := strings.Cut(ref, ".")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 || i >= len(s.in.Roster.Participants) {
		return nil
	}
	p := s.in.Roster.Participants[i]
	if idHash(p.ID) != hash || !slices.Contains(s.bookable(st), p) {
		return nil
	}
	return p
}

func mtButton(text string, args ...string) Button {
	return Button{Text: text, Data: Payload{Flow: "mt", Args: args}.Encode()}
}

// hoursFor is the window a counsellor books in: their own office's
// hours, else the programme's.
func (s *step) hoursFor(st *roster.Staff) roster.Span {
	if st.NavHours != nil {
		return *st.NavHours
	}
	return s.in.Roster.Programme.NavHours
}

// meetings are the participant's booked meetings that still stand.
func (s *step) meetings(p *roster.Participant) []Meeting {
	var out []Meeting
	for _, m := range s.facts(p.ID).Meetings {
		if !m.Cancelled {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b Meeting) int { return a.Start.Compare(b.Start) })
	return out
}

func (s *step) busy(p *roster.Participant) []schedule.Busy {
	var out []schedule.Busy
	for _, m := range s.meetings(p) {
		out = append(out, schedule.Busy{Start: m.Start, End: m.End, Kind: schedule.Meeting, Place: m.Place})
	}
	return out
}

func (s *step) freeSlots(st *roster.Staff, p *roster.Participant, from roster.Date, days int) []schedule.Slot {
	return s.in.Cal.FreeSlots(p, s.hoursFor(st), from, days, MeetingLength, s.busy(p), s.in.Now)
}

// meetingCommand handles /meeting and 📆.
func (s *step) meetingCommand(args string) {
	st := s.counsellor()
	if st == nil {
		s.reason(ReasonNotForRole)
		s.say("meeting.not_staff", nil, s.menu())
		return
	}
	if strings.TrimSpace(args) != "" {
		s.typedMeeting(st, args)
		return
	}
	s.reason(ReasonMeetingAsked)
	var rows [][]Button
	for _, p := range s.bookable(st) {
		rows = append(rows, []Button{mtButton(p.Name, "p", s.ref(p))})
	}
	if len(rows) == 0 {
		s.say("meeting.no_caseload", nil, s.menu())
		return
	}
	s.say("meeting.pick_participant", nil, withInline(rows))
}

// meetingButton handles every "mt" button.
func (s *step) meetingButton(pl Payload, msg int) {
	if pl.Arg(0) == "c" || pl.Arg(0) == "cant" {
		s.meetingAnswer(pl, msg)
		return
	}
	st := s.counsellor()
	if st == nil {
		s.stale()
		return
	}
	p := s.deref(st, pl.Arg(1))
	if p == nil {
		s.stale()
		return
	}
	s.do(Answer{})
	switch pl.Arg(0) {
	case "p":
		s.reason(ReasonMeetingAsked)
		s.dayPicker(st, p, 0, msg)
	case "w":
		week, err := strconv.Atoi(pl.Arg(2))
		if err != nil || week < 0 || week >= bookWeeks {
			s.stale()
			return
		}
		s.reason(ReasonMeetingAsked)
		s.dayPicker(st, p, week, msg)
	case "d":
		day, ok := parseDate(pl.Arg(2))
		if !ok {
			s.stale()
			return
		}
		s.reason(ReasonMeetingAsked)
		s.timePicker(st, p, day, msg)
	case "t":
		start, ok := s.slotArg(pl.Arg(2), pl.Arg(3))
		if !ok {
			s.stale()
			return
		}
		s.reason(ReasonMeetingAsked)
		lang := s.lang()
		text := s.t("meeting.confirm", locales.Args{"Name": p.Name, "Day": s.dayLabel(lang, roster.DateOf(start)),
			"Start": start.Format("15:04"), "End": start.Add(MeetingLength).Format("15:04")})
		kb := [][]Button{{mtButton(s.t("meeting.btn.book", nil), "ok", s.ref(p), pl.Arg(2), pl.Arg(3)),
			mtButton(s.t("absence.btn.cancel", nil), "stop", s.ref(p))}}
		s.out.Actions = append(s.out.Actions, Say{To: s.in.ChatID, Lang: lang, MsgID: "meeting.confirm", Text: text,
			Inline: kb, Edit: msg, Urgent: true, Reason: ReasonMeetingAsked})
	case "ok":
		start, ok := s.slotArg(pl.Arg(2), pl.Arg(3))
		if !ok {
			s.stale()
			return
		}
		s.book(st, p, start, false, "", msg)
	case "stop":
		s.reason(ReasonMeetingCancelled)
		s.say("meeting.stopped", nil, withEdit(msg))
	case "x", "mv":
		s.cancelMeeting(st, p, pl.Arg(2), pl.Arg(0) == "mv", msg)
	default:
		s.stale()
	}
}

// slotArg reads "2026-12-01" and "1030" as an instant in the programme's
// time zone.
func (s *step) slotArg(date, hhmm string) (time.Time, bool) {
	day, ok := parseDate(date)
	if !ok || len(hhmm) != 4 {
		return time.Time{}, false
	}
	h, err1 := strconv.Atoi(hhmm[:2])
	m, err2 := strconv.Atoi(hhmm[2:])
	if err1 != nil || err2 != nil || h > 23 || m > 59 {
		return time.Time{}, false
	}
	return s.in.Cal.At(day, roster.Clock(h*60+m)), true
}

func hhmm(t time.Time) string { return t.Format("1504") }

// dayPicker shows the working days of one week that have a free slot.
func (s *step) dayPicker(st *roster.Staff, p *roster.Participant, week int, msg int) {
	today := s.today()
	// Weeks start on Monday.
	monday := schedule.AddDays(today, -((int(schedule.Weekday(today)) + 6) % 7))
	from := schedule.AddDays(monday, 7*week)
	lang := s.lang()
	var rows [][]Button
	var row []Button
	for i := range 7 {
		day := schedule.AddDays(from, i)
		if day.Before(today) {
			continue
		}
		if len(s.freeSlots(st, p, day, 1)) == 0 {
			continue
		}
		row = append(row, mtButton(s.dayLabel(lang, day), "d", s.ref(p), day.String()))
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	var nav []Button
	if week > 0 {
		nav = append(nav, mtButton(s.t("meeting.btn.prev_week", nil), "w", s.ref(p), strconv.Itoa(week-1)))
	}
	if week+1 < bookWeeks {
		nav = append(nav, mtButton(s.t("meeting.btn.next_week", nil), "w", s.ref(p), strconv.Itoa(week+1)))
	}
	id := "meeting.pick_day"
	if len(rows) == 0 {
		id = "meeting.no_days_this_week"
	}
	rows = append(rows, nav, []Button{mtButton(s.t("absence.btn.cancel", nil), "stop", s.ref(p))})
	s.say(id, locales.Args{"Name": p.Name, "Week": s.dayLabel(lang, from)}, withInline(rows), withEdit(msg))
}

func (s *step) timePicker(st *roster.Staff, p *roster.Participant, day roster.Date, msg int) {
	slots := s.freeSlots(st, p, day, 1)
	if len(slots) == 0 {
		s.stale()
		return
	}
	var rows [][]Button
	var row []Button
	for _, sl := range slots {
		row = append(row, mtButton(sl.Start.Format("15:04"), "t", s.ref(p), day.String(), hhmm(sl.Start)))
		if len(row) == 4 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	rows = append(rows, []Button{mtButton(s.t("meeting.btn.other_day", nil), "p", s.ref(p))})
	s.say("meeting.pick_time", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.lang(), day)}, withInline(rows), withEdit(msg))
}

// typedMeeting books "/meeting <participant> <date> <time> [force <reason>]".
func (s *step) typedMeeting(st *roster.Staff, args string) {
	f := strings.Fields(args)
	if len(f) < 3 {
		s.reason(ReasonMeetingBadInput)
		s.say("meeting.usage", nil)
		return
	}
	p := s.findParticipant(st, f[0])
	if p == nil {
		s.reason(ReasonMeetingBadInput)
		s.say("meeting.unknown_participant", locales.Args{"Name": f[0]})
		return
	}
	day, ok1 := schedule.ParseDay(f[1], s.today())
	clock, ok2 := schedule.ParseClock(f[2])
	if !ok1 || !ok2 {
		s.reason(ReasonMeetingBadInput)
		s.say("meeting.usage", nil)
		return
	}
	force, reason := false, ""
	if len(f) > 3 {
		if !strings.EqualFold(f[3], "force") {
			s.reason(ReasonMeetingBadInput)
			s.say("meeting.usage", nil)
			return
		}
		force = true
		reason = strings.TrimSpace(strings.Join(f[4:], " "))
		if reason == "" {
			s.reason(ReasonMeetingBadInput)
			s.say("meeting.force_needs_reason", nil)
			return
		}
	}
	s.book(st, p, s.in.Cal.At(day, clock), force, reason, 0)
}

// findParticipant matches a typed participant by id or by name.
func (s *step) findParticipant(st *roster.Staff, q string) *roster.Participant {
	q = strings.ToLower(q)
	var byName []*roster.Participant
	for _, p := range s.bookable(st) {
		if p.ID == q {
			return p
		}
		first, _, _ := strings.Cut(strings.ToLower(p.Name), " ")
		if first == q || strings.ToLower(p.Name) == q {
			byName = append(byName, p)
		}
	}
	if len(byName) == 1 {
		return byName[0]
	}
	return nil
}

// book checks the slot again and books it, or says what it clashes with
// and offers the nearest free slots.
func (s *step) book(st *roster.Staff, p *roster.Participant, start time.Time, force bool, reason string, msg int) {
	lang := s.lang()
	clashes, outside := s.in.Cal.Clashes(p, s.hoursFor(st), start, MeetingLength, s.busy(p))
	past := start.Before(s.in.Now)
	if past || (!force && (outside || len(clashes) > 0)) {
		s.reason(ReasonMeetingClash)
		lines := []string{s.t("meeting.clash", locales.Args{"Name": p.Name, "Day": s.dayLabel(lang, roster.DateOf(start)),
			"Start": start.Format("15:04")})}
		if past {
			lines = append(lines, s.t("meeting.clash_past", nil))
		}
		if outside {
			lines = append(lines, s.t("meeting.clash_outside", locales.Args{"Start": clock(s.hoursFor(st).Start), "End": clock(s.hoursFor(st).End)}))
		}
		for _, c := range clashes {
			args := locales.Args{"Start": c.Start.Format("15:04"), "End": c.End.Format("15:04"), "Place": c.Place}
			lines = append(lines, s.t("meeting.clash_"+string(c.Kind), args))
		}
		var alts []Button
		for _, sl := range schedule.Nearest(s.freeSlots(st, p, s.today(), 7*bookWeeks), start, 3) {
			alts = append(alts, mtButton(s.dayLabel(lang, roster.DateOf(sl.Start))+" "+sl.Start.Format("15:04"),
				"t", s.ref(p), roster.DateOf(sl.Start).String(), hhmm(sl.Start)))
		}
		if len(alts) > 0 {
			lines = append(lines, s.t("meeting.alternatives", nil))
		}
		m := Say{To: s.in.ChatID, Lang: lang, MsgID: "meeting.clash", Text: locales.Lines(lang, lines), Edit: msg, Urgent: true,
			Reason: ReasonMeetingClash}
		if len(alts) > 0 {
			m.Inline = [][]Button{alts}
		}
		s.do(Answer{})
		s.out.Actions = append(s.out.Actions, m)
		return
	}
	s.reason(ReasonMeetingBooked)
	place := st.Place
	if place == "" {
		place = s.in.Roster.Programme.Name
	}
	mt := Meeting{ID: factID(s.in.Now, len(s.facts(p.ID).Meetings)), Participant: p.ID, Counsellor: st.ID,
		Start: start, End: start.Add(MeetingLength), Place: place, BookedAt: s.in.Now}
	if force && (outside || len(clashes) > 0) {
		mt.Forced, mt.Reason = true, reason
	}
	day := roster.DateOf(start.In(s.in.Cal.Loc()))
	onPlacement := slices.ContainsFunc(clashes, func(b schedule.Busy) bool { return b.Kind == schedule.Placement })
	if mt.Forced && onPlacement && p.Placement != nil {
		// Employers learn that the participant will be away, never why.
		{
			m := p.Placement.Mentor
			ml := s.langOf(m.ID)
			s.notify(m.ID, "meeting.mentor_away", locales.Args{"Name": p.Name, "Day": s.dayLabel(ml, day),
				"Start": mt.Start.Format("15:04"), "End": mt.End.Format("15:04")})
			mt.MentorTold = true
		}
	}
	s.setFact(p.ID, meetingField(mt.ID), mt)
	s.noticeToParticipant(p, mt, false)
	s.scheduleMeetingReminders(p, mt)
	kb := [][]Button{{mtButton(s.t("meeting.btn.cancel_meeting", nil), "x", s.ref(p), mt.ID),
		mtButton(s.t("meeting.btn.move", nil), "mv", s.ref(p), mt.ID)}}
	id := "meeting.booked"
	if mt.Forced {
		id = "meeting.booked_forced"
	}
	text := s.t(id, locales.Args{"Name": p.Name, "Day": s.dayLabel(lang, day), "Start": mt.Start.Format("15:04"),
		"End": mt.End.Format("15:04"), "Place": place})
	s.do(Answer{})
	s.out.Actions = append(s.out.Actions, Say{To: s.in.ChatID, Lang: lang, MsgID: id, Text: text, Inline: kb, Edit: msg,
		Urgent: true, Reason: ReasonMeetingBooked})
}

// noticeToParticipant tells the participant in their language. Instead
// of "OK?" it asks them to pick the right day among three: participants
// "say yes without knowing what they answer" (PRODUCT.md §1).
func (s *step) noticeToParticipant(p *roster.Participant, mt Meeting, simpler bool) {
	lang := s.langOf(p.ID)
	day := roster.DateOf(mt.Start.In(s.in.Cal.Loc()))
	counsellor := mt.Counsellor
	if c := s.in.Roster.StaffMember(mt.Counsellor); c != nil {
		counsellor = c.Name
	}
	args := locales.Args{"Day": s.dayLabel(lang, day), "Start": mt.Start.Format("15:04"), "End": mt.End.Format("15:04"),
		"Place": mt.Place, "Counsellor": counsellor}
	id := "meeting.notice"
	if simpler {
		id = "meeting.notice_simple"
	}
	lines := []string{tr(lang, id, args), tr(lang, "meeting.check", nil)}
	var choices []Button
	for _, d := range s.choiceDays(day, mt.ID) {
		label := s.dayLabel(lang, d) + " " + mt.Start.Format("15:04")
		choices = append(choices, Button{Text: label, Data: Payload{Flow: "mt", Args: []string{"c", mt.ID, d.String()}}.Encode()})
	}
	kb := [][]Button{choices, {{Text: tr(lang, "meeting.btn.cant_come", nil), Data: Payload{Flow: "mt", Args: []string{"cant", mt.ID}}.Encode()}}}
	s.notifyText(p.ID, id, locales.Lines(lang, lines), withInline(kb))
}

// choiceDays is the right day and two other working days, in date order.
// Which two (both before, one on each side, both after) depends on the
// meeting, so the right answer is not always the middle button.
func (s *step) choiceDays(day roster.Date, id string) []roster.Date {
	working := func(from roster.Date, step int) []roster.Date {
		var out []roster.Date
		for d := schedule.AddDays(from, step); len(out) < 2; d = schedule.AddDays(d, step) {
			if s.in.Cal.IsWorkingDay(d) {
				out = append(out, d)
			}
		}
		return out
	}
	before, after := working(day, -1), working(day, 1)
	var around []roster.Date
	h := fnv.New32a()
	h.Write([]byte(id))
	switch h.Sum32() % 3 {
	case 0:
		around = before
	case 1:
		around = []roster.Date{before[0], after[0]}
	default:
		around = after
	}
	days := append(around, day)
	slices.SortFunc(days, func(a, b roster.Date) int {
		if a.Before(b) {
			return -1
		}
		if b.Before(a) {
			return 1
		}
		return 0
	})
	return days
}

func (s *step) participantMeeting(id string) (*roster.Participant, Meeting, bool) {
	p := s.me.Participant
	if p == nil {
		return nil, Meeting{}, false
	}
	m, ok := s.facts(p.ID).Meetings[id]
	if !ok || m.Cancelled {
		return nil, Meeting{}, false
	}
	return p, m, true
}

// meetingAnswer handles the participant's day pick and [I can't come].
func (s *step) meetingAnswer(pl Payload, msg int) {
	p, mt, ok := s.participantMeeting(pl.Arg(1))
	if !ok {
		s.stale()
		return
	}
	s.do(Answer{})
	day := roster.DateOf(mt.Start.In(s.in.Cal.Loc()))
	counsellor := s.in.Roster.StaffMember(mt.Counsellor)
	switch pl.Arg(0) {
	case "c":
		picked, ok := parseDate(pl.Arg(2))
		if !ok {
			s.stale()
			return
		}
		if picked == day {
			s.reason(ReasonMeetingUnderstood)
			mt.Understood = true
			s.setFact(p.ID, meetingField(mt.ID), mt)
			s.say("meeting.understood", locales.Args{"Day": s.dayLabel(s.lang(), day), "Start": mt.Start.Format("15:04")}, withEdit(msg))
			return
		}
		s.reason(ReasonMeetingMisunderstood)
		mt.Misunderstood++
		s.setFact(p.ID, meetingField(mt.ID), mt)
		s.say("meeting.wrong_day", nil, withEdit(msg))
		s.noticeToParticipant(p, mt, true)
		if counsellor != nil {
			cl := s.langOf(counsellor.ID)
			s.notify(counsellor.ID, "meeting.not_understood", locales.Args{"Name": p.Name, "Day": s.dayLabel(cl, day),
				"Start": mt.Start.Format("15:04"), "Language": tr(cl, "langname."+s.langOf(p.ID), nil)})
		}
	case "cant":
		s.reason(ReasonMeetingCantCome)
		if counsellor != nil {
			cl := s.langOf(counsellor.ID)
			s.notify(counsellor.ID, "meeting.cant_come", locales.Args{"Name": p.Name, "Day": s.dayLabel(cl, day),
				"Start": mt.Start.Format("15:04")})
			s.say("meeting.cant_told", locales.Args{"Name": counsellor.Name}, withEdit(msg))
		}
	default:
		s.stale()
	}
}

// cancelMeeting cancels (or, to move it, cancels and picks anew) a
// meeting; the participant and, after an override, the mentor are told.
func (s *step) cancelMeeting(st *roster.Staff, p *roster.Participant, id string, move bool, msg int) {
	mt, ok := s.facts(p.ID).Meetings[id]
	if !ok || mt.Cancelled {
		s.stale()
		return
	}
	s.reason(ReasonMeetingCancelled)
	mt.Cancelled = true
	s.setFact(p.ID, meetingField(id), mt)
	s.do(CancelJob{ID: meetingJobID(1, p.ID, id)})
	s.do(CancelJob{ID: meetingJobID(2, p.ID, id)})
	day := roster.DateOf(mt.Start.In(s.in.Cal.Loc()))
	pl := s.langOf(p.ID)
	s.notify(p.ID, "meeting.cancelled_notice", locales.Args{"Day": s.dayLabel(pl, day), "Start": mt.Start.Format("15:04")})
	if mt.MentorTold && p.Placement != nil {
		m := p.Placement.Mentor
		s.notify(m.ID, "meeting.mentor_not_away", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.langOf(m.ID), day)})
	}
	if move {
		s.dayPicker(st, p, 0, msg)
		return
	}
	s.say("meeting.cancelled", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.lang(), day), "Start": mt.Start.Format("15:04")}, withEdit(msg))
}

// scheduleMeetingReminders plans the reminders the day before and two
// hours before (PRODUCT.md §3.4).
func (s *step) scheduleMeetingReminders(p *roster.Participant, mt Meeting) {
	day := roster.DateOf(mt.Start.In(s.in.Cal.Loc()))
	before := s.in.Cal.At(schedule.AddDays(day, -1), s.in.Roster.Programme.Reminders.EveningBefore)
	data := TimerData{Person: p.ID, Notice: mt.ID}
	if before.After(s.in.Now) {
		d := data
		d.Date = "day"
		s.do(Schedule{ID: meetingJobID(1, p.ID, mt.ID), Kind: TimerMeeting, Due: before, Person: p.ID, Data: d})
	}
	if two := mt.Start.Add(-2 * time.Hour); two.After(s.in.Now) {
		d := data
		d.Date = "2h"
		s.do(Schedule{ID: meetingJobID(2, p.ID, mt.ID), Kind: TimerMeeting, Due: two, Person: p.ID, Data: d})
	}
}

// meetingJobID names a meeting's reminder. Meeting ids are unique only
// per participant, so the participant is part of the name.
func meetingJobID(n int, participant, meeting string) string {
	return "mrem" + strconv.Itoa(n) + ":" + participant + ":" + meeting
}

// TimerMeeting is a meeting reminder.
const TimerMeeting = "mremind"

func (s *step) meetingReminder(t TimerData) {
	p := s.in.Roster.Participant(t.Person)
	if p == nil {
		return
	}
	mt, ok := s.facts(p.ID).Meetings[t.Notice]
	if !ok || mt.Cancelled {
		return
	}
	s.reason(ReasonMeetingReminder)
	lang := s.langOf(p.ID)
	id := "meeting.reminder_day"
	if t.Date == "2h" {
		id = "meeting.reminder_soon"
	}
	s.notify(p.ID, id, locales.Args{"Day": s.dayLabel(lang, roster.DateOf(mt.Start.In(s.in.Cal.Loc()))),
		"Start": mt.Start.Format("15:04"), "Place": mt.Place})
}

// meetingActivities are the participant's meetings as week entries.
func (s *step) meetingActivities(p *roster.Participant, from roster.Date, days int) []schedule.Activity {
	var out []schedule.Activity
	end := schedule.AddDays(from, days)
	for _, m := range s.meetings(p) {
		d := roster.DateOf(m.Start.In(s.in.Cal.Loc()))
		if d.Before(from) || !d.Before(end) {
			continue
		}
		out = append(out, schedule.Activity{Kind: schedule.Meeting, Date: d, Start: m.Start.In(s.in.Cal.Loc()),
			End: m.End.In(s.in.Cal.Loc()), Place: m.Place})
	}
	return out
}
