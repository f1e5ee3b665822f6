package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"innsjekk/app"
	"innsjekk/bot/fakeapi"
	"innsjekk/codec"
	"innsjekk/flows"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

const (
	csv1252   = "../../roster/testdata/csv-excel-nb-1252.csv"
	csvBase   = "../../roster/testdata/csv-programme.yaml"
	csvTwin   = "../../roster/testdata/csv-roster.yaml"
	icsRoster = "../../ics/testdata/roster.yaml"
)

// A spreadsheet exported by Norwegian Excel imports, through the command
// line, to the roster its YAML twin gives; its problems come as
// FILE:LINE lines naming the column, and nothing is imported.
func TestRosterCSVImportCheckExport(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "roster", "check", csv1252, "--with", csvBase)
	if code != exitOK || out != csv1252+": ok (7 participants, 5 staff, 3 employers)\n" {
		t.Fatalf("check: exit %d, %q %q", code, out, errOut)
	}
	for _, args := range [][]string{{"roster", "check", csv1252}, {"roster", "check", csvTwin, "--with", csvBase},
		{"roster", "export", "--with", "x.yaml"}, {"roster", "check", csv1252, "--with", csvBase, "--csv"}} {
		if code, _, errOut := runCLI(t, nil, args...); code != exitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 1 {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}

	bad := filepath.Join(t.TempDir(), "deltakere.csv")
	if err := os.WriteFile(bad, []byte("id;navn;språk;rådgiver;praksisdager\r\namina;Amina;ar;anna;\r\nyonas;Yonas;xx;anne;\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := redisURL(t)
	env := map[string]string{"REDIS_URL": url}
	code, out, errOut = runCLI(t, env, "roster", "import", bad, "--with", csvBase)
	wantErr := bad + `:2: column "rådgiver": participant "amina": adviser "anna" is not in the roster` + "\n" +
		bad + `:3: column "språk": language "xx" is not shipped (nb en ar ti so fa-AF ps uk ru ku)` + "\n"
	if code != exitFail || out != "" || errOut != wantErr {
		t.Fatalf("bad CSV: exit %d, stdout %q, stderr:\n%s\nwant:\n%s", code, out, errOut, wantErr)
	}
	if code, _, _ := runCLI(t, env, "roster", "export"); code != exitFail {
		t.Fatal("a roster was stored although the CSV had problems")
	}

	if code, _, errOut := runCLI(t, env, "roster", "import", csv1252, "--with", csvBase); code != exitOK {
		t.Fatalf("import: %s", errOut)
	}
	_, exported, _ := runCLI(t, env, "roster", "export")
	twin, err := roster.Parse(csvTwin, mustRead(t, csvTwin))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := twin.Export()
	if exported != string(want) {
		t.Errorf("the CSV import exports differently from the YAML roster:\n%s\nwant:\n%s", exported, want)
	}

	base := filepath.Join(t.TempDir(), "programme.yaml")
	code, csvOut, errOut := runCLI(t, env, "roster", "export", "--csv", "--with", base)
	if code != exitOK || !strings.HasPrefix(csvOut, "\ufeffid;navn;språk;") {
		t.Fatalf("export --csv: exit %d %q\n%s", code, errOut, csvOut)
	}
	back := filepath.Join(t.TempDir(), "back.csv")
	if err := os.WriteFile(back, []byte(csvOut), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, env, "roster", "check", back, "--with", base); code != exitOK || !strings.Contains(out, "7 participants") {
		t.Errorf("exported CSV does not check: %d %q %q", code, out, errOut)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var feedURL = regexp.MustCompile(`(?m)^url: (http://[^\s]+/ics/([A-Za-z0-9_-]{22})\.ics)$`)

// The feed a participant's URL serves parses as iCalendar and shows the
// Tuesday after the change to summer time at 09:00-15:00 Oslo time; after
// --revoke the old URL answers 404 and the new one works.
func TestICSFeedURLAndRevoke(t *testing.T) {
	url := redisURL(t)
	env := map[string]string{"REDIS_URL": url, "INNSJEKK_PUBLIC_URL": "https://innsjekk.example.no/"}
	if code, _, errOut := runCLI(t, env, "roster", "import", icsRoster); code != exitOK {
		t.Fatalf("import: %s", errOut)
	}
	ctx := context.Background()
	conn, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st := store.New(conn.Client, "gjovik")
	r, err := roster.Parse("roster.yaml", must(st.Roster(ctx)))
	if err != nil {
		t.Fatal(err)
	}
	cal := schedule.New(r.Programme)
	loc := r.Programme.Location
	// Amina reported Thursday 26 March sick and has a Nav meeting booked
	// over a clash, with a reason only her adviser may read.
	rec := map[string]map[string][]byte{"facts:amina": {
		"a:2026-03-26": enc(t, "a:2026-03-26", flows.Absence{Date: "2026-03-26", Kind: "sick", By: "amina", Notice: "n1",
			ReportedAt: time.Date(2026, 3, 26, 7, 0, 0, 0, loc)}),
		"m:m1": enc(t, "m:m1", flows.Meeting{ID: "m1", Participant: "amina", Counsellor: "kari", Place: "Nav Gjøvik, Storgata 2",
			Start: time.Date(2026, 3, 30, 13, 0, 0, 0, loc), End: time.Date(2026, 3, 30, 13, 45, 0, 0, loc), Forced: true, Reason: "rent arrears"}),
	}}
	if err := st.Apply(ctx, store.Watch{}, func(store.Reader) (store.Effects, bool, error) {
		return store.Effects{Records: rec, Now: time.Date(2026, 3, 26, 7, 0, 0, 0, loc)}, false, nil
	}); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCLI(t, env, "ics", "amina")
	if code != exitOK || !strings.HasPrefix(out, "url: https://innsjekk.example.no/ics/") {
		t.Fatalf("ics amina: exit %d %q %q", code, out, errOut)
	}
	delete(env, "INNSJEKK_PUBLIC_URL")
	env["INNSJEKK_LISTEN"] = "127.0.0.1:9999"
	_, out, _ = runCLI(t, env, "ics", "amina")
	m := feedURL.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[1], "http://127.0.0.1:9999/ics/") {
		t.Fatalf("no listener URL: %q", out)
	}
	first := m[2]
	if _, again, _ := runCLI(t, env, "ics", "amina"); !strings.Contains(again, first) {
		t.Fatalf("a second ics amina made a new URL: %q", again)
	}

	feeds := &app.Feeds{Store: st, Now: func() time.Time { return time.Date(2026, 3, 20, 10, 0, 0, 0, loc) },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Roster: func() (*roster.Roster, *schedule.Calendar) { return r, cal }}
	mux := http.NewServeMux()
	mux.Handle("GET /ics/{file}", feeds)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string, http.Header) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	status, body, hdr := get("/ics/" + first + ".ics")
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", status, hdr.Get("Content-Type"))
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "DTSTART;TZID=Europe/Oslo:20260331T090000\r\n", "DTEND;TZID=Europe/Oslo:20260331T150000\r\n",
		"TZOFFSETTO:+0200\r\n", "TZOFFSETTO:+0100\r\n", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n", "SUMMARY:Nav: Nav Gjøvik\\, Storgata 2\r\n",
		"UID:away-amina-20260326@gjovik.innsjekk\r\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("feed lacks %q", want)
		}
	}
	for _, never := range []string{"sick", "rent", "arrears"} {
		if strings.Contains(strings.ToLower(body), never) {
			t.Errorf("feed holds %q", never)
		}
	}

	code, out, _ = runCLI(t, env, "ics", "amina", "--revoke")
	m = feedURL.FindStringSubmatch(out)
	if code != exitOK || m == nil || m[2] == first || !strings.Contains(out, "no longer works") {
		t.Fatalf("revoke: %d %q", code, out)
	}
	if status, body, _ := get("/ics/" + first + ".ics"); status != http.StatusNotFound || strings.Contains(body, "amina") || strings.Contains(body, "revoked") {
		t.Errorf("revoked URL: %d %q", status, body)
	}
	if status, _, _ := get("/ics/" + m[2] + ".ics"); status != http.StatusOK {
		t.Errorf("new URL: %d", status)
	}
	for _, path := range []string{"/ics/" + strings.Repeat("A", 22) + ".ics", "/ics/" + m[2], "/ics/x.ics", "/ics/" + m[2] + "x.ics"} {
		if status, _, _ := get(path); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, status)
		}
	}

	// Anne's feed holds her whole caseload.
	_, out, _ = runCLI(t, env, "ics", "--staff", "anne")
	if m = feedURL.FindStringSubmatch(out); m == nil {
		t.Fatalf("ics --staff anne: %q", out)
	}
	if status, body, _ := get("/ics/" + m[2] + ".ics"); status != http.StatusOK || !strings.Contains(body, "SUMMARY:Amina Yusuf: Praksis: Hotell Strand") ||
		!strings.Contains(body, "SUMMARY:Yonas Tesfay: Undervisning: Gjøvik læringssenter") {
		t.Errorf("staff feed: %d\n%s", status, body)
	}
	// A staff feed's token does not serve a participant's feed.
	owner, _ := st.FeedOwner(ctx, m[2])
	if owner != "staff:anne" {
		t.Errorf("owner %q", owner)
	}

	if code, out, _ := runCLI(t, env, "ics", "amina", "--print"); code != exitOK || !strings.HasPrefix(out, "BEGIN:VCALENDAR\r\n") {
		t.Errorf("--print: %d %q", code, out[:min(len(out), 40)])
	}
	for _, c := range []struct {
		args []string
		exit int
	}{
		{[]string{"ics"}, exitUsage}, {[]string{"ics", "amina", "--staff", "anne"}, exitUsage}, {[]string{"ics", "amina", "--print", "--revoke"}, exitUsage},
		{[]string{"ics", "nobody"}, exitFail}, {[]string{"ics", "--staff", "amina"}, exitFail}, {[]string{"ics", "anne"}, exitFail},
	} {
		if code, _, errOut := runCLI(t, env, c.args...); code != c.exit {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.exit, errOut)
		}
	}
	if code, _, errOut := runCLI(t, map[string]string{"INNSJEKK_ROSTER": icsRoster}, "ics", "amina"); code != exitFail || !strings.Contains(errOut, "REDIS_URL") {
		t.Errorf("ics on the embedded store: %d %q", code, errOut)
	}
}

