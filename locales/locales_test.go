package locales

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// shipped maps every language the bot ships (docs/translating.md) to the tag
// whose CLDR plural rules it follows in golang.org/x/text.
var shipped = map[string]string{
	"en": "en", "nb": "nb", "ar": "ar", "ti": "ti", "so": "so",
	"fa-AF": "fa", "ps": "ps", "uk": "uk", "ru": "ru", "ku": "ku",
}

// counts reach every integer plural category of the shipped languages
// (Arabic's six, Russian's and Ukrainian's one/few/many).
var counts = []int{0, 1, 2, 3, 5, 11, 21, 100}

// draftHeader is the first line of a translation no native speaker has
// reviewed (docs/translating.md).
const draftHeader = "# machine-drafted: not yet reviewed by a native speaker"

// message is one entry of a catalogue file. A plain string is stored as
// its "other" form.
type message struct {
	plural bool
	forms  map[string]string // plural form ("zero" … "other") → template
}

// pluralKeys and otherKeys are the keys go-i18n reads as a message rather
// than as a nested group (go-i18n message.go reservedKeys).
var (
	pluralKeys = []string{"zero", "one", "two", "few", "many", "other"}
	otherKeys  = []string{"id", "description", "hash", "leftdelim", "rightdelim"}
)

func languages() []string {
	langs := make([]string, 0, len(shipped))
	for l := range shipped {
		langs = append(langs, l)
	}
	// Source first, then alphabetical, for stable output.
	sort.Slice(langs, func(i, j int) bool {
		if (langs[i] == Source) != (langs[j] == Source) {
			return langs[i] == Source
		}
		return langs[i] < langs[j]
	})
	return langs
}

func fileName(lang string) string { return "active." + lang + ".yaml" }

// readCatalogue parses lang's embedded file into message id → message,
// independently of go-i18n, so that the tests see what a translator wrote.
func readCatalogue(lang string) (map[string]message, error) {
	data, err := fs.ReadFile(files, fileName(lang))
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", fileName(lang), err)
	}
	if raw == nil {
		return nil, fmt.Errorf("%s: empty file", fileName(lang))
	}
	out := map[string]message{}
	if err := walk("", raw, out); err != nil {
		return nil, fmt.Errorf("%s: %w", fileName(lang), err)
	}
	return out, nil
}

func walk(prefix string, v any, out map[string]message) error {
	switch v := v.(type) {
	case string:
		if prefix == "" {
			return fmt.Errorf("top level is a string")
		}
		out[prefix] = message{forms: map[string]string{"other": v}}
		return nil
	case map[string]any:
		var reserved, plain []string
		for k := range v {
			lk := strings.ToLower(k)
			if slices.Contains(pluralKeys, lk) || slices.Contains(otherKeys, lk) {
				reserved = append(reserved, k)
			} else {
				plain = append(plain, k)
			}
		}
		if len(reserved) > 0 && len(plain) > 0 {
			sort.Strings(plain)
			return fmt.Errorf("%s mixes message keys %v with group keys %v", prefix, reserved, plain)
		}
		if len(reserved) > 0 {
			m := message{forms: map[string]string{}}
			for _, k := range reserved {
				lk := strings.ToLower(k)
				if !slices.Contains(pluralKeys, lk) {
					continue
				}
				s, ok := v[k].(string)
				if !ok {
					return fmt.Errorf("%s.%s is %T, not text", prefix, k, v[k])
				}
				m.forms[lk] = s
				if lk != "other" {
					m.plural = true
				}
			}
			out[prefix] = m
			return nil
		}
		for k, child := range v {
			id := k
			if prefix != "" {
				id = prefix + "." + k
			}
			if err := walk(id, child, out); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("%s is %T, not text", prefix, v)
	}
}

// catalogues reads every shipped language's file, failing the test if
// one cannot be read.
func catalogues(t *testing.T) map[string]map[string]message {
	t.Helper()
	all := map[string]map[string]message{}
	for _, lang := range languages() {
		c, err := readCatalogue(lang)
		if err != nil {
			t.Fatalf("read %s: %v", lang, err)
		}
		all[lang] = c
	}
	return all
}

func sortedIDs(c map[string]message) []string {
	ids := make([]string, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func sortedForms(m message) []string {
	var fs []string
	for _, f := range pluralKeys {
		if _, ok := m.forms[f]; ok {
			fs = append(fs, f)
		}
	}
	return fs
}

// placeholders returns the {{.Field}} names a template uses.
func placeholders(tmpl string) (map[string]bool, error) {
	names := map[string]bool{}
	if !strings.Contains(tmpl, "{{") {
		return names, nil
	}
	trees, err := parse.Parse("m", tmpl, "{{", "}}")
	if err != nil {
		return nil, err
	}
	var visit func(n parse.Node)
	visit = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				visit(c)
			}
		case *parse.ActionNode:
			visit(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				visit(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				visit(a)
			}
		case *parse.FieldNode:
			names[strings.Join(n.Ident, ".")] = true
		case *parse.ChainNode:
			visit(n.Node)
		case *parse.IfNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.RangeNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.WithNode:
			visit(n.Pipe)
			visit(n.List)
			visit(n.ElseList)
		case *parse.TemplateNode:
			visit(n.Pipe)
		}
	}
	for _, tree := range trees {
		visit(tree.Root)
	}
	return names, nil
}

func setString(s map[string]bool) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "{" + strings.Join(keys, ", ") + "}"
}

