package app_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"innsjekk/bot/fakeapi"
	"innsjekk/codec"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/store"
)

func (h *harness) press(chat int64, m fakeapi.Message, label string) {
	h.t.Helper()
	h.fake.Press(chat, m.ID, buttonData(h.t, m, label))
}

// sickWordsIn reports any language's word for "sick" found in text.
func sickWordsIn(text string) []string {
	var found []string
	low := strings.ToLower(text)
	fields := strings.FieldsFunc(low, func(r rune) bool { return r == ' ' || r == '.' || r == ',' || r == '\n' })
	for _, l := range roster.Languages {
		for _, w := range strings.Split(locales.Text(l, "absence.words", nil), ",") {
			w = strings.TrimSpace(w)
			for _, f := range fields {
				if w != "" && f == w {
					found = append(found, w)
				}
			}
		}
	}
	return found
}

func TestSickNoticeInThreeTapsTellsEveryoneAndUndoToo(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const amina, per, lars, anne = 701, 702, 703, 704
		h.bind("per", per, "nb")
		h.bind("lars", lars, "nb")
		h.bind("anne", anne, "nb")
		h.bind("amina", amina, "ar")

		h.fake.SendText(amina, locales.Text("ar", "menu.sick", nil)) // tap 1
		ask := h.waitEq(amina, locales.Text("ar", "absence.ask_days", nil))
		h.press(amina, ask, locales.Text("ar", "absence.btn.today_tomorrow", nil)) // tap 2
		confirm := h.wait(amina, "the confirmation", func(m fakeapi.Message) bool {
			return m.ID == ask.ID && strings.Contains(m.Text, "Hotell Strand")
		})
		h.press(amina, confirm, locales.Text("ar", "absence.btn.send", nil)) // tap 3
		sent := h.wait(amina, "the receipt", func(m fakeapi.Message) bool {
			return m.ID == ask.ID && strings.Contains(m.Text, locales.Text("ar", "absence.sent", nil))
		})

		mentorText := locales.Text("nb", "absence.mentor", locales.Args{"Name": "Amina Yusuf", "Days": "tir. 01.12", "Back": "tor. 03.12"})
		h.waitEq(per, mentorText)
		if w := sickWordsIn(mentorText); len(w) > 0 {
			t.Fatalf("mentor told %v", w)
		}
		h.waitEq(lars, locales.Text("nb", "absence.teacher", locales.Args{"Name": "Amina Yusuf", "Days": "ons. 02.12"}))
		h.wait(anne, "the adviser's notice", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, "Amina Yusuf:") && strings.Contains(m.Text, locales.Text("nb", "absence.kind_sick", nil))
		})

		// Undo within ten minutes tells all three, each only about the
		// days they were told of.
		h.press(amina, sent, locales.Text("ar", "absence.btn.undo", nil))
		h.wait(amina, "the undo receipt", func(m fakeapi.Message) bool {
			return m.ID == ask.ID && strings.Contains(m.Text, locales.Text("ar", "absence.undone", nil))
		})
		for chat, days := range map[int64]string{per: "tir. 01.12", lars: "ons. 02.12", anne: "tir. 01.12, ons. 02.12"} {
			h.waitEq(chat, locales.Text("nb", "absence.undone_notice", locales.Args{"Name": "Amina Yusuf", "Days": days}))
		}
		if n := count(h.fake.Chat(per), mentorText); n != 1 {
			t.Fatalf("mentor told %d times", n)
		}
	})
}

