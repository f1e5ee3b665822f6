package roster

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// exportOf parses a YAML roster and returns its export.
func exportOf(t testing.TB, name string) []byte {
	t.Helper()
	r, err := Parse(name, readFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Export()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func parseCSVFile(t *testing.T, csvName string) *Roster {
	t.Helper()
	r, err := ParseCSV(csvName, readFile(t, csvName), "testdata/csv-programme.yaml", readFile(t, "testdata/csv-programme.yaml"))
	if err != nil {
		t.Fatalf("%s:\n%v", csvName, err)
	}
	return r
}

// The same sheet saved by Norwegian Excel as "CSV (semikolondelt)"
// (Windows-1252) and as "CSV UTF-8" (a byte-order mark), and written by
// another program with English headers in another order, imports to the
// roster its YAML twin describes.
func TestCSVImportsAsTheEquivalentYAML(t *testing.T) {
	want := exportOf(t, "testdata/csv-roster.yaml")
	for _, name := range []string{"testdata/csv-excel-nb-1252.csv", "testdata/csv-excel-nb-utf8bom.csv", "testdata/csv-en-comma.csv"} {
		t.Run(name, func(t *testing.T) {
			r := parseCSVFile(t, name)
			got, err := r.Export()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("export differs from the YAML roster's (-yaml +csv):\n%s", diff)
			}
		})
	}
}

// The fixtures are what they claim to be, byte for byte: a test that
// passes on UTF-8 alone would prove nothing about Windows-1252.
func TestCSVFixturesAreRealBytes(t *testing.T) {
	cp := readFile(t, "testdata/csv-excel-nb-1252.csv")
	if utf8.Valid(cp) || !bytes.Contains(cp, []byte("Spr\xe5k")) || !bytes.Contains(cp, []byte("L\xe6rer")) ||
		!bytes.Contains(cp, []byte("Alenefors\xf8rger")) || !bytes.Contains(cp, []byte("\r\n")) {
		t.Error("csv-excel-nb-1252.csv is not Windows-1252 with CRLF")
	}
	bom := readFile(t, "testdata/csv-excel-nb-utf8bom.csv")
	if !bytes.HasPrefix(bom, []byte{0xEF, 0xBB, 0xBF}) || !utf8.Valid(bom) {
		t.Error("csv-excel-nb-utf8bom.csv has no UTF-8 byte-order mark")
	}
	decoded, err := charmap.Windows1252.NewDecoder().Bytes(cp)
	if err != nil || !bytes.Equal(decoded, bom[3:]) {
		t.Error("the two Excel fixtures do not hold the same text")
	}
}

// Participants keep the line of their row, for later messages.
func TestCSVParticipantLines(t *testing.T) {
	r := parseCSVFile(t, "testdata/csv-excel-nb-1252.csv")
	// amina's goals cell spans lines 2-3; the blank row is line 5.
	want := map[string]int{"amina": 2, "yonas": 4, "hodan": 5, "olena": 7, "gulalai": 10}
	for id, line := range want {
		if got := r.Participant(id).Line; got != line {
			t.Errorf("%s: line %d, want %d", id, got, line)
		}
	}
}

func TestCSVExportRoundTrips(t *testing.T) {
	for _, name := range []string{"testdata/csv-roster.yaml", "../examples/roster.yaml"} {
		t.Run(name, func(t *testing.T) {
			r, err := Parse(name, readFile(t, name))
			if err != nil {
				t.Fatal(err)
			}
			out, err := r.ExportCSV()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, []byte("\ufeffid;navn;språk;oppstart;barn;aleneforsørger;rådgiver;lærer;nav;arbeidsgiver;kontaktperson;praksisdager;tid;fra;til;mål;undervisning;egenmelding\r\n")) {
				t.Fatalf("header:\n%s", out)
			}
			base, err := r.ExportBase()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(base, []byte("participants:")) {
				t.Fatalf("base has participants:\n%s", base)
			}
			back, err := ParseCSV("out.csv", out, "base.yaml", base)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if diff := cmp.Diff(r, back, rosterOpts, ignoreLines); diff != "" {
				t.Errorf("round trip changed the roster (-before +after):\n%s", diff)
			}
		})
	}
	r, _ := Parse("testdata/csv-roster.yaml", readFile(t, "testdata/csv-roster.yaml"))
	out, _ := r.ExportCSV()
	for _, want := range []string{
		"amina;Amina Yusuf;ar;2026-03-02;2;nei;anne;lars;kari;strand;per;tir, tor;09:00-15:00;2026-08-17;2027-06-18;[hygiene] Følger hygienerutiner på kjøkkenet | Sier ifra når noe er uklart;man, ons 09:00-12:00 Gjøvik læringssenter;\r\n",
		`gulalai;"Gulalai ""Lali"" Khan";ps;`,
		";qualifying_weeks=4\r\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
}

const csvBase = `programme: {id: x, name: X}
staff:
  - {id: anne, name: Anne, roles: [adviser]}
  - {id: lars, name: Lars, roles: [teacher]}
employers:
  - {id: strand, name: Strand, contacts: [{id: per, name: Per}]}
  - {id: bad, name: Bad, contacts: [{id: siv, name: Siv}]}
`

func csvProblems(t *testing.T, csvText, yamlText string) []string {
	t.Helper()
	r, err := ParseCSV("p.csv", []byte(csvText), "base.yaml", []byte(yamlText))
	if err == nil {
		t.Fatalf("accepted: %+v", r)
	}
	if r != nil {
		t.Fatal("a roster along with problems")
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("not Problems: %v", err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// Every problem at once, at FILE:LINE, naming the column; nothing is
// imported.
func TestCSVReportsEveryProblemWithItsColumn(t *testing.T) {
	in := "id;navn;språk;rådgiver;lærer;arbeidsgiver;kontaktperson;praksisdager;tid;fra;telefon\r\n" +
		"amina;Amina;ar;anne;lars;strand;per;tir, tor;09:00-15:00;2026-08-17;\r\n" +
		"yonas;Yonas;tigrinja;anna;anne;strand;siv;tirsdgg;9-15;31.02.2026;\r\n" +
		"amina;;klingon;anne;;strand;;ons;15:00-09:00;;\r\n" +
		"olena;Olena;uk;;;;;;;;\r\n"
	got := csvProblems(t, in, csvBase)
	want := []string{
		`p.csv:1: column "telefon" is not one the roster knows (name it x-telefon to keep it; see docs/integrations.md)`,
		`p.csv:3: column "rådgiver": participant "yonas": adviser "anna" is not in the roster`,
		`p.csv:3: column "lærer": participant "yonas": teacher "anne" does not have role teacher`,
		`p.csv:3: column "kontaktperson": participant "yonas": mentor "siv" is a contact of "bad", not of "strand"`,
		`p.csv:3: column "praksisdager": "tirsdgg" is not a weekday (man tir ons tor fre lør søn, or mon … sun)`,
		`p.csv:3: column "fra": "31.02.2026" is not a date like 2026-09-01 or 01.09.2026`,
		`p.csv:4: column "id": duplicate id "amina" (first at line 2)`,
		`p.csv:4: column "navn": participant "amina": name is required`,
		`p.csv:4: column "språk": language "klingon" is not shipped (nb en ar ti so fa-AF ps uk ru ku)`,
		`p.csv:4: column "kontaktperson": participant "amina": placement mentor is required`,
		`p.csv:4: column "tid": hours "15:00-09:00": start must be before end`,
		`p.csv:5: column "rådgiver": participant "olena": adviser is required`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// Problems in the YAML file are reported at its own lines, with the
// CSV's; an id in both files says where it was first.
func TestCSVReportsProblemsOfBothFiles(t *testing.T) {
	base := csvBase + "  - {id: eventyr, name: Eventyr, address: [1, 2]}\n"
	in := "id,name,language,adviser,employer\n" +
		"per,Per,nb,anne,\n" +
		"ok,OK,en,anne,nowhere\n"
	got := csvProblems(t, in, base)
	want := []string{
		`base.yaml:8: address must be a single value, not a list`,
		`p.csv:2: column "id": duplicate id "per" (first at base.yaml:6)`,
		`p.csv:3: column "employer": participant "ok": employer "nowhere" is not in the roster`,
		`p.csv:3: column "mentor (not in the file)": participant "ok": placement mentor is required`,
		`p.csv:3: column "days (not in the file)": participant "ok": placement days is required`,
		`p.csv:3: column "hours (not in the file)": participant "ok": placement hours is required`,
	}
	for i := range want {
		want[i] = strings.Replace(want[i], `"mentor (not in the file)"`, `"kontaktperson (not in the file)"`, 1)
		want[i] = strings.Replace(want[i], `"days (not in the file)"`, `"praksisdager (not in the file)"`, 1)
		want[i] = strings.Replace(want[i], `"hours (not in the file)"`, `"tid (not in the file)"`, 1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if got := csvProblems(t, "id;navn;språk;rådgiver\r\n", "programme: {id: x, name: X}\nparticipants: []\n"); len(got) != 1 ||
		got[0] != "base.yaml:2: participants come from the CSV file; remove them here" {
		t.Errorf("participants in the YAML file: %q", got)
	}
}

func TestCSVNeedsTheRequiredColumns(t *testing.T) {
	got := csvProblems(t, "Navn;Rådgiver;Lærer;Lærer\r\nAmina;anne;lars;lars\r\n", csvBase)
	want := []string{
		`p.csv:1: column "Lærer" says the same as column "Lærer"`,
		`p.csv:1: no column for id (id)`,
		`p.csv:1: no column for language (språk or language)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if got := csvProblems(t, "", csvBase); len(got) != 1 || !strings.Contains(got[0], "p.csv:1: the file is empty") {
		t.Errorf("empty file: %q", got)
	}
	if got := csvProblems(t, "id;navn;språk;rådgiver\r\na;\"A;nb;anne\r\n", csvBase); len(got) != 1 || !strings.HasPrefix(got[0], "p.csv:2: ") {
		t.Errorf("broken quote: %q", got)
	}
}

// Encodings and separators Excel and its neighbours write.
func TestCSVEncodingsAndSeparators(t *testing.T) {
	row := "soren;Søren Ødegård;nb;anne\r\n"
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("id\tnavn\tspråk\trådgiver\r\n" + strings.ReplaceAll(row, ";", "\t"))
	cp1252, _ := charmap.Windows1252.NewEncoder().String("ID;NAVN;SPRÅK;RÅDGIVER\r\n" + row)
	for name, data := range map[string]string{
		"windows-1252":     cp1252,
		"utf-16 with tabs": utf16,
		"sep= line":        "sep=;\r\nid;navn;språk;rådgiver\r\n" + row,
		"mac line ends":    "id,navn,språk,rådgiver\r" + strings.ReplaceAll(strings.ReplaceAll(row, ";", ","), "\r\n", "\r"),
		"no mark, utf-8":   "id;navn;språk;rådgiver\n" + row,
		"ids in capitals":  "id;navn;språk;rådgiver\r\nSOREN;Søren Ødegård;NB;Anne\r\n",
		"x- column kept":   "id;navn;x-Telefon;språk;rådgiver;\r\nsoren;Søren Ødegård;900 00 000;norsk;anne;\r\n",
	} {
		r, err := ParseCSV("p.csv", []byte(data), "base.yaml", []byte(csvBase))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		p := r.Participant("soren")
		if p == nil || p.Name != "Søren Ødegård" || p.Language != "nb" || p.Adviser.ID != "anne" {
			t.Errorf("%s: %+v", name, r.Participants)
		}
	}
}

func TestCSVCellSyntax(t *testing.T) {
	in := "id;navn;språk;rådgiver;arbeidsgiver;kontaktperson;praksisdager;tid;undervisning;mål;aleneforsørger\r\n" +
		"a;A;Engelsk;anne;strand;per;man - ons, fre.;kl. 8.30–14;\"Tirsdag 12.30-14:30 Rom 2\nTorsdag og fredag 9-12\";\"[kjokken] Vasker hender\nTo\";JA\r\n"
	r, err := ParseCSV("p.csv", []byte(in), "base.yaml", []byte(csvBase))
	if err != nil {
		t.Fatal(err)
	}
	p := r.Participant("a")
	if p.Language != "en" || !p.SingleCarer {
		t.Errorf("language %q, single carer %v", p.Language, p.SingleCarer)
	}
	if got := csvDays(p.Placement.Days); got != "man, tir, ons, fre" {
		t.Errorf("days %q", got)
	}
	if got := formatSpan(p.Placement.Hours); got != "08:30-14:00" {
		t.Errorf("hours %q", got)
	}
	if len(p.Classes) != 2 || csvDays(p.Classes[0].Days) != "tir" || formatSpan(p.Classes[0].Hours) != "12:30-14:30" ||
		p.Classes[0].Place != "Rom 2" || csvDays(p.Classes[1].Days) != "tor, fre" || p.Classes[1].Place != "" {
		t.Errorf("classes %+v", p.Classes)
	}
	if len(p.Placement.Goals) != 2 || p.Placement.Goals[0] != (Goal{ID: "kjokken", Text: "Vasker hender"}) || p.Placement.Goals[1].ID != "to" {
		t.Errorf("goals %+v", p.Placement.Goals)
	}
	bad := "id;navn;språk;rådgiver;undervisning;egenmelding;aleneforsørger;praksisdager;arbeidsgiver;kontaktperson;tid\r\n" +
		"a;A;nb;anne;man Gjøvik | 09:00-12:00 Rom;qualifying_weeks;kanskje;fre-man;strand;per;09:00-15:00\r\n"
	want := []string{
		`p.csv:2: column "undervisning": class "man Gjøvik" needs days and hours, like "man, ons 09:00-12:00 Gjøvik læringssenter"`,
		`p.csv:2: column "undervisning": class "09:00-12:00 Rom" needs its days before the hours`,
		`p.csv:2: column "egenmelding": "qualifying_weeks" must be a rule and a number, like qualifying_weeks=4`,
		`p.csv:2: column "aleneforsørger": "kanskje" must be ja or nei (yes or no)`,
		`p.csv:2: column "praksisdager": range "fre-man" runs backwards`,
	}
	if diff := cmp.Diff(want, csvProblems(t, bad, csvBase)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// FuzzParseCSV checks that no input makes ParseCSV panic, that problems
// are well formed, and that whatever it accepts exports and reads back.
func FuzzParseCSV(f *testing.F) {
	for _, name := range []string{"testdata/csv-excel-nb-1252.csv", "testdata/csv-excel-nb-utf8bom.csv", "testdata/csv-en-comma.csv"} {
		f.Add(readFile(f, name))
	}
	f.Add([]byte("id;navn;språk;rådgiver\r\n\"a;b\";\"\r\n"))
	f.Add([]byte("sep=,\nid,navn,språk,rådgiver,undervisning\na,A,nb,anne,man 9-10 | tir 8-9 X\n"))
	base := readFile(f, "testdata/csv-programme.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseCSV("f.csv", data, "b.yaml", base)
		if err != nil {
			var ps Problems
			if r != nil || !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("not a nil roster with Problems: %v", err)
			}
			for _, p := range ps {
				if p.File != "f.csv" || p.Line < 1 || p.Msg == "" {
					t.Errorf("malformed problem %#v", p)
				}
			}
			return
		}
		out, err := r.ExportCSV()
		if err != nil {
			// Some accepted rosters cannot be written as CSV (a place with
			// a '|'); they must still export as YAML.
			if _, err := r.Export(); err != nil {
				t.Fatalf("accepted roster does not export: %v", err)
			}
			return
		}
		ebase, _ := r.ExportBase()
		if _, err := ParseCSV("e.csv", out, "e.yaml", ebase); err != nil {
			t.Fatalf("exported CSV does not read back: %v", err)
		}
	})
}
