package roster

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// A participants CSV is what an adviser keeps in a spreadsheet: one row
// per participant, exported from Excel. The programme, staff and
// employers stay in a YAML file beside it (docs/integrations.md). Each
// row becomes the participant entry the YAML format would hold, and the
// whole goes through the same checks and defaults as Parse, so a
// spreadsheet cannot hold a roster the YAML format would refuse.

// csvColumn is one column the CSV format knows: the YAML key it fills
// and the headers it goes by. The first header is the one ExportCSV
// writes.
type csvColumn struct {
	key     string
	headers []string
}

// csvColumns are the columns in the order ExportCSV writes them.
// Headers are matched without case, accents on å/æ/ø, spaces or
// punctuation, so "Rådgiver", "radgiver" and "RÅDGIVER " are one.
var csvColumns = []csvColumn{
	{"id", []string{"id"}},
	{"name", []string{"navn", "name", "fullt navn", "full name"}},
	{"language", []string{"språk", "language", "lang"}},
	{"programme_start", []string{"oppstart", "programstart", "programme start", "program start", "start"}},
	{"children", []string{"barn", "antall barn", "children"}},
	{"single_carer", []string{"aleneforsørger", "alene", "alene-forsørger", "single carer", "single parent"}},
	{"adviser", []string{"rådgiver", "programrådgiver", "programveileder", "adviser", "advisor"}},
	{"teacher", []string{"lærer", "teacher"}},
	{"nav", []string{"nav", "nav-veileder", "navveileder", "nav counsellor"}},
	{"employer", []string{"arbeidsgiver", "praksissted", "employer", "workplace"}},
	{"mentor", []string{"kontaktperson", "veileder", "praksisveileder", "mentor"}},
	{"days", []string{"praksisdager", "dager", "days", "placement days"}},
	{"hours", []string{"tid", "arbeidstid", "praksistid", "hours"}},
	{"from", []string{"fra", "from"}},
	{"to", []string{"til", "to"}},
	{"goals", []string{"mål", "læringsmål", "goals"}},
	{"classes", []string{"undervisning", "klasser", "kurs", "classes"}},
	{"sickness", []string{"egenmelding", "sykdomsregler", "sickness"}},
}

// Columns every participants CSV must have, because every participant
// needs them (docs/roster.md).
var csvRequired = []string{"id", "name", "language", "adviser"}

// placementColumns fill the participant's placement; a row with none of
// them has no placement.
var placementColumns = []string{"employer", "mentor", "days", "hours", "from", "to", "goals"}

