package roster

import (
	"fmt"
	"strings"
	"sync"
)

// bigRoster writes a roster in the style of examples/roster.yaml, with
// comments and shared classes, n participants, one adviser per 30 of
// them, one teacher per 20 and one employer per 5: what a large
// municipality keeps by hand.
func bigRoster(n int) []byte {
	var b strings.Builder
	b.WriteString("# Roster of a large municipality, generated for tests.\n\n")
	b.WriteString("programme:\n  id: stor\n  name: Storby læringssenter\n  timezone: Europe/Oslo\n")
	b.WriteString("  reminders: {evening_before: \"18:00\", checkin_grace: 30m}\n")
	b.WriteString("  closed: [2026-12-24, 2026-12-31]\n\n")
	b.WriteString("x-classes:\n  - &norsk {days: [mon, wed], hours: \"09:00-12:00\", place: Storby læringssenter}\n")
	b.WriteString("  - &work {hours: \"12:30-14:30\", place: Storby læringssenter}\n\nstaff:\n")
	advisers, teachers, navs, employers := max(n/30, 1), max(n/20, 1), max(n/50, 1), max(n/5, 1)
	for i := range advisers {
		fmt.Fprintf(&b, "  - {id: adviser-%d, name: Rådgiver Nummer %d, roles: [adviser], language: nb}\n", i, i)
	}
	for i := range teachers {
		fmt.Fprintf(&b, "  - {id: teacher-%d, name: Lærer Nummer %d, roles: [teacher], language: nb}\n", i, i)
	}
	for i := range navs {
		fmt.Fprintf(&b, "  - {id: nav-%d, name: Nav-veileder %d, roles: [nav], nav_hours: \"09:00-15:00\", place: \"Nav Storby, Storgata %d\"}\n", i, i, i)
	}
	b.WriteString("\nemployers:\n")
	for i := range employers {
		fmt.Fprintf(&b, "  # Workplace %d\n  - id: employer-%d\n    name: Arbeidsplass nummer %d AS\n    address: Industrivegen %d, 2819 Storby\n    contacts:\n      - {id: mentor-%d, name: Mentor Nummer %d, language: nb, morning_card: %t}\n",
			i, i, i, i, i, i, i%2 == 0)
	}
	b.WriteString("\nparticipants:\n")
	for i := range n {
		e := i % employers
		fmt.Fprintf(&b, `  - id: participant-%d
    name: Deltaker Med Et Langt Navn %d
    language: %s
    programme_start: 2026-03-02  # for the qualifying weeks
    children: %d
    adviser: adviser-%d
    teacher: teacher-%d
    nav: nav-%d
    placement:
      employer: employer-%d
      mentor: mentor-%d
      days: [tue, thu]
      hours: "09:00-15:00"
      from: 2026-08-17
      to: 2027-06-18
      goals:
        - {id: hygiene, text: "Følger hygienerutiner på kjøkkenet"}
        - "Sier ifra når noe er uklart"
    classes:
      - *norsk
      - {<<: *work, days: [fri]}

`, i, i, Languages[i%len(Languages)], i%4, i%advisers, i%teachers, i%navs, e, e)
	}
	return []byte(b.String())
}

// atLimit is the largest bigRoster that leaves room for a few lines
// under MaxFileSize.
var atLimit = sync.OnceValue(func() []byte {
	per := len(bigRoster(200)) - len(bigRoster(100))
	n := (MaxFileSize - 4096 - len(bigRoster(0))) / (per / 100)
	for {
		if data := bigRoster(n); len(data) <= MaxFileSize-4096 {
			return data
		}
		n -= 10
	}
})
