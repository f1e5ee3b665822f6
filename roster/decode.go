package roster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a roster file and a participants CSV. A roster of
// 3,000 participants, each with a comment, a placement with two goals
// and two shared classes, is 1.8 MiB (bigRoster in the tests); this
// holds some 6,600 of them, room for longer texts and more comments.
// The YAML library decodes about 10 MB a second on a slow server and
// allocates some 35 bytes for every byte of the file, so the bound is
// also what keeps a check under a second and 200 MB.
const MaxFileSize = 4 << 20

// MaxEntries bounds each list in a roster: participants, staff,
// employers and an employer's contacts. It is more than three times the
// participants of a large municipality; a longer list is more likely a
// generated file gone wrong, and what the bot plans every day grows with
// it.
const MaxEntries = 10000

// maxAliasNodes bounds the nodes that aliases add to the document. The
// walk visits an anchored block again at every alias to it, so a few
// lines of nested aliases ("billion laughs") would otherwise make it
// visit billions. The document's own nodes are bounded by MaxFileSize,
// not by this: a file without aliases adds none. Sharing a class in
// every entry of a 10,000-participant roster adds about 100,000.
const maxAliasNodes = 1 << 20

// readable refuses, before decoding, a file too large to check in
// bounded time and memory, and one with a character YAML does not
// allow, which the YAML library would report without saying where it
// is. what names the file in the message.
func (p *parser) readable(data []byte, what string) bool {
	if len(data) > MaxFileSize {
		p.add(1, "%s", tooLarge(what, len(data)))
		return false
	}
	if line, msg, found := badCharacter(data); found {
		p.add(line, "%s", msg)
		return false
	}
	return true
}

// tooLarge gives the size in MB of 2^20 bytes, rounded up, so that a
// file just over the limit does not read as being at it.
func tooLarge(what string, size int) string {
	tenths := (size*10 + 1<<20 - 1) >> 20
	return fmt.Sprintf("the %s is %d.%d MB; at most %d MB is accepted", what, tenths/10, tenths%10, MaxFileSize>>20)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// badCharacter finds the first character the YAML library's reader
// refuses: a byte that is not UTF-8, most often from a file saved as
// Windows-1252, or a control character. Text with a UTF-16 byte-order
// mark is left to the library, which decodes it.
func badCharacter(data []byte) (line int, msg string, found bool) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return 0, "", false
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c >= 0x20 && c < 0x7F || c == '\n' || c == '\r' || c == '\t' {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			msg = fmt.Sprintf("byte 0x%02X in column %%d is not UTF-8; save the roster as UTF-8", c)
		case !yamlAllows(r):
			msg = fmt.Sprintf("character %U in column %%d is not allowed in YAML", r)
		default:
			i += size
			continue
		}
		line, col := position(data, i)
		return line, fmt.Sprintf(msg, col), true
	}
	return 0, "", false
}

// yamlAllows reports whether YAML 1.1, which the library reads, allows
// r in a document.
func yamlAllows(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
	case r >= 0x20 && r <= 0x7E:
	case r >= 0xA0 && r <= 0xD7FF:
	case r >= 0xE000 && r <= 0xFFFD:
	case r >= 0x10000 && r <= 0x10FFFF:
	default:
		return false
	}
	return true
}

