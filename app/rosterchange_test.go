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

// B → A → B: going back is a real change and is told, though the file is
// the one imported before; and the running bot follows each import.
func TestImportingBackAndForthTellsEveryChange(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		b := exampleRoster(t, conn)
		clock := clockAt(tuesdayMorning)
		h := start(t, setup{conn: conn}, b, clock)
		const amina = 961
		h.bind("amina", amina, "ar")
		a := bytes.Replace(b, []byte("    teacher: lars\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"),
			[]byte("    teacher: ola\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"), 1)
		teacher := locales.Text("ar", "role.teacher", nil)
		toOla := locales.Text("ar", "roster.contact_changed", locales.Args{"Role": teacher, "Name": "Ola Nilsen"})
		toLars := locales.Text("ar", "roster.contact_changed", locales.Args{"Role": teacher, "Name": "Lars Berg"})
		for _, step := range []struct {
			data []byte
			want string
		}{{a, toOla}, {b, toLars}, {a, toOla}} {
			if _, err := app.Import(context.Background(), h.app.Store(), parse(t, step.data), step.data, clock.Now()); err != nil {
				t.Fatal(err)
			}
			h.settle()
		}
		if n := count(h.fake.Chat(amina), toOla); n != 2 {
			t.Errorf("told of Ola %d times, want 2 (two real changes)", n)
		}
		if n := count(h.fake.Chat(amina), toLars); n != 1 {
			t.Errorf("told of Lars %d times, want 1", n)
		}
	})
}
