package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"innsjekk/bot/fakeapi"
	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/store"
)

func TestNavMeetingByTapsReachesTheParticipantInArabic(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const kari, amina = 801, 802
		h.bind("kari", kari, "nb")
		h.bind("amina", amina, "ar")
		h.fake.SendText(kari, locales.Text("nb", "menu.meeting", nil))
		pick := h.waitEq(kari, locales.Text("nb", "meeting.pick_participant", nil))
		h.press(kari, pick, "Amina Yusuf")
		days := h.wait(kari, "the days", func(m fakeapi.Message) bool {
			return m.ID == pick.ID && strings.Contains(m.Text, "Amina") && len(m.Inline) > 2
		})
		// Friday 4 December: no placement, no class.
		h.press(kari, days, "fre. 04.12")
		times := h.wait(kari, "the times", func(m fakeapi.Message) bool { return m.ID == pick.ID && strings.Contains(m.Text, "04.12") })
		h.press(kari, times, "10:00")
		confirm := h.wait(kari, "the confirmation", func(m fakeapi.Message) bool {
			return m.ID == pick.ID && strings.Contains(m.Text, "10:00–10:45")
		})
		h.press(kari, confirm, locales.Text("nb", "meeting.btn.book", nil))
		h.wait(kari, "booked", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, "✅") && strings.Contains(m.Text, "10:00")
		})
		notice := h.wait(amina, "the notice", func(m fakeapi.Message) bool { return strings.Contains(m.Text, "📆") })
		for _, want := range []string{locales.FSI + "10:00–10:45" + locales.PDI, locales.FSI + "Nav Gjøvik, Storgata 2" + locales.PDI} {
			if !strings.Contains(notice.Text, want) {
				t.Errorf("notice lacks isolated %q: %q", want, notice.Text)
			}
		}
		// Three days, one a row, then [I can't come].
		if len(notice.Inline) != 4 || len(notice.Inline[0]) != 1 {
			t.Fatalf("no three-day comprehension check: %+v", notice.Inline)
		}
		// A wrong pick tells Kari the participant may not have understood.
		for _, row := range notice.Inline[:3] {
			if b := row[0]; !strings.Contains(b.Data, "|2026-12-04|") {
				h.fake.Press(amina, notice.ID, b.Data)
				break
			}
		}
		h.wait(kari, "the not-understood alert", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, "❗ Amina Yusuf") && strings.Contains(m.Text, locales.Text("nb", "langname.ar", nil))
		})
	})
}

func TestForcedMeetingTellsTheMentorAndRacingBookingsYieldOne(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const kari, anne, per = 811, 812, 813
		h.bind("kari", kari, "nb")
		h.bind("anne", anne, "nb")
		h.bind("per", per, "nb")
		// Typed onto a placement day: refused, with three free alternatives.
		h.fake.SendText(kari, "/meeting amina tirsdag 10")
		refusal := h.wait(kari, "the refusal", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "⛔") })
		if !strings.Contains(refusal.Text, "Hotell Strand") || len(refusal.Inline) != 1 || len(refusal.Inline[0]) != 3 {
			t.Fatalf("refusal: %q %+v", refusal.Text, refusal.Inline)
		}
		h.fake.SendText(kari, "/meeting amina 3.12 11 force Akutt stønadsavklaring")
		mentor := h.waitEq(per, locales.Text("nb", "meeting.mentor_away", locales.Args{"Name": "Amina Yusuf", "Day": "tor. 03.12",
			"Start": "11:00", "End": "11:45"}))
		if strings.Contains(mentor.Text, "stønad") || strings.Contains(mentor.Text, "Nav") {
			t.Fatalf("mentor told why: %q", mentor.Text)
		}
		// Two counsellors book the same free slot at the same moment.
		var wg sync.WaitGroup
		for _, chat := range []int64{kari, anne} {
			wg.Add(1)
			go func() { defer wg.Done(); h.fake.SendText(chat, "/meeting amina 4.12 10:30") }()
		}
		wg.Wait()
		outcome := func(chat int64) string {
			m := h.wait(chat, "an answer", func(m fakeapi.Message) bool {
				return strings.Contains(m.Text, "04.12") && (strings.HasPrefix(m.Text, "✅") || strings.HasPrefix(m.Text, "⛔"))
			})
			return m.Text[:3]
		}
		a, b := outcome(kari), outcome(anne)
		if (a == "✅") == (b == "✅") {
			t.Fatalf("both or neither booked: kari %q, anne %q", a, b)
		}
		fields, err := h.app.Store().Record(context.Background(), "facts:amina")
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := codec.DecodeRecord(fields)
		n := 0
		for _, m := range flows.Meetings(rec) {
			if !m.Cancelled && m.Start.Day() == 4 {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d meetings on 4 December, want 1", n)
		}
	})
}

// A forced booking is a conversation: the bot asks for the reason and
// takes the next message as it; the mentor hears only that the
// participant will be away. A counsellor with a meeting at 13:00 is
// refused another at 13:00.
func TestForcedBookingAsksForTheReasonAndCounsellorsAreNotDoubleBooked(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const kari, per = 821, 822
		h.bind("kari", kari, "nb")
		h.bind("per", per, "nb")
		h.fake.SendText(kari, "/meeting amina 3.12 11:00 force")
		h.waitEq(kari, locales.Text("nb", "meeting.force_needs_reason", locales.Args{"Name": "Amina Yusuf"}))
		h.fake.SendText(kari, "Akutt avklaring av stønad")
		h.wait(kari, "booked", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, "⚠️") && strings.Contains(m.Text, "03.12")
		})
		mentor := h.waitEq(per, locales.Text("nb", "meeting.mentor_away", locales.Args{"Name": "Amina Yusuf", "Day": "tor. 03.12",
			"Start": "11:00", "End": "11:45"}))
		if strings.Contains(mentor.Text, "stønad") {
			t.Fatalf("mentor told why: %q", mentor.Text)
		}
		// Monday 7 December: Amina and Yonas are both free at 13:00, Kari
		// only once.
		h.fake.SendText(kari, "/meeting amina 7.12 13:00")
		h.wait(kari, "the first booking", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, "✅") && strings.Contains(m.Text, "07.12")
		})
		h.fake.SendText(kari, "/meeting Yonas Tesfay 7.12 kl. 13")
		refusal := h.wait(kari, "the refusal", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "⛔ Yonas") })
		if !strings.Contains(refusal.Text, locales.Text("nb", "meeting.clash_counsellor", locales.Args{"Start": "13:00", "End": "13:45"})) ||
			len(refusal.Inline) != 1 || len(refusal.Inline[0]) != 3 {
			t.Fatalf("refusal: %q %+v", refusal.Text, refusal.Inline)
		}
	})
}
