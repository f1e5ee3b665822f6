package sandbox

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// page is a headless browser window of a given size, with the
// JavaScript errors it reported.
type page struct {
	ctx    context.Context
	errs   []string
	stop   func()
	width  int
	height int
}

func openPage(t *testing.T, exe string, width, height int) *page {
	t.Helper()
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
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 40*time.Second)
	p := &page{ctx: ctx, width: width, height: height}

	// Subscribed before the page loads, so no error is missed.
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				mu.Lock()
				p.errs = append(p.errs, m.String())
				mu.Unlock()
			}
		}
	}()
	p.stop = func() {
		stopConsole()
		wg.Wait()
		cancelTimeout()
		cancel()
		cancelAlloc()
		mu.Lock()
		defer mu.Unlock()
		if len(p.errs) > 0 {
			t.Errorf("JavaScript errors: %v", p.errs)
		}
	}
	t.Cleanup(p.stop)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	return p
}

// screenshot saves the window as name in $SANDBOX_SCREENSHOTS, if set
// (SANDBOX_SCREENSHOTS=../docs go test -run TestBrowser ./sandbox/
// refreshes the ones in docs/).
func (p *page) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("SANDBOX_SCREENSHOTS")
	if dir == "" {
		return
	}
	// The mouse out of the way; the last message's fonts and the scroll
	// to it settled.
	// (A click on the header's top edge, where there is nothing to press.)
	_ = chromedp.Do(p.ctx, chromedp.MouseClickXY(float64(p.width)/2, 2))
	time.Sleep(700 * time.Millisecond)
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
}

// fits is JavaScript listing what of an open chat a person could not
// see without scrolling the page: the page itself scrolling, the chat
// pane or a reply-keyboard button outside the window, or the newest
// message with buttons not wholly in view (its first row of buttons
// above all). It returns an empty list when all is in view.
func fits(pane string) string {
	return `(() => {
		const bad = [];
		const W = innerWidth, H = innerHeight;
		const d = document.documentElement;
		if (d.scrollWidth > W) bad.push('the page scrolls sideways: ' + d.scrollWidth + ' > ' + W);
		if (d.scrollHeight > H) bad.push('the page scrolls down: ' + d.scrollHeight + ' > ' + H);
		const p = document.querySelector('` + pane + `');
		if (!p) return ['no pane ` + pane + `'];
		const inside = (r, box) => r.width > 0 && r.height > 0 && r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
		const view = {left: 0, top: 0, right: W, bottom: H};
		const pr = p.getBoundingClientRect();
		if (!inside(pr, view)) bad.push('the pane is not in the window: ' + JSON.stringify(pr));
		const msgs = p.querySelector('.msgs').getBoundingClientRect();
		if (msgs.height < 200) bad.push('the messages get ' + Math.round(msgs.height) + ' px');
		const keys = [...p.querySelectorAll('.replykb button')];
		if (!keys.length) bad.push('no reply keyboard');
		for (const b of keys) if (!inside(b.getBoundingClientRect(), view)) bad.push('reply button ' + b.textContent + ' is out of the window');
		const last = [...p.querySelectorAll('.msg.bot')].pop();
		if (last) {
			const box = {left: Math.max(msgs.left, 0), top: Math.max(msgs.top, 0), right: Math.min(msgs.right, W), bottom: Math.min(msgs.bottom, H)};
			if (!inside(last.getBoundingClientRect(), box)) bad.push('the newest message is not wholly in view: ' + JSON.stringify(last.getBoundingClientRect()) + ' in ' + JSON.stringify(box));
			const row = last.querySelector('.inline .row');
			if (row) for (const b of row.querySelectorAll('button, a')) if (!inside(b.getBoundingClientRect(), box)) bad.push('the first row of buttons is cut off: ' + b.textContent);
		}
		return bad;
	})()`
}

// assertFits waits for a chat to be wholly in view and fails with what
// is not.
func assertFits(t *testing.T, p *page, pane string) {
	t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](fits(pane)+`.length === 0`, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		bad, _ := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](fits(pane)))
		t.Errorf("at %d×%d, %s: %v (%v)", p.width, p.height, pane, bad, err)
	}
}

