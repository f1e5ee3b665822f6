package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"innsjekk/codec"
	"innsjekk/engine"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// LoadRosterFile reads and validates a roster file.
func LoadRosterFile(path string) (*roster.Roster, []byte, error) {
	data, err := ReadLimited(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := roster.Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return r, data, nil
}

// ReadLimited reads a roster file, but no more of it than the parser
// accepts (and one byte to tell it is too big): a huge file is refused,
// not read into memory whole.
func ReadLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, roster.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	return data, nil
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

// Import stores a validated roster, replacing the previous one, in one
// transaction with everything that follows from it: people who left lose
// their binding and are erased (docs/privacy.md: keep only what is needed),
// and people whose adviser, teacher, Nav counsellor or mentor changed are
// told through the outbox (docs/roster.md), which the running bot sends.
// Bindings and reports of people who remain are kept. A crash cannot
// store the roster without its notices, or the notices without it.
func Import(ctx context.Context, st *store.Store, r *roster.Roster, data []byte, now time.Time) (removed []string, err error) {
	var erasures []store.Erasure
	var prev *roster.Roster
	err = st.Apply(ctx, store.Watch{People: true}, func(rd store.Reader) (store.Effects, bool, error) {
		removed, erasures, prev = nil, nil, nil
		old, seq, err := rd.Roster()
		if err != nil {
			return store.Effects{}, false, err
		}
		if old != nil {
			if p, err := roster.Parse("stored roster", old); err == nil {
				prev = p
			}
		}
		raw, err := rd.AllBindings()
		if err != nil {
			return store.Effects{}, false, err
		}
		people := map[string]flows.Binding{}
		for id, v := range raw {
			if b, err := codec.DecodeBinding([]byte(v)); err == nil {
				people[id] = b
			}
		}
		eff := store.Effects{Now: now, Roster: data, RosterSeq: seq + 1}
		gone := map[string]bool{}
		if prev != nil {
			for _, id := range engine.EveryoneBut(prev, "") {
				if p, _ := r.Person(id); p == nil {
					gone[id] = true
				}
			}
		}
		for id := range people {
			if p, _ := r.Person(id); p == nil {
				gone[id] = true
			}
		}
		for id := range gone {
			er := store.Erasure{Person: id}
			if b, ok := people[id]; ok {
				removed = append(removed, id)
				if eff.People == nil {
					eff.People = map[string][]byte{}
				}
				eff.People[id] = nil
				if b.Chat != 0 {
					er.Chat = b.Chat
					eff.ForgetChats = append(eff.ForgetChats, b.Chat)
				}
			}
			erasures = append(erasures, er)
		}
		eff.Erase = erasures
		if prev != nil {
			if eff.Outbox, err = rosterNotices(prev, r, people, seq+1, now); err != nil {
				return eff, false, err
			}
		}
		return eff, false, nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(removed)
	if err := st.Register(ctx, r.Programme.ID); err != nil {
		return removed, err
	}
	// What else names the people who left is swept now; a sweep cut short
	// is finished by the running bot's housekeeping.
	everyone := engine.EveryoneBut(r, "")
	if prev != nil {
		everyone = append(everyone, engine.EveryoneBut(prev, "")...)
	}
	for _, er := range erasures {
		if err := st.Erase(ctx, er, everyone); err != nil {
			return removed, fmt.Errorf("erase %s: %w", er.Person, err)
		}
	}
	return removed, nil
}

// rosterNotices builds the messages about changed contact people. Each
// key is the import's sequence number and a hash of the notice itself:
// every real change is told once, and a later import that changes the
// same thing back and forth again is a new change, told again.
func rosterNotices(prev, r *roster.Roster, people map[string]flows.Binding, seq int64, now time.Time) ([]store.Outgoing, error) {
	cal := schedule.New(r.Programme)
	var notBefore int64
	if cal.InQuiet(now) {
		notBefore = cal.QuietEnd(now).UnixMilli()
	}
	var out []store.Outgoing
	for _, say := range flows.RosterChanges(prev, r, people) {
		b, ok := people[say.ToPerson]
		if !ok || b.Chat == 0 {
			continue // not on Telegram yet
		}
		say.To = b.Chat
		payload, err := codec.EncodeSay(say)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(say.ToPerson + "\x00" + say.MsgID + "\x00" + say.Text))
		out = append(out, store.Outgoing{Key: fmt.Sprintf("r%08d.%x", seq, sum[:6]), Chat: b.Chat, Class: say.Class,
			NotBefore: notBefore, Payload: payload})
	}
	return out, nil
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