func TestFourDayNoticeNeedsADoctorsNote(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const olena, mona = 711, 712
		h.bind("mona", mona, "nb")
		h.bind("olena", olena, "uk")
		h.fake.SendText(olena, "/sick")
		ask := h.waitEq(olena, locales.Text("uk", "absence.ask_days", nil))
		h.press(olena, ask, locales.Text("uk", "absence.btn.choose", nil))
		cal := h.wait(olena, "the calendar", func(m fakeapi.Message) bool {
			return m.ID == ask.ID && m.Text == locales.Text("uk", "absence.ask_calendar", nil)
		})
		for _, d := range []string{"2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"} {
			h.fake.Press(olena, cal.ID, "1|abs|day|"+d)
			h.wait(olena, "the day ticked", func(m fakeapi.Message) bool {
				for _, row := range m.Inline {
					for _, b := range row {
						if b.Data == "1|abs|day|"+d && strings.HasPrefix(b.Text, "✅") {
							return true
						}
					}
				}
				return false
			})
		}
		h.fake.Press(olena, cal.ID, "1|abs|done")
		confirm := h.wait(olena, "the confirmation", func(m fakeapi.Message) bool {
			return m.ID == ask.ID && strings.Contains(m.Text, "Solhaug")
		})
		h.press(olena, confirm, locales.Text("uk", "absence.btn.send", nil))
		h.wait(olena, "the doctor's note", func(m fakeapi.Message) bool {
			return strings.Contains(m.Text, locales.Text("uk", "absence.doctor_note", nil))
		})
		h.wait(mona, "the rule", func(m fakeapi.Message) bool {
			return strings.Contains(m.Text, locales.Text("nb", "rule.self_certified_days", nil))
		})
	})
}

func TestCheckInNudgeAlertAndEveningReminderAsTheClockMoves(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		clock := clockAt(tuesdayMorning)
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clock)
		const amina, anne, yonas = 721, 722, 723
		h.bind("anne", anne, "nb")
		h.bind("yonas", yonas, "ti")
		h.bind("amina", amina, "ar")
		move := h.moveTo
		move(time.Date(2026, 12, 1, 9, 31, 0, 0, oslo))
		h.waitEq(amina, locales.Text("ar", "checkin.nudge", locales.Args{"Place": "Hotell Strand"}))
		// The adviser's alert: about Amina, what happened.
		alert := locales.Text("nb", "alert.title", locales.Args{"Name": "Amina Yusuf"}) + "\n" +
			locales.Text("nb", "alert.unexplained", locales.Args{"Place": "Hotell Strand", "Start": "09:00"})
		move(time.Date(2026, 12, 1, 10, 1, 0, 0, oslo))
		h.waitEq(anne, alert)
		move(time.Date(2026, 12, 1, 18, 0, 30, 0, oslo))
		h.waitEq(yonas, locales.Text("ti", "reminder.evening", locales.Args{"Place": "Hotell Strand", "Start": "09:00", "End": "15:00",
			"Address": "Strandgata 1, 2815 Gjøvik", "Mentor": "Per Olsen"}))
		if n := count(h.fake.Chat(anne), alert); n != 1 {
			t.Fatalf("adviser alerted %d times", n)
		}
		// Past midnight the planner lays out Wednesday: yonas is nudged.
		move(time.Date(2026, 12, 2, 0, 6, 0, 0, oslo))
		h.waitJob("nudge:yonas:2026-12-02:0900")
		move(time.Date(2026, 12, 2, 9, 31, 0, 0, oslo))
		h.waitEq(yonas, locales.Text("ti", "checkin.nudge", locales.Args{"Place": "Hotell Strand"}))
	})
}

