package flows

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"innsjekk/absence"
	"innsjekk/roster"
)

// Absence is one day a participant is away (PRODUCT.md §6: date, kind,
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

// Facts is what one person reported, as stored.
type Facts struct {
	Absences map[string]Absence // by ISO date
	Notices  map[string]Notice  // by id
	CheckIns map[string]CheckIn // by ISO date
	Meetings map[string]Meeting // by id
}

// factID names a notice or meeting: short (it travels in button data) and
// unique per person, even for two made at the same instant.
func factID(now time.Time, n int) string {
	return strconv.FormatInt(now.UnixMilli(), 36) + "." + strconv.Itoa(n)
}

// Field names in a person's facts hash.
func absenceField(date string) string { return "a:" + date }
func noticeField(id string) string    { return "n:" + id }
func checkInField(date string) string { return "c:" + date }

// DecodeFacts reads a stored facts hash; unreadable fields are skipped.
func DecodeFacts(fields map[string]string) *Facts {
	f := newFacts()
	for k, v := range fields {
		switch {
		case strings.HasPrefix(k, "a:"):
			var a Absence
			if json.Unmarshal([]byte(v), &a) == nil {
				f.Absences[a.Date] = a
			}
		case strings.HasPrefix(k, "n:"):
			var n Notice
			if json.Unmarshal([]byte(v), &n) == nil {
				f.Notices[n.ID] = n
			}
		case strings.HasPrefix(k, "c:"):
			var c CheckIn
			if json.Unmarshal([]byte(v), &c) == nil {
				f.CheckIns[c.Date] = c
			}
		case strings.HasPrefix(k, "m:"):
			var m Meeting
			if json.Unmarshal([]byte(v), &m) == nil {
				f.Meetings[m.ID] = m
			}
		}
	}
	return f
}

func newFacts() *Facts {
	return &Facts{Absences: map[string]Absence{}, Notices: map[string]Notice{}, CheckIns: map[string]CheckIn{},
		Meetings: map[string]Meeting{}}
}

// FactsFor lists the people whose facts a step needs: the chat's own
// person, the participants placed with a mentor, and a timer's subject.
func FactsFor(r *roster.Roster, chatPerson string, ev Event) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	who := []string{chatPerson}
	if ev.Kind == EvTimer {
		who = append(who, decodeTimer(ev.Data).Person)
	}
	for _, id := range who {
		if id == "" {
			continue
		}
		if r.Participant(id) != nil {
			add(id)
		}
		// A workplace contact's morning card covers the whole workplace.
		if c := r.Contact(id); c != nil {
			for _, p := range r.Participants {
				if p.Placement != nil && p.Placement.Employer == c.Employer {
					add(p.ID)
				}
			}
		}
		// A counsellor books into their participants' calendars.
		if st := r.StaffMember(id); st != nil && (st.Has(roster.RoleNav) || st.Has(roster.RoleAdviser)) {
			for _, p := range r.Participants {
				if st.Has(roster.RoleAdmin) || p.Adviser == st || p.Nav == st {
					add(p.ID)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// SetFact writes (or, with a nil Value, deletes) one field of a person's
// facts.
type SetFact struct {
	Person string
	Field  string
	Value  any
}

// Schedule adds a durable job; a job with the same id is not added twice.
type Schedule struct {
	ID     string
	Kind   string
	Due    time.Time
	Person string
	Data   TimerData
}

func (SetFact) action()  {}
func (Schedule) action() {}

// TimerData is what a job carries back to the flow when it falls due.
type TimerData struct {
	Person string `json:"person"`
	Date   string `json:"date,omitempty"`
	Notice string `json:"notice,omitempty"`
}

func decodeTimer(s string) TimerData {
	var t TimerData
	_ = json.Unmarshal([]byte(s), &t)
	return t
}

// Encode renders the timer data for a job.
func (t TimerData) Encode() string {
	b, _ := json.Marshal(t)
	return string(b)
}

// FactDate is the date a stored fact is about (for a notice, its last
// day), used to expire facts after the retention period.
func FactDate(field, value string) string {
	switch {
	case strings.HasPrefix(field, "a:"), strings.HasPrefix(field, "c:"):
		return field[2:]
	case strings.HasPrefix(field, "m:"):
		var m Meeting
		if json.Unmarshal([]byte(value), &m) == nil && !m.Start.IsZero() {
			return m.Start.UTC().Format("2006-01-02")
		}
	case strings.HasPrefix(field, "n:"):
		var n Notice
		if json.Unmarshal([]byte(value), &n) == nil && len(n.Days) > 0 {
			last := n.Days[0]
			for _, d := range n.Days {
				if d > last {
					last = d
				}
			}
			return last
		}
	}
	return "9999-12-31" // unknown: keep
}