// sourcePlaceholders is the union of placeholders over the forms of en's message.
func sourcePlaceholders(t *testing.T, id string, m message) map[string]bool {
	t.Helper()
	all := map[string]bool{}
	for form, s := range m.forms {
		p, err := placeholders(s)
		if err != nil {
			t.Errorf("%s: %s[%s]: %v", fileName(Source), id, form, err)
			continue
		}
		for k := range p {
			all[k] = true
		}
	}
	return all
}

// requiredForms returns the plural forms lang needs: every form CLDR picks
// for one of counts, and "other", which go-i18n falls back to.
func requiredForms(t *testing.T, lang string) []string {
	t.Helper()
	tag, err := language.Parse(shipped[lang])
	if err != nil {
		t.Fatalf("plural tag for %s: %v", lang, err)
	}
	need := map[string]bool{"other": true}
	for _, n := range counts {
		need[formName(plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0))] = true
	}
	var out []string
	for _, f := range pluralKeys {
		if need[f] {
			out = append(out, f)
		}
	}
	return out
}

func formName(f plural.Form) string {
	switch f {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	default:
		return "other"
	}
}

// (d) Every file loads, and exactly the shipped languages have a file.
func TestCatalogueLoads(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	names, err := fs.Glob(files, "active.*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range names {
		got = append(got, strings.TrimSuffix(strings.TrimPrefix(path.Base(n), "active."), ".yaml"))
	}
	sort.Strings(got)
	want := languages()
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("language files = %v, want one per shipped language %v", got, want)
	}
	// go-i18n parses a template only when it is first rendered, so a
	// broken one would load here and fail in front of a user.
	for _, lang := range languages() {
		c, err := readCatalogue(lang)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, id := range sortedIDs(c) {
			for _, form := range sortedForms(c[id]) {
				if _, err := parse.Parse(id, c[id].forms[form], "{{", "}}"); err != nil {
					t.Errorf("%s: %s[%s]: %v", fileName(lang), id, form, err)
				}
			}
		}
	}
}

// (a) Every language has exactly the message ids of the source.
func TestSameMessageIDs(t *testing.T) {
	all := catalogues(t)
	src := all[Source]
	if len(src) == 0 {
		t.Fatalf("%s has no messages", fileName(Source))
	}
	for _, lang := range languages() {
		c := all[lang]
		for _, id := range sortedIDs(src) {
			if _, ok := c[id]; !ok {
				t.Errorf("%s: missing message %s", fileName(lang), id)
			}
		}
		for _, id := range sortedIDs(c) {
			if _, ok := src[id]; !ok {
				t.Errorf("%s: message %s is not in %s", fileName(lang), id, fileName(Source))
			}
		}
	}
}

