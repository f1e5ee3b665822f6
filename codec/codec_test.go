package codec_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"innsjekk/codec"
	"innsjekk/flows"
)

// release1.json holds every value the first release (before versions and
// conversations) left in Redis in a run of its own end-to-end harness:
// chat states (one in the middle of a sick notice), bindings, invites, a
// person's facts, every kind of job and the outbox. This release must read
// them all.
func release1(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/release1.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestReadsTheFirstReleasesChats(t *testing.T) {
	old := release1(t)
	c, err := codec.DecodeChat([]byte(str(t, old["chat:701"])), now)
	if err != nil {
		t.Fatal(err)
	}
	// The draft in the middle of a notice becomes an open conversation.
	if c.V != flows.ChatVersion || c.Person != "amina" || len(c.Open) != 1 {
		t.Fatalf("chat 701: %+v", c)
	}
	conv := c.Open[0]
	var d flows.AbsenceDraft
	if err := json.Unmarshal(conv.Draft, &d); err != nil {
		t.Fatal(err)
	}
	if conv.Flow != "absence" || conv.Phase != flows.PhaseAbsenceConfirm || !d.CallMe || len(d.Days) != 2 || !conv.Expires.After(now) {
		t.Fatalf("conversation: %+v, draft %+v", conv, d)
	}
	idle, err := codec.DecodeChat([]byte(str(t, old["chat:702"])), now)
	if err != nil || idle.Person != "per" || len(idle.Open) != 0 {
		t.Fatalf("chat 702: %+v %v", idle, err)
	}
	// What this release writes reads back as written.
	b, err := codec.EncodeChat(c)
	if err != nil {
		t.Fatal(err)
	}
	again, err := codec.DecodeChat(b, now.Add(time.Hour))
	if err != nil || again.Open[0].Phase != conv.Phase || !again.Open[0].Expires.Equal(conv.Expires) {
		t.Fatalf("round trip: %+v %v", again, err)
	}
}

func TestReadsTheFirstReleasesBindingsAndInvites(t *testing.T) {
	old := release1(t)
	var people map[string]string
	if err := json.Unmarshal(old["people"], &people); err != nil {
		t.Fatal(err)
	}
	b, err := codec.DecodeBinding([]byte(people["amina"]))
	if err != nil || b.Chat != 701 {
		t.Fatalf("binding: %+v %v", b, err)
	}
	n := 0
	for k, v := range old {
		if !strings.HasPrefix(k, "invite:") {
			continue
		}
		inv, err := codec.DecodeInvite([]byte(str(t, v)))
		if err != nil || inv.Code != strings.TrimPrefix(k, "invite:") || inv.UsedBy == 0 || inv.Expires.IsZero() {
			t.Fatalf("%s: %+v %v", k, inv, err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no invites in the test data")
	}
}

func TestReadsTheFirstReleasesFacts(t *testing.T) {
	old := release1(t)
	var fields map[string]string
	if err := json.Unmarshal(old["facts:amina"], &fields); err != nil {
		t.Fatal(err)
	}
	rec, errs := codec.DecodeRecord(fields)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var absences, notices, meetings int
	for _, v := range rec {
		switch v := v.(type) {
		case flows.Absence:
			absences++
			if v.Date != "2026-12-01" || v.Kind != "sick" || v.Notice == "" {
				t.Errorf("absence: %+v", v)
			}
		case flows.Notice:
			notices++
			if len(v.Told) == 0 || len(v.Days) != 1 {
				t.Errorf("notice: %+v", v)
			}
		case flows.Meeting:
			meetings++
			if v.Counsellor != "kari" || v.Start.IsZero() {
				t.Errorf("meeting: %+v", v)
			}
		}
	}
	if absences != 1 || notices != 1 || meetings != 1 {
		t.Fatalf("%d absences, %d notices, %d meetings: %+v", absences, notices, meetings, rec)
	}
	// Written back, each field carries its version.
	for f, v := range rec {
		b, err := codec.EncodeField(f, v)
		if err != nil || !strings.HasPrefix(string(b), `{"v":1,`) {
			t.Fatalf("%s: %s %v", f, b, err)
		}
	}
}

func TestReadsTheFirstReleasesJobsAsTypedTimers(t *testing.T) {
	old := release1(t)
	kinds := map[string]bool{}
	for k, v := range old {
		if !strings.HasPrefix(k, "job:") {
			continue
		}
		j, err := codec.DecodeJob([]byte(str(t, v)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		kinds[j.Kind] = true
		if j.Kind == "housekeeping" || j.Kind == "plan" {
			continue // the engine's own
		}
		tm, known, err := codec.Timer(j)
		if err != nil || !known {
			t.Fatalf("%s: known %v, %v", k, known, err)
		}
		if tm.TimerSubject() != j.Person {
			t.Errorf("%s runs for %q, was for %q", k, tm.TimerSubject(), j.Person)
		}
		switch x := tm.(type) {
		case flows.BackTimer:
			if x.Notice == "" || x.Date != "2026-12-02" {
				t.Errorf("back: %+v", x)
			}
		case flows.MeetingTimer:
			if x.Meeting == "" || (x.When != "day" && x.When != "2h") {
				t.Errorf("meeting reminder: %+v", x)
			}
		case flows.NudgeTimer, flows.UnexplainedTimer, flows.EveningTimer:
		default:
			t.Errorf("%s: %T", k, tm)
		}
	}
	for _, want := range []string{"back", "mremind", "nudge", "unexpl", "remind", "plan", "housekeeping"} {
		if !kinds[want] {
			t.Errorf("no %s job in the test data", want)
		}
	}
	// The first release wrote morning cards in the same shape.
	card := codec.Job{ID: "card:per:2026-12-01", Kind: "card", Person: "per", Data: json.RawMessage(`{"person":"per","date":"2026-12-01"}`)}
	tm, known, err := codec.Timer(card)
	if err != nil || !known || tm.(flows.CardTimer).Contact != "per" {
		t.Fatalf("card: %+v %v %v", tm, known, err)
	}
	// A kind no release knows is reported as unknown, not as an error.
	if _, known, err := codec.Timer(codec.Job{Kind: "from.the.future"}); known || err != nil {
		t.Fatalf("unknown kind: %v %v", known, err)
	}
}

func TestReadsTheFirstReleasesOutbox(t *testing.T) {
	old := release1(t)
	var msgs map[string]string
	if err := json.Unmarshal(old["out:msgs"], &msgs); err != nil {
		t.Fatal(err)
	}
	if len(msgs) == 0 {
		t.Fatal("no outbox entries in the test data")
	}
	for k, raw := range msgs {
		o, err := codec.DecodeOutgoing([]byte(raw))
		if err != nil || o.Key != k || o.Chat != 701 || o.NotBefore == 0 {
			t.Fatalf("%s: %+v %v", k, o, err)
		}
		// Urgent entries of the first release were answers.
		if o.Queue() != flows.ClassAnswer {
			t.Errorf("%s: queue %s", k, o.Queue())
		}
		say, err := codec.DecodeSay(o.Payload)
		if err != nil || say.To != 701 || say.Text == "" || say.MsgID == "" {
			t.Fatalf("%s: message %+v %v", k, say, err)
		}
		b, err := codec.EncodeOutgoing(o)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := codec.DecodeOutgoing(b); err != nil || again.Queue() != flows.ClassAnswer || again.V != 1 {
			t.Fatalf("%s: round trip %+v %v", k, again, err)
		}
	}
}

func TestRefusesWhatANewerReleaseWrote(t *testing.T) {
	if _, err := codec.DecodeBinding([]byte(`{"v":99,"chat":1}`)); err == nil {
		t.Error("a binding from the future was read")
	}
	if _, err := codec.DecodeChat([]byte(`{"v":99}`), now); err == nil {
		t.Error("a chat from the future was read")
	}
	if _, err := codec.DecodeField("a:2026-12-01", []byte(`{"v":99}`)); err == nil {
		t.Error("a field from the future was read")
	}
	if _, err := codec.DecodeField("zz:1", []byte(`{}`)); err == nil {
		t.Error("an unknown field was read")
	}
}
