package schedule

import (
	"strings"
	"time"

	"innsjekk/roster"
)

// weekdayNames are the weekday words staff type in /meeting (docs/behaviour.md
// §3.5), in Bokmål and English, full and short. The ASCII spellings of
// lørdag and søndag are there for keyboards without ø.
var weekdayNames = map[string]time.Weekday{
	"mandag": time.Monday, "man": time.Monday,
	"tirsdag": time.Tuesday, "tir": time.Tuesday, "tirs": time.Tuesday,
	"onsdag": time.Wednesday, "ons": time.Wednesday,
	"torsdag": time.Thursday, "tor": time.Thursday, "tors": time.Thursday,
	"fredag": time.Friday, "fre": time.Friday,
	"lørdag": time.Saturday, "lør": time.Saturday, "lordag": time.Saturday, "lor": time.Saturday,
	"søndag": time.Sunday, "søn": time.Sunday, "sondag": time.Sunday, "son": time.Sunday,

	"monday": time.Monday, "mon": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"friday": time.Friday, "fri": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday,
	"sunday": time.Sunday, "sun": time.Sunday,
}

// relativeDays are the words for today and tomorrow, as days after today.
// Phone keyboards often drop the space in "i dag", so both are accepted.
var relativeDays = map[string]int{
	"i dag": 0, "idag": 0, "today": 0,
	"i morgen": 1, "imorgen": 1, "tomorrow": 1,
}

// leapGap bounds the search for a day without a year: 29 February can be
// up to eight years away (2096 to 2104).
const leapGap = 8

// ParseDay reads a day as staff type it after /meeting (docs/behaviour.md):
// "2026-12-01", "1.12", "01.12.2026", "1.12.26", "i dag"/"today",
// "i morgen"/"tomorrow", or a weekday name in Bokmål or English, full or
// short ("tirsdag", "tir", "tuesday", "tue"), in any case. A weekday is the
// next such day on or after today, and so is a day without a year. Digits
// may be Arabic-Indic or Persian. Days are written day first, as in
// Norway; slashes are refused rather than guessed, since "1/12" means 12
// January to anyone used to American dates. A date that does not exist
// (31.4) is refused, never rolled over.
func ParseDay(s string, today roster.Date) (roster.Date, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(NormalizeDigits(s)), " "))
	// A trailing dot is how Norwegians write both "1.12." and "tir.".
	s = strings.TrimSuffix(s, ".")
	if n, ok := relativeDays[s]; ok {
		return AddDays(today, n), true
	}
	if w, ok := weekdayNames[s]; ok {
		return AddDays(today, (int(w)-int(Weekday(today))+7)%7), true
	}
	if y, rest, ok := strings.Cut(s, "-"); ok {
		m, d, ok := strings.Cut(rest, "-")
		if !ok || len(y) != 4 {
			return roster.Date{}, false
		}
		return dateOf(number(y, 4), number(m, 2), number(d, 2))
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return roster.Date{}, false
	}
	d, m := number(parts[0], 2), number(parts[1], 2)
	if len(parts) == 3 {
		y := parts[2]
		switch len(y) {
		case 2:
			// The programme books meetings, not birthdays: "26" is 2026.
			return dateOf(2000+number(y, 2), m, d)
		case 4:
			return dateOf(number(y, 4), m, d)
		}
		return roster.Date{}, false
	}
	if d < 1 || m < 1 || m > 12 {
		return roster.Date{}, false
	}
	for y := today.Year; y <= today.Year+leapGap; y++ {
		if date, ok := dateOf(y, m, d); ok && !date.Before(today) {
			return date, true
		}
	}
	return roster.Date{}, false
}

// dateOf returns the date y-m-d if it exists. Year 0 is refused because a
// zero year is roster.Date's "unset".
func dateOf(y, m, d int) (roster.Date, bool) {
	if y < 1 || m < 1 || m > 12 || d < 1 {
		return roster.Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return roster.Date{}, false
	}
	return roster.Date{Year: y, Month: time.Month(m), Day: d}, true
}

// number reads 1 to width ASCII digits, or returns -1, which every
// caller's range check refuses.
func number(s string, width int) int {
	if len(s) < 1 || len(s) > width {
		return -1
	}
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ParseClock reads a time of day as staff type it after /meeting
// (docs/behaviour.md): "10", "9", "10:00", "10.30", "0930", "kl. 10", with
// ASCII, Arabic-Indic or Persian digits, from 00:00 to 23:59. Minutes
// after a separator must have two digits, and three digits alone
// ("930") are refused: a time asked for again costs a message, a time
// guessed wrong books a meeting nobody meant.
func ParseClock(s string) (roster.Clock, bool) {
	s = strings.ToLower(strings.TrimSpace(NormalizeDigits(s)))
	// The Arabic decimal separator is the dot key on Arabic and Dari
	// keyboards.
	s = strings.ReplaceAll(s, "\u066b", ".")
	if rest, ok := strings.CutPrefix(s, "kl"); ok {
		s = strings.TrimSpace(strings.TrimPrefix(rest, "."))
	}
	var h, m int
	switch i := strings.IndexAny(s, ":."); {
	case i >= 0:
		if len(s)-i-1 != 2 {
			return 0, false
		}
		h, m = number(s[:i], 2), number(s[i+1:], 2)
	case len(s) == 4:
		h, m = number(s[:2], 2), number(s[2:], 2)
	default:
		h, m = number(s, 2), 0
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return roster.Clock(h*60 + m), true
}
