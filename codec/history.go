package codec

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"innsjekk/flows"
)

// A person's record grows by some 250 fields a year — check-ins, absences,
// notices, weekly feedback, goal ratings — and each field, stored as its
// own hash entry, costs Redis its JSON and some 60 bytes of its own. What
// is older than a few weeks is read (the self-certification rules look a
// year back, /mydata shows it all) but hardly ever written, so it is
// folded into one field, HistoryField: the old fields' values, their
// times cut to the second, compressed together. Reading a record expands the history under
// its live fields, so the flows see the same record either way; a step
// that writes a folded field takes it out of the history (engine), and
// the nightly housekeeping folds what has aged (Tidy).

// HistoryField is the field of a record that holds its folded fields.
const HistoryField = "history"

// historyVersion is the format of a history: its first byte.
const historyVersion = 1

// A history is stored in columns: the folded fields grouped by kind (the
// prefix before the colon), and for each kind the fields' names and one
// column per JSON key, with null where a value has no such key. Values of
// one kind sit together — dates after dates, ratings after ratings — and
// compress to a third less than the same values one after another; a
// column that is one value throughout, the field names again, or times,
// takes less again (column). A null in a value reads as the key left out,
// which is how encoding/json reads it too; anything that is not a JSON
// object is kept as it was.
type historyDoc struct {
	Kinds map[string]historyKind     `json:"kinds"`
	Other map[string]json.RawMessage `json:"other,omitempty"`
}

type historyKind struct {
	Fields []string          `json:"fields"`
	Keys   map[string]column `json:"keys"`
}

// column is one key's values down a kind's fields, in exactly one of four
// forms: every value as it was (Raw); one value for all (All); each the
// field's name after its kind (Name: a check-in's date, a feedback's
// week); or, when every value is a time in whole seconds, each time's
// seconds since the one before (the first since 1970) and its UTC offset
// in minutes (Times, Zones). A form is used only where it gives back the
// very bytes it was given.
type column struct {
	Raw   []json.RawMessage `json:"raw,omitempty"`
	All   json.RawMessage   `json:"all,omitempty"`
	Name  bool              `json:"name,omitempty"`
	Times []int64           `json:"t,omitempty"`
	Zones []int             `json:"z,omitempty"`
}

// nameOf is a field's name after its kind: "2026-12-01" of "c:2026-12-01".
func nameOf(field string) string { _, n, _ := strings.Cut(field, ":"); return n }

func newColumn(fields []string, vals []json.RawMessage) column {
	same, names, times := true, true, true
	ts := make([]int64, len(vals))
	zs := make([]int, len(vals))
	var prev int64
	for i, v := range vals {
		same = same && bytes.Equal(v, vals[0])
		if names {
			n, _ := json.Marshal(nameOf(fields[i]))
			names = bytes.Equal(v, n)
		}
		if times {
			var t time.Time
			var back []byte
			err := json.Unmarshal(v, &t)
			if err == nil && t.Nanosecond() == 0 {
				back, err = json.Marshal(t)
			}
			_, off := t.Zone()
			if times = err == nil && bytes.Equal(back, v) && off%60 == 0; times {
				ts[i], zs[i], prev = t.Unix()-prev, off/60, t.Unix()
			}
		}
	}
	switch {
	case same:
		return column{All: vals[0]}
	case names:
		return column{Name: true}
	case times:
		return column{Times: ts, Zones: zs}
	}
	return column{Raw: vals}
}

// values gives the column's values back, one for each of fields.
func (c column) values(fields []string) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(fields))
	switch {
	case c.All != nil:
		for i := range out {
			out[i] = c.All
		}
	case c.Name:
		for i, f := range fields {
			out[i], _ = json.Marshal(nameOf(f))
		}
	case c.Times != nil:
		if len(c.Times) != len(fields) || len(c.Zones) != len(fields) {
			return nil, errors.New("times column of the wrong length")
		}
		var at int64
		for i := range out {
			at += c.Times[i]
			t := time.Unix(at, 0).In(time.FixedZone("", c.Zones[i]*60))
			b, err := json.Marshal(t)
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
	default:
		if len(c.Raw) != len(fields) {
			return nil, errors.New("column of the wrong length")
		}
		copy(out, c.Raw)
	}
	return out, nil
}

