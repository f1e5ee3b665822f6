package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// LoadRosterFile reads and validates a roster file.
func LoadRosterFile(path string) (*roster.Roster, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read roster: %w", err)
	}
	r, err := roster.Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return r, data, nil
}

// ErrNoProgramme means the store holds no roster to work with.
var ErrNoProgramme = errors.New("no roster imported: run 'innsjekk roster import FILE' or set INNSJEKK_ROSTER")

// ProgrammeStore finds the programme's store: the one named by the roster
// file if given, else the only programme in Redis.
func ProgrammeStore(ctx context.Context, conn *store.Conn, rosterFile string) (*store.Store, *roster.Roster, error) {
	if rosterFile != "" {
		r, _, err := LoadRosterFile(rosterFile)
		if err != nil {
			return nil, nil, err
		}
		return store.New(conn.Client, r.Programme.ID), r, nil
	}
	ids, err := store.Programmes(ctx, conn.Client)
	if err != nil {
		return nil, nil, err
	}
	switch len(ids) {
	case 0:
		return nil, nil, ErrNoProgramme
	case 1:
	default:
		return nil, nil, fmt.Errorf("several programmes in Redis (%v): set INNSJEKK_ROSTER to choose", ids)
	}
	st := store.New(conn.Client, ids[0])
	data, err := st.Roster(ctx)
	if err != nil {
		return nil, nil, err
	}
	if data == nil {
		return nil, nil, ErrNoProgramme
	}
	r, err := roster.Parse("stored roster", data)
	if err != nil {
		return nil, nil, err
	}
	return st, r, nil
}

// Import stores a validated roster, replacing the previous one. Bindings
// and reports of people who remain are kept; people who left lose their
// binding, so a removed person's chat learns nothing more from the roster,
// and what they reported is erased (PRODUCT.md §6: keep only what is
// needed).
//
// People whose adviser, teacher, Nav counsellor or mentor changed are told
// through the outbox (PRODUCT.md §4); the running bot sends it.
func Import(ctx context.Context, st *store.Store, r *roster.Roster, data []byte, now time.Time) (removed []string, err error) {
	var prev *roster.Roster
	if old, err := st.Roster(ctx); err == nil && old != nil {
		if p, err := roster.Parse("stored roster", old); err == nil {
			prev = p
		}
	}
	if prev != nil {
		for _, p := range prev.Participants {
			if r.Participant(p.ID) == nil {
				if err := st.DropRecord(ctx, string(flows.PersonKey(p.ID))); err != nil {
					return nil, err
				}
			}
		}
	}
	people, err := st.People(ctx)
	if err != nil {
		return nil, err
	}
	drop := map[string][]byte{}
	for id := range people {
		if p, _ := r.Person(id); p == nil {
			drop[id] = nil
			removed = append(removed, id)
		}
	}
	if len(drop) > 0 {
		err = st.Apply(ctx, store.Watch{People: true}, func(store.Reader) (store.Effects, bool, error) {
			return store.Effects{People: drop}, false, nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := st.SaveRoster(ctx, r.Programme.ID, data); err != nil {
		return removed, err
	}
	if prev != nil {
		if err := tellRosterChanges(ctx, st, prev, r, data, now); err != nil {
			return removed, fmt.Errorf("tell contact changes: %w", err)
		}
	}
	return removed, nil
}

// tellRosterChanges queues the messages about changed contact people.
// Their keys derive from the roster's content, so importing the same file
// twice tells nobody twice.
func tellRosterChanges(ctx context.Context, st *store.Store, prev, r *roster.Roster, data []byte, now time.Time) error {
	raw, err := st.People(ctx)
	if err != nil {
		return err
	}
	people := map[string]flows.Binding{}
	for id, v := range raw {
		if b, err := codec.DecodeBinding([]byte(v)); err == nil {
			people[id] = b
		}
	}
	cal := schedule.New(r.Programme)
	var notBefore int64
	if cal.InQuiet(now) {
		notBefore = cal.QuietEnd(now).UnixMilli()
	}
	sum := sha256.Sum256(data)
	var out []store.Outgoing
	for i, say := range flows.RosterChanges(prev, r, people) {
		b, ok := people[say.ToPerson]
		if !ok || b.Chat == 0 {
			continue // not on Telegram yet
		}
		say.To = b.Chat
		payload, err := codec.EncodeSay(say)
		if err != nil {
			return err
		}
		out = append(out, store.Outgoing{Key: fmt.Sprintf("r%x.%04d", sum[:6], i), Chat: b.Chat, Class: say.Class,
			NotBefore: notBefore, Payload: payload})
	}
	if len(out) == 0 {
		return nil
	}
	return st.Enqueue(ctx, now, out...)
}

// Binding returns a person's binding, if they have one.
func Binding(ctx context.Context, st *store.Store, person string) (flows.Binding, bool, error) {
	people, err := st.People(ctx)
	if err != nil {
		return flows.Binding{}, false, err
	}
	v, ok := people[person]
	if !ok {
		return flows.Binding{}, false, nil
	}
	b, err := codec.DecodeBinding([]byte(v))
	return b, err == nil, err
}
