package roster

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	// The roster names zones like Europe/Oslo; a minimal container image
	// has no zoneinfo, and Parse must not fail there.
	_ "time/tzdata"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"
)

// Problem is one thing wrong in a roster file, at a line an admin can find.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Problems is everything wrong in a roster file, sorted by line. Parse
// reports all of them at once so an admin can fix a file in one round
// (docs/roster.md).
type Problems []Problem

// Error gives one FILE:LINE: message line per problem.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Categories are the issue categories a participant can pick, in the
// order the help menu shows them; they are the keys of a routing table
// (docs/behaviour.md).
var Categories = []string{"placement", "class", "money", "housing", "health", "transport", "letters", "understanding", "other"}

// DefaultRouting returns the routing table used for every category the
// roster does not list (docs/roster.md). Each call returns a fresh map.
func DefaultRouting() map[string][]Role {
	return map[string][]Role{
		"placement":     {RoleTeacher, RoleAdviser},
		"class":         {RoleTeacher, RoleAdviser},
		"money":         {RoleNav, RoleAdviser},
		"housing":       {RoleAdviser},
		"health":        {RoleAdviser},
		"transport":     {RoleAdviser},
		"letters":       {RoleAdviser},
		"understanding": {RoleTeacher, RoleAdviser},
		"other":         {RoleAdviser},
	}
}

// staffRoles are the roles a roster may give; mentor and participant
// follow from where a person is listed.
var staffRoles = []Role{RoleAdviser, RoleTeacher, RoleNav, RoleAdmin}

const defaultTimezone = "Europe/Oslo"

func defaultProgramme() Programme {
	loc, _ := time.LoadLocation(defaultTimezone) // cannot fail: tzdata is embedded
	return Programme{
		Timezone:    defaultTimezone,
		Location:    loc,
		NavHours:    Span{9 * 60, 14 * 60},
		OfficeHours: Span{8 * 60, 15*60 + 30},
		QuietHours:  Span{21 * 60, 7 * 60},
		Reminders:   Reminders{EveningBefore: 18 * 60, CheckinGrace: 30 * time.Minute},
		// IMDi's rules under integreringsloven (docs/behaviour.md).
		Sickness: Sickness{
			SelfCertifiedDays:  3,
			SelfCertifiedTimes: 4,
			QualifyingWeeks:    8,
			SamePeriodDays:     16,
			ChildSickDays:      10,
		},
		EscalateAfter: 4 * time.Hour,
		Digest:        Digest{Daily: 14*60 + 30, WeeklyDay: time.Friday, WeeklyAt: 13 * 60},
		Routing:       DefaultRouting(),
		Retention:     Retention{Records: 365 * 24 * time.Hour, Issues: 90 * 24 * time.Hour},
	}
}

// Keys allowed in each mapping; anything else is a typo to report.
var (
	topKeys         = []string{"programme", "staff", "employers", "participants"}
	programmeKeys   = []string{"id", "name", "timezone", "nav_hours", "quiet_hours", "office_hours", "reminders", "sickness", "escalate_after", "digest", "routing", "closed", "retention"}
	remindersKeys   = []string{"evening_before", "checkin_grace"}
	sicknessKeys    = []string{"self_certified_days", "self_certified_times", "qualifying_weeks", "same_period_days", "child_sick_days"}
	digestKeys      = []string{"daily", "weekly"}
	retentionKeys   = []string{"records", "issues"}
	staffKeys       = []string{"id", "name", "roles", "language", "nav_hours", "place", "backup", "away"}
	employerKeys    = []string{"id", "name", "address", "contacts"}
	contactKeys     = []string{"id", "name", "language", "morning_card"}
	participantKeys = []string{"id", "name", "language", "programme_start", "children", "single_carer", "sickness", "adviser", "teacher", "nav", "placement", "classes"}
	placementKeys   = []string{"employer", "mentor", "days", "hours", "from", "to", "goals"}
	goalKeys        = []string{"id", "text"}
	classKeys       = []string{"days", "hours", "place"}
)

var idPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// MaxIDLength bounds a person's id: buttons carry ids, and Telegram gives
// a button 64 bytes.
const MaxIDLength = 32

// Parse reads a roster file and checks it against the rules of
// docs/roster.md, applying the programme defaults for what the file
// leaves out. On any problem it returns a nil roster and Problems
// listing all of them, except those that only follow from another (a
// reference to someone whose entry could not be read); filename is
// used only in those messages.
func Parse(filename string, data []byte) (*Roster, error) {
	p := &parser{file: filename, ids: map[string]idDef{}, doubtfulRoles: map[*Staff]bool{}}
	r := p.roster(data)
	if len(p.probs) > 0 {
		return nil, p.sorted(lineCount(data))
	}
	r.Index()
	return r, nil
}

type parser struct {
	file      string
	probs     Problems
	ids       map[string]idDef // the first definition of each id
	refs      []participantRefs
	staffRefs []staffRefs

	// partial is set when part of the file could not be read, so that an
	// id missing from the roster is more likely a consequence than a
	// mistake of its own; doubtfulRoles marks staff whose roles could not
	// all be read. Both keep one typo from being reported many times.
	partial       bool
	doubtfulRoles map[*Staff]bool
}

