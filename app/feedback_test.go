package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"strings"
	"testing"
	"time"

	"innsjekk/bot/fakeapi"
	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/store"
)

// At the end of the week's last placement shift the mentor gets the
// prompt; a tap stores the answer; a correction is kept beside the
// participant's own report; an unanswered prompt is asked once more the
// next working morning, and not again.
func TestWeeklyFeedbackPromptTapCorrectionAndOneNudge(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		clock := clockAt(tuesdayMorning)
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clock)
		const per, yonas, anne, sarah = 1201, 1202, 1203, 1204
		h.bind("per", per, "nb")
		h.bind("anne", anne, "nb")
		h.bind("yonas", yonas, "ti")
		h.bind("sarah", sarah, "en")
		move := h.moveTo
		// Yonas's only placement day is Wednesday: his week's prompt
		// comes at the end of that shift.
		move(time.Date(2026, 12, 2, 15, 0, 30, 0, oslo))
		weekOf := func(name string) func(fakeapi.Message) bool {
			return func(m fakeapi.Message) bool {
				return m.Text != "" && strings.HasPrefix(m.Text, locales.Text("nb", "feedback.week", locales.Args{"Name": name, "Workplace": "Hotell Strand"}))
			}
		}
		prompt := h.wait(per, "Yonas's prompt", weekOf("Yonas Tesfay"))
		// Correct Wednesday to "there", then one tap answers.
		h.press(per, prompt, locales.Text("nb", "feedback.btn.correct", nil))
		correct := h.wait(per, "the days", func(m fakeapi.Message) bool { return m.ID == prompt.ID && strings.HasPrefix(m.Text, "✏️") })
		h.fake.Press(per, correct.ID, correct.Inline[0][0].Data)
		h.wait(per, "the day toggled", func(m fakeapi.Message) bool {
			return m.ID == prompt.ID && len(m.Inline) > 0 && strings.Contains(m.Inline[0][0].Text, locales.Text("nb", "feedback.toggle_present", nil))
		})
		h.press(per, h.lastOf(per, prompt.ID), locales.Text("nb", "feedback.btn.correct_done", nil))
		back := h.wait(per, "the prompt again", func(m fakeapi.Message) bool {
			return m.ID == prompt.ID && strings.Contains(m.Text, locales.Text("nb", "feedback.corrected_present", nil))
		})
		h.press(per, back, locales.Text("nb", "feedback.btn.good", nil))
		h.wait(per, "thanks", func(m fakeapi.Message) bool { return m.ID == prompt.ID && strings.HasPrefix(m.Text, "✅") })
		h.settle()
		rec := record(t, h, "facts:yonas")
		var fb *flows.Feedback
		var corr *flows.Correction
		for _, v := range rec {
			switch v := v.(type) {
			case flows.Feedback:
				fb = &v
			case flows.Correction:
				corr = &v
			}
		}
		if fb == nil || fb.Rating != flows.RatingGood || fb.Week != "2026W49" || fb.Mentor != "per" {
			t.Fatalf("feedback stored: %+v", fb)
		}
		// The correction is the mentor's, and Yonas's own record (no
		// check-in) is left as it was.
		if corr == nil || !corr.Present || corr.By != "per" || corr.Date != "2026-12-02" {
			t.Fatalf("correction stored: %+v", corr)
		}
		for _, v := range rec {
			if c, ok := v.(flows.CheckIn); ok {
				t.Fatalf("a correction wrote a check-in: %+v", c)
			}
		}
		// The adviser sees both on Yonas's card.
		h.fake.SendText(anne, locales.Text("nb", "menu.today", nil))
		digest := h.wait(anne, "the digest", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "📋") })
		h.press(anne, digest, "Yonas Tesfay")
		card := h.wait(anne, "Yonas's card", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "👤 Yonas Tesfay") })
		want := locales.Text("nb", "feedback.day_no_word", locales.Args{"Day": "ons. 02.12"}) + " " +
			locales.Text("nb", "pcard.corrected_present", locales.Args{"Name": "Per Olsen"})
		if !strings.Contains(card.Text, want) {
			t.Fatalf("card lacks %q:\n%s", want, card.Text)
		}
		// Sarah's week (Friday) goes unanswered: asked again Monday at
		// 08:00, once.
		move(time.Date(2026, 12, 4, 15, 0, 30, 0, oslo))
		h.wait(per, "Sarah's prompt", weekOf("Sarah Mensah"))
		move(time.Date(2026, 12, 7, 8, 0, 30, 0, oslo))
		again := locales.Text("nb", "feedback.week_again", locales.Args{"Name": "Sarah Mensah", "Workplace": "Hotell Strand"})
		h.wait(per, "the nudge", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, again) })
		move(time.Date(2026, 12, 9, 8, 0, 30, 0, oslo))
		h.settle()
		n := 0
		for _, c := range h.fake.CallsTo("sendMessage") {
			if c.Status == 200 && strings.HasPrefix(c.Params["text"], again) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("nudged %d times", n)
		}
	})
}

