package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"innsjekk/locales"
)

// The suite reads the bot's messages through the bot's own catalogue, so
// that rewording a message changes nothing here and every language is
// read the same way.

// norm removes the direction marks and isolates that right-to-left
// languages put around names, times and lines.
func norm(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200e', '\u200f', '\u2066', '\u2067', '\u2068', '\u2069':
			return -1
		}
		return r
	}, s)
}

// firstLine is a message's first line.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

type tmplKey struct{ lang, id string }

var (
	tmplMu    sync.Mutex
	tmplCache = map[tmplKey]*regexp.Regexp{}
)

// pattern turns catalogue message id in lang into an anchored regexp with
// one group per placeholder named, in the order given.
func pattern(lang, id string, names ...string) *regexp.Regexp {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	k := tmplKey{lang, id + "/" + strings.Join(names, ",")}
	if re, ok := tmplCache[k]; ok {
		return re
	}
	args := locales.Args{}
	for i, n := range names {
		args[n] = locales.Verbatim(fmt.Sprintf("\x01%d\x01", i))
	}
	q := regexp.QuoteMeta(norm(locales.Text(lang, id, args)))
	for i, n := range names {
		group := "(.+?)"
		if n == "Name" {
			// Written out, because a name next to another placeholder
			// ("{{.Name}} {{.Days}} ne li vir e.") has no edge of its own.
			group = "(" + nameRE + ")"
		}
		q = strings.Replace(q, regexp.QuoteMeta(fmt.Sprintf("\x01%d\x01", i)), group, 1)
	}
	re := regexp.MustCompile("^" + q + "$")
	tmplCache[k] = re
	return re
}

// matchName reports whether text (its first line) is message id in lang,
// and returns the {{.Name}} in it.
func matchName(lang, id, text string, names ...string) (string, bool) {
	m := pattern(lang, id, names...).FindStringSubmatch(norm(firstLine(text)))
	if m == nil {
		return "", false
	}
	for i, n := range names {
		if n == "Name" {
			return strings.TrimSpace(m[i+1]), true
		}
	}
	return "", true
}

// Kinds of message a participant's own action gets, counted per chat.
const (
	famHelp     = "help"
	famWeek     = "week"
	famAskDays  = "ask_days"
	famCheckin  = "checkin"
	famFeedback = "feedback_prompt"
)

// family says which counted reply a message to a participant or mentor
// is, or "".
func family(lang, text string) string {
	t := norm(text)
	switch {
	case t == norm(locales.Text(lang, "help.participant", nil)) || t == norm(locales.Text(lang, "help.mentor", nil)):
		return famHelp
	case strings.HasPrefix(t, norm(locales.Text(lang, "week.title", nil))):
		return famWeek
	case strings.HasPrefix(t, norm(locales.Text(lang, "absence.ask_days", nil))):
		return famAskDays
	}
	for _, id := range []string{"checkin.done", "checkin.already"} {
		if _, ok := matchName(lang, id, text, "Time", "Place"); ok {
			return famCheckin
		}
	}
	for _, id := range []string{"checkin.reported_absent", "checkin.no_placement"} {
		if t == norm(locales.Text(lang, id, nil)) {
			return famCheckin
		}
	}
	if t == norm(locales.Text(lang, "feedback.pick", nil)) {
		return famFeedback
	}
	if _, ok := matchName(lang, "feedback.any_time", text, "Name"); ok {
		return famFeedback
	}
	if t == norm(locales.Text(lang, "feedback.nobody", nil)) {
		return famFeedback
	}
	return ""
}

// Kinds of notice a staff member gets about a participant.
const (
	noticeTold   = "told"
	noticeUndone = "undone"
)

// staffNotice reads a notice to a mentor or adviser: its kind and the
// participant it names.
func staffNotice(lang, text string) (kind, name string, ok bool) {
	if n, ok := matchName(lang, "absence.mentor", text, "Name", "Days", "Back"); ok {
		return noticeTold, n, true
	}
	if n, ok := matchName(lang, "absence.mentor_no_back", text, "Name", "Days"); ok {
		return noticeTold, n, true
	}
	if n, ok := matchName(lang, "absence.undone_notice", text, "Name", "Days"); ok {
		return noticeUndone, n, true
	}
	if n, ok := matchName(lang, "absence.adviser", text, "Name", "Kind", "Days"); ok {
		return noticeTold, n, true
	}
	return "", "", false
}
