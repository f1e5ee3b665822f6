package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/alicebob/miniredis/v2"

	"innsjekk/bot/fakeapi"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestRosterCheckReportsEveryProblem(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "roster", "check", "../../roster/testdata/three-problems.yaml")
	if code != exitFail {
		t.Fatalf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	re := regexp.MustCompile(`^\.\./\.\./roster/testdata/three-problems\.yaml:\d+: \S`)
	if len(lines) != 3 {
		t.Fatalf("stderr has %d lines, want 3:\n%s", len(lines), errOut)
	}
	for _, l := range lines {
		if !re.MatchString(l) {
			t.Errorf("not FILE:LINE: message: %q", l)
		}
	}
	if out != "" {
		t.Errorf("stdout: %q", out)
	}
	code, out, _ = runCLI(t, nil, "roster", "check", "../../examples/roster.yaml")
	if code != exitOK || out != "../../examples/roster.yaml: ok (10 participants, 5 staff, 4 employers)\n" {
		t.Fatalf("example roster: exit %d, %q", code, out)
	}
	one := filepath.Join(t.TempDir(), "one.yaml")
	if err := os.WriteFile(one, []byte(`programme: {id: hamar, name: Hamar}
staff: [{id: lise, name: Lise Berg, roles: [adviser]}]
employers: [{id: vask, name: Vaskeriet, contacts: [{id: tor, name: Tor Lie}]}]
participants:
  - {id: abdi, name: Abdi Warsame, language: so, adviser: lise, placement: {employer: vask, mentor: tor, days: [mon], hours: "08:00-14:00"}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, nil, "roster", "check", one); code != exitOK || out != one+": ok (1 participant, 1 staff, 1 employer)\n" {
		t.Fatalf("one of each: exit %d, %q %s", code, out, errOut)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"roster"}, {"roster", "check"}, {"invite"}, {"invite", "a", "b"},
		{"run", "--nope"}, {"invite", "amina", "--days", "0"}} {
		code, _, errOut := runCLI(t, nil, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
		if len(args) > 0 && strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
			t.Errorf("%v: error is not short: %q", args, errOut)
		}
	}
	for _, args := range [][]string{{"help"}, {"version"}, {"invite", "-h"}, {"help", "roster"}} {
		if code, _, errOut := runCLI(t, nil, args...); code != exitOK {
			t.Errorf("%v: exit %d (%s)", args, code, errOut)
		}
	}
}

func TestRunRefusesWithoutToken(t *testing.T) {
	code, _, errOut := runCLI(t, map[string]string{"INNSJEKK_ROSTER": "../../examples/roster.yaml"}, "run")
	if code != exitFail || !strings.Contains(errOut, "TELEGRAM_TOKEN") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

// A token Telegram refuses can never work: run stops at once, exit 1, in
// one line.
func TestRunStopsWhenTelegramRefusesTheToken(t *testing.T) {
	fake := fakeapi.New("123456:the-real-token")
	api := httptest.NewServer(fake)
	defer api.Close()
	defer fake.Close()
	env := map[string]string{"INNSJEKK_ROSTER": "../../examples/roster.yaml", "TELEGRAM_TOKEN": "123456:a-wrong-token",
		"TELEGRAM_API_URL": api.URL, "INNSJEKK_LISTEN": "127.0.0.1:0", "INNSJEKK_LOG": "error"}
	done := make(chan struct{})
	var code int
	var errOut string
	go func() { code, _, errOut = runCLI(t, env, "run"); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("run did not stop")
	}
	if code != exitFail || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "Telegram refused the token (401)") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// redisURL starts a Redis server for one test (miniredis, over TCP, as a
// real server would be reached) and returns its URL.
func redisURL(t *testing.T) string {
	t.Helper()
	m := miniredis.RunT(t)
	return "redis://" + m.Addr() + "/0"
}

// Commands that change stored data refuse the embedded store in one line:
// what they wrote would vanish when they end.
func TestWritingCommandsRefuseTheEmbeddedStore(t *testing.T) {
	env := map[string]string{"INNSJEKK_ROSTER": "../../examples/roster.yaml"}
	for _, args := range [][]string{{"roster", "import", "../../examples/roster.yaml"}, {"invite", "amina"}, {"forget", "amina"}} {
		code, out, errOut := runCLI(t, env, args...)
		if code != exitFail || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "REDIS_URL") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestInvitePrintsCodeLinkAndQR(t *testing.T) {
	env := map[string]string{"INNSJEKK_ROSTER": "../../examples/roster.yaml", "REDIS_URL": redisURL(t)}
	if code, _, errOut := runCLI(t, env, "roster", "import", "../../examples/roster.yaml"); code != exitOK {
		t.Fatalf("import: %s", errOut)
	}
	code, out, errOut := runCLI(t, env, "invite", "amina")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`(?m)^code: ([A-Za-z0-9_-]{16,64})$`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "/start "+m[1]) {
		t.Fatalf("no code and /start line:\n%s", out)
	}
	qr := filepath.Join(t.TempDir(), "amina.png")
	env["INNSJEKK_BOT_USERNAME"] = "@innsjekk_gjovik_bot"
	code, out, errOut = runCLI(t, env, "invite", "amina", "--qr", qr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !regexp.MustCompile(`(?m)^link: https://t\.me/innsjekk_gjovik_bot\?start=[A-Za-z0-9_-]+$`).MatchString(out) {
		t.Fatalf("no deep link:\n%s", out)
	}
	f, err := os.Open(qr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("QR is not a PNG: %v", err)
	}
	if code, _, errOut := runCLI(t, env, "invite", "nobody"); code != exitFail || !strings.Contains(errOut, "nobody") {
		t.Fatalf("unknown person: exit %d %q", code, errOut)
	}
}

func TestSlotsNeverOnPlacementOrClassAndValidJSON(t *testing.T) {
	env := map[string]string{"INNSJEKK_ROSTER": "../../examples/roster.yaml"}
	code, out, errOut := runCLI(t, env, "slots", "amina", "--from", "2027-01-04", "--days", "14", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var slots []struct{ Start, End string }
	if err := json.Unmarshal([]byte(out), &slots); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(slots) == 0 {
		t.Fatal("no slots")
	}
	oslo, _ := time.LoadLocation("Europe/Oslo")
	for _, s := range slots {
		start, err1 := time.Parse(time.RFC3339, s.Start)
		end, err2 := time.Parse(time.RFC3339, s.End)
		if err1 != nil || err2 != nil || !strings.HasSuffix(s.Start, "+01:00") {
			t.Fatalf("not RFC 3339 in the programme's zone: %+v", s)
		}
		local := start.In(oslo)
		mins := local.Hour()*60 + local.Minute()
		// Kari's office hours 09:00-15:00; amina: Strand Tue/Thu 09-15,
		// class Mon/Wed 09-12; 45-minute meetings.
		if end.Sub(start) != 45*time.Minute || mins < 9*60 || mins+45 > 15*60 {
			t.Errorf("slot outside the office's hours: %+v", s)
		}
		switch local.Weekday() {
		case time.Tuesday, time.Thursday, time.Saturday, time.Sunday:
			t.Errorf("slot on a placement day or weekend: %+v", s)
		case time.Monday, time.Wednesday:
			if mins < 12*60 {
				t.Errorf("slot during class: %+v", s)
			}
		}
	}
	code, out, _ = runCLI(t, env, "slots", "amina", "--from", "2027-01-04", "--days", "1")
	if code != exitOK || !strings.Contains(out, "Mon 2027-01-04 12:00–12:45") {
		t.Fatalf("text output: %d %q", code, out)
	}
	if code, _, _ := runCLI(t, env, "slots", "nobody"); code != exitFail {
		t.Errorf("unknown participant: exit %d", code)
	}
	if code, _, _ := runCLI(t, env, "slots", "amina", "--from", "1.1"); code != exitUsage {
		t.Errorf("bad --from: exit %d", code)
	}
}
