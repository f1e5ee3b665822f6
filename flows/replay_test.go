package flows_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
)

// Every button is decided once and only by the person it was for: after
// each transcript, every press it made is made again — by the same person
// (a double tap, or a press that arrives out of order after the state
// moved on) and from the chat of everyone else on Telegram (a forged or
// shared button). None of them may change a record, tell anyone anything
// or touch a job; the presser may only be answered. Language buttons are
// anyone's to press for themselves; admins may act on anything, so they
// are not among the others.
func TestEveryPressTakesEffectOnce(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatal("no transcripts", err)
	}
	replays := 0
	flowsSeen := map[string]bool{}
	for _, f := range files {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(f, "testdata/"), ".txt"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, w := runTranscript(t, string(src))
			for _, p := range w.pressed {
				replays++
				if msg := w.sideEffects(p.chat, p.who, w.run(p.chat, p.ev)); msg != "" {
					t.Errorf("%s pressed %q again: %s", p.who, p.ev.Data, msg)
				}
				pl, _ := flows.ParsePayload(p.ev.Data)
				flowsSeen[pl.Flow] = true
				if pl.Flow == "lang" || pl.Flow == "start" {
					continue
				}
				for _, other := range w.boundPeople() {
					if other == p.who || w.isAdmin(other) {
						continue
					}
					chat := w.chatOf[other]
					ev := p.ev
					ev.MessageID = w.lastMessage(chat)
					if msg := w.sideEffects(chat, other, w.run(chat, ev)); msg != "" {
						t.Errorf("%s pressed %s's %q: %s", other, p.who, p.ev.Data, msg)
					}
				}
			}
		})
	}
	t.Logf("%d presses replayed", replays)
	// Every flow that puts buttons in front of people is replayed.
	for _, code := range []string{"abs", "ci", "dg", "fb", "fg", "gl", "is", "lang", "mt", "start"} {
		if !flowsSeen[code] {
			t.Errorf("no transcript presses a %q button", code)
		}
	}
}

func (w *world) boundPeople() []string {
	var out []string
	for id := range w.people {
		out = append(out, id)
	}
	return out
}

func (w *world) isAdmin(id string) bool {
	st := w.r.StaffMember(id)
	return st != nil && st.Has(roster.RoleAdmin)
}

// sideEffects describes what a step did beyond answering the presser in
// their own chat, or "" when it did nothing else.
func (w *world) sideEffects(chat int64, who string, res flows.Result) string {
	var out []string
	for _, a := range res.Actions {
		switch a := a.(type) {
		case flows.Answer:
		case flows.Say:
			if (a.To != 0 && a.To != chat) || (a.To == 0 && a.ToPerson != who) {
				out = append(out, fmt.Sprintf("told %s%s %s", a.ToPerson, toChat(a.To), a.MsgID))
			}
		case flows.SetBinding:
			if raw, ok := w.people[a.Person]; ok {
				if b, err := codec.DecodeBinding(raw); err == nil && b == a.Binding {
					continue // what it was already
				}
			}
			out = append(out, "changed the binding of "+a.Person)
		case flows.SetCommands, flows.Count:
		default:
			out = append(out, fmt.Sprintf("%T %+v", a, a))
		}
	}
	return strings.Join(out, "; ")
}

func toChat(c int64) string {
	if c == 0 {
		return ""
	}
	return fmt.Sprint(c)
}
