package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

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
	b, err := json.Marshal(inv)
	if err != nil {
		return inv, err
	}
	if err := st.PutInvite(ctx, inv.Code, b, inv.Expires); err != nil {
		return inv, err
	}
	return inv, st.Audit(ctx, now, "cli", "invite", person)
}

// Forget erases what the bot holds about a person: what they reported
// (absences, notices, check-ins), their Telegram binding and the chat's
// conversation state (PRODUCT.md §6). The roster entry stays: it is the
// municipality's, changed by importing a new roster.
func Forget(ctx context.Context, st *store.Store, person string, now time.Time) (bool, error) {
	if err := st.ForgetFacts(ctx, person); err != nil {
		return false, err
	}
	b, ok, err := Binding(ctx, st, person)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, st.Audit(ctx, now, "cli", "forget", person)
	}
	err = st.Apply(ctx, store.Watch{People: true, Chats: []int64{b.Chat}}, func(store.Reader) (store.Effects, bool, error) {
		return store.Effects{People: map[string][]byte{person: nil}}, false, nil
	})
	if err != nil {
		return false, err
	}
	if err := st.ForgetChat(ctx, b.Chat); err != nil {
		return false, err
	}
	return true, st.Audit(ctx, now, "cli", "forget", person)
}
