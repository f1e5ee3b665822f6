package sheet

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"innsjekk/roster"
)

func init() { api.DisableConfigDir() } // pdfcpu must not write a config directory during tests

// decodeQR reads the QR code in an image, if there is one.
func decodeQR(img image.Image) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", false
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}

func invites(n int) []Invite {
	var out []Invite
	for i := range n {
		lang := roster.Languages[i%len(roster.Languages)]
		out = append(out, Invite{Name: fmt.Sprintf("Person %d", i), Language: lang,
			Link: fmt.Sprintf("https://t.me/innsjekk_bot?start=code%02dXyZ", i), Expires: time.Date(2026, 9, 15, 10, 0, 0, 0, time.UTC)})
	}
	// A name in Arabic script goes through the shaper too.
	out[0].Name = "أمينة يوسف"
	return out
}

// pagesQR validates the PDF with an independent reader (pdfcpu) and
// returns, page by page, the links the QR codes placed on it decode to.
func pagesQR(t *testing.T, pdf []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	if err := api.Validate(bytes.NewReader(pdf), conf); err != nil {
		t.Fatalf("the PDF does not validate: %v", err)
	}
	pages, err := api.ExtractImagesRaw(bytes.NewReader(pdf), nil, model.NewDefaultConfiguration())
	if err != nil {
		t.Fatal(err)
	}
	count, err := api.PageCount(bytes.NewReader(pdf), model.NewDefaultConfiguration())
	if err != nil || count != len(pages) {
		t.Fatalf("page count %d (%v), images of %d pages", count, err, len(pages))
	}
	var out [][]string
	for _, imgs := range pages {
		var links []string
		for _, im := range imgs {
			img, _, err := image.Decode(im)
			if err != nil {
				t.Fatalf("image %s on page %d does not decode: %v", im.Name, im.PageNr, err)
			}
			if link, ok := decodeQR(img); ok {
				links = append(links, link)
			}
		}
		slices.Sort(links)
		out = append(out, links)
	}
	return out
}

// One page per person, each with exactly one QR code, which decodes to
// that person's link.
func TestSheetHasOnePagePerPersonWithTheirCode(t *testing.T) {
	inv := invites(len(roster.Languages))
	var buf bytes.Buffer
	if err := Write(&buf, inv, Options{Title: "Gjøvik læringssenter", Created: time.Date(2026, 8, 20, 9, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	pages := pagesQR(t, buf.Bytes())
	if len(pages) != len(inv) {
		t.Fatalf("%d pages for %d people", len(pages), len(inv))
	}
	for i, links := range pages {
		if len(links) != 1 || links[0] != inv[i].Link {
			t.Errorf("page %d: QR codes %q, want only %q", i+1, links, inv[i].Link)
		}
	}
}

// The grid puts eight people on a page; every code is there once.
func TestSheetGrid(t *testing.T) {
	inv := invites(11)
	var buf bytes.Buffer
	if err := Write(&buf, inv, Options{Title: "Gjøvik læringssenter", Grid: true}); err != nil {
		t.Fatal(err)
	}
	pages := pagesQR(t, buf.Bytes())
	if len(pages) != 2 || len(pages[0]) != 8 || len(pages[1]) != 3 {
		t.Fatalf("codes per page: %v", pages)
	}
	var got, want []string
	for _, p := range pages {
		got = append(got, p...)
	}
	for _, i := range inv {
		want = append(want, i.Link)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("codes %q, want %q", got, want)
	}
}

func TestQRImageDecodes(t *testing.T) {
	link := "https://t.me/innsjekk_gjovik_bot?start=AbC-dEf_123456789012"
	b, err := QRImage(link)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := decodeQR(img); !ok || got != link {
		t.Errorf("decodes to %q, %v", got, ok)
	}
}

func TestEveryLanguageHasItsLine(t *testing.T) {
	for _, l := range roster.Languages {
		s := Instruction(l)
		if s == "" {
			t.Errorf("%s: no instruction line", l)
		}
		if !strings.Contains(s, "Telegram") {
			t.Errorf("%s: %q does not name Telegram as the app shows it", l, s)
		}
	}
	if len(instructions) != len(roster.Languages) {
		t.Errorf("%d lines for %d languages", len(instructions), len(roster.Languages))
	}
}

// Every line that does not go in as PDF text is shaped with glyphs the
// fonts have: no .notdef box, in any language.
func TestShapedLinesHaveEveryGlyph(t *testing.T) {
	for _, l := range roster.Languages {
		s := Instruction(l)
		if plain(s) {
			continue
		}
		runs, err := shape(s, l, 40)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range runs {
			for _, g := range o.Glyphs {
				if g.GlyphID == 0 {
					t.Errorf("%s: a character of %q has no glyph", l, s)
				}
			}
		}
	}
	for _, l := range []string{"ar", "ti", "fa-AF", "ps"} {
		if plain(Instruction(l)) {
			t.Errorf("%s would go to fpdf unshaped", l)
		}
	}
	for _, l := range []string{"nb", "en", "so", "uk", "ru", "ku"} {
		if !plain(Instruction(l)) {
			t.Errorf("%s is drawn as an image, though fpdf can write it", l)
		}
	}
}

// Arabic letters join: a beh between two others takes its medial form,
// so it is a different glyph from a beh standing alone; and the line
// runs right to left, with "Telegram" kept left to right inside it.
func TestArabicIsShapedAndRunsRightToLeft(t *testing.T) {
	glyphs := func(s string) []uint32 {
		runs, err := shape(s, "ar", 40)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint32
		for _, o := range runs {
			for _, g := range o.Glyphs {
				ids = append(ids, uint32(g.GlyphID))
			}
		}
		return ids
	}
	alone := glyphs("ب")
	joined := glyphs("ببب")
	if len(alone) != 1 || len(joined) != 3 {
		t.Fatalf("glyphs %v %v", alone, joined)
	}
	if joined[0] == alone[0] || joined[1] == alone[0] || joined[2] == alone[0] || joined[0] == joined[1] || joined[1] == joined[2] {
		t.Errorf("beh is not shaped by position: alone %v, in a word %v", alone, joined)
	}
	runs, err := shape("في Telegram.", "ar", 40)
	if err != nil {
		t.Fatal(err)
	}
	// Drawn left to right: "Telegram" (the one left-to-right run) comes
	// before the Arabic word, which stands at the right.
	arabic, latin := -1, -1
	for i, o := range runs {
		switch {
		case o.Face == faces.arabic && o.Direction.Progression() == runs[len(runs)-1].Direction.Progression():
			arabic = i
		case o.Face == faces.latin && len(o.Glyphs) == len("Telegram"):
			latin = i
		}
	}
	if latin < 0 || arabic < latin || runs[latin].Direction.Progression() == runs[arabic].Direction.Progression() {
		t.Errorf("runs not in right-to-left order: Telegram at %d, the Arabic word at %d", latin, arabic)
	}
	img, err := render("امسح الرمز", "ar", 40)
	if err != nil {
		t.Fatal(err)
	}
	dark := 0
	for _, p := range img.Pix {
		if p < 128 {
			dark++
		}
	}
	if dark < 200 {
		t.Errorf("the rendered line is nearly empty (%d dark pixels)", dark)
	}
}
