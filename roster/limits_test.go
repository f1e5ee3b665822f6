package roster

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// A file over MaxFileSize is refused before it is decoded, with its
// size; a file at the limit is read.
func TestSizeLimit(t *testing.T) {
	minimal := string(readFile(t, "testdata/minimal.yaml"))
	pad := func(size int) string {
		line := "# " + strings.Repeat("x", 77) + "\n"
		s := minimal + strings.Repeat(line, (size-len(minimal))/len(line))
		return s + strings.Repeat("#", size-len(s))
	}
	for _, tc := range []struct {
		size int
		want string
	}{
		{MaxFileSize + 1, "t.yaml:1: the roster is 4.1 MB; at most 4 MB is accepted"},
		{50 << 20, "t.yaml:1: the roster is 50.0 MB; at most 4 MB is accepted"},
	} {
		if got := problemLines(t, pad(tc.size)); got != tc.want {
			t.Errorf("%d bytes:\n%s\nwant:\n%s", tc.size, got, tc.want)
		}
	}
	// Decoding a file of exactly MaxFileSize would take long under the
	// race detector; that it gets that far is what matters.
	if p := (&parser{}); !p.readable([]byte(pad(MaxFileSize)), "roster") {
		t.Errorf("a file of exactly %d bytes: %v", MaxFileSize, p.probs)
	}

	yamlData := readFile(t, "testdata/csv-programme.yaml")
	csvData := append(readFile(t, "testdata/csv-en-comma.csv"), bytes.Repeat([]byte("\n"), MaxFileSize)...)
	_, err := ParseCSV("p.csv", csvData, "programme.yaml", yamlData)
	if got, want := fmt.Sprint(err), "p.csv:1: the participants file is 4.1 MB; at most 4 MB is accepted"; got != want {
		t.Errorf("a large CSV:\n%s\nwant:\n%s", got, want)
	}
	_, err = ParseCSV("p.csv", readFile(t, "testdata/csv-en-comma.csv"), "programme.yaml", []byte(pad(MaxFileSize+1)))
	if got, want := fmt.Sprint(err), "programme.yaml:1: the roster is 4.1 MB; at most 4 MB is accepted"; got != want {
		t.Errorf("a large YAML file beside a CSV:\n%s\nwant:\n%s", got, want)
	}
}

func TestEntriesLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("programme: {id: x, name: X}\nstaff: [{id: a, name: A, roles: [adviser]}]\nparticipants:\n")
	for i := range MaxEntries + 1 {
		fmt.Fprintf(&b, "  - {id: p%d, name: P, language: nb, adviser: a}\n", i)
	}
	want := fmt.Sprintf("t.yaml:4: participants: %d entries; at most %d are accepted", MaxEntries+1, MaxEntries)
	if got := problemLines(t, b.String()); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

// A large roster with a syntax error on one of its last lines is
// reported at that line, and what the search for the line allocates is
// a small part of what the parse itself does. The roster is larger than
// maxWindow, so that the search cannot decode it from the top; it is
// smaller than the limit to keep the test quick under the race detector.
// BenchmarkParseAtLimit has the time at the limit.
func TestErrorAtTheEndOfALargeRoster(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a large roster")
	}
	data := bigRoster(1000)
	if len(data) < 2*maxWindow {
		t.Fatalf("the roster is %d bytes, too small to test the search", len(data))
	}
	lines := lineCount(data)
	allocated := func(data []byte) (uint64, error) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse("big.yaml", data)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	base, err := allocated(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range lastLineErrors {
		t.Run(tc.name, func(t *testing.T) {
			bad := append(bytes.Clone(data), tc.tail...)
			n, err := allocated(bad)
			want := fmt.Sprintf("big.yaml:%d: %s", lines+tc.line, tc.msg)
			if got := fmt.Sprint(err); got != want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, want)
			}
			// Searching from the top took a decode for each of some 18
			// steps (issue 14).
			if n > base*3/2 {
				t.Errorf("allocated %d MB, a valid parse %d MB", n>>20, base>>20)
			}
		})
	}
}

// lastLineErrors are mistakes at the end of a roster; line counts from
// the last line of the roster before tail.
var lastLineErrors = []struct {
	name, tail string
	line       int
	msg        string
}{
	{"key indented too little", "  - id: zz\n   name: Z\n", 2, "did not find expected '-' indicator"},
	{"key out of the list", "  - id: zz\n    name: Z\n language: nb\n", 3, "did not find expected key"},
	{"unclosed quote", "  - id: zz\n    name: \"Z\n", 2, "found unexpected end of stream"},
	{"undefined alias", "  - id: zz\n    name: Z\n    classes: [*norsk, *nope]\n", 3, "alias *nope has no anchor &nope before it"},
	{"not UTF-8", "  - id: zz\n    name: Bj\xf8rn\n", 2, "byte 0xF8 in column 13 is not UTF-8; save the roster as UTF-8"},
}

