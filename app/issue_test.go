package app_test

import (
	"strings"
	"testing"
	"time"

	"innsjekk/bot/fakeapi"
	"innsjekk/locales"
	"innsjekk/store"
)

// A money question from a participant reaches their Nav counsellor only;
// the voice message is relayed by Telegram's file id; a ready-made reply
// arrives in Tigrinya; the participant hears who took it.
func TestMoneyQuestionReachesTheNavCounsellorAndTheReplyArrivesInTigrinya(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const yonas, kari, anne, lars = 1101, 1102, 1103, 1104
		h.bind("kari", kari, "nb")
		h.bind("anne", anne, "nb")
		h.bind("lars", lars, "nb")
		h.bind("yonas", yonas, "ti")
		h.fake.SendText(yonas, locales.Text("ti", "menu.problem", nil))
		ask := h.waitEq(yonas, locales.Text("ti", "issue.ask_category", nil))
		h.press(yonas, ask, locales.Text("ti", "issue.cat_money", nil))
		h.wait(yonas, "the content question", func(m fakeapi.Message) bool { return m.ID == ask.ID && strings.Contains(m.Text, "📨") })
		voice := h.fake.SendVoice(yonas)
		got := h.wait(yonas, "got it", func(m fakeapi.Message) bool { return len(m.Inline) == 1 && m.ID != ask.ID })
		h.press(yonas, got, locales.Text("ti", "issue.btn.send", nil))
		card := h.wait(kari, "the card", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "🆘 Yonas Tesfay") })
		if !strings.Contains(card.Text, locales.Text("nb", "issue.card_interpreter", locales.Args{"Language": "tigrinja"})) {
			t.Errorf("the card does not say an interpreter is needed: %q", card.Text)
		}
		relayed := h.wait(kari, "the voice", func(m fakeapi.Message) bool { return m.Voice != nil })
		// The same file, by id: never downloaded and sent again.
		var sentID string
		for _, c := range h.fake.CallsTo("sendVoice") {
			if c.Status == 200 {
				sentID = c.Params["voice"]
			}
		}
		if sentID == "" || relayed.Voice.ID != sentID {
			t.Fatalf("voice relayed as %q, message holds %+v", sentID, relayed.Voice)
		}
		_ = voice
		for _, who := range []int64{anne, lars} {
			for _, m := range h.fake.Chat(who) {
				if strings.Contains(m.Text, "Yonas") {
					t.Fatalf("a money question reached %d: %q", who, m.Text)
				}
			}
		}
		h.press(kari, card, locales.Text("nb", "issue.btn.ack", nil))
		h.waitEq(yonas, locales.Text("ti", "issue.acked_reporter", locales.Args{"Name": "Kari", "Role": locales.Text("ti", "role.nav", nil),
			"Category": locales.Text("ti", "issue.cat_money", nil)}))
		acked := h.wait(kari, "the card, taken", func(m fakeapi.Message) bool { return m.ID == card.ID && m.Edited })
		h.press(kari, acked, locales.Text("nb", "issue.btn.reply", nil))
		menu := h.wait(kari, "the replies", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "↩") && len(m.Inline) > 2 })
		h.press(kari, menu, locales.Text("nb", "issue.ready_btn.call", nil))
		h.waitEq(yonas, locales.Text("ti", "issue.ready.call", locales.Args{"Name": "Kari Nordmann"}))
	})
}

// Free text outside any conversation is offered to the contact person and
// arrives there at one tap on what it is about.
func TestUnaskedTextIsOfferedAndArrives(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const nora, ola = 1111, 1112
		h.bind("ola", ola, "nb")
		h.bind("nora", nora, "nb")
		h.fake.SendText(nora, "kan jeg komme senere i morgen?")
		offer := h.waitEq(nora, locales.Text("nb", "issue.offer", nil))
		h.press(nora, offer, locales.Text("nb", "issue.cat_placement", nil))
		card := h.wait(ola, "the card", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "🆘 Nora Haddad") })
		if !strings.Contains(card.Text, "kan jeg komme senere i morgen?") {
			t.Fatalf("the words did not arrive: %q", card.Text)
		}
	})
}