// position gives the line and the column, counted in characters, of
// the byte at offset off, whose line before it is valid UTF-8.
func position(data []byte, off int) (line, col int) {
	ends := lineEnds(data)
	line = lineAt(ends, off)
	start := 0
	if line > 1 {
		start = ends[line-2]
	} else if bytes.HasPrefix(data, utf8BOM) {
		start = len(utf8BOM)
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}

// lineEnds returns the offset just after each line, counting lines as
// YAML does: a lone CR, NEL, LS and PS end a line too.
func lineEnds(data []byte) []int {
	var ends []int
	for i := 0; i < len(data); {
		i = nextLine(data, i)
		ends = append(ends, i)
	}
	if len(ends) == 0 {
		ends = append(ends, 0)
	}
	return ends
}

// lineCount is len(lineEnds(data)).
func lineCount(data []byte) int {
	n := 0
	for i := 0; i < len(data); n++ {
		i = nextLine(data, i)
	}
	return max(n, 1)
}

// nextLine returns the offset just after the line that starts at i, or
// the end of data. It looks at bytes, not characters, because it runs
// over every file with a problem; the first bytes of the multi-byte
// breaks cannot occur inside another character.
func nextLine(data []byte, i int) int {
	for ; i < len(data); i++ {
		switch data[i] {
		case '\n':
			return i + 1
		case '\r':
			if i+1 == len(data) || data[i+1] != '\n' {
				return i + 1
			}
		case 0xC2: // NEL
			if i+1 < len(data) && data[i+1] == 0x85 {
				return i + 2
			}
		case 0xE2: // LS, PS
			if i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9) {
				return i + 3
			}
		}
	}
	return len(data)
}

// lineAt returns the line, from 1, that holds the byte at offset off;
// offsets before the start are on the first line, those past the end
// on the last.
func lineAt(ends []int, off int) int {
	return min(sort.SearchInts(ends, off+1)+1, len(ends))
}

// errExtraDocument says the file holds more than one YAML document,
// which would otherwise be silently ignored.
type errExtraDocument struct{ line int }

func (e errExtraDocument) Error() string { return "extra document" }

// countingReader tells how far the YAML library has read.
type countingReader struct {
	data []byte
	n    int
}

func (r *countingReader) Read(b []byte) (int, error) {
	if r.n == len(r.data) {
		return 0, io.EOF
	}
	k := copy(b, r.data[r.n:])
	r.n += k
	return k, nil
}