// foldHeader reduces a header to what matching compares: lower case,
// å/æ/ø spelt in ASCII, and nothing but letters and digits.
func foldHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(norm.NFC.String(s)) {
		switch {
		case r == 'å' || r == 'ä' || r == 'á' || r == 'à':
			b.WriteByte('a')
		case r == 'ø' || r == 'ö' || r == 'ó':
			b.WriteByte('o')
		case r == 'æ':
			b.WriteString("ae")
		case r == 'é' || r == 'è':
			b.WriteByte('e')
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		case r > utf8.RuneSelf && !strings.ContainsRune("–—‐-_ ./()*:", r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var columnByHeader = func() map[string]*csvColumn {
	m := map[string]*csvColumn{}
	for i := range csvColumns {
		for _, h := range csvColumns[i].headers {
			m[foldHeader(h)] = &csvColumns[i]
		}
	}
	return m
}()

func columnFor(key string) *csvColumn {
	for i := range csvColumns {
		if csvColumns[i].key == key {
			return &csvColumns[i]
		}
	}
	return nil
}

// cellRef is where a node built from the CSV came from. Nodes carry an
// index into csvDoc.cells as their line, offset by csvLineBase, so that a
// problem the parser reports can be traced back to FILE:LINE and column.
type cellRef struct {
	line   int    // line in the CSV file
	header string // the column's header as written; "" for a whole row
}

// csvLineBase is far beyond any real line of the YAML file, so the two
// kinds of line number never meet.
const csvLineBase = 1 << 30

type csvDoc struct {
	file    string
	cells   []cellRef
	cols    map[string]int    // key -> index of its column
	headers map[string]string // key -> header as written
	probs   []placedProblem
}

// placedProblem is a problem with the index of the column it is about
// (-1 for none), so that the problems of one row read left to right.
type placedProblem struct {
	Problem
	col int
}

// column returns the index of the column headed h, or one past the last
// for a column not in the file.
func (d *csvDoc) column(h string) int {
	if h == "" {
		return -1
	}
	for k, hh := range d.headers {
		if hh == h {
			return d.cols[k]
		}
	}
	return len(csvColumns) + len(d.cols)
}

func (d *csvDoc) add(line int, header, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if header != "" {
		msg = fmt.Sprintf("column %q: %s", header, msg)
	}
	d.probs = append(d.probs, placedProblem{Problem{File: d.file, Line: line, Msg: msg}, d.column(header)})
}

// ref returns the line number a node made from a cell carries.
func (d *csvDoc) ref(line int, header string) int {
	d.cells = append(d.cells, cellRef{line: line, header: header})
	return csvLineBase + len(d.cells) - 1
}

// ParseCSV reads a participants CSV (csvData, one row per participant)
// with the YAML file holding the rest of the roster (yamlData: programme,
// staff and employers) and checks the whole as Parse does. The CSV may be
// separated by ';', ',' or tabs and be UTF-8 with or without a byte-order
// mark, UTF-16 with one, or Windows-1252 (what Norwegian Excel writes as
// "CSV (semikolondelt)"). Problems point at FILE:LINE of either file,
// those in the CSV naming the column; all are reported and nothing is
// returned but them.
func ParseCSV(csvName string, csvData []byte, yamlName string, yamlData []byte) (*Roster, error) {
	d := &csvDoc{file: csvName, cols: map[string]int{}, headers: map[string]string{}}
	p := &parser{file: yamlName, ids: map[string]idDef{}, doubtfulRoles: map[*Staff]bool{}}

	rows, headerLine, ok := d.read(csvData)
	var rowNodes []*yaml.Node
	var rowLines []int
	if ok {
		for _, row := range rows {
			if n := d.participant(row); n != nil {
				rowNodes = append(rowNodes, n)
				rowLines = append(rowLines, row.line)
			}
		}
	}

	var r *Roster
	if root := p.base(yamlData); root != nil && ok {
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "participants", Line: d.ref(headerLine, "")}
		seq := &yaml.Node{Kind: yaml.SequenceNode, Line: key.Line, Content: rowNodes}
		root.Content = append(root.Content, key, seq)
		r = p.rosterFrom(root)
	}

	probs := d.probs
	yamlLinesN := lineCount(yamlData)
	for _, pr := range p.probs {
		probs = append(probs, d.translate(pr, yamlName, yamlLinesN))
	}
	if len(probs) > 0 {
		return nil, sortProblems(probs, yamlName)
	}
	if r == nil {
		return nil, Problems{{File: csvName, Line: 1, Msg: "nothing to read"}}
	}
	r.Index()
	for i, pt := range r.Participants {
		if i < len(rowLines) {
			pt.Line = rowLines[i]
		}
	}
	return r, nil
}

// base decodes the YAML file and returns its top-level mapping, ready to
// take the participants; nil when the file cannot be read (its problems
// are reported).
func (p *parser) base(data []byte) *yaml.Node {
	if !p.readable(data, "roster") {
		return nil
	}
	doc, read, err := decode(data)
	if err != nil {
		p.yamlProblem(data, err, read)
		return nil
	}
	if doc == nil || len(doc.Content) == 0 || isNull(deref(doc.Content[0])) {
		// An empty file is reported by the walk as a missing programme.
		return &yaml.Node{Kind: yaml.MappingNode, Line: 1}
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, "the roster must be a mapping")
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := deref(root.Content[i]); k.Value == "participants" {
			p.add(k.Line, "participants come from the CSV file; remove them here")
			return nil
		}
	}
	return root
}

var (
	requiredMsg = regexp.MustCompile(`(?:placement |class )?(\w+) is required$`)
	firstAtLine = regexp.MustCompile(`\(first at line (\d+)\)`)
)

// translate turns a problem the parser reported into one at the right
// file and line, naming the CSV column it is about.
func (d *csvDoc) translate(pr Problem, yamlName string, yamlLines int) placedProblem {
	pr.Msg = firstAtLine.ReplaceAllStringFunc(pr.Msg, func(s string) string {
		n, _ := strconv.Atoi(firstAtLine.FindStringSubmatch(s)[1])
		if n >= csvLineBase {
			return fmt.Sprintf("(first at line %d)", d.cells[n-csvLineBase].line)
		}
		return fmt.Sprintf("(first at %s:%d)", yamlName, n)
	})
	if pr.Line < csvLineBase {
		pr.File, pr.Line = yamlName, min(max(pr.Line, 1), yamlLines)
		return placedProblem{pr, -1}
	}
	c := d.cells[pr.Line-csvLineBase]
	header := c.header
	if header == "" {
		// A problem of the whole row, such as a missing value: name the
		// column the value belongs in.
		if m := requiredMsg.FindStringSubmatch(pr.Msg); m != nil {
			if h, ok := d.headers[m[1]]; ok {
				header = h
			} else if col := columnFor(m[1]); col != nil {
				header = col.headers[0] + " (not in the file)"
			}
		}
	}
	out := Problem{File: d.file, Line: c.line, Msg: pr.Msg}
	col := -1
	if header != "" {
		out.Msg = fmt.Sprintf("column %q: %s", header, pr.Msg)
		col = d.column(strings.TrimSuffix(header, " (not in the file)"))
		if header != c.header && !strings.HasSuffix(header, " (not in the file)") {
			col = d.column(header)
		}
	}
	return placedProblem{out, col}
}

// sortProblems orders problems file by file (the YAML file first, as it
// is read first), line by line and column by column, dropping repeats.
func sortProblems(ps []placedProblem, firstFile string) Problems {
	seen := map[Problem]bool{}
	var kept []placedProblem
	for _, p := range ps {
		if !seen[p.Problem] {
			seen[p.Problem] = true
			kept = append(kept, p)
		}
	}
	slices.SortStableFunc(kept, func(a, b placedProblem) int {
		af, bf := a.File != firstFile, b.File != firstFile
		if af != bf {
			if af {
				return 1
			}
			return -1
		}
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.col, b.col))
	})
	out := make(Problems, len(kept))
	for i, p := range kept {
		out[i] = p.Problem
	}
	return out
}

