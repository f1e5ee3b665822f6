package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"innsjekk/codec"
	"innsjekk/engine"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/store"
)

// DefaultInviteTTL is how long an invite code stays valid.
const DefaultInviteTTL = 14 * 24 * time.Hour

// NewInvite makes a single-use invite code for person. Codes carry 96
// random bits and use only the characters Telegram allows in a deep link.
func NewInvite(ctx context.Context, st *store.Store, r *roster.Roster, person string, now time.Time, ttl time.Duration) (flows.Invite, error) {
	if p, _ := r.Person(person); p == nil {
		return flows.Invite{}, fmt.Errorf("no person %q in the roster", person)
	}
	buf := make([]byte, 12)
	if _, err := rand.Read(buf); err != nil {
		return flows.Invite{}, err
	}
	inv := flows.Invite{Code: base64.RawURLEncoding.EncodeToString(buf), Person: person, Expires: now.Add(ttl)}
	b, err := codec.EncodeInvite(inv)
	if err != nil {
		return inv, err
	}
	if err := st.PutInvite(ctx, person, inv.Code, b, inv.Expires); err != nil {
		return inv, err
	}
	return inv, st.Audit(ctx, now, "cli", "invite", person)
}

// Forget erases what the bot holds about a person, in one transaction:
// what they reported (absences, notices, check-ins, meetings, also in the
// counsellors' calendars), their Telegram binding and the chat's
// conversation state (docs/privacy.md). The roster entry stays: it is the
// municipality's, changed by importing a new roster. It reports whether
// the person was on Telegram.
func Forget(ctx context.Context, st *store.Store, r *roster.Roster, person string, now time.Time) (bool, error) {
	bound := false
	var erasure store.Erasure
	err := st.Apply(ctx, store.Watch{People: true}, func(r store.Reader) (store.Effects, bool, error) {
		erasure = store.Erasure{Person: person}
		eff := store.Effects{Now: now, People: map[string][]byte{person: nil},
			Audit: []store.AuditEntry{{Actor: "cli", Action: "forget", Subject: person}}}
		bs, err := r.Bindings([]string{person})
		if err != nil {
			return eff, false, err
		}
		bound = false
		if raw, ok := bs[person]; ok {
			if b, err := codec.DecodeBinding([]byte(raw)); err == nil && b.Chat != 0 {
				bound = true
				eff.ForgetChats = []int64{b.Chat}
				erasure.Chat = b.Chat
			}
		}
		eff.Erase = []store.Erasure{erasure}
		recs, err := r.Records([]string{string(flows.PersonKey(person))})
		if err != nil {
			return eff, false, err
		}
		rec, _ := codec.DecodeRecord(recs[string(flows.PersonKey(person))])
		for _, m := range flows.Meetings(rec) {
			cal := string(flows.CalendarKey(m.Counsellor))
			if eff.Records == nil {
				eff.Records = map[string]map[string][]byte{}
			}
			if eff.Records[cal] == nil {
				eff.Records[cal] = map[string][]byte{}
			}
			eff.Records[cal][flows.CalendarEntryField(person, m.ID)] = nil
		}
		return eff, false, nil
	})
	if err != nil {
		return bound, err
	}
	return bound, st.Erase(ctx, erasure, engine.EveryoneBut(r, person))
}
