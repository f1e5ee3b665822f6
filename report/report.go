// Package report writes the weekly overview as files a coordinator opens
// elsewhere: a spreadsheet (CSV as a Norwegian Excel reads it) and a
// picture of the week (PNG, readable on a phone). It draws and encodes in
// memory; what to put in them is the digest's to decide.
package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// CSV writes rows as a spreadsheet a Norwegian Excel opens as columns:
// UTF-8 with a byte-order mark, ';' between fields, CRLF line ends.
func CSV(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	if err := w.Write(header); err != nil {
		return nil, err
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Status is what one cell of the picture shows.
type Status int

const (
	NotScheduled Status = iota
	Present
	Absent      // reported away
	Unexplained // expected, no word, after the day
	NoWord      // no check-in and no report; not (yet) an alert
	Coming      // later this week
)

// Colours of the statuses: green, amber, red, grey, light grey; chosen to
// differ in lightness as well as hue, for readers who do not see red.
var colours = map[Status]color.RGBA{
	NotScheduled: {255, 255, 255, 255},
	Present:      {46, 125, 50, 255},
	Absent:       {249, 168, 37, 255},
	Unexplained:  {183, 28, 28, 255},
	NoWord:       {120, 120, 120, 255},
	Coming:       {224, 224, 224, 255},
}

// Week is one week as the picture shows it: a row per participant, a
// column per day that anyone had something scheduled.
type Week struct {
	Title  string
	Days   []string // column headings
	Rows   []Row
	Legend map[Status]string // what each colour means, in the reader's language
}

// Row is one participant's week; Cells line up with Week.Days.
type Row struct {
	Name  string
	Cells []Status
}

// Layout, in pixels: wide enough for a name and five days on a phone
// held sideways, tall enough to tap-zoom a row.
const (
	nameWidth  = 280
	cellWidth  = 110
	rowHeight  = 44
	titleH     = 56
	headH      = 40
	legendH    = 48
	pad        = 12
	fontSize   = 18
	titleSize  = 22
	maxNameLen = 24
)

// The parsed fonts are shared; a Face is not safe for concurrent use
// (two advisers' overviews are drawn at once), so each picture makes its own.
var (
	fontsOnce   sync.Once
	regularFont *opentype.Font
	boldFont    *opentype.Font
	fontsErr    error
)

func loadFonts() {
	if regularFont, fontsErr = opentype.Parse(goregular.TTF); fontsErr != nil {
		return
	}
	boldFont, fontsErr = opentype.Parse(gobold.TTF)
}

func newFace(f *opentype.Font, size float64) (font.Face, error) {
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// PNG draws the week.
func PNG(w Week) ([]byte, error) {
	fontsOnce.Do(loadFonts)
	if fontsErr != nil {
		return nil, fmt.Errorf("fonts: %w", fontsErr)
	}
	regular, err := newFace(regularFont, fontSize)
	if err != nil {
		return nil, fmt.Errorf("fonts: %w", err)
	}
	defer regular.Close()
	bold, err := newFace(boldFont, titleSize)
	if err != nil {
		return nil, fmt.Errorf("fonts: %w", err)
	}
	defer bold.Close()
	width := nameWidth + cellWidth*max(len(w.Days), 1) + 2*pad
	height := titleH + headH + rowHeight*len(w.Rows) + legendH + 2*pad
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	ink := color.RGBA{33, 33, 33, 255}
	text(img, bold, pad, pad+titleSize+8, w.Title, ink)
	y := pad + titleH
	for i, d := range w.Days {
		text(img, regular, pad+nameWidth+i*cellWidth+8, y+fontSize+8, d, ink)
	}
	y += headH
	line := color.RGBA{255, 255, 255, 255}
	for r, row := range w.Rows {
		if r%2 == 1 {
			fill(img, image.Rect(pad, y, width-pad, y+rowHeight), color.RGBA{245, 245, 245, 255})
		}
		text(img, regular, pad+4, y+rowHeight/2+fontSize/2-2, shorten(row.Name, maxNameLen), ink)
		for i, st := range row.Cells {
			if i >= len(w.Days) {
				break
			}
			x := pad + nameWidth + i*cellWidth
			c := colours[st]
			if st == NotScheduled {
				continue
			}
			fill(img, image.Rect(x+2, y+2, x+cellWidth-2, y+rowHeight-2), c)
		}
		fill(img, image.Rect(pad, y+rowHeight-1, width-pad, y+rowHeight), line)
		y += rowHeight
	}
	// The legend: a swatch and a word for each status used.
	x := pad
	y += pad
	for _, st := range []Status{Present, Absent, Unexplained, NoWord, Coming} {
		label, ok := w.Legend[st]
		if !ok {
			continue
		}
		fill(img, image.Rect(x, y+8, x+20, y+28), colours[st])
		x += 26
		x = text(img, regular, x, y+25, label, ink) + 18
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws s with its baseline at y and returns where it ends.
func text(img *image.RGBA, f font.Face, x, y int, s string, c color.Color) int {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
	return d.Dot.X.Round()
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