// csvRow is one row of the file: its cells by column key.
type csvRow struct {
	line  int
	cells map[string]csvCell
}

type csvCell struct {
	value string
	line  int
}

// decodeCSVText turns the file's bytes into text, whatever Excel saved it
// as. A byte-order mark decides; without one, text that is valid UTF-8
// is UTF-8, and anything else is Windows-1252, the code page Excel on a
// Norwegian Windows writes for "CSV (semikolondelt)".
func decodeCSVText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			return "", errors.New("the file starts with a UTF-8 byte-order mark but is not UTF-8")
		}
		return string(data), nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("the file is not valid UTF-16: %w", err)
		}
		return string(out), nil
	case utf8.Valid(data):
		return string(data), nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("the file is neither UTF-8 nor Windows-1252: %w", err)
	}
	return string(out), nil
}

// separator picks the separator from the header line: whichever of ';',
// tab and ',' it has most of outside quotes. Norwegian Excel writes ';',
// because ',' is the decimal mark.
func separator(header string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range header {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ';' || r == ',' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t', ','} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

var sepLine = regexp.MustCompile(`^sep=(.)\s*$`)

// read decodes the file and splits it into rows; ok is false when the
// header is unusable, in which case the rows are not worth checking.
func (d *csvDoc) read(data []byte) (rows []csvRow, headerLine int, ok bool) {
	if len(data) > MaxFileSize {
		d.add(1, "", "%s", tooLarge("participants file", len(data)))
		return nil, 1, false
	}
	text, err := decodeCSVText(data)
	if err != nil {
		d.add(1, "", "%v", err)
		return nil, 1, false
	}
	// Excel for Mac once ended lines with a lone CR.
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	first, _, _ := strings.Cut(text, "\n")
	offset := 0 // lines before what the CSV reader sees
	sep := separator(first)
	// "sep=;" on the first line is Excel's own way to name the separator.
	if m := sepLine.FindStringSubmatch(first); m != nil {
		sep, _ = utf8.DecodeRuneInString(m[1])
		text = text[len(first):]
		text = strings.TrimPrefix(text, "\n")
		offset = 1
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false

	var header []string
	var keys []string // column key by index, "" for an ignored column
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				d.add(pe.Line+offset, "", "%v", pe.Err)
			} else {
				d.add(1, "", "%v", err)
			}
			break // the reader cannot find the next row after a broken one
		}
		line, _ := cr.FieldPos(0)
		line += offset
		if header == nil {
			header, headerLine = rec, line
			keys = d.header(rec, line)
			continue
		}
		row := csvRow{line: line, cells: map[string]csvCell{}}
		empty := true
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			empty = false
			l, _ := cr.FieldPos(i)
			if i >= len(keys) {
				d.add(l+offset, "", "cell %d has %q, but the header has only %d columns", i+1, v, len(keys))
				continue
			}
			if keys[i] != "" {
				row.cells[keys[i]] = csvCell{value: v, line: l + offset}
			}
		}
		if !empty {
			rows = append(rows, row)
		}
	}
	if header == nil {
		d.add(1, "", "the file is empty; the first line must name the columns")
		return nil, 1, false
	}
	ok = true
	for _, k := range csvRequired {
		if _, has := d.cols[k]; !has {
			col := columnFor(k)
			d.add(headerLine, "", "no column for %s (%s)", k, strings.Join(col.headers[:min(2, len(col.headers))], " or "))
			ok = false
		}
	}
	return rows, headerLine, ok
}

