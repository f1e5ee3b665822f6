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

// 📆 Nav meetings that cannot clash with placement days (docs/behaviour.md):
// a counsellor picks a participant, a day that has free slots, and a free
// time; nothing on the keyboard can clash, and the step checks again
// anyway, because button data is client input and another counsellor may
// have taken the slot a moment ago. A counsellor's own meetings are a
// record of their own (CalendarKey), watched when booking, so they block
// slots exactly as the participant's activities do.

type meetings struct{ base }

var _ = register(meetings{})

func (meetings) spec() spec {
	return spec{name: "meeting", code: "mt",
		commands: []Command{{Name: "meeting", Icon: "📆", Label: "menu.meeting", Rank: 30,
			For: []roster.Role{roster.RoleNav, roster.RoleAdviser}}},
		timers: []Timer{MeetingTimer{}},
	}
}

// MeetingLength is the default length of a Nav meeting.
const MeetingLength = 45 * time.Minute

// bookWeeks is how far ahead the day picker pages.
const bookWeeks = 8

// reasonLife is how long the bot waits for a forced booking's reason.
const reasonLife = 30 * time.Minute

// PhaseMeetingReason waits for the written reason of a forced booking.
const PhaseMeetingReason Phase = "meeting.reason"

// Meeting is a booked Nav meeting, stored in the participant's record.
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

