package codec

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
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

// historyDictV1 primes the compressor with the shapes folded values take,
// so that a month of history compresses as well as a year. It is part of
// format version 1: changing it makes every stored history unreadable, so
// a new dictionary is a new version.
const historyDictV1 = `{"a:2027-01-04":{"v":1,"date":"2027-01-04","kind":"sick","reported_at":"2027-01-04T05:30:00.000000000Z","by":"","notice":""},` +
	`"c:2027-01-04":{"v":1,"date":"2027-01-04","at":"2027-01-04T07:50:00.000000000Z"},` +
	`"fb:2027W01":{"v":1,"participant":"","mentor":"","week":"2027W01","rating":"good","at":"2027-01-06T13:10:00.000000000Z","weekly":true},` +
	`"fc:2027-01-04":{"v":1,"date":"2027-01-04","present":true,"by":"","at":"2027-01-06T13:10:00.000000000Z"},` +
	`"fp:2027W01":{"v":1,"week":"2027W01","mentor":"","at":"2027-01-06T13:10:00.000000000Z","nudged":true},` +
	`"g::2027-01":{"v":1,"participant":"","goal":"","text":"","month":"2027-01","rating":"yes","by":"","at":"2027-01-04T13:10:00.000000000Z"},` +
	`"m:":{"v":1,"id":"","participant":"","counsellor":"","start":"2027-01-04T10:30:00+01:00","end":"2027-01-04T11:15:00+01:00","place":"","booked_at":"2027-01-04T09:00:00.000000000Z","understood":true},` +
	`"n:":{"v":1,"id":"","kind":"sick","days":["2027-01-04","2027-01-05"],"reported_at":"2027-01-04T05:30:00.000000000Z","told":["",""]}}`

// EncodeHistory folds fields (field -> stored value) into one value.
func EncodeHistory(fields map[string]string) ([]byte, error) {
	raw := make(map[string]json.RawMessage, len(fields))
	for f, v := range fields {
		if !json.Valid([]byte(v)) {
			return nil, fmt.Errorf("history: field %q is not JSON", f)
		}
		raw[f] = json.RawMessage(v)
	}
	// Sorted keys (encoding/json sorts a map's): the same fields fold
	// into the same bytes, and neighbours that look alike sit together.
	doc, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteByte(historyVersion)
	w, err := flate.NewWriterDict(&buf, flate.BestCompression, []byte(historyDictV1))
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(doc); err != nil {
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
	r := flate.NewReaderDict(bytes.NewReader(b[1:]), []byte(historyDictV1))
	doc, err := io.ReadAll(io.LimitReader(r, maxHistory+1))
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if len(doc) > maxHistory {
		return nil, errors.New("history: too large")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	out := make(map[string]string, len(raw))
	for f, v := range raw {
		out[f] = string(v)
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

// Folded returns the stored values a record's history holds, or nil when
// it has none.
func Folded(fields map[string]string) (map[string]string, error) {
	h, ok := fields[HistoryField]
	if !ok {
		return nil, nil
	}
	return DecodeHistory([]byte(h))
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
	folded, unreadable := Folded(fields)
	if unreadable != nil {
		fold = false
		folded = nil
	}
	keep := make(map[string]string, len(folded))
	changed := false
	for f, v := range folded {
		x, err := DecodeField(f, []byte(v))
		if err == nil {
			if d, ok := flows.RecordDate(x, loc); ok && d < expire {
				changed = true
				continue
			}
		}
		keep[f] = v
	}
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
			if _, dup := keep[f]; dup {
				delete(keep, f)
				changed = true
			}
		case fold && d < foldBefore:
			b, err := EncodeField(f, toTheSecond(x))
			if err != nil {
				return nil, err
			}
			writes[f] = nil
			keep[f] = string(b)
			changed = true
		}
	}
	if changed {
		if len(keep) == 0 {
			writes[HistoryField] = nil
		} else {
			b, err := EncodeHistory(keep)
			if err != nil {
				return nil, err
			}
			writes[HistoryField] = b
		}
	}
	return writes, unreadable
}