func TestLargeFileWithoutAliases(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a roster of a million nodes")
	}
	// More nodes than maxAliasNodes, which once bounded the document
	// itself.
	src := "programme: {id: x, name: X}\nx-padding: [" + strings.Repeat("0,", maxAliasNodes+1000) + "0]\n"
	if got := problemLines(t, src); got != "" {
		t.Errorf("problems:\n%s", got)
	}
}

func TestAliasBombs(t *testing.T) {
	// One block of 1,001 nodes, aliased where each alias adds 1,000.
	block := "x-block: &b [" + strings.Repeat("0, ", 999) + "0]\n"
	aliases := func(n int) string {
		return "x-uses: [" + strings.Repeat("*b, ", n-1) + "*b]\n"
	}
	for _, tc := range []struct {
		name, src, want string
	}{
		{"within the bound", block + aliases(maxAliasNodes/1000), ""},
		{"wide", block + aliases(maxAliasNodes/1000+1), "t.yaml:3: aliases expand to more than 1048576 nodes"},
		{"deep", aliasBomb(), "t.yaml:6: aliases expand to more than 1048576 nodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "programme: {id: x, name: X}\n" + tc.src
			if tc.name == "deep" {
				src = tc.src
			}
			if got := problemLines(t, src); got != tc.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestUndefinedAlias(t *testing.T) {
	minimal := string(readFile(t, "testdata/minimal.yaml"))
	tests := []struct {
		name, src, want string
	}{
		{"in a list", edit(t, minimal, "- {days: [mon, wed]", "- {days: *days"),
			"t.yaml:32: alias *days has no anchor &days before it"},
		{"anchored further down", edit(t, minimal, "  teacher: lars\n", "  teacher: *t\n") + "x-t: &t lars\n",
			"t.yaml:22: alias *t has no anchor &t before it"},
		{"merged", edit(t, minimal, "{id: lars,", "{<<: *person, id: lars,"),
			"t.yaml:6: alias *person has no anchor &person before it"},
		{"the first of several", edit(t, edit(t, minimal, "  nav: kari\n", "  nav: *n\n"), "      mentor: per\n", "      mentor: *n\n"),
			"t.yaml:23: alias *n has no anchor &n before it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := problemLines(t, tc.src); got != tc.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestCharactersYAMLRefuses(t *testing.T) {
	minimal := string(readFile(t, "testdata/minimal.yaml"))
	tests := []struct {
		name, src, want string
	}{
		{"Windows-1252", edit(t, minimal, "Mjøsa", "Mj\xf8sa"),
			"t.yaml:14: byte 0xF8 in column 13 is not UTF-8; save the roster as UTF-8"},
		{"cut in the middle of a character", minimal + "# Gj\xc3",
			"t.yaml:33: byte 0xC3 in column 5 is not UTF-8; save the roster as UTF-8"},
		{"after a byte-order mark", "\xef\xbb\xbfprogramme: {id: x, name: \"\x01\"}\n",
			"t.yaml:1: character U+0001 in column 27 is not allowed in YAML"},
		{"a NUL", edit(t, minimal, "Lars Berg", "Lars\x00Berg"),
			"t.yaml:6: character U+0000 in column 26 is not allowed in YAML"},
		{"a surrogate", edit(t, minimal, "Per Olsen", "Per \xed\xa0\x80"),
			"t.yaml:12: byte 0xED in column 29 is not UTF-8; save the roster as UTF-8"},
		{"after a lone CR", "programme: {id: x,\rname: \x7f}\n",
			"t.yaml:2: character U+007F in column 7 is not allowed in YAML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := problemLines(t, tc.src); got != tc.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
	// What YAML does allow passes: a byte-order mark inside the text,
	// NEL and the private use area.
	ok := edit(t, minimal, "Per Olsen", "Per\ufeff\u0085\ue000 Olsen")
	if _, err := Parse("t.yaml", []byte(ok)); err != nil {
		t.Errorf("allowed characters refused: %v", err)
	}
}

// BenchmarkParseAtLimit parses a roster just under MaxFileSize, valid
// and with each of lastLineErrors at its end.
func BenchmarkParseAtLimit(b *testing.B) {
	data := atLimit()
	b.Run("valid", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Parse("big.yaml", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tc := range lastLineErrors {
		bad := append(bytes.Clone(data), tc.tail...)
		b.Run(strings.ReplaceAll(tc.name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(bad)))
			for b.Loop() {
				if _, err := Parse("big.yaml", bad); err == nil {
					b.Fatal("no problem found")
				}
			}
		})
	}
}
