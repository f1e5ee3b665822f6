package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"innsjekk/flows"
	"innsjekk/roster"
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
func Import(ctx context.Context, st *store.Store, r *roster.Roster, data []byte) (removed []string, err error) {
	if old, err := st.Roster(ctx); err == nil && old != nil {
		if prev, err := roster.Parse("stored roster", old); err == nil {
			for _, p := range prev.Participants {
				if r.Participant(p.ID) == nil {
					if err := st.ForgetFacts(ctx, p.ID); err != nil {
						return nil, err
					}
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
	return removed, st.SaveRoster(ctx, r.Programme.ID, data)
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
	var b flows.Binding
	err = json.Unmarshal([]byte(v), &b)
	return b, err == nil, err
}