// header reads the header row, reporting columns it does not know. A
// column headed x-… is the admin's own and is ignored, as x- keys are in
// the YAML file; so is a column with no header and no values.
func (d *csvDoc) header(rec []string, line int) []string {
	keys := make([]string, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		folded := foldHeader(h)
		if h == "" || strings.HasPrefix(strings.ToLower(h), "x-") {
			continue
		}
		col, known := columnByHeader[folded]
		if !known {
			d.add(line, "", "column %q is not one the roster knows (name it x-%s to keep it; see docs/integrations.md)", h, h)
			continue
		}
		if _, dup := d.cols[col.key]; dup {
			d.add(line, "", "column %q says the same as column %q", h, d.headers[col.key])
			continue
		}
		d.cols[col.key] = i
		d.headers[col.key] = h
		keys[i] = col.key
	}
	return keys
}

// Node builders for the participant entries. Every node carries the line
// of the cell it came from (see cellRef).

func (d *csvDoc) scalar(c csvCell, key, v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: d.ref(c.line, d.headers[key])}
}

func (d *csvDoc) keyNode(c csvCell, key, yamlKey string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: yamlKey, Line: d.ref(c.line, d.headers[key])}
}

// participant builds the YAML entry of one row, or nil when the row's
// own cells are too broken to check further (already reported).
func (d *csvDoc) participant(row csvRow) *yaml.Node {
	rowLine := d.ref(row.line, "")
	m := &yaml.Node{Kind: yaml.MappingNode, Line: rowLine}
	put := func(key string, v *yaml.Node) {
		c := row.cells[key]
		m.Content = append(m.Content, d.keyNode(c, key, key), v)
	}
	text := func(key string, transform func(string) string) {
		if c, ok := row.cells[key]; ok {
			v := c.value
			if transform != nil {
				v = transform(v)
			}
			put(key, d.scalar(c, key, v))
		}
	}
	text("id", strings.ToLower)
	text("name", nil)
	text("language", csvLanguage)
	if c, ok := row.cells["programme_start"]; ok {
		if v, ok := d.date(c, "programme_start"); ok {
			put("programme_start", d.scalar(c, "programme_start", v))
		}
	}
	text("children", nil)
	if c, ok := row.cells["single_carer"]; ok {
		if v, ok := d.yesNo(c, "single_carer"); ok {
			put("single_carer", d.scalar(c, "single_carer", strconv.FormatBool(v)))
		}
	}
	if c, ok := row.cells["sickness"]; ok {
		if n := d.sickness(c); n != nil {
			put("sickness", n)
		}
	}
	for _, k := range []string{"adviser", "teacher", "nav"} {
		text(k, strings.ToLower)
	}
	if pl := d.placement(row); pl != nil {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "placement", Line: rowLine}, pl)
	}
	if c, ok := row.cells["classes"]; ok {
		if n := d.classes(c); n != nil {
			put("classes", n)
		}
	}
	return m
}

