// Package sheet makes the invite sheet handed out at a class start
// meeting: for each person their name, a QR code of their personal
// Telegram link, and one line saying what to do with it in their own
// language and in Norwegian, for the interpreter and the teacher.
//
// It does no I/O beyond writing the PDF to the writer it is given.
package sheet

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Invite is one person on the sheet.
type Invite struct {
	Name     string
	Language string // one of roster.Languages
	Link     string // the t.me deep link with their invite code
	Expires  time.Time
}

// Options shape the sheet.
type Options struct {
	Title    string         // at the top of each page: the programme's name
	Grid     bool           // eight cards to a page, to cut apart, instead of a page each
	Location *time.Location // for the expiry date; nil is UTC
	Created  time.Time      // the PDF's creation date; zero leaves it out
}

// QRImage returns the PNG that the sheet places for link: a QR code with
// medium error correction and its quiet zone, in grey levels so that it
// prints crisply at any size.
func QRImage(link string) ([]byte, error) {
	q, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	src := q.Image(600)
	img := image.NewGray(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// A4 in millimetres.
const pageW, pageH = 210.0, 297.0

// box is where one person's card goes, and how big its parts are.
type box struct {
	x, y, w, h float64
	scale      float64 // 1 for a whole page
}

// Write writes the sheet as a PDF: one A4 page per person, or with Grid
// eight cards to a page.
func Write(w io.Writer, invites []Invite, opt Options) error {
	if len(invites) == 0 {
		return fmt.Errorf("no one to invite")
	}
	if _, err := loadFaces(); err != nil {
		return err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetCellMargin(0)
	pdf.SetTitle(opt.Title, true)
	pdf.SetCreator("Innsjekk", true)
	if !opt.Created.IsZero() {
		pdf.SetCreationDate(opt.Created)
	}
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	s := &sheet{pdf: pdf, opt: opt}
	for i, inv := range invites {
		b := box{x: 0, y: 0, w: pageW, h: pageH, scale: 1}
		if opt.Grid {
			const cols, rows = 2, 4
			k := i % (cols * rows)
			if k == 0 {
				pdf.AddPage()
				s.cutLines(cols, rows)
			}
			cw, ch := pageW/cols, pageH/rows
			b = box{x: float64(k%cols) * cw, y: float64(k/cols) * ch, w: cw, h: ch, scale: 0.36}
		} else {
			pdf.AddPage()
		}
		if err := s.card(i, inv, b); err != nil {
			return err
		}
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("pdf: %w", err)
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	return nil
}

type sheet struct {
	pdf        *fpdf.Fpdf
	opt        Options
	images     int
	lastHeight float64 // of the last line written, in millimetres
}

// cutLines draws dashed lines between the cards of a grid page.
func (s *sheet) cutLines(cols, rows int) {
	s.pdf.SetDrawColor(170, 170, 170)
	s.pdf.SetLineWidth(0.2)
	s.pdf.SetDashPattern([]float64{2, 2}, 0)
	for c := 1; c < cols; c++ {
		x := pageW / float64(cols) * float64(c)
		s.pdf.Line(x, 0, x, pageH)
	}
	for r := 1; r < rows; r++ {
		y := pageH / float64(rows) * float64(r)
		s.pdf.Line(0, y, pageW, y)
	}
	s.pdf.SetDashPattern(nil, 0)
}

// card lays out one person in b, top to bottom: the title, the name, the
// code, the line in their language, the line in Norwegian, and the link
// in small print for whoever cannot scan.
func (s *sheet) card(i int, inv Invite, b box) error {
	k := b.scale
	margin := 15 * k
	if k < 1 {
		margin = 5
	}
	inner := b.w - 2*margin
	y := b.y + 18*k
	if k < 1 {
		y = b.y + 5
	}
	if s.opt.Title != "" {
		if err := s.line(s.opt.Title, "nb", b.x+margin, y, inner, max(11*k, 6), "", 120); err != nil {
			return err
		}
		y += max(11*k, 6) * 0.5
	}
	y += 10 * k
	nameSize := max(30*k, 11)
	if err := s.line(inv.Name, inv.Language, b.x+margin, y, inner, nameSize, "B", 0); err != nil {
		return err
	}
	y += nameSize*0.45 + 8*k

	qr, err := QRImage(inv.Link)
	if err != nil {
		return err
	}
	side := 120 * k
	if k < 1 {
		side = min(b.h-2*margin-24, b.w*0.42)
	}
	name := fmt.Sprintf("qr%d", i)
	s.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qr))
	qx := b.x + (b.w-side)/2
	if k < 1 {
		// In a card the text goes beside the code.
		qx = b.x + margin
	}
	s.pdf.ImageOptions(name, qx, y, side, side, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")

	textX, textW, textY := b.x+margin, inner, y+side+10*k
	if k < 1 {
		textX, textW, textY = qx+side+4, b.x+b.w-margin-(qx+side+4), y+2
	}
	size := max(20*k, 8)
	own := Instruction(inv.Language)
	if own != "" && inv.Language != "nb" {
		if err := s.line(own, inv.Language, textX, textY, textW, size, "", 0); err != nil {
			return err
		}
		textY += s.lastHeight + 6*k + 1
	}
	if err := s.line(Instruction("nb"), "nb", textX, textY, textW, size*0.8, "", 60); err != nil {
		return err
	}
	small := inv.Link
	if !inv.Expires.IsZero() {
		loc := s.opt.Location
		if loc == nil {
			loc = time.UTC
		}
		small += " · " + validUntil + " " + inv.Expires.In(loc).Format("02.01.2006")
	}
	sy := b.y + b.h - margin - 2
	if k < 1 {
		sy = b.y + b.h - 6
	}
	return s.line(small, "nb", b.x+margin, sy, inner, max(9*k, 5.5), "", 90)
}

// line writes text centred (or, in a card, left-aligned) in the width w
// from (x, y), at size points, in grey level gray (0 is black). Text fpdf
// can write goes in as text; text that needs shaping is drawn as an
// image of the same size.
func (s *sheet) line(text, lang string, x, y, w, size float64, style string, gray int) error {
	align := "C"
	if w < pageW/2 {
		align = "L"
	}
	mm := size * 25.4 / 72 // the em in millimetres
	if plain(text) {
		s.pdf.SetFont("go", style, size)
		s.pdf.SetTextColor(gray, gray, gray)
		s.pdf.SetXY(x, y)
		lines := s.pdf.SplitText(text, w)
		s.pdf.MultiCell(w, mm*1.3, text, "", align, false)
		s.lastHeight = float64(len(lines)) * mm * 1.3
		return nil
	}
	// Drawn at 300 dots per inch. A line too long for the width is
	// broken once, at the space nearest its middle, and each half drawn
	// as a line of its own; only then is it made smaller.
	px := float32(mm / 25.4 * 300)
	img, err := render(text, lang, px)
	if err != nil {
		return err
	}
	imgs := []*image.Gray{img}
	if float64(img.Bounds().Dx())*25.4/300 > w {
		if a, b, ok := halves(text); ok {
			imgs = imgs[:0]
			for _, part := range []string{a, b} {
				im, err := render(part, lang, px)
				if err != nil {
					return err
				}
				imgs = append(imgs, im)
			}
		}
	}
	widest := 0
	for _, im := range imgs {
		widest = max(widest, im.Bounds().Dx())
	}
	shrink := min(1, w/(float64(widest)*25.4/300))
	ih := 0.0
	for _, im := range imgs {
		var buf bytes.Buffer
		if err := png.Encode(&buf, im); err != nil {
			return err
		}
		s.images++
		name := fmt.Sprintf("line%d", s.images)
		s.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &buf)
		iw := float64(im.Bounds().Dx()) * 25.4 / 300 * shrink
		h := float64(im.Bounds().Dy()) * 25.4 / 300 * shrink
		ix := x + (w-iw)/2
		if align == "L" {
			ix = x
			if rtl[lang] {
				ix = x + w - iw
			}
		}
		s.pdf.ImageOptions(name, ix, y+ih, iw, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		ih += h
	}
	s.lastHeight = ih
	return nil
}

// halves splits text at the space nearest its middle.
func halves(text string) (string, string, bool) {
	runes := []rune(text)
	best := -1
	for i, r := range runes {
		if r == ' ' && (best < 0 || abs(i-len(runes)/2) < abs(best-len(runes)/2)) {
			best = i
		}
	}
	if best <= 0 {
		return "", "", false
	}
	return string(runes[:best]), string(runes[best+1:]), true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
