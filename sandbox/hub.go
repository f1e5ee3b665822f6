package sandbox

import (
	"encoding/json"
	"sync"
	"time"
)

// maxLog is how many event-log entries the sandbox keeps; a long session
// must not grow without bound.
const maxLog = 2000

// subBuffer is how far a page may fall behind before it is cut off. Its
// EventSource then reconnects and resynchronises, which is cheaper than
// letting one stalled tab hold up the others.
const subBuffer = 512

// logEntry is one line of the page's event log.
type logEntry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"` // sandbox clock
	Kind     string    `json:"kind"`
	Person   string    `json:"person,omitempty"`
	Name     string    `json:"name,omitempty"`
	Role     string    `json:"role,omitempty"` // the person's group: participant, mentor, adviser …
	Lang     string    `json:"lang,omitempty"`
	LangName string    `json:"lang_name,omitempty"`
	Reason   string    `json:"reason,omitempty"` // the engine's code, e.g. "absence_reported"
	MsgID    string    `json:"msg_id,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	Job      string    `json:"job,omitempty"` // job kind, for "job" entries
	// Text says what happened in words: "Amina Yusuf reported an
	// absence", "Told Per Olsen (mentor)".
	Text string `json:"text"`
	// Parent is the step or job whose consequence this entry is (a
	// message it sent, a job it skipped), when known.
	Parent int64 `json:"parent,omitempty"`
	// Adopt lists earlier entries that belong to this one: a message can
	// be sent, or a skipped job reported, before the step or plan that
	// caused it is logged.
	Adopt []int64 `json:"adopt,omitempty"`
}

// sseMsg is one server-sent event, already encoded.
type sseMsg struct {
	event string
	data  []byte
}

// hub fans events out to every open page and keeps the event log, so a
// page that connects late (or reconnects) starts with the whole story.
type hub struct {
	mu   sync.Mutex
	subs map[chan sseMsg]struct{}
	log  []logEntry
	seq  int64
}

func newHub() *hub { return &hub{subs: map[chan sseMsg]struct{}{}} }

// subscribe returns a channel of events and the log so far; the two are
// taken together so that no entry is missed or seen twice.
func (h *hub) subscribe() (<-chan sseMsg, []logEntry, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan sseMsg, subBuffer)
	h.subs[ch] = struct{}{}
	backlog := append([]logEntry(nil), h.log...)
	return ch, backlog, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *hub) publish(event string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sendLocked(sseMsg{event: event, data: data})
}

func (h *hub) sendLocked(m sseMsg) {
	for ch := range h.subs {
		select {
		case ch <- m:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// addLog numbers an entry, keeps it and sends it to every page; it
// returns the entry's number.
func (h *hub) addLog(e logEntry) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e.Seq = h.seq
	if len(h.log) >= maxLog {
		h.log = append(h.log[:0], h.log[len(h.log)-maxLog/2:]...)
	}
	h.log = append(h.log, e)
	if data, err := json.Marshal(e); err == nil {
		h.sendLocked(sseMsg{event: "log", data: data})
	}
	return e.Seq
}

// logSnapshot returns the log so far.
func (h *hub) logSnapshot() []logEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]logEntry(nil), h.log...)
}