// An issue nobody acknowledges escalates once, in working hours: sent on
// Friday at 14:00, with 4 working hours inside 08:00–15:30, it escalates
// on Monday at 10:30 — not during the weekend. Acknowledging stops it.
func TestUnacknowledgedIssueEscalatesOnMondayAndOnlyOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		friday := time.Date(2026, 12, 4, 14, 0, 0, 0, oslo)
		clock := clockAt(friday)
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clock)
		const nora, kari, mona = 1121, 1122, 1123
		h.bind("kari", kari, "nb")
		h.bind("mona", mona, "nb")
		h.bind("nora", nora, "nb")
		h.fake.SendText(nora, "/problem")
		ask := h.waitEq(nora, locales.Text("nb", "issue.ask_category", nil))
		h.press(nora, ask, locales.Text("nb", "issue.cat_money", nil))
		h.wait(nora, "the content question", func(m fakeapi.Message) bool { return m.ID == ask.ID && m.Edited })
		h.fake.SendText(nora, "Husleien er ikke betalt")
		got := h.wait(nora, "got it", func(m fakeapi.Message) bool { return len(m.Inline) == 1 && m.ID != ask.ID })
		h.press(nora, got, locales.Text("nb", "issue.btn.send", nil))
		h.wait(kari, "the card", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "🆘 Nora Haddad") })
		escalated := func(m fakeapi.Message) bool {
			return strings.Contains(m.Text, locales.Text("nb", "alert.escalated", locales.Args{"Owner": "Kari Nordmann"}))
		}
		move := h.moveTo
		// Saturday, Sunday and Monday morning: nothing yet.
		for _, at := range []time.Time{time.Date(2026, 12, 5, 12, 0, 0, 0, oslo), time.Date(2026, 12, 7, 10, 29, 0, 0, oslo)} {
			move(at)
			h.settle()
			for _, m := range h.fake.Chat(mona) {
				if escalated(m) {
					t.Fatalf("escalated by %v", at)
				}
			}
		}
		move(time.Date(2026, 12, 7, 10, 30, 30, 0, oslo))
		alert := h.wait(mona, "the escalation", escalated)
		h.press(mona, alert, locales.Text("nb", "issue.btn.ack", nil))
		h.waitEq(nora, locales.Text("nb", "issue.acked_reporter", locales.Args{"Name": "Mona", "Role": locales.Text("nb", "role.adviser", nil),
			"Category": locales.Text("nb", "issue.cat_money", nil)}))
		move(time.Date(2026, 12, 9, 12, 0, 0, 0, oslo))
		h.settle()
		// Count what was sent: the alert itself became the card when
		// Mona acknowledged it.
		n := 0
		want := locales.Text("nb", "alert.escalated", locales.Args{"Owner": "Kari Nordmann"})
		for _, c := range h.fake.CallsTo("sendMessage") {
			if c.Status == 200 && strings.Contains(c.Params["text"], want) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("escalated %d times", n)
		}
	})
}

// A safety concern from the workplace is urgent: it reaches the teacher
// and the adviser at once, and escalates after 30 minutes, on a Saturday
// too.
func TestSafetyConcernEscalatesAfterThirtyMinutesOnASaturday(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		saturday := time.Date(2026, 12, 5, 10, 0, 0, 0, oslo)
		clock := clockAt(saturday)
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clock)
		const per, lars, anne = 1131, 1132, 1133
		h.bind("lars", lars, "nb")
		h.bind("anne", anne, "nb")
		h.bind("per", per, "nb")
		h.fake.SendText(per, locales.Text("nb", "menu.feedback", nil))
		pick := h.waitEq(per, locales.Text("nb", "feedback.pick", nil))
		h.press(per, pick, "Amina Yusuf")
		menu := h.wait(per, "the choices", func(m fakeapi.Message) bool { return m.ID == pick.ID && m.Edited })
		h.press(per, menu, locales.Text("nb", "feedback.btn.concern", nil))
		cats := h.wait(per, "the categories", func(m fakeapi.Message) bool { return m.ID == pick.ID && len(m.Inline) == 5 })
		h.press(per, cats, locales.Text("nb", "feedback.concern_btn_safety", nil))
		h.wait(per, "the words", func(m fakeapi.Message) bool { return m.ID == pick.ID && len(m.Inline) == 1 })
		h.fake.SendText(per, "Hun løftet en tung gryte alene og brant seg.")
		for _, who := range []int64{lars, anne} {
			card := h.wait(who, "the urgent card", func(m fakeapi.Message) bool {
				return strings.HasPrefix(m.Text, "🚨") && strings.Contains(m.Text, "Amina")
			})
			if !strings.Contains(card.Text, "brant seg") {
				t.Errorf("the words did not reach %d: %q", who, card.Text)
			}
		}
		h.settle()
		clock.set(saturday.Add(31 * time.Minute))
		h.app.Engine().Wake()
		h.wait(anne, "the escalation", func(m fakeapi.Message) bool {
			return strings.Contains(m.Text, locales.Text("nb", "alert.escalated", locales.Args{"Owner": "Lars Berg"}))
		})
	})
}
