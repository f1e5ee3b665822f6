package flows_test

import (
	"bytes"
	"testing"

	"innsjekk/examples"
	"innsjekk/flows"
	"innsjekk/roster"
)

func TestRosterChangesTellTheParticipantTheContactsAndTheMentor(t *testing.T) {
	old := exampleRoster(t)
	// Amina's teacher moves from Lars to Ola; nothing else changes.
	changed := bytes.Replace(examples.Roster, []byte("    adviser: anne\n    teacher: lars\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"),
		[]byte("    adviser: anne\n    teacher: ola\n    nav: kari\n    placement:\n      employer: strand\n      mentor: per\n      days: [tue, thu]"), 1)
	cur, err := roster.Parse("new.yaml", changed)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Participant("amina").Teacher.ID != "ola" {
		t.Fatal("the test roster did not change")
	}
	got := map[string]string{}
	for _, s := range flows.RosterChanges(old, cur, map[string]flows.Binding{"amina": {Chat: 1, Lang: "uk"}}) {
		got[s.ToPerson] = s.MsgID
		if s.ToPerson == "amina" && s.Lang != "uk" {
			t.Errorf("participant told in %s, not her chosen language", s.Lang)
		}
	}
	want := map[string]string{"amina": "roster.contact_changed", "ola": "roster.now_responsible",
		"lars": "roster.no_longer_responsible", "per": "roster.mentor_contact"}
	if len(got) != len(want) {
		t.Fatalf("told %v, want %v", got, want)
	}
	for who, id := range want {
		if got[who] != id {
			t.Errorf("%s: %q, want %q", who, got[who], id)
		}
	}
	if n := len(flows.RosterChanges(old, old, nil)); n != 0 {
		t.Fatalf("an unchanged roster told %d people", n)
	}
}
