package app_test

import (
	"context"
	"strings"
	"testing"

	"innsjekk/bot/fakeapi"
	"innsjekk/locales"
	"innsjekk/store"
)

// /forgetme → the adviser confirms → the participant's reports, binding
// and chat state are gone, and their chat is a stranger's again.
func TestForgetMeErasesAfterTheAdviserConfirms(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const sarah, anne = 901, 902
		h.bind("anne", anne, "nb")
		h.bind("sarah", sarah, "en")
		h.fake.SendText(sarah, "/checkin") // something to erase: no placement today, so report sick
		h.fake.SendText(sarah, "/sick")
		ask := h.waitEq(sarah, locales.Text("en", "absence.ask_days", nil))
		h.press(sarah, ask, locales.Text("en", "absence.btn.today", nil))
		confirm := h.wait(sarah, "confirmation", func(m fakeapi.Message) bool { return m.ID == ask.ID && m.Text != ask.Text })
		h.press(sarah, confirm, locales.Text("en", "absence.btn.send", nil))
		h.wait(sarah, "receipt", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "✅") && m.ID == ask.ID })
		if f, _ := h.app.Store().Record(context.Background(), "facts:sarah"); len(f) == 0 {
			t.Fatal("nothing stored to erase")
		}
		h.fake.SendText(sarah, "/forgetme")
		q := h.waitEq(sarah, locales.Text("en", "forgetme.ask", locales.Args{"Name": "Anne Hansen"}))
		h.press(sarah, q, locales.Text("en", "forgetme.btn.yes", nil))
		req := h.waitEq(anne, locales.Text("nb", "forgetme.adviser", locales.Args{"Name": "Sarah Mensah"}))
		h.press(anne, req, locales.Text("nb", "forgetme.btn.delete", nil))
		h.waitEq(sarah, locales.Text("en", "forgetme.done", nil))
		h.settle()
		if f, _ := h.app.Store().Record(context.Background(), "facts:sarah"); len(f) != 0 {
			t.Fatalf("facts left: %v", f)
		}
		h.fake.SendText(sarah, "/week")
		h.wait(sarah, "the stranger's intro", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, locales.Text("en", "unknown.intro", nil))
		})
	})
}