type idDef struct {
	line int
	v    any
}

// ref is an id as written, resolved once every id is known so that a
// file may mention people before it lists them.
type ref struct {
	id   string
	line int
}

type staffRefs struct {
	s      *Staff
	ctx    string
	backup ref
}

type participantRefs struct {
	p                                       *Participant
	ctx                                     string
	adviser, teacher, nav, employer, mentor ref
}

func (p *parser) add(line int, format string, args ...any) {
	p.probs = append(p.probs, Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// sorted orders the problems by line and drops repeats, which aliases
// and merge keys produce when one anchored block is used many times.
// An empty value at the very end of the file sits on a line after the
// last; such problems are moved to the last line, where an editor can
// show them.
func (p *parser) sorted(lines int) Problems {
	type key struct {
		line int
		msg  string
	}
	seen := map[key]bool{}
	out := make(Problems, 0, len(p.probs))
	for _, pr := range p.probs {
		pr.Line = min(max(pr.Line, 1), lines)
		k := key{pr.Line, pr.Msg}
		if !seen[k] {
			seen[k] = true
			out = append(out, pr)
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return out
}

func (p *parser) roster(data []byte) *Roster {
	r := &Roster{Programme: defaultProgramme()}
	if !p.readable(data, "roster") {
		return r
	}
	doc, read, err := decode(data)
	if err != nil {
		p.yamlProblem(data, err, read)
		return r
	}
	if doc == nil || len(doc.Content) == 0 {
		p.add(1, "the roster is empty")
		return r
	}
	root := doc.Content[0]
	if isNull(deref(root)) {
		p.add(1, "the roster is empty")
		return r
	}
	return p.rosterFrom(root)
}

// rosterFrom walks a roster already decoded: a YAML file's, or the one a
// CSV import builds, which so gets exactly the checks a YAML roster gets.
func (p *parser) rosterFrom(root *yaml.Node) *Roster {
	r := &Roster{Programme: defaultProgramme()}
	if !p.checkAliases(root) {
		return r
	}
	f, ok := p.mapping(root, "the roster", topKeys)
	if !ok {
		return r
	}
	if f.unknown > 0 {
		p.partial = true // probably a misspelt section
	}
	if f.get("programme") != nil {
		p.programme(f, &r.Programme)
	} else {
		p.add(f.line, "programme is required")
	}
	r.Staff = items(p, f.get("staff"), "staff", p.staff)
	r.Employers = items(p, f.get("employers"), "employers", p.employer)
	// Nobody refers to a participant, so a participant that cannot be
	// read hides no one else's mistakes.
	partial := p.partial
	r.Participants = items(p, f.get("participants"), "participants", p.participant)
	p.partial = partial
	p.resolve()
	return r
}

func deref(n *yaml.Node) *yaml.Node {
	// Anchors cannot sit on aliases, but a bound keeps this loop honest
	// whatever the library hands us.
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// fields is one YAML mapping, its keys checked against those allowed.
type fields struct {
	line    int
	vals    map[string]*yaml.Node
	keyLine map[string]int
	order   []string
	unknown int // how many keys were not allowed
}

// get returns the value of key, or nil when it is absent or null: an
// empty "teacher:" means no teacher.
func (f fields) get(key string) *yaml.Node {
	v, ok := f.vals[key]
	if !ok {
		return nil
	}
	v = deref(v)
	if isNull(v) {
		return nil
	}
	return v
}

// mapping reads a mapping, reporting unknown and repeated keys. A nil
// allowed accepts any key. Merge keys (<<) are honoured, because admins
// who keep rosters by hand use them for shared settings, and keys that
// start with x- are ignored so that those settings have somewhere to
// live (as in Compose files).
func (p *parser) mapping(n *yaml.Node, what string, allowed []string) (fields, bool) {
	n = deref(n)
	f := fields{line: n.Line, vals: map[string]*yaml.Node{}, keyLine: map[string]int{}}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "%s must be a mapping", what)
		return f, false
	}
	var merged []fields
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.add(k.Line, "a key must be a plain name, not a %s", kindName(k))
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			merged = append(merged, p.merge(v, what, allowed)...)
			continue
		}
		if first, dup := f.keyLine[k.Value]; dup {
			p.add(k.Line, "duplicate key %q (first at line %d)", k.Value, first)
			continue
		}
		if strings.HasPrefix(k.Value, "x-") {
			continue
		}
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			p.add(k.Line, "unknown key %q", k.Value)
			f.unknown++
			continue
		}
		f.vals[k.Value] = v
		f.keyLine[k.Value] = k.Line
		f.order = append(f.order, k.Value)
	}
	// Keys written out win over merged ones, and earlier merges over
	// later ones, as YAML's merge key specifies.
	for _, m := range merged {
		for _, k := range m.order {
			if _, ok := f.vals[k]; !ok {
				f.vals[k] = m.vals[k]
				f.keyLine[k] = m.keyLine[k]
				f.order = append(f.order, k)
			}
		}
	}
	return f, true
}

// child reads the mapping under key. Missing keys in it are reported at
// the key's own line, where a reader of the file looks for them.
func (p *parser) child(f fields, key string, allowed []string) (fields, bool) {
	c, ok := p.mapping(f.get(key), key, allowed)
	c.line = f.keyLine[key]
	return c, ok
}

