package flows

import (
	"strings"
	"sync"
	"unicode"

	"innsjekk/locales"
	"innsjekk/roster"
)

var (
	sickOnce  sync.Once
	sickWords []string
)

// isSickWord reports whether typed text says "sick" in any shipped
// language ("syk", "sick", "مريض" start the sick flow, docs/behaviour.md).
// Every language's words count: people often type in Norwegian or
// English whatever their own language.
func isSickWord(text string) bool {
	sickOnce.Do(func() {
		for _, l := range roster.Languages {
			for _, w := range strings.Split(locales.Text(l, "absence.words", nil), ",") {
				if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
					sickWords = append(sickWords, w)
				}
			}
		}
	})
	t := strings.ToLower(text)
	words := strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) })
	for _, w := range words {
		for _, s := range sickWords {
			if w == s {
				return true
			}
		}
	}
	return false
}
