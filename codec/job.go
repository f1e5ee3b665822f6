package codec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"innsjekk/flows"
)

// Job is a durable delayed job: a flow's timer, the daily plan or
// housekeeping. Its id is deterministic (kind and what it is about), so
// scheduling it twice is harmless.
type Job struct {
	V      int             `json:"v,omitempty"`
	ID     string          `json:"id"`
	Kind   string          `json:"kind"`
	Due    time.Time       `json:"due"`
	Chat   int64           `json:"chat,omitempty"`
	Person string          `json:"person,omitempty"` // whose chat the job runs in
	Data   json.RawMessage `json:"data,omitempty"`
}

// EncodeJob writes a job.
func EncodeJob(j Job) ([]byte, error) {
	j.V = jobVersion
	return json.Marshal(j)
}

// DecodeJob reads a job.
func DecodeJob(b []byte) (Job, error) {
	var j Job
	err := decode(b, jobVersion, &j)
	return j, err
}

// JobOf turns a flow's Schedule into the job that runs it.
func JobOf(s flows.Schedule) (Job, error) {
	if s.Timer == nil {
		return Job{}, fmt.Errorf("job %s: no timer", s.ID)
	}
	data, err := encode(1, s.Timer)
	if err != nil {
		return Job{}, fmt.Errorf("job %s: %w", s.ID, err)
	}
	return Job{ID: s.ID, Kind: s.Timer.TimerKind(), Due: s.Due, Person: s.Timer.TimerSubject(), Data: data}, nil
}

// legacyKinds are the timer kinds written before flows had their own:
// their data was one shape ({"person","date","notice"}) for all.
var legacyKinds = map[string]string{
	"nudge":   "ci.nudge",
	"unexpl":  "ci.unexplained",
	"remind":  "rem.evening",
	"card":    "card.morning",
	"back":    "abs.back",
	"mremind": "mt.remind",
}

// Timer reads a job's timer payload into the type its flow registered.
// It reports false for a kind this release does not know (written by a
// newer one, or not a flow's timer at all).
func Timer(j Job) (flows.Timer, bool, error) {
	kind := j.Kind
	if k, ok := legacyKinds[kind]; ok {
		kind = k
	}
	p, ok := flows.NewTimer(kind)
	if !ok {
		return nil, false, nil
	}
	if len(j.Data) > 0 {
		if err := decode(j.Data, 1, p); err != nil {
			return nil, true, fmt.Errorf("job %s: %w", j.ID, err)
		}
	}
	t, ok := reflect.ValueOf(p).Elem().Interface().(flows.Timer)
	if !ok {
		return nil, true, fmt.Errorf("job %s: %s is not a timer", j.ID, kind)
	}
	return t, true, nil
}
