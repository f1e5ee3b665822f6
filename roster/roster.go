// Package roster is the domain: the programme, its staff, employers and
// participants as one municipality describes them in its roster file
// (docs/roster.md). It does no I/O beyond parsing bytes it is given.
package roster

import "time"

// Weekday names as written in the roster.
var dayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Languages the bot ships, in the order the language picker shows them
// (docs/translating.md).
var Languages = []string{"nb", "en", "ar", "ti", "so", "fa-AF", "ps", "uk", "ru", "ku"}

// ShipsLanguage reports whether lang is one of Languages.
func ShipsLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Role is a staff role as named in the roster.
type Role string

const (
	RoleAdviser Role = "adviser"
	RoleTeacher Role = "teacher"
	RoleNav     Role = "nav"
	RoleAdmin   Role = "admin"
	// RoleMentor is never written in the roster: employer contacts hold it.
	RoleMentor Role = "mentor"
	// RoleParticipant is never written in the roster either.
	RoleParticipant Role = "participant"
)

// Clock is a wall-clock time of day, minutes after midnight.
type Clock int

// Hour and Minute split the clock time.
func (c Clock) Hour() int   { return int(c) / 60 }
func (c Clock) Minute() int { return int(c) % 60 }

// Span is a half-open range of wall-clock minutes [Start, End).
type Span struct {
	Start, End Clock
}

// Date is a calendar date without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// In returns the start of the date in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d.Year == 0 }

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, dd := t.Date()
	return Date{y, m, dd}
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// String formats the date as ISO 8601.
func (d Date) String() string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

// Roster is one programme's whole roster. It is immutable once parsed:
// the engine shares one snapshot between goroutines.
type Roster struct {
	Programme    Programme
	Staff        []*Staff
	Employers    []*Employer
	Participants []*Participant

	byID map[string]any
}

// Programme holds the programme-wide settings with defaults applied.
type Programme struct {
	ID            string
	Name          string
	Timezone      string         // IANA name, default Europe/Oslo
	Location      *time.Location // loaded from Timezone
	NavHours      Span           // default 09:00-14:00
	OfficeHours   Span           // default 08:00-15:30: the working hours escalation counts
	QuietHours    Span           // default 21:00-07:00; Start > End means it wraps midnight
	Reminders     Reminders
	Sickness      Sickness
	EscalateAfter time.Duration // default 4h
	Digest        Digest
	Routing       map[string][]Role // category -> roles, first found wins
	Closed        []Date
	Retention     Retention
}

// Reminders configures participant reminders.
type Reminders struct {
	EveningBefore Clock         // default 18:00
	CheckinGrace  time.Duration // default 30m
}

// Sickness is the self-certification policy (docs/behaviour.md). Zero
// fields in a participant's override mean "use the programme's".
type Sickness struct {
	SelfCertifiedDays  int // default 3
	SelfCertifiedTimes int // default 4
	QualifyingWeeks    int // default 8
	SamePeriodDays     int // default 16
	ChildSickDays      int // default 10
	// Set names the keys written in the file. In a participant's
	// override an explicit 0 then means 0 — a participant under other
	// rules may have no qualifying weeks — rather than "inherit".
	Set map[string]bool
}

// Digest holds when advisers get their digests.
type Digest struct {
	Daily     Clock        // default 14:30
	WeeklyDay time.Weekday // default Friday
	WeeklyAt  Clock        // default 13:00
}

// Retention says how long data is kept (docs/privacy.md).
type Retention struct {
	Records time.Duration // absences, check-ins, feedback: default 365 days
	Issues  time.Duration // issue messages and media references: default 90 days
}

// Person is what every roster person has.
type Person struct {
	ID       string
	Name     string
	Language string // one of Languages
	Line     int    // line in the roster file, for messages
}

// Staff is a programme staff member; one may hold several roles.
type Staff struct {
	Person
	Roles    []Role
	NavHours *Span  // own office's hours, nil = programme's
	Place    string // where they meet participants (Nav meetings), optional
	Backup   *Staff // takes this person's issues while they are away, nil = none
	// AwayFrom and AwayTo are the first and the last day away, both
	// included; zero = not away.
	AwayFrom, AwayTo Date
}

// AwayOn reports whether s is away on d, AwayFrom <= d <= AwayTo. Someone
// with no away period is never away.
func (s *Staff) AwayOn(d Date) bool {
	if s.AwayFrom.IsZero() || s.AwayTo.IsZero() {
		return false
	}
	return !d.Before(s.AwayFrom) && !s.AwayTo.Before(d)
}

// Has reports whether the staff member holds role r.
func (s *Staff) Has(r Role) bool {
	for _, x := range s.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Employer is a workplace hosting placements.
type Employer struct {
	ID       string
	Name     string
	Address  string
	Contacts []*Contact
	Line     int
}

// Contact is an employer's contact person (mentor).
type Contact struct {
	Person
	Employer    *Employer
	MorningCard bool
}

// Participant is a person in the introduction programme.
type Participant struct {
	Person
	ProgrammeStart Date
	Children       int
	SingleCarer    bool
	Sickness       *Sickness // participant's own override, nil = programme's
	Adviser        *Staff    // required
	Teacher        *Staff    // optional
	Nav            *Staff    // optional
	Placement      *Placement
	Classes        []Class
}

// Placement is a participant's language-practice placement.
type Placement struct {
	Employer *Employer
	Mentor   *Contact
	Days     []time.Weekday
	Hours    Span
	From, To Date // inclusive; zero = open
	Goals    []Goal
}

// Goal is a learning goal of a placement. Its ID is what check-ins and
// feedback on the goal are kept under, so it outlives edits of Text. Ids
// are unique within one placement only; two placements may both have a
// goal "hygiene" that mean different things.
type Goal struct {
	ID   string // [a-z0-9_-]+, at most MaxIDLength
	Text string // never empty
}

// Class is a recurring class.
type Class struct {
	Days  []time.Weekday
	Hours Span
	Place string
}
