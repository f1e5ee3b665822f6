package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"image/png"
	"sync"
	"testing"
)

func TestCSVOpensAsColumnsInANorwegianExcel(t *testing.T) {
	b, err := CSV([]string{"Deltaker", "Dato", "Status"}, [][]string{{"Amina Yusuf", "01.12.2026", "til stede"}, {"Rojda Aydın", "02.12.2026", "borte; meldt"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Fatal("no byte-order mark: Excel would read it as Windows-1252")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "Deltaker" || rows[2][0] != "Rojda Aydın" || rows[2][2] != "borte; meldt" {
		t.Fatalf("read back: %q", rows)
	}
	if !bytes.Contains(b, []byte("\r\n")) {
		t.Fatal("lines do not end in CRLF")
	}
}

func TestPNGHasARowPerParticipant(t *testing.T) {
	w := Week{Title: "Uke 49", Days: []string{"man.", "tir.", "ons."},
		Rows:   []Row{{Name: "Amina", Cells: []Status{NotScheduled, Present, Absent}}, {Name: "Yonas", Cells: []Status{Unexplained, NoWord, Coming}}},
		Legend: map[Status]string{Present: "til stede", Absent: "meldt borte"}}
	b, err := PNG(w)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := titleH + headH + 2*rowHeight + legendH + 2*pad
	if img.Bounds().Dy() != want {
		t.Fatalf("height %d, want %d", img.Bounds().Dy(), want)
	}
	// Yonas's Monday is red: unexplained.
	x := pad + nameWidth + cellWidth/2
	y := pad + titleH + headH + rowHeight + rowHeight/2
	if r, g, _, _ := img.At(x, y).RGBA(); r>>8 != 183 || g>>8 != 28 {
		t.Fatalf("cell colour %v", img.At(x, y))
	}
}

// Two advisers' overviews are drawn at once by the job runner; the race
// detector catches a shared font face (CI found one).
func TestPicturesAreDrawnConcurrently(t *testing.T) {
	w := Week{Title: "Uke 49", Days: []string{"man.", "tir."},
		Rows: []Row{{Name: "Amina Yusuf", Cells: []Status{Present, Absent}}}}
	want, err := PNG(w)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := PNG(w)
			if err == nil && !bytes.Equal(b, want) {
				err = errors.New("a picture drawn alongside others differs")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
