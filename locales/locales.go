// Package locales holds every user-facing string of Innsjekk in the ten
// shipped languages (docs/translating.md) and renders them.
//
// Each language is loaded into one go-i18n bundle and looked up with a
// localizer for exactly that tag: go-i18n's own matcher would hand a
// Russian speaker Ukrainian text, so the caller always names the language
// .
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

//go:embed active.*.yaml
var files embed.FS

// Source is the language every other language is checked against.
const Source = "en"

// Fallback is used for a language the bot does not ship.
const Fallback = "nb"

// Unicode first-strong isolate and pop directional isolate.
const (
	FSI = "\u2068"
	PDI = "\u2069"
)

var rtl = map[string]bool{"ar": true, "fa-AF": true, "ps": true}

// RTL reports whether lang is written right to left.
func RTL(lang string) bool { return rtl[lang] }

// Isolate wraps s so that it keeps its own direction inside text of
// lang: names, places, times and numbers inside Arabic, Dari or Pashto
// would otherwise be reordered by the bidi algorithm (docs/behaviour.md).
func Isolate(lang, s string) string {
	if !rtl[lang] || s == "" {
		return s
	}
	return FSI + s + PDI
}

var (
	loadOnce   sync.Once
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	loadErr    error
)

func load() {
	bundle = i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	localizers = map[string]*i18n.Localizer{}
	names, err := fs.Glob(files, "active.*.yaml")
	if err != nil {
		loadErr = err
		return
	}
	for _, name := range names {
		if _, err := bundle.LoadMessageFileFS(files, name); err != nil {
			loadErr = fmt.Errorf("load %s: %w", name, err)
			return
		}
		lang := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "active."), ".yaml")
		localizers[lang] = i18n.NewLocalizer(bundle, lang)
	}
}

// Check loads the catalogue and reports a broken file. The binary calls
// it at start so a bad translation stops a deploy, not a conversation.
func Check() error {
	loadOnce.Do(load)
	return loadErr
}

// Args are a message's template arguments. Values are isolated for
// right-to-left languages when rendered, except a Verbatim.
type Args map[string]any

// Verbatim is an argument already rendered for its language, such as a
// List whose items were isolated one by one: Text puts it in as it is.
type Verbatim string

// List joins items the way lang writes a list: with the Arabic comma in
// Arabic, Dari and Pashto, with a comma elsewhere. Items that need
// isolating must come isolated; isolating the whole list would turn its
// commas around.
func List(lang string, items []string) Verbatim {
	sep := ", "
	if rtl[lang] {
		sep = "، "
	}
	return Verbatim(strings.Join(items, sep))
}

// Text renders message id in lang. args may hold "Count" (an int) to pick
// the plural form. A missing message yields the Norwegian text, or the id
// itself, so that a user never sees an empty message; the catalogue test
// keeps that from happening in a release.
func Text(lang, id string, args Args) string {
	loadOnce.Do(load)
	loc, ok := localizers[lang]
	if !ok {
		lang = Fallback
		loc = localizers[lang]
	}
	if loc == nil {
		return id
	}
	data := make(map[string]any, len(args))
	var count any
	for k, v := range args {
		if k == "Count" {
			count = v
		}
		if v, ok := v.(Verbatim); ok {
			data[k] = string(v)
			continue
		}
		data[k] = Isolate(lang, fmt.Sprint(v))
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return id
	}
	if rtl[lang] {
		s = bidiFix(s)
	}
	return s
}

// command is a /command in running text: not part of a path or a link.
var command = regexp.MustCompile(`(^|[^\p{L}\p{N}/:.` + FSI + `])(/[a-z][a-z_]*)`)

// bidiFix keeps two things in order inside right-to-left text, at render
// time so that translators need not know about them (docs/behaviour.md):
//   - a /command after right-to-left words, whose slash would otherwise
//     take the paragraph's direction and show as "mydata/";
//   - a range of two isolated values, "09:00–12:00", which the bidi
//     algorithm would lay out as "12:00–09:00" with the dash between two
//     isolates; one isolate around the whole range keeps it one unit.
func bidiFix(s string) string {
	for _, dash := range []string{"–", "-"} {
		s = strings.ReplaceAll(s, PDI+dash+FSI, dash)
	}
	return command.ReplaceAllString(s, "${1}"+FSI+"${2}"+PDI)
}

// Name returns the language's name written in that language, for the
// language picker.
func Name(lang string) string {
	return Text(lang, "language.name", nil)
}

// rlm is the right-to-left mark.
const rlm = "\u200f"

// Lines joins the lines of one message. In a right-to-left language each
// line starts with a right-to-left mark: a line that begins with an
// isolated name or time has no strong character of its own, and would
// otherwise be laid out left to right.
func Lines(lang string, lines []string) string {
	if !rtl[lang] {
		return strings.Join(lines, "\n")
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = rlm + l
	}
	return strings.Join(out, "\n")
}
