// Package codec is the one place that knows every shape Innsjekk keeps in
// Redis — chat state, bindings, invites, record fields, scheduled jobs and
// their timers, outbox entries and the messages in them — and how each is
// written and read back. Every value carries a version ("v"); a value
// written before versions existed reads as version 1, so a release reads
// what the previous one left behind (testdata/ holds such values, and a
// test loads them).
package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"innsjekk/flows"
)

// Versions this release writes.
const (
	bindingVersion  = 1
	inviteVersion   = 1
	jobVersion      = 1
	outgoingVersion = 1
	sayVersion      = 1
)

// versioned prefixes a JSON object with its version.
func versioned(v int, b []byte) []byte {
	if len(b) < 2 || b[0] != '{' {
		return b
	}
	head := `{"v":` + strconv.Itoa(v)
	if string(b) == "{}" {
		return []byte(head + "}")
	}
	return append([]byte(head+","), b[1:]...)
}

// versionOf reads a value's version; a value without one is version 1.
func versionOf(b []byte) int {
	var h struct {
		V int `json:"v"`
	}
	if json.Unmarshal(b, &h) != nil || h.V == 0 {
		return 1
	}
	return h.V
}

func encode(v int, x any) ([]byte, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return versioned(v, b), nil
}

// ErrTooNew is a value written by a later release than this one.
var ErrTooNew = errors.New("written by a newer release")

func decode(b []byte, max int, into any) error {
	if v := versionOf(b); v > max {
		return fmt.Errorf("version %d: %w", v, ErrTooNew)
	}
	return json.Unmarshal(b, into)
}

// chatV1 is the chat state before conversations: one phase and one
// absence draft.
type chatV1 struct {
	Person  string              `json:"person"`
	Phase   flows.Phase         `json:"phase"`
	Absence *flows.AbsenceDraft `json:"absence"`
}

// legacyDraftLife is how long a draft carried over from version 1 stays
// open: it had no expiry of its own.
const legacyDraftLife = 2 * time.Hour

// EncodeChat writes a chat's state.
func EncodeChat(c flows.Chat) ([]byte, error) {
	c.V = flows.ChatVersion
	return json.Marshal(c)
}

// DecodeChat reads a chat's state. A version 1 state becomes version 2:
// its absence draft an open conversation that expires legacyDraftLife
// after now.
func DecodeChat(b []byte, now time.Time) (flows.Chat, error) {
	switch v := versionOf(b); {
	case v == 1:
		var old chatV1
		if err := json.Unmarshal(b, &old); err != nil {
			return flows.Chat{}, err
		}
		c := flows.Chat{V: flows.ChatVersion, Person: old.Person}
		if old.Absence != nil && old.Phase != "" {
			d, _ := json.Marshal(old.Absence)
			c.Open = []flows.Conversation{{Flow: "absence", Phase: old.Phase, Draft: d, Expires: now.Add(legacyDraftLife)}}
		}
		return c, nil
	case v > flows.ChatVersion:
		return flows.Chat{}, fmt.Errorf("chat version %d: %w", v, ErrTooNew)
	}
	var c flows.Chat
	err := json.Unmarshal(b, &c)
	return c, err
}

// EncodeBinding writes a person's binding.
func EncodeBinding(b flows.Binding) ([]byte, error) { return encode(bindingVersion, b) }

// DecodeBinding reads a person's binding.
func DecodeBinding(b []byte) (flows.Binding, error) {
	var x flows.Binding
	err := decode(b, bindingVersion, &x)
	return x, err
}

// EncodeInvite writes an invite.
func EncodeInvite(i flows.Invite) ([]byte, error) { return encode(inviteVersion, i) }

// DecodeInvite reads an invite.
func DecodeInvite(b []byte) (flows.Invite, error) {
	var x flows.Invite
	err := decode(b, inviteVersion, &x)
	return x, err
}

// EncodeField writes one field of a record.
func EncodeField(field string, v any) ([]byte, error) {
	t, ver, ok := flows.FieldType(field)
	if !ok {
		return nil, fmt.Errorf("field %q: no type registered", field)
	}
	if reflect.TypeOf(v) != t {
		return nil, fmt.Errorf("field %q holds %T, want %v", field, v, t)
	}
	return encode(ver, v)
}

// DecodeField reads one field of a record into its registered type.
func DecodeField(field string, b []byte) (any, error) {
	t, ver, ok := flows.FieldType(field)
	if !ok {
		return nil, fmt.Errorf("field %q: unknown", field)
	}
	p := reflect.New(t)
	if err := decode(b, ver, p.Interface()); err != nil {
		return nil, fmt.Errorf("field %q: %w", field, err)
	}
	return p.Elem().Interface(), nil
}

// DecodeRecord reads a record's fields. Fields it cannot read (unknown,
// or from a newer release) are left out and reported, so one bad value
// does not hide the rest.
//
// A record's history (HistoryField) is expanded under its live fields.
func DecodeRecord(fields map[string]string) (flows.Record, []error) {
	r := make(flows.Record, len(fields))
	var errs []error
	if h, ok := fields[HistoryField]; ok {
		d, err := decodeHistoryCached(h)
		if err != nil {
			errs = append(errs, err)
		} else {
			for f, x := range d.fields {
				r[f] = x
			}
			errs = append(errs, d.errs...)
		}
	}
	for f, v := range fields {
		if f == HistoryField {
			continue
		}
		x, err := DecodeField(f, []byte(v))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r[f] = x
	}
	return r, errs
}