// (b) Every form of every translation uses exactly the source's placeholders.
func TestSamePlaceholders(t *testing.T) {
	all := catalogues(t)
	for _, id := range sortedIDs(all[Source]) {
		want := sourcePlaceholders(t, id, all[Source][id])
		for _, lang := range languages() {
			m, ok := all[lang][id]
			if !ok {
				continue // reported by TestSameMessageIDs
			}
			for _, form := range sortedForms(m) {
				got, err := placeholders(m.forms[form])
				if err != nil {
					t.Errorf("%s: %s[%s]: %v", fileName(lang), id, form, err)
					continue
				}
				if setString(got) != setString(want) {
					t.Errorf("%s: %s[%s] has placeholders %s, %s has %s",
						fileName(lang), id, form, setString(got), fileName(Source), setString(want))
				}
			}
		}
	}
}

// (c) A plural message has every form that the language's CLDR rules pick.
func TestPluralForms(t *testing.T) {
	all := catalogues(t)
	for _, lang := range languages() {
		need := requiredForms(t, lang)
		for _, id := range sortedIDs(all[Source]) {
			src := all[Source][id]
			m, ok := all[lang][id]
			if !ok {
				continue
			}
			if !src.plural {
				if m.plural {
					t.Errorf("%s: %s has plural forms %v but is not a plural message in %s",
						fileName(lang), id, sortedForms(m), fileName(Source))
				}
				continue
			}
			for _, f := range need {
				if _, ok := m.forms[f]; !ok {
					t.Errorf("%s: plural message %s lacks form %q (needs %v, has %v)",
						fileName(lang), id, f, need, sortedForms(m))
				}
			}
		}
	}
}

// The forms the tests require are the ones docs/translating.md promises.
func TestRequiredPluralForms(t *testing.T) {
	want := map[string][]string{
		"ar": {"zero", "one", "two", "few", "many", "other"},
		"uk": {"one", "few", "many", "other"},
		"ru": {"one", "few", "many", "other"},
	}
	for _, lang := range languages() {
		w, ok := want[lang]
		if !ok {
			w = []string{"one", "other"}
		}
		if got := requiredForms(t, lang); !slices.Equal(got, w) {
			t.Errorf("required plural forms for %s = %v, want %v", lang, got, w)
		}
	}
}

func sampleValue(name string) string { return "Sample " + name }

// (e) Every message renders in every language; in Arabic, Dari and Pashto
// each value is isolated (docs/behaviour.md), elsewhere it is not.
func TestRender(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	all := catalogues(t)
	for _, lang := range languages() {
		for _, id := range sortedIDs(all[Source]) {
			src := all[Source][id]
			names := sourcePlaceholders(t, id, src)
			args := Args{}
			for n := range names {
				if n != "Count" {
					args[n] = sampleValue(n)
				}
			}
			ns := []int{0}
			if names["Count"] || src.plural {
				ns = counts
			}
			for _, n := range ns {
				if names["Count"] || src.plural {
					args["Count"] = n
				}
				got := Text(lang, id, args)
				if got == id || got == "" {
					t.Errorf("Text(%q, %q) = %q: message not rendered", lang, id, got)
					continue
				}
				if strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
					t.Errorf("Text(%q, %q) = %q: placeholder not filled", lang, id, got)
				}
				for name, v := range args {
					val := fmt.Sprint(v)
					switch {
					case RTL(lang) && !isolated(got, val):
						t.Errorf("Text(%q, %q) = %q: %s is not wrapped in U+2068…U+2069", lang, id, got, name)
					case !RTL(lang) && !strings.Contains(got, val):
						t.Errorf("Text(%q, %q) = %q: %s is missing", lang, id, got, name)
					}
				}
				if !RTL(lang) && strings.ContainsAny(got, FSI+PDI) {
					t.Errorf("Text(%q, %q) = %q: isolation marks in left-to-right text", lang, id, got)
				}
			}
		}
	}
	for _, lang := range []string{"ar", "fa-AF", "ps"} {
		if !RTL(lang) {
			t.Errorf("RTL(%q) = false", lang)
		}
	}
	if RTL(Source) {
		t.Errorf("RTL(%q) = true", Source)
	}
}

// The picker shows each language in its own name.
func TestNames(t *testing.T) {
	want := map[string]string{
		"en": "English", "nb": "Norsk", "ar": "العربية", "ti": "ትግርኛ", "so": "Soomaali",
		"fa-AF": "دری", "ps": "پښتو", "uk": "Українська", "ru": "Русский", "ku": "Kurmancî",
	}
	for _, lang := range languages() {
		if got := Name(lang); got != want[lang] {
			t.Errorf("Name(%q) = %q, want %q", lang, got, want[lang])
		}
	}
}