// TestBrowser drives the page as a person would, on a laptop screen and
// on a phone.
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
	// One after the other: both talk to the same bot.
	t.Run("laptop", func(t *testing.T) { laptop(t, exe, base) })
	t.Run("phone", func(t *testing.T) { phone(t, exe, base) })
}

// laptop: pick Amina, tap 📅 in her reply keyboard (with the keyboard,
// not the mouse), and read her Arabic answer, which must be laid out
// right to left; then a sick notice travels from a participant to her
// mentor, side by side.
func laptop(t *testing.T, exe, base string) {
	p := openPage(t, exe, 1400, 900)
	ctx := p.ctx
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
		// A first visit shows the guided tour.
		chromedp.WaitVisible(chromedp.CSS(`#no-panes .guide li button.link`)),
		chromedp.WaitVisible(chromedp.CSS(`button.person[data-person="amina"]`)),
		chromedp.Click(chromedp.CSS(`button.person[data-person="amina"]`)),
		chromedp.WaitVisible(chromedp.CSS(pane+` .msg.bot .bubble`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('`+pane+` .msg.bot .inline').length > 0`, wait),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	// Her language offer, its buttons and her reply keyboard are all in
	// view without scrolling the page.
	assertFits(t, p, pane)

	err = chromedp.Do(ctx,
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

	// Her mentor and adviser side by side, as one would watch a notice
	// travel, and a fourth chat: none is squeezed, the page stays put.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.person[data-person="per"]`)),
		chromedp.Click(chromedp.CSS(`button.person[data-person="anne"]`)),
		chromedp.Click(chromedp.CSS(`button.person[data-person="kari"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.pane[data-person="anne"] .msg.bot .bubble`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('clock-zone').textContent.includes('Europe/Oslo')`, wait),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	widths, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll('section.pane')].map(p => p.getBoundingClientRect().width)`))
	if err != nil || len(widths) != 4 {
		t.Fatalf("four chats: %v (%v)", widths, err)
	}
	for i, w := range widths {
		if w < 320 {
			t.Errorf("with four chats open, chat %d is %.0f px wide", i+1, w)
		}
	}
	if sw, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - innerWidth`)); sw > 0 {
		t.Errorf("with four chats open the page scrolls sideways by %d px", sw)
	}

	// The event log says in words what was sent, to whom and why, with
	// the message id apart from the (Arabic) text.
	logText, err := chromedp.Run(ctx, chromedp.Poll[string](
		`[...document.querySelectorAll('#log-body li.kind-sent')].map(r => r.textContent).join('\n').includes('week.title') && document.getElementById('log-body').textContent`, wait))
	if err != nil {
		t.Errorf("event log never showed the /week answer: %v", err)
	}
	if !strings.Contains(logText, "Amina Yusuf asked for the plan of the week") {
		t.Errorf("event log: %q", logText)
	}
	// Reasons read as words: no line shows a code such as
	// "absence_reported" or "none".
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#log-body .line')]
		.map(l => l.textContent).filter(t => /\b[a-z]+_[a-z_]+\b|\bnone\b/.test(t))`))
	if err != nil || len(codes) > 0 {
		t.Errorf("event log lines with codes: %q (%v)", codes, err)
	}
	isolated, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const e = [...document.querySelectorAll('#log-body li.kind-sent')].find(r => r.textContent.includes('week.title'));
		const code = e && e.querySelector('code'), text = e && e.querySelector('q bdi');
		return !!(code && text && code.textContent === 'week.title' && text.dir === 'auto' && !text.contains(code));
	})()`))
	if err != nil || !isolated {
		t.Errorf("the Arabic message text in the log is not isolated from its id (%v)", err)
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
	// The label names the instant "Next event" will jump to.
	next, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#clock-next`)))
	if !strings.HasPrefix(next, "Next event: ") {
		t.Errorf("next event label: %q", next)
	}

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
	// Only the participant and the mentor stay open, side by side.
	closeOthers := `(() => { for (const b of document.querySelectorAll('section.pane .close'))
		if (!['` + participant + `', '` + mentor + `'].includes(b.closest('section.pane').dataset.person)) b.click(); return true; })()`
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.person[data-person="`+participant+`"]`)),
		// Opening a chat that is open already brings it forward.
		chromedp.Click(chromedp.CSS(`button.person[data-person="`+mentor+`"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('section.pane[data-person="`+mentor+`"]') && document.querySelector('section.pane[data-person="`+participant+`"]')`, wait),
		chromedp.Poll[chromedp.Void](closeOthers, wait),
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
	// The log sums the notice up in words: who reported, whom it told.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`[...document.querySelectorAll('#log-body li.kind-step[data-reason="absence_reported"] > .line')]
		.some(l => l.textContent.includes('`+name+` reported an absence: told ') && l.textContent.includes('(mentor)'))`, wait))
	if err != nil {
		logText, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#log-body`)))
		t.Errorf("the event log does not sum up the notice: %v\n%s", err, logText)
	}
	assertFits(t, p, `section.pane[data-person="`+mentor+`"]`)
	if os.Getenv("SANDBOX_SCREENSHOTS") != "" {
		// The picture: the participant's receipt in, the people list at
		// its top.
		_, _ = chromedp.Run(ctx, chromedp.Poll[bool](`(() => { document.getElementById('people').scrollTop = 0;
			const ms = [...document.querySelectorAll('section.pane[data-person="`+participant+`"] .msg.bot')];
			return ms.length > 0 && ![...ms[ms.length - 1].querySelectorAll('.inline button')].some(b => b.textContent.startsWith('✅')); })()`, wait))
		p.screenshot(t, "sandbox-laptop.png")
	}
}