func (d *csvDoc) placement(row csvRow) *yaml.Node {
	has := false
	for _, k := range placementColumns {
		if _, ok := row.cells[k]; ok {
			has = true
		}
	}
	if !has {
		return nil
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Line: d.ref(row.line, "")}
	put := func(key string, v *yaml.Node) {
		m.Content = append(m.Content, d.keyNode(row.cells[key], key, key), v)
	}
	for _, k := range []string{"employer", "mentor"} {
		if c, ok := row.cells[k]; ok {
			put(k, d.scalar(c, k, strings.ToLower(c.value)))
		}
	}
	if c, ok := row.cells["days"]; ok {
		days, ok := d.days(c, "days", c.value)
		if !ok {
			days = []string{"mon"} // reported; stands in so "days is required" does not follow
		}
		put("days", d.dayList(c, "days", days))
	}
	if c, ok := row.cells["hours"]; ok {
		put("hours", d.scalar(c, "hours", normHours(c.value)))
	}
	for _, k := range []string{"from", "to"} {
		if c, ok := row.cells[k]; ok {
			if v, ok := d.date(c, k); ok {
				put(k, d.scalar(c, k, v))
			}
		}
	}
	if c, ok := row.cells["goals"]; ok {
		put("goals", d.goals(c))
	}
	return m
}

func (d *csvDoc) dayList(c csvCell, key string, days []string) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Line: d.ref(c.line, d.headers[key])}
	for _, s := range days {
		seq.Content = append(seq.Content, d.scalar(c, key, s))
	}
	return seq
}

// csvDayNames are the day names a spreadsheet may use, in Norwegian and
// English, whole or short, with or without a full stop.
var csvDayNames = map[string]string{
	"man": "mon", "mandag": "mon", "ma": "mon",
	"tir": "tue", "tirs": "tue", "tirsdag": "tue", "ti": "tue",
	"ons": "wed", "onsdag": "wed", "on": "wed",
	"tor": "thu", "tors": "thu", "torsdag": "thu", "to": "thu",
	"fre": "fri", "fredag": "fri", "fr": "fri",
	"lør": "sat", "lørdag": "sat", "lor": "sat", "lordag": "sat", "lø": "sat",
	"søn": "sun", "søndag": "sun", "son": "sun", "sondag": "sun", "sø": "sun",
	"mon": "mon", "monday": "mon",
	"tue": "tue", "tues": "tue", "tuesday": "tue",
	"wed": "wed", "weds": "wed", "wednesday": "wed",
	"thu": "thu", "thur": "thu", "thurs": "thu", "thursday": "thu",
	"fri": "fri", "friday": "fri",
	"sat": "sat", "saturday": "sat",
	"sun": "sun", "sunday": "sun",
}

var weekOrder = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

var (
	daySplit = regexp.MustCompile(`[\s,;/+&]+`)
	dayDash  = regexp.MustCompile(`\s*[-–—]\s*`)
)

