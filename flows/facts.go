package flows

import (
	"slices"
	"strconv"
	"time"

	"innsjekk/absence"
	"innsjekk/roster"
)

// What a participant reported, stored in their own record (PersonKey).

// Absence is one day a participant is away (docs/privacy.md: date, kind,
// reported at, by whom, late). No health detail is ever kept.
type Absence struct {
	Date       string       `json:"date"` // ISO date
	Kind       absence.Kind `json:"kind"`
	ReportedAt time.Time    `json:"reported_at"`
	By         string       `json:"by"`
	Late       bool         `json:"late,omitempty"`
	Notice     string       `json:"notice"`
}

// Notice is one report: the days it covers and whom it told, so that an
// undo or an extension tells the same people.
type Notice struct {
	ID         string       `json:"id"`
	Kind       absence.Kind `json:"kind"`
	Days       []string     `json:"days"`
	ReportedAt time.Time    `json:"reported_at"`
	CallMe     bool         `json:"call_me,omitempty"`
	Undone     bool         `json:"undone,omitempty"`
	Told       []string     `json:"told,omitempty"`
}

// CheckIn is a participant's arrival on a placement day.
type CheckIn struct {
	Date string    `json:"date"`
	At   time.Time `json:"at"`
	// Problem: the participant answered the nudge with "other problem";
	// the adviser has been told, so it is not an unexplained absence.
	Problem bool `json:"problem,omitempty"`
}

// Field prefixes of a person's record.
var (
	absenceField = field[Absence]("a", 1)
	noticeField  = field[Notice]("n", 1)
	checkInField = field[CheckIn]("c", 1)
)

func fieldOf(prefix, id string) string { return prefix + ":" + id }

// facts is a typed view of a person's record.
type facts struct {
	Absences map[string]Absence // by ISO date
	Notices  map[string]Notice  // by id
	CheckIns map[string]CheckIn // by ISO date
	Meetings map[string]Meeting // by id
}

// facts returns the current view of what person reported.
func (s *step) facts(person string) facts {
	return factsOf(s.rec(PersonKey(person)))
}

func factsOf(r Record) facts {
	f := facts{Absences: map[string]Absence{}, Notices: map[string]Notice{}, CheckIns: map[string]CheckIn{},
		Meetings: map[string]Meeting{}}
	for _, v := range r {
		switch x := v.(type) {
		case Absence:
			f.Absences[x.Date] = x
		case Notice:
			f.Notices[x.ID] = x
		case CheckIn:
			f.CheckIns[x.Date] = x
		case Meeting:
			f.Meetings[x.ID] = x
		}
	}
	return f
}

// Meetings returns the meetings stored in a person's record, for the
// command line's slot finder.
func Meetings(r Record) []Meeting {
	var out []Meeting
	for _, m := range factsOf(r).Meetings {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Meeting) int { return a.Start.Compare(b.Start) })
	return out
}

func (s *step) setAbsence(person string, a Absence) {
	s.put(PersonKey(person), fieldOf(absenceField, a.Date), a)
}

func (s *step) deleteAbsence(person, date string) {
	s.put(PersonKey(person), fieldOf(absenceField, date), nil)
}

func (s *step) setNotice(person string, n Notice) {
	s.put(PersonKey(person), fieldOf(noticeField, n.ID), n)
}

func (s *step) setCheckIn(person string, c CheckIn) {
	s.put(PersonKey(person), fieldOf(checkInField, c.Date), c)
}

// recordID names a notice or meeting: short (it travels in button data)
// and unique per person, even for two made at the same instant.
func recordID(now time.Time, n int) string {
	return strconv.FormatInt(now.UnixMilli(), 36) + "." + strconv.Itoa(n)
}

// RecordDate is the date a stored value is about, used to expire it after
// the retention period (docs/privacy.md); false for a value kept until
// something else removes it.
func RecordDate(v any, loc *time.Location) (string, bool) {
	switch x := v.(type) {
	case Absence:
		return x.Date, true
	case CheckIn:
		return x.Date, true
	case Meeting:
		if x.Start.IsZero() {
			return "", false
		}
		return x.Start.In(loc).Format("2006-01-02"), true
	case CalendarEntry:
		return x.Start.In(loc).Format("2006-01-02"), true
	case Notice:
		if len(x.Days) == 0 {
			return "", false
		}
		return slices.Max(x.Days), true
	case dated:
		return x.recordDate(loc)
	}
	return "", false
}

// dated is a stored value that knows its own date for retention.
type dated interface {
	recordDate(loc *time.Location) (string, bool)
}

func datesOf(isos []string) []roster.Date {
	var out []roster.Date
	for _, iso := range isos {
		if d, ok := parseDate(iso); ok {
			out = append(out, d)
		}
	}
	return out
}