func (p *parser) merge(v *yaml.Node, what string, allowed []string) []fields {
	v = deref(v)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	var out []fields
	for _, s := range srcs {
		if deref(s).Kind != yaml.MappingNode {
			p.add(deref(s).Line, "<< must merge a mapping or a list of mappings")
			continue
		}
		if f, ok := p.mapping(s, what, allowed); ok {
			out = append(out, f)
		}
	}
	return out
}

// items reads a list whose every entry is read by item; an entry that
// is not usable at all is left out, its problems already reported.
func items[T any](p *parser, n *yaml.Node, what string, item func(*yaml.Node) *T) []*T {
	if n == nil {
		return nil
	}
	seq, ok := p.seq(n, what)
	if !ok {
		p.partial = true
		return nil
	}
	if len(seq) > MaxEntries {
		p.add(deref(n).Line, "%s: %d entries; at most %d are accepted", what, len(seq), MaxEntries)
		p.partial = true
		return nil
	}
	var out []*T
	for _, c := range seq {
		if v := item(c); v != nil {
			out = append(out, v)
		} else {
			p.partial = true
		}
	}
	return out
}

func (p *parser) seq(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, "%s must be a list", what)
		return nil, false
	}
	return n.Content, true
}

func (p *parser) text(n *yaml.Node, key string) (string, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		p.add(n.Line, "%s must be a single value, not a %s", key, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) required(f fields, key, ctx string) string {
	n := f.get(key)
	if n == nil {
		p.add(f.line, "%s: %s is required", ctx, key)
		return ""
	}
	s, ok := p.text(n, key)
	if !ok {
		return ""
	}
	s = strings.TrimSpace(s)
	if s == "" {
		p.add(n.Line, "%s: %s is required", ctx, key)
	}
	return s
}

func (p *parser) optText(f fields, key string, dst *string) {
	if n := f.get(key); n != nil {
		if s, ok := p.text(n, key); ok {
			*dst = strings.TrimSpace(s)
		}
	}
}

// id reads the id of a person or employer and claims it in the one id
// space they all share; v is what the id will refer to.
func (p *parser) id(f fields, what string, v any) string {
	n := f.get("id")
	if n == nil {
		p.add(f.line, "%s: id is required", what)
		p.partial = true
		return ""
	}
	s, ok := p.text(n, "id")
	if !ok || s == "" {
		if ok {
			p.add(n.Line, "%s: id is required", what)
		}
		p.partial = true
		return ""
	}
	if !idPattern.MatchString(s) {
		p.add(n.Line, "id %q must match [a-z0-9_-]+", s)
	} else if len(s) > MaxIDLength {
		p.add(n.Line, "id %q is longer than %d characters", s, MaxIDLength)
	}
	if first, dup := p.ids[s]; dup {
		p.add(n.Line, "duplicate id %q (first at line %d)", s, first.line)
		return s
	}
	// A malformed id is still claimed, so references to it do not add
	// a second, misleading problem.
	p.ids[s] = idDef{line: n.Line, v: v}
	return s
}

func describe(kind, id string) string {
	if id == "" {
		return kind
	}
	return fmt.Sprintf("%s %q", kind, id)
}

func (p *parser) language(f fields, ctx string, required bool) string {
	n := f.get("language")
	if n == nil {
		if required {
			p.add(f.line, "%s: language is required", ctx)
			return ""
		}
		return "nb" // staff and employers default to Bokmål (docs/translating.md)
	}
	s, ok := p.text(n, "language")
	if !ok {
		return ""
	}
	if !ShipsLanguage(s) {
		p.add(n.Line, "language %q is not shipped (%s)", s, strings.Join(Languages, " "))
	}
	return s
}

// parseClock reads HH:MM; end24 allows 24:00, which only makes sense
// as the end of a range.
func parseClock(s string, end24 bool) (Clock, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, okh := twoDigits(s[:2])
	m, okm := twoDigits(s[3:])
	switch {
	case !okh || !okm || m > 59:
		return 0, false
	case h == 24 && m == 0 && end24:
		return 24 * 60, true
	case h > 23:
		return 0, false
	}
	return Clock(h*60 + m), true
}

func twoDigits(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func (p *parser) clock(n *yaml.Node, key string) (Clock, bool) {
	s, ok := p.text(n, key)
	if !ok {
		return 0, false
	}
	c, ok := parseClock(s, false)
	if !ok {
		p.add(n.Line, "%s %q must be a time HH:MM from 00:00 to 23:59", key, s)
	}
	return c, ok
}

func (p *parser) optClock(f fields, key string, dst *Clock) {
	if n := f.get(key); n != nil {
		if c, ok := p.clock(n, key); ok {
			*dst = c
		}
	}
}

// span reads "HH:MM-HH:MM". Only quiet hours may wrap midnight
// (wraps); every other range is within one day.
func (p *parser) span(n *yaml.Node, key string, wraps bool) (Span, bool) {
	s, ok := p.text(n, key)
	if !ok {
		return Span{}, false
	}
	// People copy ranges from the bot's own messages, which use an en dash.
	a, b, ok := strings.Cut(strings.ReplaceAll(s, "–", "-"), "-")
	if !ok {
		p.add(n.Line, "%s %q must be a range HH:MM-HH:MM", key, s)
		return Span{}, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	start, ok := parseClock(a, false)
	if !ok {
		p.add(n.Line, "%s %q: %q is not a time HH:MM from 00:00 to 23:59", key, s, a)
		return Span{}, false
	}
	end, ok := parseClock(b, true)
	if !ok {
		p.add(n.Line, "%s %q: %q is not a time HH:MM from 00:00 to 24:00", key, s, b)
		return Span{}, false
	}
	switch {
	case wraps && start == end:
		p.add(n.Line, "%s %q: start and end must differ", key, s)
		return Span{}, false
	case !wraps && start >= end:
		p.add(n.Line, "%s %q: start must be before end", key, s)
		return Span{}, false
	}
	return Span{start, end}, true
}

func (p *parser) optSpan(f fields, key string, wraps bool, dst *Span) {
	if n := f.get(key); n != nil {
		if sp, ok := p.span(n, key, wraps); ok {
			*dst = sp
		}
	}
}

// parseDuration reads a Go duration ("30m", "4h") or a number of days
// ("365d"), the unit retention is naturally written in.
func parseDuration(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		// The bound keeps the product inside time.Duration (about 292 years).
		if err != nil || days < 0 || days > 100000 || n == "" || n[0] == '+' {
			return 0, false
		}
		return time.Duration(days) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

func (p *parser) optDuration(f fields, key string, dst *time.Duration) {
	n := f.get(key)
	if n == nil {
		return
	}
	s, ok := p.text(n, key)
	if !ok {
		return
	}
	d, ok := parseDuration(s)
	switch {
	case !ok:
		p.add(n.Line, "%s %q must be a duration like 30m, 4h or 90d", key, s)
	case d <= 0:
		p.add(n.Line, "%s %q must be longer than zero", key, s)
	default:
		*dst = d
	}
}

func parseDate(s string) (Date, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1 {
		return Date{}, false
	}
	return DateOf(t), true
}

func (p *parser) date(n *yaml.Node, key string) (Date, bool) {
	s, ok := p.text(n, key)
	if !ok {
		return Date{}, false
	}
	d, ok := parseDate(s)
	if !ok {
		p.add(n.Line, "%s %q must be a date YYYY-MM-DD", key, s)
	}
	return d, ok
}

func (p *parser) optDate(f fields, key string, dst *Date) {
	if n := f.get(key); n != nil {
		if d, ok := p.date(n, key); ok {
			*dst = d
		}
	}
}

func (p *parser) optCount(f fields, key string, dst *int) {
	n := f.get(key)
	if n == nil {
		return
	}
	s, ok := p.text(n, key)
	if !ok {
		return
	}
	v, err := strconv.Atoi(s)
	switch {
	case err != nil:
		p.add(n.Line, "%s %q must be a whole number", key, s)
	case v < 0:
		p.add(n.Line, "%s %d must not be negative", key, v)
	default:
		*dst = v
	}
}

func (p *parser) optBool(f fields, key string, dst *bool) {
	n := f.get(key)
	if n == nil {
		return
	}
	s, ok := p.text(n, key)
	if !ok {
		return
	}
	switch strings.ToLower(s) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		p.add(n.Line, "%s %q must be true or false", key, s)
	}
}

func weekday(s string) (time.Weekday, bool) {
	i := slices.Index(dayNames[:], s)
	return time.Weekday(i), i >= 0
}

func (p *parser) badDay(line int, s string) {
	p.add(line, "day %q is not one of mon tue wed thu fri sat sun", s)
}

func (p *parser) days(n *yaml.Node, key string) ([]time.Weekday, bool) {
	list, ok := p.seq(n, key)
	if !ok {
		return nil, false
	}
	if len(list) == 0 {
		p.add(deref(n).Line, "%s must name at least one day", key)
		return nil, false
	}
	var out []time.Weekday
	good := true
	for _, c := range list {
		c = deref(c)
		s, ok := p.text(c, "day")
		if !ok {
			good = false
			continue
		}
		d, ok := weekday(s)
		if !ok {
			p.badDay(c.Line, s)
			good = false
			continue
		}
		if slices.Contains(out, d) {
			p.add(c.Line, "day %q is listed twice", s)
			continue
		}
		out = append(out, d)
	}
	return out, good
}

func (p *parser) roles(n *yaml.Node, key string) []Role {
	list, ok := p.seq(n, key)
	if !ok {
		return nil
	}
	var out []Role
	for _, c := range list {
		c = deref(c)
		s, ok := p.text(c, "role")
		if !ok {
			continue
		}
		r := Role(s)
		switch {
		case !slices.Contains(staffRoles, r):
			p.add(c.Line, "role %q is not one of adviser teacher nav admin", s)
		case slices.Contains(out, r):
			p.add(c.Line, "role %q is listed twice", s)
		default:
			out = append(out, r)
		}
	}
	return out
}

func (p *parser) programme(root fields, pr *Programme) {
	f, ok := p.child(root, "programme", programmeKeys)
	if !ok {
		return
	}
	pr.ID = p.required(f, "id", "programme")
	if pr.ID != "" && !idPattern.MatchString(pr.ID) {
		p.add(f.get("id").Line, "id %q must match [a-z0-9_-]+", pr.ID)
	}
	pr.Name = p.required(f, "name", "programme")
	if n := f.get("timezone"); n != nil {
		if s, ok := p.text(n, "timezone"); ok {
			// "Local" and "" would tie the roster to the host's zone.
			loc, err := time.LoadLocation(s)
			if err != nil || s == "" || s == "Local" {
				p.add(n.Line, "timezone %q is not a known time zone like Europe/Oslo", s)
			} else {
				pr.Timezone, pr.Location = s, loc
			}
		}
	}
	p.optSpan(f, "nav_hours", false, &pr.NavHours)
	p.optSpan(f, "quiet_hours", true, &pr.QuietHours)
	p.optSpan(f, "office_hours", false, &pr.OfficeHours)
	if f.get("reminders") != nil {
		if rf, ok := p.child(f, "reminders", remindersKeys); ok {
			p.optClock(rf, "evening_before", &pr.Reminders.EveningBefore)
			p.optDuration(rf, "checkin_grace", &pr.Reminders.CheckinGrace)
		}
	}
	if f.get("sickness") != nil {
		p.sickness(f, &pr.Sickness)
		pr.Sickness.Set = nil // the programme's policy is whole; Set matters for overrides
	}
	p.optDuration(f, "escalate_after", &pr.EscalateAfter)
	if f.get("digest") != nil {
		if df, ok := p.child(f, "digest", digestKeys); ok {
			p.optClock(df, "daily", &pr.Digest.Daily)
			if n := df.get("weekly"); n != nil {
				p.weekly(n, &pr.Digest)
			}
		}
	}
	if f.get("routing") != nil {
		p.routing(f, pr.Routing)
	}
	if n := f.get("closed"); n != nil {
		if list, ok := p.seq(n, "closed"); ok {
			for _, c := range list {
				if d, ok := p.date(c, "closed day"); ok {
					pr.Closed = append(pr.Closed, d)
				}
			}
		}
	}
	if f.get("retention") != nil {
		if rf, ok := p.child(f, "retention", retentionKeys); ok {
			p.optDuration(rf, "records", &pr.Retention.Records)
			p.optDuration(rf, "issues", &pr.Retention.Issues)
		}
	}
}

// sickness overwrites the fields of s that the sickness block under
// parent gives; the caller decides what an absent field means (a
// default, or "inherit").
func (p *parser) sickness(parent fields, s *Sickness) {
	f, ok := p.child(parent, "sickness", sicknessKeys)
	if !ok {
		return
	}
	for _, k := range []struct {
		key string
		dst *int
	}{
		{"self_certified_days", &s.SelfCertifiedDays},
		{"self_certified_times", &s.SelfCertifiedTimes},
		{"qualifying_weeks", &s.QualifyingWeeks},
		{"same_period_days", &s.SamePeriodDays},
		{"child_sick_days", &s.ChildSickDays},
	} {
		if f.get(k.key) == nil {
			continue
		}
		p.optCount(f, k.key, k.dst)
		if s.Set == nil {
			s.Set = map[string]bool{}
		}
		s.Set[k.key] = true
	}
}

func (p *parser) weekly(n *yaml.Node, d *Digest) {
	s, ok := p.text(n, "weekly")
	if !ok {
		return
	}
	parts := strings.Fields(s)
	if len(parts) != 2 {
		p.add(n.Line, "weekly %q must be a day and a time, like \"fri 13:00\"", s)
		return
	}
	day, ok := weekday(parts[0])
	if !ok {
		p.badDay(n.Line, parts[0])
		return
	}
	at, ok := parseClock(parts[1], false)
	if !ok {
		p.add(n.Line, "weekly %q: %q is not a time HH:MM from 00:00 to 23:59", s, parts[1])
		return
	}
	d.WeeklyDay, d.WeeklyAt = day, at
}

// routing replaces the roles of each category it lists; the others keep
// their default.
func (p *parser) routing(parent fields, table map[string][]Role) {
	f, ok := p.child(parent, "routing", nil)
	if !ok {
		return
	}
	for _, cat := range f.order {
		if !slices.Contains(Categories, cat) {
			p.add(f.keyLine[cat], "unknown category %q (%s)", cat, strings.Join(Categories, " "))
			continue
		}
		v := f.get(cat)
		if v == nil {
			p.add(f.keyLine[cat], "routing %s must name at least one role", cat)
			continue
		}
		roles := p.roles(v, "routing "+cat)
		if len(roles) == 0 {
			if deref(v).Kind == yaml.SequenceNode && len(deref(v).Content) == 0 {
				p.add(f.keyLine[cat], "routing %s must name at least one role", cat)
			}
			continue
		}
		table[cat] = roles
	}
}

func (p *parser) staff(n *yaml.Node) *Staff {
	f, ok := p.mapping(n, "a staff member", staffKeys)
	if !ok {
		return nil
	}
	s := &Staff{}
	s.Line = f.line
	s.ID = p.id(f, "staff member", s)
	ctx := describe("staff", s.ID)
	s.Name = p.required(f, "name", ctx)
	s.Language = p.language(f, ctx, false)
	before := len(p.probs)
	if n := f.get("roles"); n != nil {
		s.Roles = p.roles(n, "roles")
		if len(s.Roles) == 0 && deref(n).Kind == yaml.SequenceNode && len(deref(n).Content) == 0 {
			p.add(deref(n).Line, "%s: roles must name at least one role", ctx)
		}
	} else {
		p.add(f.line, "%s: roles is required", ctx)
	}
	if len(p.probs) > before {
		p.doubtfulRoles[s] = true
	}
	if n := f.get("nav_hours"); n != nil {
		if sp, ok := p.span(n, "nav_hours", false); ok {
			s.NavHours = &sp
		}
	}
	p.optText(f, "place", &s.Place)
	if n := f.get("away"); n != nil {
		s.AwayFrom, s.AwayTo = p.away(n, ctx)
	}
	p.staffRefs = append(p.staffRefs, staffRefs{s: s, ctx: ctx, backup: p.ref(f, "backup")})
	return s
}

// away reads [FIRST, LAST], the first and the last day away, both
// included. It returns zero dates unless the whole period is good.
func (p *parser) away(n *yaml.Node, ctx string) (from, to Date) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		p.add(n.Line, "%s: away must be a list of two dates, [FIRST, LAST]", ctx)
		return Date{}, Date{}
	}
	from, okFrom := p.date(n.Content[0], "away day")
	to, okTo := p.date(n.Content[1], "away day")
	if !okFrom || !okTo {
		return Date{}, Date{}
	}
	if to.Before(from) {
		p.add(deref(n.Content[1]).Line, "%s: away first day %s is after last day %s", ctx, from, to)
		return Date{}, Date{}
	}
	return from, to
}

func (p *parser) employer(n *yaml.Node) *Employer {
	f, ok := p.mapping(n, "an employer", employerKeys)
	if !ok {
		return nil
	}
	e := &Employer{Line: f.line}
	e.ID = p.id(f, "employer", e)
	ctx := describe("employer", e.ID)
	e.Name = p.required(f, "name", ctx)
	p.optText(f, "address", &e.Address)
	e.Contacts = items(p, f.get("contacts"), "contacts", func(n *yaml.Node) *Contact {
		c := p.contact(n)
		if c != nil {
			c.Employer = e
		}
		return c
	})
	return e
}

func (p *parser) contact(n *yaml.Node) *Contact {
	f, ok := p.mapping(n, "a contact", contactKeys)
	if !ok {
		return nil
	}
	c := &Contact{}
	c.Line = f.line
	c.ID = p.id(f, "contact", c)
	ctx := describe("contact", c.ID)
	c.Name = p.required(f, "name", ctx)
	c.Language = p.language(f, ctx, false)
	p.optBool(f, "morning_card", &c.MorningCard)
	return c
}

func (p *parser) participant(n *yaml.Node) *Participant {
	f, ok := p.mapping(n, "a participant", participantKeys)
	if !ok {
		return nil
	}
	pt := &Participant{}
	pt.Line = f.line
	pt.ID = p.id(f, "participant", pt)
	ctx := describe("participant", pt.ID)
	refs := participantRefs{p: pt, ctx: ctx}
	pt.Name = p.required(f, "name", ctx)
	pt.Language = p.language(f, ctx, true)
	p.optDate(f, "programme_start", &pt.ProgrammeStart)
	p.optCount(f, "children", &pt.Children)
	p.optBool(f, "single_carer", &pt.SingleCarer)
	if f.get("sickness") != nil {
		// Zero fields inherit the programme's (see EffectiveSickness).
		pt.Sickness = &Sickness{}
		p.sickness(f, pt.Sickness)
	}
	refs.adviser = p.ref(f, "adviser")
	if refs.adviser.id == "" {
		p.add(f.line, "%s: adviser is required", ctx)
	}
	refs.teacher = p.ref(f, "teacher")
	refs.nav = p.ref(f, "nav")
	if f.get("placement") != nil {
		pt.Placement = p.placement(f, ctx, &refs)
	}
	if n := f.get("classes"); n != nil {
		if list, ok := p.seq(n, "classes"); ok {
			for _, c := range list {
				if cl, ok := p.class(c, ctx); ok {
					pt.Classes = append(pt.Classes, cl)
				}
			}
		}
	}
	p.refs = append(p.refs, refs)
	return pt
}

func (p *parser) ref(f fields, key string) ref {
	n := f.get(key)
	if n == nil {
		return ref{}
	}
	s, ok := p.text(n, key)
	if !ok {
		return ref{}
	}
	return ref{id: s, line: n.Line}
}

func (p *parser) placement(parent fields, ctx string, refs *participantRefs) *Placement {
	f, ok := p.child(parent, "placement", placementKeys)
	if !ok {
		return nil
	}
	pl := &Placement{}
	refs.employer = p.ref(f, "employer")
	if refs.employer.id == "" {
		p.add(f.line, "%s: placement employer is required", ctx)
	}
	refs.mentor = p.ref(f, "mentor")
	if refs.mentor.id == "" {
		p.add(f.line, "%s: placement mentor is required", ctx)
	}
	if n := f.get("days"); n != nil {
		pl.Days, _ = p.days(n, "days")
	} else {
		p.add(f.line, "%s: placement days is required", ctx)
	}
	if n := f.get("hours"); n != nil {
		pl.Hours, _ = p.span(n, "hours", false)
	} else {
		p.add(f.line, "%s: placement hours is required", ctx)
	}
	p.optDate(f, "from", &pl.From)
	p.optDate(f, "to", &pl.To)
	if !pl.From.IsZero() && !pl.To.IsZero() && pl.To.Before(pl.From) {
		p.add(f.get("to").Line, "%s: placement from %s is after to %s", ctx, pl.From, pl.To)
	}
	if n := f.get("goals"); n != nil {
		pl.Goals = p.goals(n, ctx)
	}
	return pl
}

// goals reads a placement's learning goals. A goal is a plain text or a
// mapping {id, text}; a plain text gets an id made from it (goalID).
// Ids written out are taken first, wherever they stand in the list, so
// that one is never renamed because a plain text happens to give the
// same id: the plain text gets a numbered one instead (uniqueGoalID).
func (p *parser) goals(n *yaml.Node, ctx string) []Goal {
	list, ok := p.seq(n, "goals")
	if !ok {
		return nil
	}
	var goals []Goal
	var plain []int             // indexes in goals of the plain texts
	written := map[string]int{} // the line of each id written out
	for _, c := range list {
		c = deref(c)
		switch c.Kind {
		case yaml.ScalarNode:
			s := strings.TrimSpace(c.Value)
			if s == "" {
				p.add(c.Line, "%s: a goal must not be empty", ctx)
				continue
			}
			plain = append(plain, len(goals))
			goals = append(goals, Goal{Text: s})
		case yaml.MappingNode:
			goals = append(goals, p.goal(c, ctx, written))
		default:
			p.add(c.Line, "goal must be a text or a mapping, not a %s", kindName(c))
		}
	}
	taken := make(map[string]bool, len(goals))
	for id := range written {
		taken[id] = true
	}
	for _, i := range plain {
		goals[i].ID = uniqueGoalID(goalID(goals[i].Text), taken)
	}
	return goals
}

// goal reads a goal written as {id, text}. Its id need only be unique
// in the placement (written holds those seen so far in it), so it is not
// claimed in the roster's id space.
func (p *parser) goal(n *yaml.Node, ctx string, written map[string]int) Goal {
	var g Goal
	f, ok := p.mapping(n, "a goal", goalKeys)
	if !ok {
		return g
	}
	if v := f.get("id"); v == nil {
		p.add(f.line, "%s: goal id is required", ctx)
	} else if s, ok := p.text(v, "id"); ok {
		switch {
		case s == "":
			p.add(v.Line, "%s: goal id is required", ctx)
		case !idPattern.MatchString(s):
			p.add(v.Line, "goal id %q must match [a-z0-9_-]+", s)
		case len(s) > MaxIDLength:
			p.add(v.Line, "goal id %q is longer than %d characters", s, MaxIDLength)
		}
		if s != "" {
			// A malformed id still counts, so a repeat of it is reported too.
			if first, dup := written[s]; dup {
				p.add(v.Line, "duplicate goal id %q (first at line %d)", s, first)
			} else {
				written[s] = v.Line
			}
		}
		g.ID = s
	}
	if v := f.get("text"); v == nil {
		p.add(f.line, "%s: goal text is required", ctx)
	} else if s, ok := p.text(v, "text"); ok {
		if g.Text = strings.TrimSpace(s); g.Text == "" {
			p.add(v.Line, "%s: a goal must not be empty", ctx)
		}
	}
	return g
}

// goalFolds spells in ASCII the lower-case letters that have no
// decomposition to an ASCII letter and a mark.
var goalFolds = map[rune]string{
	'æ': "ae", 'ø': "o", 'œ': "oe", 'ß': "ss", 'ð': "d", 'đ': "d", 'þ': "th",
	'ł': "l", 'ı': "i", 'ŋ': "n", 'ħ': "h", 'ŧ': "t",
}

// goalID makes the id of a goal written as plain text. The rules are part
// of the roster format: a goal's history is kept under its id, and a
// change here would cut every plain-text goal off its history. They are:
//
//  1. The text is decomposed (Unicode NFKD, whose results for assigned
//     characters Unicode promises never to change) and lower-cased, and
//     accents and other combining marks are dropped: å→a, é→e, ü→u, ç→c,
//     ﬁ→fi.
//  2. Letters with no decomposition are spelt out by goalFolds: æ→ae,
//     ø→o, ß→ss and a few more.
//  3. Every run of characters that is still outside [a-z0-9] — spaces,
//     punctuation, letters of other scripts — becomes one '-', and '-'
//     is trimmed from both ends.
//  4. The id is cut to MaxIDLength characters by cutID.
//  5. An id left empty (a text with no Latin letter or digit) is "goal".
//
// So "Følger hygienerutiner på kjøkkenet" is "folger-hygienerutiner-pa".
func goalID(text string) string {
	var b strings.Builder
	sep := false // a '-' is due before the next letter or digit
	put := func(s string) {
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteString(s)
	}
	for _, r := range strings.ToLower(norm.NFKD.String(text)) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			put(string(r))
		case goalFolds[r] != "":
			put(goalFolds[r])
		case unicode.Is(unicode.M, r):
			// The mark belongs to the letter before it.
		default:
			sep = true
		}
	}
	id := cutID(b.String(), MaxIDLength)
	if id == "" {
		return "goal"
	}
	return id
}