// phone: at 390×844 one chat fills the screen, chosen from the people
// drawer; its buttons are all in view and nothing scrolls sideways.
func phone(t *testing.T, exe, base string) {
	p := openPage(t, exe, 390, 844)
	ctx := p.ctx
	const pane = `section.pane[data-person="amina"]`
	wait := chromedp.WithPollingTimeout(10 * time.Second)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#no-panes .guide li`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#people`)),
		chromedp.Click(chromedp.CSS(`#people-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#people button.person[data-person="amina"]`)),
		// The drawer takes focus, and the rest of the page waits.
		chromedp.Poll[chromedp.Void](`document.getElementById('people').contains(document.activeElement) && document.getElementById('panes').inert`, wait),
		chromedp.Click(chromedp.CSS(`#people button.person[data-person="amina"]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#people`)),
		chromedp.WaitVisible(chromedp.CSS(pane+` .msg.bot .bubble`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('`+pane+` .replykb button').length > 0`, wait),
	)
	if err != nil {
		t.Fatalf("phone: open Amina from the people drawer: %v", err)
	}
	// Tap 📅 in her reply keyboard and wait for the answer.
	const tapWeek = `(() => {
		const b = [...document.querySelectorAll('` + pane + ` .replykb button')].find(b => b.textContent.startsWith('📅'));
		if (!b) return false;
		b.click();
		return true;
	})()`
	before, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+pane+` .msg.bot').length`))
	err = chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](tapWeek, wait),
		chromedp.Poll[chromedp.Void](`(() => { const ms = document.querySelectorAll('`+pane+` .msg.bot');
			return ms.length > `+strconv.Itoa(before)+` && ms[ms.length - 1].textContent.includes('Hotell Strand'); })()`, wait),
	)
	if err != nil {
		t.Fatalf("phone: 📅: %v", err)
	}
	assertFits(t, p, pane)
	// Only one chat at a time, and it fills the width.
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('section.pane')].filter(p => p.getBoundingClientRect().width > 0).length`))
	if n != 1 {
		t.Errorf("phone: %d chats shown, want 1", n)
	}
	p.screenshot(t, "sandbox-phone.png")

	// The event log is a drawer too; Escape closes it and gives focus
	// back to its button.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#log-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#log`)),
		chromedp.Poll[chromedp.Void](`(() => { const r = document.getElementById('log').getBoundingClientRect();
			return r.left >= 0 && r.right <= innerWidth && document.activeElement === document.querySelector('.log-scroll'); })()`, wait),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotVisible(chromedp.CSS(`#log`)),
		chromedp.Poll[chromedp.Void](`document.activeElement === document.getElementById('log-toggle')`, wait),
	)
	if err != nil {
		t.Errorf("phone: the event log drawer: %v", err)
	}
	if sw, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - innerWidth`)); sw > 0 {
		t.Errorf("phone: the page scrolls sideways by %d px", sw)
	}
}
