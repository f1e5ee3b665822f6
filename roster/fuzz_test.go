package roster

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that no input makes Parse panic or hang, that
// problems are well formed, and that whatever Parse accepts survives an
// export and a second parse unchanged.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/minimal.yaml", "testdata/three-problems.yaml", "../examples/roster.yaml"} {
		f.Add(readFile(f, name))
	}
	for _, s := range []string{
		"",
		"programme: {id: x, name: X}\n",
		"programme: {id: x, name: X, quiet_hours: \"23:59-00:00\", retention: {records: 1d}}\n",
		"programme: &p {id: x, name: X, routing: {money: [nav]}}\nstaff: [{<<: *p, id: s, roles: [nav]}]\n",
		"programme: {id: x, name: X}\nstaff: [{id: a, name: A, roles: [adviser]}]\nparticipants: [{id: p, name: P, language: so, adviser: a, classes: [{days: [mon], hours: \"08:00-24:00\"}]}]\n",
		"a: &a [*a]\n",
		"x-p: &p {id: x, name: X}\nprogramme: {<<: *p, timezone: UTC}\n",
		"programme:\n\tid: x\n",
		"programme: {id: x, name: X}\nstaff: [{id: a, name: A, roles: [adviser], backup: b, away: [2026-12-21, 2027-01-03]}, {id: b, name: B, roles: [nav], backup: a}]\n",
		"programme: {id: x, name: X}\nstaff: [{id: a, name: A, roles: [adviser]}]\nemployers: [{id: e, name: E, contacts: [{id: m, name: M}]}]\nparticipants: [{id: p, name: P, language: nb, adviser: a, placement: {employer: e, mentor: m, days: [mon], hours: \"09:00-15:00\", goals: [Øve, \"øve!\", {id: ove-2, text: Å øve}, {id: p, text: \"~\"}]}}]\n",
		"- [\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("f.yaml", data)
		if err != nil {
			if r != nil {
				t.Fatal("a roster along with problems")
			}
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error is not a non-empty Problems: %v", err)
			}
			if !slices.IsSortedFunc(ps, func(a, b Problem) int { return a.Line - b.Line }) {
				t.Errorf("problems not sorted by line:\n%v", err)
			}
			lines := yamlLines(string(data))
			for _, p := range ps {
				if p.File != "f.yaml" || p.Line < 1 || p.Line > lines || p.Msg == "" || strings.Contains(p.Msg, "\n") {
					t.Errorf("malformed problem %#v (file has %d lines)", p, lines)
				}
			}
			return
		}
		out, err := r.Export()
		if err != nil {
			t.Fatalf("accepted roster does not export: %v", err)
		}
		back, err := Parse("exported.yaml", out)
		if err != nil {
			t.Fatalf("exported roster does not parse: %v\n%s", err, out)
		}
		if diff := cmp.Diff(r, back, rosterOpts, ignoreLines); diff != "" {
			t.Fatalf("round trip changed the roster (-before +after):\n%s", diff)
		}
	})
}

// yamlLines counts lines as YAML does, where a lone CR, NEL, LS and PS
// end a line too.
func yamlLines(s string) int {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}