// cutID shortens an id made of words joined by single '-' to at most n
// characters, n > 0. It cuts after the last whole word that fits, or
// inside the first word if even that does not fit, and never leaves a
// '-' at the end.
func cutID(id string, n int) string {
	if len(id) <= n {
		return id
	}
	cut := id[:n]
	if id[n] != '-' { // the cut is inside a word
		if i := strings.LastIndexByte(cut, '-'); i > 0 {
			cut = cut[:i]
		}
	}
	return strings.TrimRight(cut, "-")
}

// uniqueGoalID returns id, or if taken already has it, the first of
// id-2, id-3, … that it does not, with id cut (cutID) to leave room for
// the number; it adds the result to taken. Plain texts are numbered in
// the order they are listed.
func uniqueGoalID(id string, taken map[string]bool) string {
	out := id
	for k := 2; taken[out]; k++ {
		suffix := "-" + strconv.Itoa(k)
		out = cutID(id, MaxIDLength-len(suffix)) + suffix
	}
	taken[out] = true
	return out
}

func (p *parser) class(n *yaml.Node, ctx string) (Class, bool) {
	f, ok := p.mapping(n, "a class", classKeys)
	if !ok {
		return Class{}, false
	}
	var c Class
	if n := f.get("days"); n != nil {
		c.Days, _ = p.days(n, "days")
	} else {
		p.add(f.line, "%s: class days is required", ctx)
	}
	if n := f.get("hours"); n != nil {
		c.Hours, _ = p.span(n, "hours", false)
	} else {
		p.add(f.line, "%s: class hours is required", ctx)
	}
	p.optText(f, "place", &c.Place)
	return c, true
}