// icons returns the pictographs of s in order (variation selectors dropped).
func icons(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.Is(unicode.So, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Every translation keeps the source's icons, in order; a text that starts
// with an icon starts with the same one, because the bot recognises menu
// taps by it (docs/behaviour.md).
func TestIcons(t *testing.T) {
	all := catalogues(t)
	for _, id := range sortedIDs(all[Source]) {
		src := all[Source][id]
		want := icons(src.forms["other"])
		for _, lang := range languages() {
			m, ok := all[lang][id]
			if !ok {
				continue
			}
			for _, form := range sortedForms(m) {
				s := m.forms[form]
				if got := icons(s); got != want {
					t.Errorf("%s: %s[%s] has icons %q, %s has %q", fileName(lang), id, form, got, fileName(Source), want)
				}
				first, _ := firstRune(src.forms["other"])
				if unicode.Is(unicode.So, first) {
					if r, _ := firstRune(s); r != first {
						t.Errorf("%s: %s[%s] must start with %q", fileName(lang), id, form, first)
					}
				}
			}
		}
	}
}

func firstRune(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

var slashCommand = regexp.MustCompile(`(?:^|\s)(/[a-z_]+)`)

// keptWords are never translated.
var keptWords = []string{"Nav", "Innsjekk", "innsjekk invite PERSON_ID"}

// Names of the agency, the bot, commands and command lines stay as they are.
func TestKeptWords(t *testing.T) {
	all := catalogues(t)
	for _, id := range sortedIDs(all[Source]) {
		src := all[Source][id].forms["other"]
		cmds := slashCommand.FindAllStringSubmatch(src, -1)
		for _, lang := range languages() {
			m, ok := all[lang][id]
			if !ok {
				continue
			}
			for _, form := range sortedForms(m) {
				s := m.forms[form]
				for _, w := range keptWords {
					if n := strings.Count(src, w); strings.Count(s, w) < n {
						t.Errorf("%s: %s[%s] must keep %q untranslated", fileName(lang), id, form, w)
					}
				}
				for _, c := range cmds {
					if !slices.ContainsFunc(slashCommand.FindAllStringSubmatch(s, -1), func(m []string) bool { return m[1] == c[1] }) {
						t.Errorf("%s: %s[%s] must keep the command %s", fileName(lang), id, form, c[1])
					}
				}
			}
		}
	}
}

// A text that names a menu button (help, "📅 My week is for participants")
// names it exactly as the button in that language reads.
func TestMenuLabelsQuoted(t *testing.T) {
	all := catalogues(t)
	var labels []string
	for _, id := range sortedIDs(all[Source]) {
		if strings.HasPrefix(id, "menu.") && !strings.Contains(all[Source][id].forms["other"], "{{") {
			labels = append(labels, id)
		}
	}
	if len(labels) == 0 {
		t.Fatalf("%s has no menu labels", fileName(Source))
	}
	for _, id := range sortedIDs(all[Source]) {
		src := all[Source][id].forms["other"]
		for _, label := range labels {
			if id == label || !strings.Contains(src, all[Source][label].forms["other"]) {
				continue
			}
			for _, lang := range languages() {
				m, ok1 := all[lang][id]
				l, ok2 := all[lang][label]
				if !ok1 || !ok2 {
					continue
				}
				for _, form := range sortedForms(m) {
					if !strings.Contains(m.forms[form], l.forms["other"]) {
						t.Errorf("%s: %s[%s] must name the button %s as %q", fileName(lang), id, form, label, l.forms["other"])
					}
				}
			}
		}
	}
}

// readmeRow is one row of the language table in README.md.
type readmeRow struct{ status, direction string }

func readmeLanguages(t *testing.T) map[string]readmeRow {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	rows := map[string]readmeRow{}
	for line := range strings.Lines(string(data)) {
		cells := strings.Split(strings.TrimSpace(line), "|")
		// "| `tag` | language | status | direction |" splits into 6 cells.
		if len(cells) != 6 {
			continue
		}
		tag := strings.TrimSpace(cells[1])
		if !strings.HasPrefix(tag, "`") || !strings.HasSuffix(tag, "`") {
			continue
		}
		tag = strings.Trim(tag, "`")
		if _, dup := rows[tag]; dup {
			t.Errorf("README.md lists %s twice", tag)
		}
		rows[tag] = readmeRow{status: strings.TrimSpace(cells[3]), direction: strings.TrimSpace(cells[4])}
	}
	return rows
}

// (f) README.md lists every language with its status and direction, and
// a file starts with the machine-drafted header exactly when its status
// says so (docs/translating.md).
func TestStatusHeader(t *testing.T) {
	rows := readmeLanguages(t)
	for _, lang := range languages() {
		row, ok := rows[lang]
		if !ok {
			t.Errorf("README.md: no row for %s", lang)
			continue
		}
		wantDir := "LTR"
		if RTL(lang) {
			wantDir = "RTL"
		}
		if row.direction != wantDir {
			t.Errorf("README.md: %s direction is %q, want %q", lang, row.direction, wantDir)
		}
		data, err := fs.ReadFile(files, fileName(lang))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		first, _, _ := strings.Cut(string(data), "\n")
		drafted := strings.Contains(row.status, "machine-drafted")
		switch marked := strings.TrimSpace(first) == draftHeader; {
		case drafted && !marked:
			t.Errorf("%s: status is %q, so the first line must be %q (it is %q)", fileName(lang), row.status, draftHeader, first)
		case !drafted && marked:
			t.Errorf("%s: marked machine-drafted but README.md says %q", fileName(lang), row.status)
		}
		if !drafted && strings.Contains(string(data), "machine-drafted") {
			t.Errorf("%s: mentions machine-drafted but README.md says %q", fileName(lang), row.status)
		}
	}
	for tag := range rows {
		if _, ok := shipped[tag]; !ok {
			t.Errorf("README.md lists %s, which the bot does not ship", tag)
		}
	}
}

// Inside right-to-left text a time range is one isolate and a /command is
// isolated, or they render as "12:00–09:00" and "mydata/"; lists take the
// Arabic comma. Left-to-right text is left alone.
func TestRightToLeftRendering(t *testing.T) {
	args := Args{"Day": "D", "Place": "P", "Start": "09:00", "End": "12:00"}
	for _, lang := range []string{"ar", "fa-AF", "ps"} {
		got := Text(lang, "absence.miss_class", args)
		if !strings.Contains(got, FSI+"09:00–12:00"+PDI) {
			t.Errorf("%s: range not one unit: %q", lang, got)
		}
		if got := string(List(lang, []string{"a", "b"})); got != "a، b" {
			t.Errorf("%s: list %q", lang, got)
		}
	}
	if got := Text("nb", "absence.miss_class", args); !strings.Contains(got, "09:00–12:00") || strings.Contains(got, FSI) {
		t.Errorf("nb changed: %q", got)
	}
	if got := string(List("nb", []string{"a", "b"})); got != "a, b" {
		t.Errorf("nb list %q", got)
	}
	for in, want := range map[string]string{
		"اضغط /mydata لترى":                 "اضغط " + FSI + "/mydata" + PDI + " لترى",
		"/help أولاً":                       FSI + "/help" + PDI + " أولاً",
		"https://t.me/bot":                  "https://t.me/bot",
		FSI + "/forgetme" + PDI + " حذف":    FSI + "/forgetme" + PDI + " حذف",
		"09:00" + PDI + "–" + FSI + "10:45": "09:00–10:45",
	} {
		if got := bidiFix(in); got != want {
			t.Errorf("bidiFix(%q) = %q, want %q", in, got, want)
		}
	}
}

// isolated reports whether val stands inside an isolate of text: on its
// own, or as one end of a range that bidiFix made one unit.
func isolated(text, val string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], val)
		if j < 0 {
			return false
		}
		at := i + j
		before, after := text[:at], text[at+len(val):]
		open := strings.LastIndex(before, FSI)
		closing := strings.Index(after, PDI)
		if open >= 0 && !strings.Contains(before[open:], PDI) && closing >= 0 && !strings.Contains(after[:closing], FSI) {
			return true
		}
		i = at + len(val)
	}
}
