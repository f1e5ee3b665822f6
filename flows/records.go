package flows

import (
	"reflect"
	"slices"
	"strings"
)

// Key names one stored record: a hash of typed fields about one subject.
// Each kind has one constructor here. A record shared between people (a
// counsellor's calendar, an issue) has a key of its own, so that a step
// acting on it watches exactly it.
type Key string

// PersonKey is what one person reported and what was recorded about them:
// absences, notices, check-ins, meetings, feedback.
func PersonKey(person string) Key { return Key("facts:" + person) }

// CalendarKey is a staff member's own meetings, so that a counsellor is
// never booked twice at once.
func CalendarKey(staff string) Key { return Key("cal:" + staff) }

// Kind is the record kind ("facts", "cal", …).
func (k Key) Kind() string { kind, _, _ := strings.Cut(string(k), ":"); return kind }

// Subject is the id the record is about.
func (k Key) Subject() string { _, id, _ := strings.Cut(string(k), ":"); return id }

// Record is a record's fields, each decoded into its registered type.
type Record map[string]any

// Put writes one field of a record; a nil Value deletes the field.
type Put struct {
	Key   Key
	Field string
	Value any
}

func (Put) action() {}

// fieldType is a kind of stored field: its name prefix ("a" for "a:2026-12-01")
// and the Go type its JSON decodes into.
type fieldType struct {
	prefix  string
	typ     reflect.Type
	version int
}

var fieldTypes = map[string]fieldType{}

// field registers the type stored under a field prefix. A field's JSON
// carries its version; a later release that changes the shape raises it
// and keeps reading the old one (codec).
func field[T any](prefix string, version int) string {
	if _, dup := fieldTypes[prefix]; dup {
		panic("flows: field prefix registered twice: " + prefix)
	}
	fieldTypes[prefix] = fieldType{prefix: prefix, typ: reflect.TypeFor[T](), version: version}
	return prefix
}

// FieldType returns the type and version of values stored in field, or
// false for a field this release does not know.
func FieldType(field string) (reflect.Type, int, bool) {
	prefix, _, _ := strings.Cut(field, ":")
	ft, ok := fieldTypes[prefix]
	return ft.typ, ft.version, ok
}

// FieldVersion is the version a value of v's type is stored with.
func FieldVersion(v any) int {
	t := reflect.TypeOf(v)
	for _, ft := range fieldTypes {
		if ft.typ == t {
			return ft.version
		}
	}
	return 1
}

// get returns the value of field in r, if it holds a T.
func get[T any](r Record, field string) (T, bool) {
	v, ok := r[field].(T)
	return v, ok
}

// all returns r's values under prefix, in field order.
func all[T any](r Record, prefix string) []T {
	var fields []string
	for f := range r {
		if strings.HasPrefix(f, prefix+":") {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	out := make([]T, 0, len(fields))
	for _, f := range fields {
		if v, ok := r[f].(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// Needs lists what a step reads: bindings and records. The engine loads
// exactly these, watched, so the cost of an update follows what its flow
// touches, not the size of the roster.
type Needs struct {
	People    []string
	AllPeople bool // every binding (onboarding only)
	Records   []Key
	Invite    string
	// Then, when set, adds what the loaded records point to: a button
	// names an issue, and the issue names its participant. The engine
	// reads both rounds in one transaction.
	Then func(loaded map[Key]Record) Needs
}

// then adds a second round of needs, after any a flow added before.
func (n *Needs) then(f func(map[Key]Record) Needs) {
	prev := n.Then
	if prev == nil {
		n.Then = f
		return
	}
	n.Then = func(l map[Key]Record) Needs {
		a := prev(l)
		a.merge(f(l))
		return a
	}
}

// merge adds m's bindings and records to n.
func (n *Needs) merge(m Needs) {
	n.person(m.People...)
	n.record(m.Records...)
	n.AllPeople = n.AllPeople || m.AllPeople
	if n.Invite == "" {
		n.Invite = m.Invite
	}
}

func (n *Needs) person(ids ...string) {
	for _, id := range ids {
		if id != "" && !slices.Contains(n.People, id) {
			n.People = append(n.People, id)
		}
	}
}

func (n *Needs) record(keys ...Key) {
	for _, k := range keys {
		if k != "" && !slices.Contains(n.Records, k) {
			n.Records = append(n.Records, k)
		}
	}
}