// The bot dies after the participant's receipt was committed but before
// the mentor's notice went out: after restart the mentor hears it once.
func TestMentorToldOnceAfterACrashBetweenReceiptAndNotice(t *testing.T) {
	for _, b := range storeBackends(t) {
		t.Run(b.Name, func(t *testing.T) {
			conn := b.Conn
			data := exampleRoster(t, conn)
			clock := clockAt(tuesdayMorning)
			first := start(t, setup{conn: conn}, data, clock)
			const amina, per = 731, 732
			first.bind("per", per, "nb")
			first.bind("amina", amina, "ar")
			// Telegram fails every send to the mentor: the notice waits.
			first.fake.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: per, Status: 502, Times: -1})
			first.fake.SendText(amina, "/sick")
			ask := first.waitEq(amina, locales.Text("ar", "absence.ask_days", nil))
			first.press(amina, ask, locales.Text("ar", "absence.btn.today", nil))
			confirm := first.wait(amina, "the confirmation", func(m fakeapi.Message) bool {
				return m.ID == ask.ID && strings.Contains(m.Text, "Hotell Strand")
			})
			first.press(amina, confirm, locales.Text("ar", "absence.btn.send", nil))
			first.wait(amina, "the receipt", func(m fakeapi.Message) bool {
				return strings.Contains(m.Text, locales.Text("ar", "absence.sent", nil))
			})
			first.stop() // the crash
			first.fake.ClearFaults()
			mentorText := locales.Text("nb", "absence.mentor", locales.Args{"Name": "Amina Yusuf", "Days": "tir. 01.12", "Back": "tor. 03.12"})
			second := start(t, setup{conn: conn, fake: first.fake, api: first.api}, data, clock)
			second.waitEq(per, mentorText)
			second.settle()
			if n := count(second.fake.Chat(per), mentorText); n != 1 {
				t.Fatalf("mentor told %d times", n)
			}
		})
	}
}

// Three weeks on, the nightly housekeeping has folded the first sick day
// into Amina's history; a second sick spell still counts it among the
// times in 12 months, as the adviser is told: folding changes how the
// record is kept, not what the rules see.
func TestFoldedSickDaysStillCountForTheAdviser(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		clock := clockAt(tuesdayMorning)
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clock)
		const amina, anne = 731, 732
		h.bind("anne", anne, "nb")
		h.bind("amina", amina, "ar")
		move := h.moveTo
		sickToday := func() {
			h.fake.SendText(amina, locales.Text("ar", "menu.sick", nil))
			ask := h.wait(amina, "the question", func(m fakeapi.Message) bool { return m.Text == locales.Text("ar", "absence.ask_days", nil) })
			h.press(amina, ask, locales.Text("ar", "absence.btn.today", nil))
			confirm := h.wait(amina, "the confirmation", func(m fakeapi.Message) bool {
				return m.ID == ask.ID && strings.Contains(m.Text, "Hotell Strand")
			})
			h.press(amina, confirm, locales.Text("ar", "absence.btn.send", nil))
			h.wait(amina, "the receipt", func(m fakeapi.Message) bool {
				return m.ID == ask.ID && strings.Contains(m.Text, locales.Text("ar", "absence.sent", nil))
			})
		}
		counters := func(times int) string {
			return locales.Text("nb", "absence.adviser_counters", locales.Args{"Days": 1, "MaxDays": 3, "Times": times, "MaxTimes": 4})
		}
		sickToday() // Tuesday 1 December
		h.wait(anne, "the first notice", func(m fakeapi.Message) bool { return strings.Contains(m.Text, counters(1)) })

		move(time.Date(2026, 12, 22, 3, 5, 0, 0, oslo))
		deadline := time.Now().Add(15 * time.Second)
		for {
			f, err := h.app.Store().Record(h.ctx(), "facts:amina")
			if err != nil {
				t.Fatal(err)
			}
			if _, folded := f[codec.HistoryField]; folded {
				if _, live := f["a:2026-12-01"]; live {
					t.Fatal("the folded absence is still live too")
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not folded by the night's housekeeping: %v", slices.Sorted(maps.Keys(f)))
			}
			time.Sleep(20 * time.Millisecond)
		}

		move(time.Date(2026, 12, 22, 8, 0, 0, 0, oslo))
		sickToday() // Tuesday 22 December: a new period, the second time
		h.wait(anne, "the second notice, counting the folded first", func(m fakeapi.Message) bool {
			return strings.Contains(m.Text, "22.12") && strings.Contains(m.Text, counters(2))
		})
	})
}
