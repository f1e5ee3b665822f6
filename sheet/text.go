package sheet

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/draw"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// fpdf writes text glyph by glyph from the font's character map: right
// for Latin and Cyrillic, wrong for Arabic script, whose letters change
// shape with their neighbours and run right to left, and for Ethiopic,
// which the Go fonts lack. Such lines are shaped here with HarfBuzz's
// rules (go-text/typesetting), in Noto fonts, and drawn as an image.

//go:embed fonts/NotoSansArabic-Regular.ttf
var notoArabic []byte

//go:embed fonts/NotoSansEthiopic-Regular.ttf
var notoEthiopic []byte

type faceSet struct {
	latin, arabic, ethiopic *font.Face
}

var (
	facesOnce sync.Once
	faces     faceSet
	facesErr  error
)

func loadFaces() (faceSet, error) {
	facesOnce.Do(func() {
		parse := func(name string, b []byte) *font.Face {
			f, err := font.ParseTTF(bytes.NewReader(b))
			if err != nil && facesErr == nil {
				facesErr = fmt.Errorf("font %s: %w", name, err)
			}
			return f
		}
		faces = faceSet{
			latin:    parse("Go Regular", goregular.TTF),
			arabic:   parse("Noto Sans Arabic", notoArabic),
			ethiopic: parse("Noto Sans Ethiopic", notoEthiopic),
		}
	})
	return faces, facesErr
}

// fontmap picks a face per rune: Arabic script and Ethiopic have their
// own, everything else is the Go font. Spaces and punctuation take the
// face of the script around them, which the segmenter tells it.
type fontmap struct {
	f      faceSet
	script language.Script
}

func (m *fontmap) SetScript(s language.Script) { m.script = s }

func (m *fontmap) ResolveFace(r rune) *font.Face {
	switch {
	case unicode.Is(unicode.Arabic, r):
		return m.f.arabic
	case unicode.Is(unicode.Ethiopic, r):
		return m.f.ethiopic
	case unicode.Is(unicode.Common, r) || unicode.Is(unicode.Inherited, r):
		switch m.script {
		case language.Arabic:
			if _, ok := m.f.arabic.NominalGlyph(r); ok {
				return m.f.arabic
			}
		case language.Ethiopic:
			if _, ok := m.f.ethiopic.NominalGlyph(r); ok {
				return m.f.ethiopic
			}
		}
	}
	return m.f.latin
}

// plain reports whether fpdf can write s itself: every letter Latin,
// Greek or Cyrillic, none needing a shaper or a right-to-left run.
func plain(s string) bool {
	for _, r := range s {
		if !unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Common, unicode.Inherited) ||
			unicode.In(r, unicode.Bidi_Control) {
			return false
		}
	}
	return true
}

// rtl are the shipped languages written right to left (docs/translating.md).
var rtl = map[string]bool{"ar": true, "fa-AF": true, "ps": true}

// run is one shaped run of a line, in the order it is drawn.
type run = shaping.Output

// shape splits a line into runs of one direction, script and face,
// shapes each, and returns them left to right as they are to be drawn
// (the reordering of Unicode's bidi algorithm, rule L2).
func shape(text, lang string, px float32) ([]run, error) {
	f, err := loadFaces()
	if err != nil {
		return nil, err
	}
	runes := []rune(text)
	dir := di.DirectionLTR
	if rtl[lang] {
		dir = di.DirectionRTL
	}
	in := shaping.Input{Text: runes, RunStart: 0, RunEnd: len(runes), Direction: dir,
		Size: fixed.Int26_6(px * 64), Language: language.NewLanguage(lang)}
	var seg shaping.Segmenter
	var sh shaping.HarfbuzzShaper
	var runs []run
	for _, part := range seg.Split(in, &fontmap{f: f}) {
		runs = append(runs, sh.Shape(part))
	}
	// Levels: the paragraph's direction is level 0 (LTR) or 1 (RTL); a
	// run against it is one level up.
	level := func(o run) int {
		l := 0
		if rtl[lang] {
			l = 1
		}
		if o.Direction.Progression() != dir.Progression() {
			l++
		}
		return l
	}
	maxLevel := 0
	for _, o := range runs {
		maxLevel = max(maxLevel, level(o))
	}
	lowest := 1
	for lv := maxLevel; lv >= lowest; lv-- {
		for i := 0; i < len(runs); {
			if level(runs[i]) < lv {
				i++
				continue
			}
			j := i
			for j < len(runs) && level(runs[j]) >= lv {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				runs[a], runs[b] = runs[b], runs[a]
			}
			i = j
		}
	}
	return runs, nil
}

// render draws a line, shaped, in black on white at px pixels per em,
// and returns it with its baseline's distance from the top.
func render(text, lang string, px float32) (*image.Gray, error) {
	runs, err := shape(text, lang, px)
	if err != nil {
		return nil, err
	}
	var width, ascent, descent fixed.Int26_6
	for _, o := range runs {
		width += o.Advance
		ascent = max(ascent, o.LineBounds.Ascent)
		descent = min(descent, o.LineBounds.Descent)
	}
	pad := int(px / 8)
	w := width.Ceil() + 2*pad
	h := (ascent - descent).Ceil() + 2*pad
	if w <= 2*pad || h <= 2*pad {
		return nil, fmt.Errorf("line %q draws nothing", text)
	}
	ras := vector.NewRasterizer(w, h)
	ras.DrawOp = draw.Src
	baseline := float32(pad) + float32(ascent)/64
	pen := float32(pad)
	for _, o := range runs {
		scale := px / float32(o.Face.Upem())
		for _, g := range o.Glyphs {
			x := pen + float32(g.XOffset)/64
			y := baseline - float32(g.YOffset)/64
			if outline, ok := o.Face.GlyphData(g.GlyphID).(font.GlyphOutline); ok {
				drawOutline(ras, outline, x, y, scale)
			}
			pen += float32(g.Advance) / 64
		}
	}
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	ras.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	img := image.NewGray(mask.Bounds())
	for i, a := range mask.Pix {
		img.Pix[i] = 255 - a
	}
	return img, nil
}

func drawOutline(ras *vector.Rasterizer, o font.GlyphOutline, x, y, scale float32) {
	pt := func(p font.SegmentPoint) (float32, float32) { return x + p.X*scale, y - p.Y*scale }
	open := false
	for _, s := range o.Segments {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if open {
				ras.ClosePath()
			}
			ras.MoveTo(pt(s.Args[0]))
			open = true
		case ot.SegmentOpLineTo:
			ras.LineTo(pt(s.Args[0]))
		case ot.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			ras.QuadTo(x1, y1, x2, y2)
		case ot.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			ras.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	if open {
		ras.ClosePath()
	}
}
