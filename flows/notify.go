package flows

import (
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
)

// langOf is the language a person reads: their own choice, else the
// roster's.
func (s *step) langOf(id string) string {
	if b, ok := s.in.People[id]; ok && roster.ShipsLanguage(b.Lang) {
		return b.Lang
	}
	if p, _ := s.in.Roster.Person(id); p != nil && roster.ShipsLanguage(p.Language) {
		return p.Language
	}
	return locales.Fallback
}

// notify tells another person something, in their language. Nothing but
// answers to a user's own action goes out in quiet hours (PRODUCT.md §3.4),
// so a notice falling in them waits for their end; it is urgent, so it
// then goes ahead of anything else queued.
func (s *step) notify(to, id string, args locales.Args, opts ...sayOpt) {
	s.notifyText(to, id, locales.Text(s.langOf(to), id, args), opts...)
}

func (s *step) notifyText(to, id, text string, opts ...sayOpt) {
	m := Say{ToPerson: to, Lang: s.langOf(to), MsgID: id, Text: text, Urgent: true, Reason: s.out.Reason,
		NotBefore: s.quietEnd()}
	for _, o := range opts {
		o(&m)
	}
	s.out.Actions = append(s.out.Actions, m)
}

// quietEnd is when a notification may go out: now, or the end of quiet
// hours.
func (s *step) quietEnd() time.Time {
	if s.in.Cal.InQuiet(s.in.Now) {
		return s.in.Cal.QuietEnd(s.in.Now)
	}
	return time.Time{}
}

// tr renders message id in lang.
func tr(lang, id string, args locales.Args) string { return locales.Text(lang, id, args) }

// facts returns the loaded facts of person, never nil.
func (s *step) facts(person string) *Facts {
	if f := s.in.Facts[person]; f != nil {
		return f
	}
	f := newFacts()
	if s.in.Facts == nil {
		s.in.Facts = map[string]*Facts{}
	}
	s.in.Facts[person] = f
	return f
}

// setFact records a fact and keeps the loaded copy in step with it.
func (s *step) setFact(person, field string, v any) {
	f := s.facts(person)
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
	s.do(SetFact{Person: person, Field: field, Value: v})
}

func (s *step) deleteAbsence(person, date string) {
	delete(s.facts(person).Absences, date)
	s.do(SetFact{Person: person, Field: absenceField(date)})
}

// dayLabel is "Tue 01.12" in lang.
func (s *step) dayLabel(lang string, d roster.Date) string {
	t := d.In(s.in.Cal.Loc())
	return tr(lang, "day."+weekdayKeys[t.Weekday()], nil) + " " + t.Format("02.01")
}

func parseDate(s string) (roster.Date, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return roster.Date{}, false
	}
	return roster.DateOf(t), true
}