// EncodeHistory folds fields (field -> stored value) into one value.
func EncodeHistory(fields map[string]string) ([]byte, error) {
	doc := historyDoc{Kinds: map[string]historyKind{}}
	names := slices.Sorted(maps.Keys(fields))
	objs := make(map[string]map[string]json.RawMessage, len(fields))
	keys := map[string]map[string]bool{}
	for _, f := range names {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(fields[f]), &obj); err != nil || obj == nil {
			if !json.Valid([]byte(fields[f])) {
				return nil, fmt.Errorf("history: field %q is not JSON", f)
			}
			if doc.Other == nil {
				doc.Other = map[string]json.RawMessage{}
			}
			doc.Other[f] = json.RawMessage(fields[f])
			continue
		}
		objs[f] = obj
		kind, _, _ := strings.Cut(f, ":")
		k := doc.Kinds[kind]
		k.Fields = append(k.Fields, f)
		doc.Kinds[kind] = k
		if keys[kind] == nil {
			keys[kind] = map[string]bool{}
		}
		for key := range obj {
			keys[kind][key] = true
		}
	}
	for kind, k := range doc.Kinds {
		k.Keys = map[string]column{}
		for key := range keys[kind] {
			vals := make([]json.RawMessage, len(k.Fields))
			for i, f := range k.Fields {
				if v, ok := objs[f][key]; ok {
					vals[i] = v
				} else {
					vals[i] = json.RawMessage("null")
				}
			}
			k.Keys[key] = newColumn(k.Fields, vals)
		}
		doc.Kinds[kind] = k
	}
	// encoding/json sorts a map's keys: the same fields fold into the
	// same bytes.
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteByte(historyVersion)
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxHistory bounds what one history may expand to: a value that claims
// more is refused rather than read into memory.
const maxHistory = 8 << 20

// DecodeHistory reads a history back into its fields' stored values.
func DecodeHistory(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, errors.New("history: empty")
	}
	if b[0] > historyVersion {
		return nil, fmt.Errorf("history version %d: %w", b[0], ErrTooNew)
	}
	if b[0] != historyVersion {
		return nil, fmt.Errorf("history: unknown format %d", b[0])
	}
	r := flate.NewReader(bytes.NewReader(b[1:]))
	raw, err := io.ReadAll(io.LimitReader(r, maxHistory+1))
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if len(raw) > maxHistory {
		return nil, errors.New("history: too large")
	}
	var doc historyDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	out := map[string]string{}
	for f, v := range doc.Other {
		out[f] = string(v)
	}
	for kind, k := range doc.Kinds {
		cols := make(map[string][]json.RawMessage, len(k.Keys))
		for key, c := range k.Keys {
			vals, err := c.values(k.Fields)
			if err != nil {
				return nil, fmt.Errorf("history: kind %q, key %q: %w", kind, key, err)
			}
			cols[key] = vals
		}
		for i, f := range k.Fields {
			obj := make(map[string]json.RawMessage, len(cols))
			for key, col := range cols {
				if string(col[i]) != "null" {
					obj[key] = col[i]
				}
			}
			v, err := json.Marshal(obj)
			if err != nil {
				return nil, err
			}
			out[f] = string(v)
		}
	}
	return out, nil
}

// decoded is a history read and its fields decoded, kept for the next
// step that reads the same record: a history changes at most once a
// night, and a step reads it on every tap.
type decoded struct {
	fields map[string]any
	errs   []error
}

// historyCache holds decoded histories by their stored bytes, so a
// history rewritten is simply a new entry. Values in it are shared
// between steps, which never modify their input (flows.Step is pure).
var historyCache = struct {
	sync.Mutex
	m map[string]*decoded
}{m: map[string]*decoded{}}

// historyCacheSize bounds the cache: some 300 bytes a folded field, a few
// hundred fields a person, so about 100 MB at most for the people tapped
// most recently.
const historyCacheSize = 1024