// days reads "tir, tor", "tue;thu", "tirsdag og torsdag" or a range
// "man-fre" into the roster's day names.
func (d *csvDoc) days(c csvCell, key, s string) ([]string, bool) {
	s = strings.ToLower(norm.NFC.String(s))
	s = dayDash.ReplaceAllString(s, "-")
	var out []string
	good := true
	for _, tok := range daySplit.Split(s, -1) {
		tok = strings.Trim(tok, ". ")
		if tok == "" || tok == "og" || tok == "and" {
			continue
		}
		if a, b, isRange := strings.Cut(tok, "-"); isRange {
			from, ok1 := csvDayNames[strings.Trim(a, ". ")]
			to, ok2 := csvDayNames[strings.Trim(b, ". ")]
			if !ok1 || !ok2 {
				d.add(c.line, d.headers[key], "%q is not a range of weekdays like man-fre", tok)
				good = false
				continue
			}
			i, j := slices.Index(weekOrder, from), slices.Index(weekOrder, to)
			if j < i {
				d.add(c.line, d.headers[key], "range %q runs backwards", tok)
				good = false
				continue
			}
			out = append(out, weekOrder[i:j+1]...)
			continue
		}
		day, ok := csvDayNames[tok]
		if !ok {
			d.add(c.line, d.headers[key], "%q is not a weekday (man tir ons tor fre lør søn, or mon … sun)", tok)
			good = false
			continue
		}
		out = append(out, day)
	}
	if good && len(out) == 0 {
		d.add(c.line, d.headers[key], "%q names no weekday", strings.TrimSpace(s))
		good = false
	}
	return out, good
}

var (
	hoursRange = regexp.MustCompile(`^(?:kl\.?\s*)?(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?$`)
	hoursInner = regexp.MustCompile(`(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?`)
)

// normHours writes "9-15", "09.00–15.00" or "kl. 9:00-15:00" as the
// roster's "09:00-15:00"; anything else goes on unchanged for the
// parser to judge.
func normHours(s string) string {
	s = strings.TrimSpace(s)
	m := hoursRange.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	return hoursOf(m[1:])
}

func hoursOf(m []string) string {
	pad := func(h, mm string) string {
		if mm == "" {
			mm = "00"
		}
		if len(h) == 1 {
			h = "0" + h
		}
		return h + ":" + mm
	}
	return pad(m[0], m[1]) + "-" + pad(m[2], m[3])
}

