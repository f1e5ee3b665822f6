package schedule

import (
	"time"

	"innsjekk/roster"
)

// Easter returns Easter Sunday of year in the Gregorian calendar, by the
// anonymous Gregorian algorithm (Meeus/Jones/Butcher). Norway has used the
// Gregorian reckoning of Easter since 1700, so no Julian variant is needed.
func Easter(year int) roster.Date {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return roster.Date{Year: year, Month: time.Month(n / 31), Day: n%31 + 1}
}

// fixedHolidays are the public holidays that fall on the same date every
// year.
var fixedHolidays = map[[2]int]string{
	{1, 1}:   "1. nyttårsdag",
	{5, 1}:   "1. mai",
	{5, 17}:  "17. mai",
	{12, 25}: "1. juledag",
	{12, 26}: "2. juledag",
}

// easterHolidays are the moving holidays as days after Easter Sunday.
var easterHolidays = map[int]string{
	-3: "skjærtorsdag",
	-2: "langfredag",
	0:  "1. påskedag",
	1:  "2. påskedag",
	39: "Kristi himmelfartsdag",
	49: "1. pinsedag",
	50: "2. pinsedag",
}

// Holiday reports whether d is a Norwegian public holiday and, if so, its
// Norwegian name. Sundays are not holidays by this function: callers that
// care about weekends check the weekday themselves.
func Holiday(d roster.Date) (name string, ok bool) {
	if name, ok := fixedHolidays[[2]int{int(d.Month), d.Day}]; ok {
		return name, true
	}
	if d.Month < time.March || d.Month > time.June {
		// Easter falls between 22 March and 25 April, so the moving
		// holidays lie between 19 March and 14 June.
		return "", false
	}
	// Both dates are in the same year, so their day numbers differ by the
	// days between them.
	name, ok = easterHolidays[yearDay(d)-yearDay(Easter(d.Year))]
	return name, ok
}

func yearDay(d roster.Date) int {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).YearDay()
}