// resolve links the staff's and the participants' references once every
// id is known, checking that each names the right kind of person
// (docs/roster.md).
func (p *parser) resolve() {
	for _, rf := range p.staffRefs {
		if rf.backup.id != "" && rf.backup.id == rf.s.ID {
			p.add(rf.backup.line, "%s: a staff member cannot be their own backup", rf.ctx)
			continue
		}
		// Any staff member can stand in, whatever their roles: the
		// backup takes the issues routed to this person.
		rf.s.Backup = p.staffRef(rf.ctx, "backup", rf.backup, "")
	}
	for _, rf := range p.refs {
		pt := rf.p
		pt.Adviser = p.staffRef(rf.ctx, "adviser", rf.adviser, RoleAdviser)
		pt.Teacher = p.staffRef(rf.ctx, "teacher", rf.teacher, RoleTeacher)
		pt.Nav = p.staffRef(rf.ctx, "nav", rf.nav, RoleNav)
		if pl := pt.Placement; pl != nil {
			pl.Employer = p.employerRef(rf.ctx, rf.employer)
			pl.Mentor = p.mentorRef(rf.ctx, rf.mentor, pl.Employer)
		}
	}
}

func kindOf(v any) string {
	switch v.(type) {
	case *Staff:
		return "staff"
	case *Employer:
		return "an employer"
	case *Contact:
		return "an employer contact"
	case *Participant:
		return "a participant"
	}
	return "something else"
}