// lastOf returns the current state of message id in chat.
func (h *harness) lastOf(chat int64, id int) fakeapi.Message {
	h.t.Helper()
	for _, m := range h.fake.Chat(chat) {
		if m.ID == id {
			return m
		}
	}
	h.t.Fatalf("no message %d in chat %d", id, chat)
	return fakeapi.Message{}
}

func record(t *testing.T, h *harness, name string) flows.Record {
	t.Helper()
	fields, err := h.app.Store().Record(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	rec, errs := codec.DecodeRecord(fields)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return rec
}

// The daily digest arrives at digest.daily on a working day and not on a
// public holiday; the weekly one comes with the spreadsheet and the
// picture; an adviser's digests hold nothing of another caseload.
func TestDigestsArriveOnTimeWithTheirFilesAndOnlyTheAdvisersCaseload(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		// Thursday 24 December is closed in the example roster, Friday the
		// 25th is Christmas Day.
		clock := clockAt(time.Date(2026, 12, 23, 14, 0, 0, 0, oslo))
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clock)
		const mona, hodan = 1211, 1212
		h.bind("mona", mona, "nb")
		h.bind("hodan", hodan, "so")
		move := h.moveTo
		move(time.Date(2026, 12, 23, 14, 30, 30, 0, oslo))
		daily := h.wait(mona, "Wednesday's digest", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "📋 ons. 23.12") })
		r := parse(t, exampleRoster(t, conn))
		for _, p := range r.Participants {
			if p.Adviser.ID != "mona" && strings.Contains(daily.Text, p.Name) {
				t.Errorf("Mona's digest names %s, of %s's caseload", p.Name, p.Adviser.ID)
			}
		}
		move(time.Date(2026, 12, 26, 12, 0, 0, 0, oslo))
		h.settle()
		for _, m := range h.fake.Chat(mona) {
			if strings.HasPrefix(m.Text, "📋 tor. 24.12") || strings.HasPrefix(m.Text, "📋 fre. 25.12") {
				t.Fatalf("a digest on a closed day: %q", m.Text)
			}
		}
		// The weekly overview, on the first Friday that is a working day.
		move(time.Date(2027, 1, 8, 13, 0, 30, 0, oslo))
		weekly := h.wait(mona, "the weekly overview", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "📊") })
		for _, p := range r.Participants {
			if p.Adviser.ID != "mona" && strings.Contains(weekly.Text, p.Name) {
				t.Errorf("Mona's weekly overview names %s", p.Name)
			}
		}
		csvMsg := h.wait(mona, "the spreadsheet", func(m fakeapi.Message) bool { return m.Document != nil && strings.HasSuffix(m.Document.Name, ".csv") })
		pngMsg := h.wait(mona, "the picture", func(m fakeapi.Message) bool { return m.Document != nil && strings.HasSuffix(m.Document.Name, ".png") })
		data := download(t, h, csvMsg.Document.ID)
		if !bytes.HasPrefix(data, []byte("\ufeff")) {
			t.Fatal("the spreadsheet has no byte-order mark")
		}
		cr := csv.NewReader(bytes.NewReader(data[3:]))
		cr.Comma = ';'
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("the spreadsheet does not parse: %v", err)
		}
		if rows[0][0] != "Deltaker" || len(rows) < 2 {
			t.Fatalf("spreadsheet: %q", rows)
		}
		names := map[string]bool{}
		for _, row := range rows[1:] {
			names[row[0]] = true
			if row[1] != "Mona Iversen" {
				t.Errorf("a row of another caseload: %q", row)
			}
		}
		img, err := png.Decode(bytes.NewReader(download(t, h, pngMsg.Document.ID)))
		if err != nil {
			t.Fatalf("the picture does not decode: %v", err)
		}
		// One row per participant in the spreadsheet: the picture's height
		// grows by one row each.
		if h := img.Bounds().Dy(); h < 100+44*len(names) {
			t.Errorf("picture %d px high for %d participants", h, len(names))
		}
	})
}

// download returns a file the bot sent, as the fake Bot API stored it.
func download(t *testing.T, h *harness, fileID string) []byte {
	t.Helper()
	f, ok := h.fake.FileByID(fileID)
	if !ok {
		t.Fatalf("no file %s", fileID)
	}
	return f.Data
}
