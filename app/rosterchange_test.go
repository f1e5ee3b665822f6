package app_test

import (
	"bytes"
	"context"
	"testing"

	"innsjekk/app"
	"innsjekk/locales"
	"innsjekk/store"
)

// "innsjekk roster import" while the bot runs: the participant and her
// workplace hear who the new contact person is.
func TestImportTellsChangedContacts(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		data := exampleRoster(t, conn)
		clock := clockAt(tuesdayMorning)
		h := start(t, setup{conn: conn}, data, clock)
		const amina, per, ola = 951, 952, 953
		h.bind("amina", amina, "ar")
		h.bind("per", per, "nb")
		h.bind("ola", ola, "nb")
		changed := bytes.Replace(data, []byte("    teacher: lars\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"),
			[]byte("    teacher: ola\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"), 1)
		r := parse(t, changed)
		for range 2 { // importing the same file twice tells nobody twice
			if _, err := app.Import(context.Background(), h.app.Store(), r, changed, clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		teacherAr := locales.Text("ar", "role.teacher", nil)
		h.waitEq(amina, locales.Text("ar", "roster.contact_changed", locales.Args{"Role": teacherAr, "Name": "Ola Nilsen"}))
		h.waitEq(per, locales.Text("nb", "roster.mentor_contact", locales.Args{"Name": "Amina Yusuf", "Contact": "Ola Nilsen",
			"Role": locales.Text("nb", "role.teacher", nil)}))
		h.waitEq(ola, locales.Text("nb", "roster.now_responsible", locales.Args{"Name": "Amina Yusuf",
			"Role": locales.Text("nb", "role.teacher", nil)}))
		h.settle()
		if n := count(h.fake.Chat(per), locales.Text("nb", "roster.mentor_contact", locales.Args{"Name": "Amina Yusuf", "Contact": "Ola Nilsen",
			"Role": locales.Text("nb", "role.teacher", nil)})); n != 1 {
			t.Fatalf("mentor told %d times", n)
		}
	})
}