// decode reads the one YAML document in data. read is how many bytes
// the library had taken when it stopped: it reads 512 bytes at a time
// and scans only a few tokens ahead, so an error lies shortly before.
func decode(data []byte) (doc *yaml.Node, read int, err error) {
	in := &countingReader{data: data}
	defer func() {
		// A bug in the YAML library must not take the bot down with a
		// roster import; it becomes a problem like any other.
		if v := recover(); v != nil {
			doc, err = nil, fmt.Errorf("yaml: cannot read the file (%v)", v)
		}
		read = in.n
	}()
	dec := yaml.NewDecoder(in)
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return &n, 0, nil
	case err != nil:
		return nil, 0, err
	}
	line := extra.Line
	if len(extra.Content) > 0 {
		line = extra.Content[0].Line
	}
	return nil, 0, errExtraDocument{line}
}

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// splitYAMLError separates the line from a YAML library error; line is
// 0 when the error names none.
func splitYAMLError(err error) (line int, msg string) {
	msg = err.Error()
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

var unknownAnchorMsg = regexp.MustCompile(`^unknown anchor '([A-Za-z0-9_-]*)' referenced$`)

// unknownAnchor returns the name in the library's message for an alias
// to an anchor not defined before it.
func unknownAnchor(msg string) (string, bool) {
	if m := unknownAnchorMsg.FindStringSubmatch(msg); m != nil {
		return m[1], true
	}
	return "", false
}

func (p *parser) yamlProblem(data []byte, err error, read int) {
	var extra errExtraDocument
	if errors.As(err, &extra) {
		p.add(max(extra.line, 1), "the roster must be a single YAML document")
		return
	}
	line, msg := splitYAMLError(err)
	at := problemLine(data, msg, line, read)
	if name, ok := unknownAnchor(msg); ok {
		// The library's wording hides that an anchor defined further
		// down does not count.
		msg = fmt.Sprintf("alias *%s has no anchor &%s before it", name, name)
	}
	p.add(at, "%s", msg)
}

// Bounds of the search for the line of a YAML syntax error.
const (
	// lookahead is more than the YAML library reads past the point
	// where it fails: its buffers (2 KiB) and the few tokens it scans
	// ahead, unless one of those is an unusually long text.
	lookahead = 16 << 10
	// maxWindow bounds the text decoded again at each step of the
	// search, so that a search costs a small part of a parse.
	maxWindow = 256 << 10
)

// problemLine finds the line a YAML syntax error is on. The library
// often names the line where the enclosing block starts, which in a long
// participants list says little, and for an alias to a missing anchor
// it names none. The shortest run of lines from the top that fails the
// same way ends at the line to look at.
//
// Decoding runs from the top would take a parse for each step of the
// search. The runs start at a restart (see window) instead, shortly
// before the error, and the search keeps to the lines between the one
// the library named and the last it had read when it failed (read).
func problemLine(data []byte, msg string, reported, read int) int {
	ends := lineEnds(data)
	hi := min(lineAt(ends, read-1)+1, len(ends))
	// The reported line is at most one past the real one; starting just
	// before it keeps the search away from unrelated earlier lines.
	lo := max(reported-2, 0)
	near := max(lo, lineAt(ends, read-lookahead)-1)
	if at, ok := search(data, ends, msg, near, hi); ok {
		return at
	}
	// An error whose lines the library read far ahead of, such as an
	// unclosed quote, is searched for from the line it named.
	if near > lo {
		if at, ok := search(data, ends, msg, lo, hi); ok {
			return at
		}
	}
	if name, ok := unknownAnchor(msg); ok {
		return aliasLine(data, ends, name)
	}
	return max(reported, 1)
}

// search finds the shortest run of lines that fails with msg, knowing
// that the one ending at line lo does not and the one ending at hi
// does; ok is false when the runs do not behave so, or are too long to
// decode again and again.
func search(data []byte, ends []int, msg string, lo, hi int) (line int, ok bool) {
	if lo >= hi {
		return 0, false
	}
	// The window starts no later than lo, so that the check that the
	// run to lo does not fail also checks the window's start.
	w := newWindow(data, ends, msg, lo)
	if ends[hi-1]-w.from > maxWindow || w.fails(lo) || !w.fails(hi) {
		return 0, false
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if w.fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}

// window decodes the file's lines up to a given line, from a restart on:
// a line at which the library is in a state that a short head can put it
// in again. Two kinds of line qualify: a key of the top mapping, where
// the library expects the next key, and an entry of a list under such a
// key, whose line is the head. What comes before a restart matters only
// through the anchors it defines; fails stands in for those that the
// lines after use.
type window struct {
	data  []byte
	ends  []int
	msg   string
	start int    // the line the window starts at
	from  int    // its offset
	head  string // the line the window puts before it, with its line break

	stubs   []string // anchors defined before the window that it uses
	stubbed map[string]bool
}

var (
	topKey  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*:(?:[ \t]|$)`)
	openKey = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*:[ \t]*(?:#.*)?$`)
)

// newWindow starts a window at the last restart at or before line upto,
// or at the top of the file.
func newWindow(data []byte, ends []int, msg string, upto int) *window {
	w := &window{data: data, ends: ends, msg: msg, start: 1, stubbed: map[string]bool{}}
	var section string // the open top-level key whose list this is
	itemIndent := -1
	from := 0
	for i := 0; i < upto && i < len(ends); i++ {
		lineFrom := from
		t := data[from:ends[i]]
		from = ends[i]
		t = bytes.TrimRight(t, "\r\n")
		body := bytes.TrimLeft(t, " ")
		indent := len(t) - len(body)
		if len(bytes.TrimSpace(body)) == 0 || body[0] == '#' {
			continue
		}
		entry := body[0] == '-' && (len(body) == 1 || body[1] == ' ')
		switch {
		case entry && section != "" && (itemIndent < 0 || indent == itemIndent):
			itemIndent = indent
			w.start, w.from, w.head = i+1, lineFrom, section
		case indent == 0:
			section, itemIndent = "", -1
			if topKey.Match(body) {
				w.start, w.from, w.head = i+1, lineFrom, ""
				if openKey.Match(body) {
					section = string(t) + "\n"
				}
			}
		case section != "" && (itemIndent < 0 || indent <= itemIndent):
			// A mapping under the key, or a line out of the list's shape.
			section = ""
		}
	}
	return w
}

// maxStubs bounds the anchors a window stands in for.
const maxStubs = 1000

// aliasToken finds what may be aliases; a few in comments or quotes
// only add anchors that nothing uses.
var aliasToken = regexp.MustCompile(`(?:^|[\s\[{,])\*([A-Za-z0-9_-]+)`)

// fails reports whether the file's lines up to line k fail to decode
// with the window's message.
func (w *window) fails(k int) bool {
	if k < w.start {
		return false
	}
	target, _ := unknownAnchor(w.msg)
	for {
		var b bytes.Buffer
		if len(w.stubs) > 0 {
			b.WriteString("x-stubs: [")
			for i, s := range w.stubs {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("&" + s + " ~")
			}
			b.WriteString("]\n")
		}
		b.WriteString(w.head)
		b.Write(w.data[w.from:w.ends[k-1]])
		_, _, err := decode(b.Bytes())
		if err == nil {
			return false
		}
		_, msg := splitYAMLError(err)
		if msg == w.msg {
			return true
		}
		// An alias to an anchor before the window: the file up to here
		// has none to a missing anchor, or it would have failed there.
		// Standing in for every alias at once saves a decode for each.
		name, ok := unknownAnchor(msg)
		if !ok || w.start == 1 || w.stubbed[name] || len(w.stubs) >= maxStubs {
			return false
		}
		w.stub(name)
		for _, m := range aliasToken.FindAllSubmatch(b.Bytes(), -1) {
			if s := string(m[1]); s != target {
				w.stub(s)
			}
		}
	}
}

func (w *window) stub(name string) {
	if !w.stubbed[name] {
		w.stubbed[name] = true
		w.stubs = append(w.stubs, name)
	}
}

// aliasLine guesses the line of the first alias to the anchor name: the
// first line with *name written where an alias can stand.
func aliasLine(data []byte, ends []int, name string) int {
	tok := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], tok)
		if i < 0 {
			return 1
		}
		at := off + i
		end := at + len(tok)
		before := at == 0 || bytes.IndexByte([]byte(" \t\n\r[{,"), data[at-1]) >= 0
		after := end == len(data) || !isAnchorChar(data[end])
		if before && after {
			return lineAt(ends, at)
		}
		off = at + 1
	}
}

func isAnchorChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// checkAliases refuses alias cycles and alias bombs before the walk,
// which follows aliases and would otherwise loop or take forever. It
// counts what aliases add, not the document, which MaxFileSize bounds.
func (p *parser) checkAliases(root *yaml.Node) bool {
	const visiting = -1
	memo := map[*yaml.Node]int{} // the size of each anchored node seen
	var cycle *yaml.Node
	// size is the number of nodes the walk visits for n, following
	// aliases, saturating just past maxAliasNodes; -1 for a cycle.
	var size func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1
			}
			if memo[n.Alias] == visiting {
				cycle = n
				return -1
			}
			return size(n.Alias)
		}
		// Only anchored nodes can be reached twice, so only they are
		// remembered.
		anchored := n.Anchor != ""
		if anchored {
			if s, ok := memo[n]; ok {
				return s
			}
			memo[n] = visiting
		}
		total := 1
		for _, c := range n.Content {
			s := size(c)
			if s < 0 {
				return -1
			}
			total = min(total+s, maxAliasNodes+1)
		}
		if anchored {
			memo[n] = total
		}
		return total
	}
	added := 0
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind != yaml.AliasNode {
			for i := len(n.Content) - 1; i >= 0; i-- {
				stack = append(stack, n.Content[i])
			}
			continue
		}
		s := size(n)
		if s < 0 {
			p.add(cycle.Line, "alias refers to the block that contains it")
			return false
		}
		if added += s - 1; added > maxAliasNodes {
			p.add(n.Line, "aliases expand to more than %d nodes", maxAliasNodes)
			return false
		}
	}
	return true
}