func (p *parser) lookup(ctx, key string, r ref) (any, bool) {
	if r.id == "" {
		return nil, false
	}
	d, ok := p.ids[r.id]
	if !ok {
		if !p.partial {
			p.add(r.line, "%s: %s %q is not in the roster", ctx, key, r.id)
		}
		return nil, false
	}
	return d.v, true
}

// staffRef resolves r to a staff member holding role, or any role if
// role is "".
func (p *parser) staffRef(ctx, key string, r ref, role Role) *Staff {
	v, ok := p.lookup(ctx, key, r)
	if !ok {
		return nil
	}
	s, ok := v.(*Staff)
	if !ok {
		p.add(r.line, "%s: %s %q is %s, not staff", ctx, key, r.id, kindOf(v))
		return nil
	}
	if role != "" && !s.Has(role) && !p.doubtfulRoles[s] {
		p.add(r.line, "%s: %s %q does not have role %s", ctx, key, r.id, role)
	}
	return s
}

func (p *parser) employerRef(ctx string, r ref) *Employer {
	v, ok := p.lookup(ctx, "employer", r)
	if !ok {
		return nil
	}
	e, ok := v.(*Employer)
	if !ok {
		p.add(r.line, "%s: employer %q is %s, not an employer", ctx, r.id, kindOf(v))
	}
	return e
}

func (p *parser) mentorRef(ctx string, r ref, e *Employer) *Contact {
	v, ok := p.lookup(ctx, "mentor", r)
	if !ok {
		return nil
	}
	c, ok := v.(*Contact)
	if !ok {
		p.add(r.line, "%s: mentor %q is %s, not an employer contact", ctx, r.id, kindOf(v))
		return nil
	}
	if e != nil && c.Employer != e {
		p.add(r.line, "%s: mentor %q is a contact of %q, not of %q", ctx, r.id, c.Employer.ID, e.ID)
	}
	return c
}