// The running bot serves the feeds on its listener.
func TestICSServedOnTheListener(t *testing.T) {
	url := redisURL(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	fake := fakeapi.New("123456:the-token")
	tg := httptest.NewServer(fake)
	defer tg.Close()
	defer fake.Close()
	env := map[string]string{"REDIS_URL": url, "INNSJEKK_ROSTER": icsRoster, "TELEGRAM_TOKEN": "123456:the-token",
		"TELEGRAM_API_URL": tg.URL, "INNSJEKK_LISTEN": listen, "INNSJEKK_LOG": "error"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, []string{"run"}, &out, &errb, func(k string) string { return env[k] })
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("run did not stop")
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("listener not up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, out, errOut := runCLI(t, env, "ics", "amina")
	m := feedURL.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[1], "http://"+listen+"/") {
		t.Fatalf("ics amina: %q %q", out, errOut)
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("BEGIN:VCALENDAR\r\n")) {
		t.Fatalf("feed on the listener: %d %q", resp.StatusCode, body[:min(len(body), 60)])
	}
	runCLI(t, env, "ics", "amina", "--revoke")
	resp, err = http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoked URL on the listener: %d", resp.StatusCode)
	}
}

// "invite --all --participants --pdf" writes a page for each participant
// not yet on Telegram, whose QR code is that person's own invite link.
func TestInviteAllWritesTheSheet(t *testing.T) {
	api.DisableConfigDir()
	url := redisURL(t)
	env := map[string]string{"REDIS_URL": url, "INNSJEKK_BOT_USERNAME": "innsjekk_gjovik_bot"}
	if code, _, errOut := runCLI(t, env, "roster", "import", "../../examples/roster.yaml"); code != exitOK {
		t.Fatalf("import: %s", errOut)
	}
	ctx := context.Background()
	conn, err := store.Open(ctx, store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st := store.New(conn.Client, "gjovik")
	bound, _ := codec.EncodeBinding(flows.Binding{Chat: 42})
	if err := st.Apply(ctx, store.Watch{People: true}, func(store.Reader) (store.Effects, bool, error) {
		return store.Effects{People: map[string][]byte{"amina": bound, "anne": bound}}, false, nil
	}); err != nil {
		t.Fatal(err)
	}
	r, err := roster.Parse("examples/roster.yaml", mustRead(t, "../../examples/roster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string // participants not on Telegram, in roster order
	for _, p := range r.Participants {
		if p.ID != "amina" {
			want = append(want, p.ID)
		}
	}

	pdf := filepath.Join(t.TempDir(), "oppstart.pdf")
	code, out, errOut := runCLI(t, env, "invite", "--all", "--participants", "--pdf", pdf)
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("pdf: %s (%d people)", pdf, len(want))) {
		t.Fatalf("exit %d: %q %q", code, out, errOut)
	}
	data := mustRead(t, pdf)
	conf := model.NewDefaultConfiguration()
	if err := api.Validate(bytes.NewReader(data), conf); err != nil {
		t.Fatalf("not a valid PDF: %v", err)
	}
	pages, err := api.ExtractImagesRaw(bytes.NewReader(data), nil, model.NewDefaultConfiguration())
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != len(want) {
		t.Fatalf("%d pages, want one per participant not on Telegram (%d)", len(pages), len(want))
	}
	linkRE := regexp.MustCompile(`^https://t\.me/innsjekk_gjovik_bot\?start=([A-Za-z0-9_-]+)$`)
	for i, imgs := range pages {
		var links []string
		for _, im := range imgs {
			img, _, err := image.Decode(im)
			if err != nil {
				t.Fatal(err)
			}
			bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
			if res, err := qrcode.NewQRCodeReader().Decode(bmp, nil); err == nil {
				links = append(links, res.GetText())
			}
		}
		if len(links) != 1 {
			t.Fatalf("page %d has %d QR codes", i+1, len(links))
		}
		mm := linkRE.FindStringSubmatch(links[0])
		if mm == nil {
			t.Fatalf("page %d: %q is not an invite link", i+1, links[0])
		}
		var inv flows.Invite
		if err := st.Apply(ctx, store.Watch{}, func(rd store.Reader) (store.Effects, bool, error) {
			b, err := rd.Invite(mm[1])
			if err == nil && b != nil {
				inv, err = codec.DecodeInvite(b)
			}
			return store.Effects{}, false, err
		}); err != nil {
			t.Fatal(err)
		}
		if inv.Person != want[i] {
			t.Errorf("page %d: the code invites %q, want %q", i+1, inv.Person, want[i])
		}
	}

	// Without --participants: staff and employer contacts too, as lines.
	code, out, _ = runCLI(t, env, "invite", "--all")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	contacts := 0
	for _, e := range r.Employers {
		contacts += len(e.Contacts)
	}
	if code != exitOK || len(lines) != len(want)+len(r.Staff)-1+contacts || strings.Contains(out, "amina\t") || strings.Contains(out, "anne\t") ||
		!strings.Contains(out, "per\thttps://t.me/innsjekk_gjovik_bot?start=") {
		t.Errorf("invite --all: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, env, "invite", "--all", "--participants", "--also-on-telegram")
	if code != exitOK || !strings.HasPrefix(out, "amina\t") {
		t.Errorf("--also-on-telegram: %q", out)
	}
	for _, args := range [][]string{{"invite", "amina", "--all"}, {"invite", "amina", "--participants"}, {"invite", "--all", "--qr", "x.png"},
		{"invite", "amina", "--grid"}} {
		if code, _, _ := runCLI(t, env, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	delete(env, "INNSJEKK_BOT_USERNAME")
	if code, _, errOut := runCLI(t, env, "invite", "--all", "--pdf", pdf); code != exitFail || !strings.Contains(errOut, "INNSJEKK_BOT_USERNAME") {
		t.Errorf("--pdf without a username: %d %q", code, errOut)
	}
}