// CalendarEntry is one of a counsellor's meetings in their own calendar.
type CalendarEntry struct {
	Participant string    `json:"participant"`
	Meeting     string    `json:"meeting"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
}

var (
	meetingField  = field[Meeting]("m", 1)
	calendarField = field[CalendarEntry]("e", 1)
)

// CalendarEntryField is the field of a counsellor's calendar that holds
// one meeting.
func CalendarEntryField(participant, meeting string) string {
	return calendarField + ":" + participant + ":" + meeting
}

// MeetingTimer is a meeting reminder: the day before, or two hours before.
type MeetingTimer struct {
	Person  string `json:"person"`
	Meeting string `json:"notice"`
	When    string `json:"date"` // "day" or "2h"
}

func (MeetingTimer) TimerKind() string      { return "mt.remind" }
func (t MeetingTimer) TimerSubject() string { return t.Person }

// meetingDraft is a forced booking waiting for its reason.
type meetingDraft struct {
	Participant string    `json:"participant"`
	Start       time.Time `json:"start"`
}

func (meetings) needs(n *Needs, q query) {
	if t, ok := q.ev.Timer.(MeetingTimer); ok {
		n.record(PersonKey(t.Person))
		n.person(t.Person)
		return
	}
	st := q.r.StaffMember(q.person)
	if p := q.r.Participant(q.person); p != nil {
		// The participant answers a notice: their counsellor hears of it.
		needParticipant(n, q.r, p.ID)
		for _, s := range q.r.Staff {
			if s.Has(roster.RoleAdmin) {
				n.person(s.ID)
			}
		}
		return
	}
	if st == nil {
		return
	}
	n.record(CalendarKey(st.ID))
	var who string
	switch q.ev.Kind {
	case EvButton:
		p, _ := ParsePayload(q.ev.Data)
		who = p.Arg(1)
	case EvCommand:
		if p, _ := matchParticipant(q.r, bookable(q.r, st), strings.Fields(q.ev.Text)); p != nil {
			who = p.ID
		}
	case EvText:
		if q.conv != nil {
			who = draftOf[meetingDraft](q.conv).Participant
		}
	}
	if p := q.r.Participant(who); p != nil {
		needParticipant(n, q.r, p.ID)
	}
}

// counsellor is the staff member booking: nav or adviser.
func (s *step) counsellor() *roster.Staff {
	if st := s.me.Staff; st != nil && (st.Has(roster.RoleNav) || st.Has(roster.RoleAdviser)) {
		return st
	}
	return nil
}

// bookable lists the participants a counsellor may book: their caseload
// as adviser or Nav counsellor (admins: everyone).
func bookable(r *roster.Roster, st *roster.Staff) []*roster.Participant {
	var out []*roster.Participant
	for _, p := range r.Participants {
		if st.Has(roster.RoleAdmin) || p.Adviser == st || p.Nav == st {
			out = append(out, p)
		}
	}
	return out
}

func mtButton(text string, args ...string) Button {
	return Button{Text: text, Data: Payload{Flow: "mt", Args: args}.Encode()}
}

// HoursFor is the window a counsellor books in: their own office's hours,
// else the programme's.
func HoursFor(r *roster.Roster, st *roster.Staff) roster.Span {
	if st != nil && st.NavHours != nil {
		return *st.NavHours
	}
	return r.Programme.NavHours
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

// Busy lists what blocks a meeting for participant p with counsellor st:
// p's own meetings, the days p has reported absent, and st's meetings with
// anyone, from their records. The meeting being moved, if any, blocks
// nothing: it gives its time up.
func Busy(p *roster.Participant, cal *schedule.Calendar, participant, counsellor Record, moving string) []schedule.Busy {
	var out []schedule.Busy
	seen := map[string]bool{p.ID + ":" + moving: moving != ""}
	f := factsOf(participant)
	for _, m := range f.Meetings {
		if !m.Cancelled && m.ID != moving {
			seen[p.ID+":"+m.ID] = true
			out = append(out, schedule.Busy{Start: m.Start, End: m.End, Kind: schedule.Meeting, Place: m.Place})
		}
	}
	// Someone who has reported sick for a day is not booked into it.
	for iso := range f.Absences {
		if d, ok := parseDate(iso); ok {
			out = append(out, schedule.Busy{Start: cal.At(d, 0), End: cal.At(schedule.AddDays(d, 1), 0), Kind: schedule.Absent})
		}
	}
	for _, e := range all[CalendarEntry](counsellor, calendarField) {
		if !seen[e.Participant+":"+e.Meeting] {
			out = append(out, schedule.Busy{Start: e.Start, End: e.End, Kind: schedule.CounsellorBusy})
		}
	}
	return out
}

// FreeSlots lists the slots free for a meeting of p with st: the one slot
// function the bot and "innsjekk slots" share.
func FreeSlots(r *roster.Roster, cal *schedule.Calendar, p *roster.Participant, st *roster.Staff,
	participant, counsellor Record, from roster.Date, days int, now time.Time) []schedule.Slot {
	return cal.FreeSlots(p, HoursFor(r, st), from, days, MeetingLength, Busy(p, cal, participant, counsellor, ""), now)
}

// busy is what blocks a meeting of st with p; moving names a meeting
// being moved, which blocks nothing.
func (s *step) busy(st *roster.Staff, p *roster.Participant, moving string) []schedule.Busy {
	return Busy(p, s.in.Cal, s.rec(PersonKey(p.ID)), s.rec(CalendarKey(st.ID)), moving)
}

func (s *step) freeSlots(st *roster.Staff, p *roster.Participant, from roster.Date, days int, moving string) []schedule.Slot {
	return s.in.Cal.FreeSlots(p, HoursFor(s.in.Roster, st), from, days, MeetingLength, s.busy(st, p, moving), s.in.Now)
}

// command handles /meeting and 📆.
func (meetings) command(s *step, _, args string) {
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
	for _, p := range bookable(s.in.Roster, st) {
		rows = append(rows, []Button{mtButton(p.Name, "p", p.ID)})
	}
	if len(rows) == 0 {
		s.say("meeting.no_caseload", nil, s.menu())
		return
	}
	s.say("meeting.pick_participant", nil, withInline(rows))
}

// argCount is how many arguments each counsellor button carries; one
// more, "m", marks a button of a move in progress.
var argCount = map[string]int{"p": 2, "w": 3, "d": 3, "t": 4, "ok": 4, "stop": 2}

// button handles every "mt" button.
func (meetings) button(s *step, pl Payload) {
	msg := s.in.Event.MessageID
	if pl.Arg(0) == "c" || pl.Arg(0) == "cant" {
		s.meetingAnswer(pl, msg)
		return
	}
	st := s.counsellor()
	if st == nil {
		s.stale()
		return
	}
	p := s.in.Roster.Participant(pl.Arg(1))
	if p == nil {
		// A participant who left the roster since the button was sent.
		s.gone()
		return
	}
	if !slices.Contains(bookable(s.in.Roster, st), p) {
		s.stale()
		return
	}
	// A move in progress: its buttons end in "m", and the conversation
	// says which meeting is being moved.
	var mv *moveDraft
	if n, ok := argCount[pl.Arg(0)]; ok && len(pl.Args) == n+1 && pl.Args[n] == "m" {
		c := s.conv("meeting", moveRef(p.ID))
		if c == nil {
			s.staleOrExpired("meeting", moveRef(p.ID))
			return
		}
		d := draftOf[moveDraft](c)
		if old, ok := s.facts(p.ID).Meetings[d.Meeting]; !ok || old.Cancelled {
			s.close("meeting", moveRef(p.ID))
			s.stale()
			return
		}
		mv = &d
	}
	s.do(Answer{})
	switch pl.Arg(0) {
	case "p":
		s.reason(ReasonMeetingAsked)
		s.dayPicker(st, p, 0, msg, mv)
	case "w":
		week, err := strconv.Atoi(pl.Arg(2))
		if err != nil || week < 0 || week >= bookWeeks {
			s.stale()
			return
		}
		s.reason(ReasonMeetingAsked)
		s.dayPicker(st, p, week, msg, mv)
	case "d":
		day, ok := parseDate(pl.Arg(2))
		if !ok {
			s.stale()
			return
		}
		s.reason(ReasonMeetingAsked)
		s.timePicker(st, p, day, msg, mv)
	case "t":
		start, ok := s.slotArg(pl.Arg(2), pl.Arg(3))
		if !ok {
			s.stale()
			return
		}
		s.reason(ReasonMeetingAsked)
		lang := s.lang()
		args := locales.Args{"Name": p.Name, "Day": s.dayLabel(lang, s.in.Cal.Today(start)),
			"Start": start.Format("15:04"), "End": start.Add(MeetingLength).Format("15:04")}
		id := "meeting.confirm"
		okArgs := []string{"ok", p.ID, pl.Arg(2), pl.Arg(3)}
		if mv != nil {
			old := s.facts(p.ID).Meetings[mv.Meeting]
			id = "meeting.confirm_move"
			args["OldDay"], args["OldStart"] = s.dayLabel(lang, s.in.Cal.Today(old.Start)), s.clockOf(old.Start)
			okArgs = append(okArgs, "m")
		}
		kb := [][]Button{{mtButton(s.t("meeting.btn.book", nil), okArgs...), mtButton(s.t("absence.btn.cancel", nil), stopArgs(p, mv)...)}}
		s.say(id, args, withInline(kb), withEdit(msg))
	case "ok":
		start, ok := s.slotArg(pl.Arg(2), pl.Arg(3))
		if !ok {
			s.stale()
			return
		}
		if mv != nil {
			s.move(st, p, mv.Meeting, start, msg)
			return
		}
		s.book(st, p, start, false, "", msg)
	case "stop":
		if mv != nil {
			s.close("meeting", moveRef(p.ID))
			old := s.facts(p.ID).Meetings[mv.Meeting]
			s.reason(ReasonMeetingCancelled)
			s.say("meeting.move_stopped", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.lang(), s.in.Cal.Today(old.Start)),
				"Start": s.clockOf(old.Start)}, withEdit(msg))
			return
		}
		s.reason(ReasonMeetingCancelled)
		s.say("meeting.stopped", nil, withEdit(msg))
	case "x":
		s.cancelMeeting(p, pl.Arg(2), msg)
	case "mv":
		old, ok := s.facts(p.ID).Meetings[pl.Arg(2)]
		if !ok || old.Cancelled {
			s.stale()
			return
		}
		// Nothing changes until the new time is chosen: the participant
		// hears of the move once, when it is done.
		s.reason(ReasonMeetingAsked)
		d := moveDraft{Participant: p.ID, Meeting: old.ID}
		s.open(withDraft(Conversation{Flow: "meeting", Ref: moveRef(p.ID), Phase: PhaseMeetingMove, Expires: s.in.Now.Add(moveLife)}, d))
		s.dayPicker(st, p, 0, msg, &d)
	default:
		s.stale()
	}
}

// PhaseMeetingMove is a move waiting for its new time.
const PhaseMeetingMove Phase = "meeting.move"

// moveLife is how long a move waits for its new time.
const moveLife = 2 * time.Hour

// moveDraft is a meeting being moved.
type moveDraft struct {
	Participant string `json:"participant"`
	Meeting     string `json:"meeting"`
}

func moveRef(participant string) string { return "move:" + participant }

// moveArgs appends the move marker to a button's arguments.
func moveArgs(mv *moveDraft, args ...string) []string {
	if mv != nil {
		return append(args, "m")
	}
	return args
}

func stopArgs(p *roster.Participant, mv *moveDraft) []string { return moveArgs(mv, "stop", p.ID) }

func (s *step) clockOf(t time.Time) string { return t.In(s.in.Cal.Loc()).Format("15:04") }

// gone answers a button about a person who is no longer on the roster.
func (s *step) gone() {
	s.reason(ReasonGone)
	s.do(Answer{})
	s.say("error.gone", nil)
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
func (s *step) dayPicker(st *roster.Staff, p *roster.Participant, week int, msg int, mv *moveDraft) {
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
		if len(s.freeSlots(st, p, day, 1, moving(mv))) == 0 {
			continue
		}
		row = append(row, mtButton(s.dayLabel(lang, day), moveArgs(mv, "d", p.ID, day.String())...))
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	var nav []Button
	if week > 0 {
		nav = append(nav, mtButton(s.t("meeting.btn.prev_week", nil), moveArgs(mv, "w", p.ID, strconv.Itoa(week-1))...))
	}
	if week+1 < bookWeeks {
		nav = append(nav, mtButton(s.t("meeting.btn.next_week", nil), moveArgs(mv, "w", p.ID, strconv.Itoa(week+1))...))
	}
	id := "meeting.pick_day"
	if len(rows) == 0 {
		id = "meeting.no_days_this_week"
	}
	rows = append(rows, nav, []Button{mtButton(s.t("absence.btn.cancel", nil), stopArgs(p, mv)...)})
	s.say(id, locales.Args{"Name": p.Name, "Week": s.dayLabel(lang, from)}, withInline(rows), withEdit(msg))
}

// moving is the id of the meeting a move gives up, or "".
func moving(mv *moveDraft) string {
	if mv == nil {
		return ""
	}
	return mv.Meeting
}

func (s *step) timePicker(st *roster.Staff, p *roster.Participant, day roster.Date, msg int, mv *moveDraft) {
	slots := s.freeSlots(st, p, day, 1, moving(mv))
	if len(slots) == 0 {
		s.stale()
		return
	}
	var rows [][]Button
	var row []Button
	for _, sl := range slots {
		row = append(row, mtButton(sl.Start.Format("15:04"), moveArgs(mv, "t", p.ID, day.String(), hhmm(sl.Start))...))
		if len(row) == 4 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	rows = append(rows, []Button{mtButton(s.t("meeting.btn.other_day", nil), moveArgs(mv, "p", p.ID)...)})
	s.say("meeting.pick_time", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.lang(), day)}, withInline(rows), withEdit(msg))
}

// typedMeeting books "/meeting <participant> <date> <time> [force [reason]]".
// The participant may be named by id, first name or full name.
func (s *step) typedMeeting(st *roster.Staff, args string) {
	f := strings.Fields(args)
	p, rest := matchParticipant(s.in.Roster, bookable(s.in.Roster, st), f)
	if p == nil {
		s.reason(ReasonMeetingBadInput)
		if len(f) == 0 {
			s.say("meeting.usage", nil)
			return
		}
		s.say("meeting.unknown_participant", locales.Args{"Name": shorten(f[0], 40)})
		return
	}
	// "kl." / "kl" / "at" before the time are words, not the time.
	rest = slices.DeleteFunc(rest, func(w string) bool {
		w = strings.ToLower(w)
		return w == "kl." || w == "kl" || w == "at" || w == "klokka" || w == "klokken"
	})
	if len(rest) < 2 {
		s.reason(ReasonMeetingBadInput)
		s.say("meeting.usage", nil)
		return
	}
	day, ok1 := schedule.ParseDay(rest[0], s.today())
	clk, ok2 := schedule.ParseClock(rest[1])
	if !ok1 || !ok2 {
		s.reason(ReasonMeetingBadInput)
		s.say("meeting.usage", nil)
		return
	}
	start := s.in.Cal.At(day, clk)
	if len(rest) > 2 {
		if !strings.EqualFold(rest[2], "force") {
			s.reason(ReasonMeetingBadInput)
			s.say("meeting.usage", nil)
			return
		}
		reason := strings.TrimSpace(strings.Join(rest[3:], " "))
		if reason == "" {
			// The reason comes as the next message.
			s.reason(ReasonMeetingReasonAsked)
			s.open(withDraft(Conversation{Flow: "meeting", Ref: "force", Phase: PhaseMeetingReason, Input: true,
				Expires: s.in.Now.Add(reasonLife)}, meetingDraft{Participant: p.ID, Start: start}))
			s.say("meeting.force_needs_reason", locales.Args{"Name": p.Name})
			return
		}
		s.book(st, p, start, true, reason, 0)
		return
	}
	s.book(st, p, start, false, "", 0)
}

// input takes the written reason of a forced booking.
func (meetings) input(s *step, c *Conversation, m Message) {
	st := s.counsellor()
	d := draftOf[meetingDraft](c)
	p := s.in.Roster.Participant(d.Participant)
	s.close(c.Flow, c.Ref)
	if st == nil || p == nil {
		s.gone()
		return
	}
	reason := strings.TrimSpace(m.Text)
	if m.Media != nil || reason == "" {
		// Only words can be a reason: ask again.
		s.reason(ReasonMeetingReasonAsked)
		s.open(*c)
		s.say("meeting.force_needs_reason", locales.Args{"Name": p.Name})
		return
	}
	s.book(st, p, d.Start, true, shorten(reason, 500), 0)
}

// matchParticipant finds the participant named at the start of words —
// by id, first name or full name, case-insensitive — among ps, and
// returns the words after the name.
func matchParticipant(r *roster.Roster, ps []*roster.Participant, words []string) (*roster.Participant, []string) {
	for n := min(len(words), 4); n >= 1; n-- {
		q := strings.ToLower(strings.Join(words[:n], " "))
		var hits []*roster.Participant
		for _, p := range ps {
			name := strings.ToLower(p.Name)
			first, _, _ := strings.Cut(name, " ")
			if p.ID == q || name == q || (n == 1 && first == q) {
				hits = append(hits, p)
			}
		}
		if len(hits) == 1 {
			return hits[0], words[n:]
		}
	}
	return nil, nil
}

// shorten cuts what a user typed before it is echoed back.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// book checks the slot again and books it, or says what it clashes with
// and offers the nearest free slots.
func (s *step) book(st *roster.Staff, p *roster.Participant, start time.Time, force bool, reason string, msg int) {
	lang := s.lang()
	clashes, outside, ok := s.checkSlot(st, p, start, force, "", msg)
	if !ok {
		return
	}
	s.reason(ReasonMeetingBooked)
	mt := s.newMeeting(st, p, start)
	if force && (outside || len(clashes) > 0) {
		mt.Forced, mt.Reason = true, reason
	}
	day := s.in.Cal.Today(start)
	onPlacement := slices.ContainsFunc(clashes, func(b schedule.Busy) bool { return b.Kind == schedule.Placement })
	if mt.Forced && onPlacement && p.Placement != nil {
		// Employers learn that the participant will be away, never why.
		m := p.Placement.Mentor
		ml := s.langOf(m.ID)
		s.notify(m.ID, "meeting.mentor_away", locales.Args{"Name": p.Name, "Day": s.dayLabel(ml, day),
			"Start": s.clockOf(mt.Start), "End": s.clockOf(mt.End)})
		mt.MentorTold = true
	}
	s.putMeeting(mt)
	s.noticeToParticipant(p, mt, noticeFirst, nil)
	s.scheduleMeetingReminders(p, mt)
	id := "meeting.booked"
	if mt.Forced {
		id = "meeting.booked_forced"
	}
	text := s.t(id, locales.Args{"Name": p.Name, "Day": s.dayLabel(lang, day), "Start": s.clockOf(mt.Start),
		"End": s.clockOf(mt.End), "Place": mt.Place})
	s.do(Answer{})
	s.sayText(id, text, withInline(bookedKeyboard(s, p, mt)), withEdit(msg))
}

// bookedKeyboard is what a counsellor can do with a booked meeting.
func bookedKeyboard(s *step, p *roster.Participant, mt Meeting) [][]Button {
	return [][]Button{{mtButton(s.t("meeting.btn.cancel_meeting", nil), "x", p.ID, mt.ID),
		mtButton(s.t("meeting.btn.move", nil), "mv", p.ID, mt.ID)}}
}

func (s *step) newMeeting(st *roster.Staff, p *roster.Participant, start time.Time) Meeting {
	place := st.Place
	if place == "" {
		place = s.in.Roster.Programme.Name
	}
	return Meeting{ID: recordID(s.in.Now, len(s.facts(p.ID).Meetings)), Participant: p.ID, Counsellor: st.ID,
		Start: start, End: start.Add(MeetingLength), Place: place, BookedAt: s.in.Now}
}

// checkSlot checks a meeting time again, as the keyboard's offer may be
// stale; when it is not free (and not forced) it says why, offers the
// nearest free times, and reports false.
func (s *step) checkSlot(st *roster.Staff, p *roster.Participant, start time.Time, force bool, moving string, msg int) ([]schedule.Busy, bool, bool) {
	lang := s.lang()
	hours := HoursFor(s.in.Roster, st)
	clashes, outside := s.in.Cal.Clashes(p, hours, start, MeetingLength, s.busy(st, p, moving))
	past := start.Before(s.in.Now)
	if !past && (force || (!outside && len(clashes) == 0)) {
		return clashes, outside, true
	}
	s.reason(ReasonMeetingClash)
	lines := []string{s.t("meeting.clash", locales.Args{"Name": p.Name, "Day": s.dayLabel(lang, s.in.Cal.Today(start)),
		"Start": s.clockOf(start)})}
	if past {
		lines = append(lines, s.t("meeting.clash_past", nil))
	}
	if outside {
		lines = append(lines, s.t("meeting.clash_outside", locales.Args{"Start": clock(hours.Start), "End": clock(hours.End)}))
	}
	for _, c := range clashes {
		args := locales.Args{"Start": s.clockOf(c.Start), "End": s.clockOf(c.End), "Place": c.Place}
		lines = append(lines, s.t("meeting.clash_"+string(c.Kind), args))
	}
	var mv *moveDraft
	if moving != "" {
		mv = &moveDraft{Participant: p.ID, Meeting: moving}
	}
	var alts []Button
	for _, sl := range schedule.Nearest(s.freeSlots(st, p, s.today(), 7*bookWeeks, moving), start, 3) {
		d := s.in.Cal.Today(sl.Start)
		alts = append(alts, mtButton(s.dayLabel(lang, d)+" "+s.clockOf(sl.Start), moveArgs(mv, "t", p.ID, d.String(), hhmm(sl.Start))...))
	}
	if len(alts) > 0 {
		lines = append(lines, s.t("meeting.alternatives", nil))
	}
	opts := []sayOpt{withEdit(msg)}
	if len(alts) > 0 {
		opts = append(opts, withInline([][]Button{alts}))
	}
	s.do(Answer{})
	s.sayText("meeting.clash", locales.Lines(lang, lines), opts...)
	return nil, false, false
}

// move books the new time and cancels the old in one step, so the
// participant hears one message: moved from … to ….
func (s *step) move(st *roster.Staff, p *roster.Participant, oldID string, start time.Time, msg int) {
	old := s.facts(p.ID).Meetings[oldID]
	if _, _, ok := s.checkSlot(st, p, start, false, oldID, msg); !ok {
		return
	}
	s.reason(ReasonMeetingMoved)
	s.close("meeting", moveRef(p.ID))
	old.Cancelled = true
	s.putMeeting(old)
	s.do(CancelJob{ID: meetingJobID(1, p.ID, old.ID)})
	s.do(CancelJob{ID: meetingJobID(2, p.ID, old.ID)})
	mt := s.newMeeting(st, p, start)
	if old.MentorTold && p.Placement != nil {
		m := p.Placement.Mentor
		s.notify(m.ID, "meeting.mentor_not_away", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.langOf(m.ID), s.in.Cal.Today(old.Start))})
	}
	s.putMeeting(mt)
	s.noticeToParticipant(p, mt, noticeMoved, &old)
	s.scheduleMeetingReminders(p, mt)
	lang := s.lang()
	s.say("meeting.moved", locales.Args{"Name": p.Name, "OldDay": s.dayLabel(lang, s.in.Cal.Today(old.Start)),
		"OldStart": s.clockOf(old.Start), "Day": s.dayLabel(lang, s.in.Cal.Today(mt.Start)), "Start": s.clockOf(mt.Start),
		"End": s.clockOf(mt.End), "Place": mt.Place}, withInline(bookedKeyboard(s, p, mt)), withEdit(msg))
}

// putMeeting writes a meeting to the participant's record and its entry
// to the counsellor's calendar; a cancelled one leaves the calendar.
func (s *step) putMeeting(mt Meeting) {
	s.put(PersonKey(mt.Participant), fieldOf(meetingField, mt.ID), mt)
	f := CalendarEntryField(mt.Participant, mt.ID)
	if mt.Cancelled {
		s.put(CalendarKey(mt.Counsellor), f, nil)
		return
	}
	s.put(CalendarKey(mt.Counsellor), f, CalendarEntry{Participant: mt.Participant, Meeting: mt.ID, Start: mt.Start, End: mt.End})
}

// The versions of a meeting notice, kept in the day buttons so that an
// answer re-renders the message it was given on.
const (
	noticeFirst  = "n" // the first notice
	noticeSimple = "s" // the simpler repeat after a wrong pick
	noticeMoved  = "v" // the notice of a moved meeting
)

// withAdviser reports whether a meeting is with the participant's
// adviser rather than with Nav: the notice names the right organiser.
func (s *step) withAdviser(mt Meeting) bool {
	st := s.in.Roster.StaffMember(mt.Counsellor)
	return st != nil && !st.Has(roster.RoleNav)
}

// organised picks the adviser's wording of a message for a meeting with
// the adviser.
func (s *step) organised(id string, mt Meeting) string {
	if s.withAdviser(mt) {
		return id + "_adviser"
	}
	return id
}

// noticeLines is a meeting notice in lang: what, when, where, with whom,
// and when to leave work if it falls in a placement day.
func (s *step) noticeLines(lang string, p *roster.Participant, mt Meeting, version string, old *Meeting) []string {
	day := s.in.Cal.Today(mt.Start)
	counsellor := mt.Counsellor
	if c := s.in.Roster.StaffMember(mt.Counsellor); c != nil {
		counsellor = c.Name
	}
	args := locales.Args{"Day": s.dayLabel(lang, day), "Start": s.clockOf(mt.Start), "End": s.clockOf(mt.End),
		"Place": mt.Place, "Counsellor": counsellor}
	id := "meeting.notice"
	switch version {
	case noticeSimple:
		id = "meeting.notice_simple"
	case noticeMoved:
		id = "meeting.moved_notice"
		if old != nil {
			args["OldDay"], args["OldStart"] = s.dayLabel(lang, s.in.Cal.Today(old.Start)), s.clockOf(old.Start)
		}
	}
	lines := []string{tr(lang, s.organised(id, mt), args)}
	if hint := s.leaveHint(lang, p, mt); hint != "" {
		lines = append(lines, hint)
	}
	return lines
}

// travelTime is how long before a meeting a participant leaves their
// workplace for it.
const travelTime = 30 * time.Minute

// leaveHint tells a participant with a meeting inside a placement day
// when to leave work for it.
func (s *step) leaveHint(lang string, p *roster.Participant, mt Meeting) string {
	a, ok := s.in.Cal.PlacementOn(p, s.in.Cal.Today(mt.Start))
	if !ok || !mt.Start.Before(a.End) || !a.Start.Before(mt.End) {
		return ""
	}
	leave := mt.Start.Add(-travelTime)
	if !leave.After(a.Start) {
		return tr(lang, "meeting.before_work", locales.Args{"Place": a.Place})
	}
	return tr(lang, "meeting.leave_work", locales.Args{"Time": s.clockOf(leave), "Place": a.Place})
}

// noticeToParticipant tells the participant in their language. Instead
// of "OK?" it asks them to pick the right day among three: participants
// "say yes without knowing what they answer" (docs/behaviour.md).
func (s *step) noticeToParticipant(p *roster.Participant, mt Meeting, version string, old *Meeting) {
	lang := s.langOf(p.ID)
	day := s.in.Cal.Today(mt.Start)
	lines := append(s.noticeLines(lang, p, mt, version, old), tr(lang, "meeting.check", nil))
	// One day a row: with full day names three labels do not fit side by
	// side on a narrow phone.
	var kb [][]Button
	for _, d := range s.choiceDays(day, mt.ID) {
		label := s.dayLabel(lang, d) + " " + s.clockOf(mt.Start)
		kb = append(kb, []Button{{Text: label, Data: Payload{Flow: "mt", Args: []string{"c", mt.ID, d.String(), version}}.Encode()}})
	}
	kb = append(kb, cantComeRow(lang, mt))
	s.notifyText(p.ID, s.organised("meeting.notice", mt), locales.Lines(lang, lines), withInline(kb))
}

func cantComeRow(lang string, mt Meeting) []Button {
	return []Button{{Text: tr(lang, "meeting.btn.cant_come", nil), Data: Payload{Flow: "mt", Args: []string{"cant", mt.ID}}.Encode()}}
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
// An answer keeps every detail of the notice it was given on and adds its
// result; a repeat after a wrong pick is a message of its own.
func (s *step) meetingAnswer(pl Payload, msg int) {
	p, mt, ok := s.participantMeeting(pl.Arg(1))
	if !ok {
		s.stale()
		return
	}
	s.do(Answer{})
	lang := s.lang()
	day := s.in.Cal.Today(mt.Start)
	counsellor := s.in.Roster.StaffMember(mt.Counsellor)
	switch pl.Arg(0) {
	case "c":
		picked, ok := parseDate(pl.Arg(2))
		version := pl.Arg(3)
		if !ok || (version != noticeFirst && version != noticeSimple && version != noticeMoved) {
			s.stale()
			return
		}
		// The notice as it was given, for the edit. A moved notice is
		// given as the plain notice: "moved from" is said once.
		if version == noticeMoved {
			version = noticeFirst
		}
		lines := s.noticeLines(lang, p, mt, version, nil)
		if picked == day || mt.Understood {
			s.reason(ReasonMeetingUnderstood)
			lines = append(lines, s.t("meeting.understood", locales.Args{"Day": s.dayLabel(lang, day), "Start": s.clockOf(mt.Start)}))
			s.sayText("meeting.understood", locales.Lines(lang, lines), withInline([][]Button{cantComeRow(lang, mt)}), withEdit(msg))
			if mt.Understood {
				return // tapped again: decided already
			}
			mt.Understood = true
			s.putMeeting(mt)
			// The counsellor who heard "may not have understood" hears
			// that the participant got it in the end.
			if mt.Misunderstood > 0 && counsellor != nil {
				cl := s.langOf(counsellor.ID)
				s.notify(counsellor.ID, "meeting.now_understood", locales.Args{"Name": p.Name, "Day": s.dayLabel(cl, day),
					"Start": s.clockOf(mt.Start)})
			}
			return
		}
		s.reason(ReasonMeetingMisunderstood)
		lines = append(lines, s.t("meeting.wrong_day", nil))
		s.sayText("meeting.wrong_day", locales.Lines(lang, lines), withInline([][]Button{cantComeRow(lang, mt)}), withEdit(msg))
		first := mt.Misunderstood == 0
		mt.Misunderstood++
		s.putMeeting(mt)
		s.noticeToParticipant(p, mt, noticeSimple, nil)
		if first && counsellor != nil {
			cl := s.langOf(counsellor.ID)
			s.notify(counsellor.ID, "meeting.not_understood", locales.Args{"Name": p.Name, "Day": s.dayLabel(cl, day),
				"Start": s.clockOf(mt.Start), "Language": tr(cl, "langname."+s.langOf(p.ID), nil)})
		}
	case "cant":
		s.reason(ReasonMeetingCantCome)
		if counsellor == nil {
			s.stale()
			return
		}
		cl := s.langOf(counsellor.ID)
		kb := [][]Button{{mtButton(tr(cl, "meeting.btn.find_time", nil), "mv", p.ID, mt.ID),
			mtButton(tr(cl, "meeting.btn.cancel_meeting", nil), "x", p.ID, mt.ID)}}
		s.notify(counsellor.ID, "meeting.cant_come", locales.Args{"Name": p.Name, "Day": s.dayLabel(cl, day),
			"Start": s.clockOf(mt.Start)}, withInline(kb))
		lines := append(s.noticeLines(lang, p, mt, noticeFirst, nil), s.t("meeting.cant_told", locales.Args{"Name": counsellor.Name}))
		s.sayText("meeting.cant_told", locales.Lines(lang, lines), withEdit(msg))
	default:
		s.stale()
	}
}

// cancelMeeting cancels a meeting; the participant and, after an
// override, the mentor are told.
func (s *step) cancelMeeting(p *roster.Participant, id string, msg int) {
	mt, ok := s.facts(p.ID).Meetings[id]
	if !ok || mt.Cancelled {
		s.stale()
		return
	}
	s.reason(ReasonMeetingCancelled)
	mt.Cancelled = true
	s.putMeeting(mt)
	s.close("meeting", moveRef(p.ID))
	s.do(CancelJob{ID: meetingJobID(1, p.ID, id)})
	s.do(CancelJob{ID: meetingJobID(2, p.ID, id)})
	day := s.in.Cal.Today(mt.Start)
	pl := s.langOf(p.ID)
	s.notify(p.ID, s.organised("meeting.cancelled_notice", mt), locales.Args{"Day": s.dayLabel(pl, day), "Start": s.clockOf(mt.Start)})
	if mt.MentorTold && p.Placement != nil {
		m := p.Placement.Mentor
		s.notify(m.ID, "meeting.mentor_not_away", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.langOf(m.ID), day)})
	}
	s.say("meeting.cancelled", locales.Args{"Name": p.Name, "Day": s.dayLabel(s.lang(), day), "Start": s.clockOf(mt.Start)}, withEdit(msg))
}

// scheduleMeetingReminders plans the reminders the day before and two
// hours before (docs/behaviour.md).
func (s *step) scheduleMeetingReminders(p *roster.Participant, mt Meeting) {
	day := roster.DateOf(mt.Start.In(s.in.Cal.Loc()))
	before := s.in.Cal.At(schedule.AddDays(day, -1), s.in.Roster.Programme.Reminders.EveningBefore)
	if before.After(s.in.Now) {
		s.do(Schedule{ID: meetingJobID(1, p.ID, mt.ID), Due: before, Timer: MeetingTimer{Person: p.ID, Meeting: mt.ID, When: "day"}})
	}
	if two := mt.Start.Add(-2 * time.Hour); two.After(s.in.Now) {
		s.do(Schedule{ID: meetingJobID(2, p.ID, mt.ID), Due: two, Timer: MeetingTimer{Person: p.ID, Meeting: mt.ID, When: "2h"}})
	}
}

// meetingJobID names a meeting's reminder. Meeting ids are unique only
// per participant, so the participant is part of the name.
func meetingJobID(n int, participant, meeting string) string {
	return "mrem" + strconv.Itoa(n) + ":" + participant + ":" + meeting
}

func (meetings) timer(s *step, t Timer) {
	mtt, ok := t.(MeetingTimer)
	if !ok {
		return
	}
	p := s.in.Roster.Participant(mtt.Person)
	if p == nil {
		return
	}
	mt, ok := s.facts(p.ID).Meetings[mtt.Meeting]
	if !ok || mt.Cancelled {
		return
	}
	// "Tomorrow" only the day before; "soon" only before it starts.
	mday := roster.DateOf(mt.Start.In(s.in.Cal.Loc()))
	if (mtt.When != "2h" && !s.today().Before(mday)) || !s.in.Now.Before(mt.Start) {
		return
	}
	s.reason(ReasonMeetingReminder)
	lang := s.langOf(p.ID)
	id := "meeting.reminder_day"
	if mtt.When == "2h" {
		id = "meeting.reminder_soon"
	}
	lines := []string{tr(lang, s.organised(id, mt), locales.Args{"Day": s.dayLabel(lang, mday), "Start": s.clockOf(mt.Start), "Place": mt.Place})}
	if hint := s.leaveHint(lang, p, mt); hint != "" {
		lines = append(lines, hint)
	}
	s.notifyText(p.ID, s.organised(id, mt), locales.Lines(lang, lines), asBulk())
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
			End: m.End.In(s.in.Cal.Loc()), Place: m.Place, Meeting: m.ID})
	}
	return out
}
