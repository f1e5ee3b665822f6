package sandbox

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browser finds a Chromium or Chrome to drive.
func browser() string {
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// TestBrowser drives the page as a person would: pick Amina, tap 📅 in her
// reply keyboard (with the keyboard, not the mouse), and read her Arabic
// answer, which must be laid out right to left.
func TestBrowser(t *testing.T) {
	t.Parallel()
	exe := browser()
	if exe == "" {
		// CI installs Chromium: there a missing browser is a failure, not
		// a pass.
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium or Chrome binary found (apt-get install chromium)")
		}
		t.Skip("no Chromium or Chrome binary found (apt-get install chromium)")
	}
	base := start(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1400, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 25*time.Second)
	defer cancelTimeout()

	// Subscribed before the page loads, so no error is missed.
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	var jsErrors []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				jsErrors = append(jsErrors, m.String())
			}
		}
	}()

	const pane = `section.pane[data-person="amina"]`
	// focusWeek focuses the reply-keyboard button that starts with 📅.
	const focusWeek = `(() => {
		const b = [...document.querySelectorAll('` + pane + ` .replykb button')].find(b => b.textContent.startsWith('📅'));
		if (!b) return false;
		b.focus();
		return document.activeElement === b;
	})()`
	// answerDir is the computed direction of the newest bubble that lists
	// her placement, or "" (falsy: keep polling) while there is none.
	const answerDir = `(() => {
		const bs = [...document.querySelectorAll('` + pane + ` .msg.bot .bubble')].filter(b => b.textContent.includes('Hotell Strand'));
		return bs.length ? getComputedStyle(bs[bs.length - 1]).direction : '';
	})()`
	wait := chromedp.WithPollingTimeout(10 * time.Second)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`button.person[data-person="amina"]`)),
		chromedp.Click(chromedp.CSS(`button.person[data-person="amina"]`)),
		chromedp.WaitVisible(chromedp.CSS(pane+` .msg.bot .bubble`)),
		chromedp.Poll[chromedp.Void](focusWeek, wait),
		chromedp.KeyEvent(kb.Enter),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	dir, err := chromedp.Run(ctx, chromedp.Poll[string](answerDir, wait))
	if err != nil {
		t.Fatalf("waiting for the answer to 📅: %v", err)
	}
	if dir != "rtl" {
		t.Errorf("Amina's /week answer is laid out %q, want rtl", dir)
	}
	welcomeDir, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('`+pane+` .msg.bot .bubble')).direction`))
	if err != nil || welcomeDir != "rtl" {
		t.Errorf("Amina's welcome is laid out %q (%v), want rtl", welcomeDir, err)
	}

	// Her mentor and adviser side by side, as one would watch a notice travel.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.person[data-person="per"]`)),
		chromedp.Click(chromedp.CSS(`button.person[data-person="anne"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.pane[data-person="anne"] .msg.bot .bubble`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('clock-now').textContent.includes('Europe/Oslo')`, wait),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	logText, err := chromedp.Run(ctx, chromedp.Poll[string](
		`[...document.querySelectorAll('#log-body tr.kind-sent')].map(r => r.textContent).join('\n').includes('week.title') && document.getElementById('log-body').textContent`, wait))
	if err != nil {
		t.Errorf("event log never showed the /week answer: %v", err)
	}
	if !strings.Contains(logText, "Amina Yusuf") {
		t.Errorf("event log: %q", logText)
	}

	// The text box (Enter sends) and a clock button.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#pane-input-per`), "/help"+kb.Enter),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('section.pane[data-person="per"] .msg.bot')].some(m => m.textContent.includes('❓'))`, wait),
		chromedp.Click(chromedp.CSS(`button[data-clock="hour"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('clock-status').textContent.startsWith('+1 hour: now') && document.getElementById('clock-now').textContent.includes(' 09:0')`, wait),
	)
	if err != nil {
		t.Fatalf("text box or clock: %v", err)
	}
	clock, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#clock-now`)))
	t.Logf("clock shows %q", clock)

	// A participant with a placement today taps 🤒 → Today → Send, and
	// the mentor's pane receives the notice.
	who := map[string][2]string{"Mon": {"hodan", "siv"}, "Tue": {"amina", "per"}, "Wed": {"yonas", "per"},
		"Thu": {"amina", "per"}, "Fri": {"sarah", "per"}}[strings.Fields(clock)[0]]
	if who[0] == "" {
		t.Fatalf("the sandbox clock is not on a working day: %q", clock)
	}
	participant, mentor := who[0], who[1]
	click := func(paneOf, sel, prefix string) string {
		return `(() => { const b = [...document.querySelectorAll('section.pane[data-person="` + paneOf + `"] ` + sel + `')]
			.find(b => b.textContent.startsWith('` + prefix + `')); if (!b) return false; b.click(); return true; })()`
	}
	// clickIn clicks, in the newest bot message with buttons whose text
	// starts with msgPrefix, the first button starting with prefix.
	clickIn := func(paneOf, msgPrefix, prefix string) string {
		return `(() => { const ms = [...document.querySelectorAll('section.pane[data-person="` + paneOf + `"] .msg.bot')]
			.filter(m => m.querySelector('.inline button') && (m.querySelector('.bubble') || m).textContent.trim().startsWith('` + msgPrefix + `'));
			if (!ms.length) return false;
			const b = [...ms[ms.length - 1].querySelectorAll('.inline button')].find(b => b.textContent.startsWith('` + prefix + `'));
			if (!b) return false; b.click(); return true; })()`
	}
	name := map[string]string{"hodan": "Hodan Warsame", "amina": "Amina Yusuf", "yonas": "Yonas Tesfay", "sarah": "Sarah Mensah"}[participant]
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.person[data-person="`+participant+`"]`)),
		// Open the mentor's pane unless it is open already (the list toggles).
		chromedp.Poll[chromedp.Void](`document.querySelector('section.pane[data-person="`+mentor+`"]') ||
			(document.querySelector('button.person[data-person="`+mentor+`"]').click(), false)`, wait),
		chromedp.Poll[chromedp.Void](click(participant, ".replykb button", "🤒"), wait),
		// [Today] is the first button of the question, the bot message
		// that starts with 🤒.
		chromedp.Poll[chromedp.Void](clickIn(participant, "🤒", ""), wait),
	)
	if err != nil {
		t.Fatalf("🤒: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](clickIn(participant, "", "✅"), wait),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('section.pane[data-person="`+mentor+`"] .msg.bot')].some(m => m.textContent.includes('`+name+`'))`, wait),
	)
	if err != nil {
		resp, _ := http.Get(base + "/api/chat?person=" + mentor)
		var pane []byte
		if resp != nil {
			pane, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if resp, _ := http.Get(base + "/api/log"); resp != nil {
			l, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			pane = append(pane, l...)
		}
		t.Fatalf("the mentor's pane never received %s's absence notice: %v\n%s", participant, err, pane)
	}

	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := os.Getenv("SANDBOX_SCREENSHOT")
	if path == "" {
		path = filepath.Join(os.TempDir(), "innsjekk-sandbox.png")
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)

	stopConsole()
	wg.Wait()
	if len(jsErrors) > 0 {
		t.Errorf("JavaScript errors: %v", jsErrors)
	}
}
