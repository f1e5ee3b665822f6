package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"innsjekk/app"
	"innsjekk/bot/fakeapi"
	"innsjekk/codec"
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
		h.waitErased() // the sweep runs right after the commit that says goodbye
		if f, _ := h.app.Store().Record(context.Background(), "facts:sarah"); len(f) != 0 {
			t.Fatalf("facts left: %v", f)
		}
		h.fake.SendText(sarah, "/week")
		h.wait(sarah, "the stranger's intro", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, locales.Text("en", "unknown.intro", nil))
		})
	})
}

// After an erasure nothing in the programme's keyspace names the person
// or their chat: not their record, issue, inbox entries, meeting in the
// counsellor's calendar, jobs, invites, calendar feed, counters or audit
// entries. Only the roster, the municipality's own list, still has them.
func TestErasureLeavesNothingThatNamesThePerson(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		ctx := context.Background()
		st := h.app.Store()
		const sarah, anne = 987654321, 902
		h.bind("anne", anne, "nb")
		h.bind("sarah", sarah, "en")
		// Something of everything: a sick notice (with its jobs), an issue
		// in the adviser's inbox, a meeting in her calendar, an invite and
		// a calendar feed.
		h.fake.SendText(sarah, "/sick")
		ask := h.waitEq(sarah, locales.Text("en", "absence.ask_days", nil))
		h.press(sarah, ask, locales.Text("en", "absence.btn.today", nil))
		confirm := h.wait(sarah, "confirmation", func(m fakeapi.Message) bool { return m.ID == ask.ID && m.Text != ask.Text })
		h.press(sarah, confirm, locales.Text("en", "absence.btn.send", nil))
		h.wait(sarah, "receipt", func(m fakeapi.Message) bool { return strings.HasPrefix(m.Text, "✅") && m.ID == ask.ID })
		h.fake.SendText(sarah, "My pay has not come this month and I do not know whom to ask")
		offer := h.waitEq(sarah, locales.Text("en", "issue.offer", nil))
		h.press(sarah, offer, locales.Text("en", "issue.cat_money", nil))
		h.settle()
		h.fake.SendText(anne, "/meeting sarah 4.12 10:00 force Tolken er bare ledig da")
		h.wait(anne, "booked", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, "⚠️") && strings.Contains(m.Text, "04.12")
		})
		if _, err := app.NewInvite(ctx, st, h.app.Roster, "sarah", time.Now(), time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := st.FeedToken(ctx, "participant:sarah", "feedtoken-sarah-0123456789", false); err != nil {
			t.Fatal(err)
		}
		if rec, _ := st.Record(ctx, "facts:sarah"); len(rec) < 3 {
			t.Fatalf("too little stored to erase: %v", rec)
		}
		issues, _ := conn.Client.Keys(ctx, "innsjekk:{"+h.app.Roster.Programme.ID+"}:issue:*").Result()
		if len(issues) == 0 {
			t.Fatal("no issue stored to erase")
		}
		h.fake.SendText(sarah, "/forgetme")
		q := h.waitEq(sarah, locales.Text("en", "forgetme.ask", locales.Args{"Name": "Anne Hansen"}))
		h.press(sarah, q, locales.Text("en", "forgetme.btn.yes", nil))
		req := h.waitEq(anne, locales.Text("nb", "forgetme.adviser", locales.Args{"Name": "Sarah Mensah"}))
		h.press(anne, req, locales.Text("nb", "forgetme.btn.delete", nil))
		h.waitEq(sarah, locales.Text("en", "forgetme.done", nil))
		h.settle()
		deadline := time.Now().Add(15 * time.Second)
		for {
			pending, err := st.PendingErasures(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) == 0 {
				break
			}
			if time.Now().After(deadline) {
				iter := conn.Client.Scan(ctx, 0, "*out:*", 1000).Iterator()
				for iter.Next(ctx) {
					if strings.Contains(iter.Val(), h.app.Roster.Programme.ID) {
						t.Logf("%s %s", iter.Val(), shorten(dumpKey(ctx, t, conn, iter.Val())))
					}
				}
				t.Fatalf("erasure still pending: %+v", pending)
			}
			time.Sleep(100 * time.Millisecond)
		}
		prefix := "innsjekk:{" + h.app.Roster.Programme.ID + "}:"
		iter := conn.Client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			key := iter.Val()
			if key == prefix+"roster" {
				continue
			}
			dump := key + " " + dumpKey(ctx, t, conn, key)
			for _, needle := range []string{"sarah", "Sarah", "Mensah", "987654321", "feedtoken-sarah"} {
				if strings.Contains(dump, needle) {
					t.Errorf("%q is still in %s", needle, shorten(dump))
				}
			}
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// dumpKey renders a key's whole value, whatever its type.
func dumpKey(ctx context.Context, t *testing.T, conn *store.Conn, key string) string {
	c := conn.Client
	typ, err := c.Type(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	var v any
	switch typ {
	case "string":
		v, err = c.Get(ctx, key).Result()
		if s, ok := v.(string); ok && strings.HasSuffix(key, ":history") {
			// Compressed: what it holds, not its bytes, must not name them.
			if h, herr := codec.DecodeHistory([]byte(s)); herr == nil {
				v = h
			}
		}
	case "hash":
		v, err = c.HGetAll(ctx, key).Result()
	case "zset":
		v, err = c.ZRangeWithScores(ctx, key, 0, -1).Result()
	case "set":
		v, err = c.SMembers(ctx, key).Result()
	case "list":
		v, err = c.LRange(ctx, key, 0, -1).Result()
	case "stream":
		v, err = c.XRange(ctx, key, "-", "+").Result()
	default:
		return typ
	}
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(v)
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