var dottedDate = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})$`)

// date reads 2026-09-01 or the Norwegian 01.09.2026 (also 1.9.2026).
func (d *csvDoc) date(c csvCell, key string) (string, bool) {
	s := c.value
	if m := dottedDate.FindStringSubmatch(s); m != nil {
		day, _ := strconv.Atoi(m[1])
		mon, _ := strconv.Atoi(m[2])
		s = fmt.Sprintf("%s-%02d-%02d", m[3], mon, day)
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil && t.Year() >= 1 {
		return s, true
	}
	d.add(c.line, d.headers[key], "%q is not a date like 2026-09-01 or 01.09.2026", c.value)
	return "", false
}

func (d *csvDoc) yesNo(c csvCell, key string) (bool, bool) {
	switch strings.ToLower(c.value) {
	case "ja", "j", "yes", "y", "true", "sann", "x", "1":
		return true, true
	case "nei", "n", "no", "false", "usann", "0", "-":
		return false, true
	}
	d.add(c.line, d.headers[key], "%q must be ja or nei (yes or no)", c.value)
	return false, false
}

// csvLanguages are language names an adviser may write instead of the
// code, in Norwegian and English.
var csvLanguages = map[string]string{
	"norsk": "nb", "bokmål": "nb", "norwegian": "nb", "nb": "nb", "no": "nb", "nob": "nb",
	"engelsk": "en", "english": "en",
	"arabisk": "ar", "arabic": "ar",
	"tigrinja": "ti", "tigrinya": "ti",
	"somali": "so", "somalisk": "so",
	"dari": "fa-AF", "fa-af": "fa-AF", "fa_af": "fa-AF", "prs": "fa-AF",
	"pashto": "ps", "pashtu": "ps", "pasjto": "ps",
	"ukrainsk": "uk", "ukrainian": "uk",
	"russisk": "ru", "russian": "ru",
	"kurmanji": "ku", "kurdisk": "ku", "kurdish": "ku", "nordkurdisk": "ku",
}

func csvLanguage(s string) string {
	if l, ok := csvLanguages[strings.ToLower(s)]; ok {
		return l
	}
	for _, l := range Languages {
		if strings.EqualFold(l, s) {
			return l
		}
	}
	return s
}

// splitItems splits a cell holding a list: items are separated by "|"
// or by line breaks inside the cell (Alt+Enter in Excel).
func splitItems(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == '\n' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

var goalWithID = regexp.MustCompile(`^\[([^\]]*)\]\s*(.*)$`)

// goals reads "[hygiene] Følger hygienerutiner | Sier ifra når noe er
// uklart": a goal's id in brackets keeps its history when the text is
// edited, as {id, text} does in YAML; without one the id is made from the
// text.
func (d *csvDoc) goals(c csvCell) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Line: d.ref(c.line, d.headers["goals"])}
	for _, g := range splitItems(c.value) {
		if m := goalWithID.FindStringSubmatch(g); m != nil {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.MappingNode, Line: seq.Line, Content: []*yaml.Node{
				d.scalar(c, "goals", "id"), d.scalar(c, "goals", strings.TrimSpace(m[1])),
				d.scalar(c, "goals", "text"), d.scalar(c, "goals", m[2]),
			}})
			continue
		}
		seq.Content = append(seq.Content, d.scalar(c, "goals", g))
	}
	return seq
}

// classes reads "man, ons 09:00-12:00 Gjøvik læringssenter | tir 12:30-14:30
// Gjøvik læringssenter": each class is its days, its hours and then,
// optionally, its place.
func (d *csvDoc) classes(c csvCell) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Line: d.ref(c.line, d.headers["classes"])}
	for _, item := range splitItems(c.value) {
		loc := hoursInner.FindStringSubmatchIndex(item)
		if loc == nil {
			d.add(c.line, d.headers["classes"], "class %q needs days and hours, like \"man, ons 09:00-12:00 Gjøvik læringssenter\"", item)
			continue
		}
		m := hoursInner.FindStringSubmatch(item)
		daysText := strings.TrimSpace(item[:loc[0]])
		place := strings.TrimSpace(strings.TrimLeft(item[loc[1]:], " ,;:"))
		if daysText == "" {
			d.add(c.line, d.headers["classes"], "class %q needs its days before the hours", item)
			continue
		}
		days, ok := d.days(c, "classes", daysText)
		if !ok {
			continue
		}
		cm := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Line: seq.Line, Content: []*yaml.Node{
			d.scalar(c, "classes", "days"), d.dayList(c, "classes", days),
			d.scalar(c, "classes", "hours"), d.scalar(c, "classes", hoursOf(m[1:])),
		}}
		if place != "" {
			cm.Content = append(cm.Content, d.scalar(c, "classes", "place"), d.scalar(c, "classes", place))
		}
		seq.Content = append(seq.Content, cm)
	}
	return seq
}

// sickness reads a participant's own self-certification rules as
// "qualifying_weeks=4, self_certified_days=5", the keys of the YAML
// format's sickness block.
func (d *csvDoc) sickness(c csvCell) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Line: d.ref(c.line, d.headers["sickness"])}
	for _, part := range strings.FieldsFunc(c.value, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			k, v, ok = strings.Cut(part, ":")
		}
		if !ok {
			d.add(c.line, d.headers["sickness"], "%q must be a rule and a number, like qualifying_weeks=4", part)
			return nil
		}
		m.Content = append(m.Content, d.scalar(c, "sickness", strings.TrimSpace(k)), d.scalar(c, "sickness", strings.TrimSpace(v)))
	}
	return m
}

// ExportBase writes the roster without its participants: the YAML file
// that ParseCSV takes beside the participants CSV.
func (r *Roster) ExportBase() ([]byte, error) {
	base := *r
	base.Participants = nil
	return base.Export()
}

// csvDayLabels are the Norwegian day names ExportCSV writes.
var csvDayLabels = [...]string{"søn", "man", "tir", "ons", "tor", "fre", "lør"}

// ExportCSV writes the participants in the columns ParseCSV reads, with
// Norwegian headers, ';' between cells and a UTF-8 byte-order mark, as
// Excel on a Norwegian machine opens it without an import dialogue.
// ParseCSV(ExportCSV(r), ExportBase(r)) gives r again; a roster that
// would not (a class place with a '|', say) is refused rather than
// written.
func (r *Roster) ExportCSV() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = true
	header := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		header[i] = c.headers[0]
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, p := range r.Participants {
		row, err := csvRecord(p)
		if err != nil {
			return nil, err
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	out := buf.Bytes()

	base, err := r.ExportBase()
	if err != nil {
		return nil, err
	}
	want, err := r.Export()
	if err != nil {
		return nil, err
	}
	back, err := ParseCSV("export.csv", out, "export.yaml", base)
	if err != nil {
		return nil, fmt.Errorf("the roster cannot be written as CSV:\n%w", err)
	}
	got, err := back.Export()
	if err != nil || !bytes.Equal(got, want) {
		return nil, errors.New("the roster cannot be written as CSV without changing it; export it as YAML")
	}
	return out, nil
}

func csvRecord(p *Participant) ([]string, error) {
	if p.Adviser == nil {
		return nil, fmt.Errorf("export participant %q: no adviser", p.ID)
	}
	v := map[string]string{
		"id":           p.ID,
		"name":         p.Name,
		"language":     p.Language,
		"children":     strconv.Itoa(p.Children),
		"single_carer": "nei",
		"adviser":      p.Adviser.ID,
	}
	if p.SingleCarer {
		v["single_carer"] = "ja"
	}
	if !p.ProgrammeStart.IsZero() {
		v["programme_start"] = p.ProgrammeStart.String()
	}
	if p.Teacher != nil {
		v["teacher"] = p.Teacher.ID
	}
	if p.Nav != nil {
		v["nav"] = p.Nav.ID
	}
	if p.Sickness != nil {
		var rules []string
		for _, f := range []struct {
			key string
			n   int
		}{
			{"self_certified_days", p.Sickness.SelfCertifiedDays},
			{"self_certified_times", p.Sickness.SelfCertifiedTimes},
			{"qualifying_weeks", p.Sickness.QualifyingWeeks},
			{"same_period_days", p.Sickness.SamePeriodDays},
			{"child_sick_days", p.Sickness.ChildSickDays},
		} {
			if f.n != 0 || p.Sickness.Set[f.key] {
				rules = append(rules, fmt.Sprintf("%s=%d", f.key, f.n))
			}
		}
		v["sickness"] = strings.Join(rules, ", ")
	}
	if pl := p.Placement; pl != nil {
		if pl.Employer == nil || pl.Mentor == nil {
			return nil, fmt.Errorf("export participant %q: placement without employer or mentor", p.ID)
		}
		v["employer"] = pl.Employer.ID
		v["mentor"] = pl.Mentor.ID
		v["days"] = csvDays(pl.Days)
		v["hours"] = formatSpan(pl.Hours)
		if !pl.From.IsZero() {
			v["from"] = pl.From.String()
		}
		if !pl.To.IsZero() {
			v["to"] = pl.To.String()
		}
		v["goals"] = csvGoals(pl.Goals)
	}
	var classes []string
	for _, c := range p.Classes {
		s := csvDays(c.Days) + " " + formatSpan(c.Hours)
		if c.Place != "" {
			s += " " + c.Place
		}
		classes = append(classes, s)
	}
	v["classes"] = strings.Join(classes, " | ")
	row := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		row[i] = v[c.key]
	}
	return row, nil
}

func csvDays(days []time.Weekday) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = csvDayLabels[d%7]
	}
	return strings.Join(names, ", ")
}

// csvGoals writes a goal as its plain text when reading it back would
// give it the same id, and as "[id] text" otherwise, so that no goal
// loses its history in a round trip.
func csvGoals(goals []Goal) string {
	derived := map[string]int{}
	for _, g := range goals {
		derived[goalID(g.Text)]++
	}
	ids := map[string]int{}
	for _, g := range goals {
		ids[g.ID]++
	}
	out := make([]string, len(goals))
	for i, g := range goals {
		gid := goalID(g.Text)
		plain := g.ID == gid && derived[gid] == 1 && ids[gid] == 1 && !strings.HasPrefix(g.Text, "[")
		if plain {
			out[i] = g.Text
		} else {
			out[i] = "[" + g.ID + "] " + g.Text
		}
	}
	return strings.Join(out, " | ")
}