func decodeHistoryCached(b string) (*decoded, error) {
	historyCache.Lock()
	d, ok := historyCache.m[b]
	historyCache.Unlock()
	if ok {
		return d, nil
	}
	raw, err := DecodeHistory([]byte(b))
	if err != nil {
		return nil, err
	}
	d = &decoded{fields: make(map[string]any, len(raw))}
	for f, v := range raw {
		x, err := DecodeField(f, []byte(v))
		if err != nil {
			d.errs = append(d.errs, err)
			continue
		}
		d.fields[f] = x
	}
	historyCache.Lock()
	if len(historyCache.m) >= historyCacheSize {
		for k := range historyCache.m {
			// Any one: the map's order is random enough for a cache
			// whose misses cost a decode.
			delete(historyCache.m, k)
			break
		}
	}
	historyCache.m[b] = d
	historyCache.Unlock()
	return d, nil
}

var timeType = reflect.TypeFor[time.Time]()

// toTheSecond is v with its times cut to the second. What is folded is
// history: nothing reads its times closer than that, and the digits below
// the second were a quarter of a compressed year.
func toTheSecond(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct {
		return v
	}
	cp := reflect.New(rv.Type()).Elem()
	cp.Set(rv)
	for i := range cp.NumField() {
		if f := cp.Field(i); f.Type() == timeType && f.CanSet() {
			f.Set(reflect.ValueOf(f.Interface().(time.Time).Truncate(time.Second)))
		}
	}
	return cp.Interface()
}

// Unfold rewrites a stored history without the fields written: a field a
// step writes (or deletes) lives outside the history from then on. It
// returns the history's new value (nil: no history left) and whether it
// changed; a history that cannot be read is reported and not rewritten.
func Unfold(history string, written []string) ([]byte, bool, error) {
	d, err := decodeHistoryCached(history)
	if err != nil {
		return nil, false, err
	}
	hit := false
	for _, f := range written {
		if _, ok := d.fields[f]; ok {
			hit = true
		}
	}
	if !hit {
		// Cheap: most steps write only this week's fields.
		return nil, false, nil
	}
	folded, err := DecodeHistory([]byte(history))
	if err != nil {
		return nil, false, err
	}
	for _, f := range written {
		delete(folded, f)
	}
	if len(folded) == 0 {
		return nil, true, nil
	}
	b, err := EncodeHistory(folded)
	return b, true, err
}

// Tidy is what the nightly housekeeping writes to one record: fields about
// days before expire are deleted (live or folded), and, when fold is set,
// live fields about days before foldBefore move into the history. Dates
// are ISO dates in the programme's time zone loc. A field whose value
// cannot be read is left alone, and so is a history that cannot be read
// (rewriting it would lose what it holds): then the writes still expire
// the live fields, and the error says why nothing was folded.
func Tidy(fields map[string]string, loc *time.Location, expire, foldBefore string, fold bool) (map[string][]byte, error) {
	writes := map[string][]byte{}
	var hist *decoded
	var unreadable error
	if h, ok := fields[HistoryField]; ok {
		if hist, unreadable = decodeHistoryCached(h); unreadable != nil {
			fold = false
		}
	}
	// What leaves the history and what joins it, decided on the decoded
	// values (cached: most nights nothing in a history expires).
	var expired []string
	if hist != nil {
		for f, x := range hist.fields {
			if d, ok := flows.RecordDate(x, loc); ok && d < expire {
				expired = append(expired, f)
			}
		}
	}
	joining := map[string]string{}
	for f, v := range fields {
		if f == HistoryField {
			continue
		}
		x, err := DecodeField(f, []byte(v))
		if err != nil {
			continue
		}
		d, ok := flows.RecordDate(x, loc)
		switch {
		case !ok:
		case d < expire:
			writes[f] = nil
			if hist != nil {
				if _, dup := hist.fields[f]; dup {
					expired = append(expired, f)
				}
			}
		case fold && d < foldBefore:
			b, err := EncodeField(f, toTheSecond(x))
			if err != nil {
				return nil, err
			}
			writes[f] = nil
			joining[f] = string(b)
		}
	}
	if len(expired) == 0 && len(joining) == 0 {
		return writes, unreadable
	}
	keep := map[string]string{}
	if hist != nil {
		raw, err := DecodeHistory([]byte(fields[HistoryField]))
		if err != nil {
			return nil, err
		}
		keep = raw
	}
	for _, f := range expired {
		delete(keep, f)
	}
	maps.Copy(keep, joining)
	if len(keep) == 0 {
		writes[HistoryField] = nil
		return writes, unreadable
	}
	b, err := EncodeHistory(keep)
	if err != nil {
		return nil, err
	}
	writes[HistoryField] = b
	return writes, unreadable
}
