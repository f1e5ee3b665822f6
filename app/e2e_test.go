package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"innsjekk/bot"
	"innsjekk/bot/fakeapi"
	"innsjekk/locales"
	"innsjekk/store"
	"innsjekk/store/storetest"
)

// Each end-to-end test runs the whole bot (app.New + Run) with the real
// go-telegram/bot client against the fake Bot API over HTTP, on the
// embedded store and, when configured (always in CI), on real Redis.
func eachStore(t *testing.T, f func(t *testing.T, conn *store.Conn)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, b.Conn)
		})
	}
}

func isEthiopic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Ethiopic, r) {
			return true
		}
	}
	return false
}

func TestOnboardingInTigrinyaThenArabicWeek(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		data := exampleRoster(t, conn)
		r := parse(t, data)
		h := start(t, setup{conn: conn}, data, clockAt(tuesdayMorning))
		const yonas, stranger, unknown = 101, 102, 103
		// Telegram's apps have no Tigrinya, so Yonas's client says "en".
		h.fake.AddUser(fakeapi.User{ID: yonas, FirstName: "Yonas", LanguageCode: "en"})
		h.fake.AddUser(fakeapi.User{ID: stranger, FirstName: "X", LanguageCode: "nb"})
		h.fake.AddUser(fakeapi.User{ID: unknown, FirstName: "Y", LanguageCode: "ru"})
		code := h.invite("yonas")

		h.fake.SendText(yonas, "/start "+code)
		greeting := locales.Text("ti", "welcome.hello", locales.Args{"Name": "Yonas Tesfay", "Programme": r.Programme.Name})
		m := h.waitEq(yonas, greeting)
		h.waitEq(yonas, locales.Text("ti", "privacy.notice", nil))
		if !isEthiopic(m.Text) {
			t.Fatalf("greeting is not in Tigrinya: %q", m.Text)
		}
		wantMenu := [][]string{{locales.Text("ti", "menu.sick", nil), locales.Text("ti", "menu.checkin", nil)},
			{locales.Text("ti", "menu.week", nil), locales.Text("ti", "menu.problem", nil), locales.Text("ti", "menu.goals", nil)},
			{locales.Text("ti", "menu.language", nil), locales.Text("ti", "menu.help", nil)}}
		if fmt.Sprint(m.Reply) != fmt.Sprint(wantMenu) {
			t.Fatalf("main menu = %q, want %q", m.Reply, wantMenu)
		}
		offer := h.waitEq(yonas, locales.Text("ti", "language.offer", nil))
		if n := len(offer.Inline); n != 5 {
			t.Fatalf("language list has %d rows, want 5 (ten languages)", n)
		}

		// The same code from another chat is refused, in that chat's language.
		h.fake.SendText(stranger, "/start "+code)
		h.waitEq(stranger, locales.Text("nb", "invite.used", nil))

		// An unknown chat learns nothing from the roster.
		h.fake.SendText(unknown, "hello, who is on this bot?")
		intro := h.wait(unknown, "the intro", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, locales.Text("ru", "unknown.intro", nil))
		})
		h.fake.SendText(unknown, "/start not-a-code")
		h.waitEq(unknown, locales.Text("ru", "invite.invalid", nil))
		for _, m := range h.fake.Chat(unknown) {
			for _, name := range rosterWords(r) {
				if strings.Contains(m.Text, name) {
					t.Errorf("unknown chat was told %q: %q", name, m.Text)
				}
			}
		}
		_ = intro

		// 🌐 → Arabic, then 📅 comes back right to left with isolated times
		// and places.
		h.fake.SendText(yonas, locales.Text("ti", "menu.language", nil))
		ask := h.waitEq(yonas, locales.Text("ti", "language.ask", nil))
		h.fake.Press(yonas, ask.ID, buttonData(t, ask, "العربية"))
		changed := h.waitEq(yonas, locales.Text("ar", "language.changed", nil))
		weekLabel := changed.Reply[1][0]
		if !strings.HasPrefix(weekLabel, "📅") || weekLabel != locales.Text("ar", "menu.week", nil) {
			t.Fatalf("menu after switching = %q, want the Arabic one", changed.Reply)
		}
		h.fake.SendText(yonas, weekLabel)
		week := h.wait(yonas, "the Arabic week", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, "\u200f"+locales.Text("ar", "week.title", nil))
		})
		// Tuesday 1 Dec 2026: class 12:30-14:30; Wednesday: Hotell Strand.
		for _, want := range []string{
			locales.FSI + "12:30–14:30" + locales.PDI, // one unit, or it reads 14:30–12:30
			locales.FSI + "Hotell Strand" + locales.PDI,
			locales.FSI + r.Employer("strand").Address + locales.PDI,
			locales.FSI + "02.12" + locales.PDI,
		} {
			if !strings.Contains(week.Text, want) {
				t.Errorf("week lacks isolated %q:\n%s", want, week.Text)
			}
		}
		for i, line := range strings.Split(week.Text, "\n") {
			if !strings.HasPrefix(line, "\u200f") {
				t.Errorf("week line %d does not start right to left: %q", i, line)
			}
		}
	})
}

// rosterWords is everything an unknown chat must not be told.
func rosterWords(r interface{}) []string {
	return []string{"Amina", "Yonas", "Anne Hansen", "Lars Berg", "Kari", "Hotell Strand", "Gjøvik læringssenter", "Per Olsen"}
}

func buttonData(t *testing.T, m fakeapi.Message, text string) string {
	t.Helper()
	for _, row := range m.Inline {
		for _, b := range row {
			if b.Text == text {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q in %v", text, m.Inline)
	return ""
}

// bind onboards person as Telegram user id and waits for the greeting.
func (h *harness) bind(person string, id int64, lang string) {
	h.t.Helper()
	h.fake.AddUser(fakeapi.User{ID: id, FirstName: person, LanguageCode: "en"})
	h.fake.SendText(id, "/start "+h.invite(person))
	h.waitEq(id, locales.Text(lang, "language.offer", nil))
}

func TestUpdateDeliveredTwiceIsHandledOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const sarah = 201
		h.bind("sarah", sarah, "en")
		help := locales.Text("en", "help.participant", nil)
		id := h.fake.SendText(sarah, "/help")
		h.waitEq(sarah, help)
		if err := h.fake.Redeliver(id); err != nil {
			t.Fatal(err)
		}
		// The redelivered update is before this one in Telegram's queue,
		// so once /mydata is answered it has been seen.
		h.fake.SendText(sarah, "/mydata")
		h.wait(sarah, "my data", func(m fakeapi.Message) bool {
			return strings.HasPrefix(m.Text, locales.Text("en", "mydata.title", nil))
		})
		if n := count(h.fake.Chat(sarah), help); n != 1 {
			t.Fatalf("help sent %d times for one update delivered twice", n)
		}
		if h.app.Engine().Stats().Duplicates.Load() < 1 {
			t.Fatal("the duplicate was not noticed")
		}
	})
}

// A bot that stored an update (and so confirmed it to Telegram) and died
// before handling it handles it after a restart.
func TestUpdateStoredBeforeACrashIsHandledAfterRestart(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			conn := b.Conn
			data := exampleRoster(t, conn)
			clock := clockAt(tuesdayMorning)
			first := start(t, setup{conn: conn, noRun: true}, data, clock)
			const nora = 301
			first.fake.AddUser(fakeapi.User{ID: nora, FirstName: "Nora", LanguageCode: "nb"})
			first.fake.SendText(nora, "/start "+first.invite("nora"))

			// Only the intake runs: it stores the update and confirms it.
			client, err := bot.NewClient(token, first.api.URL)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			p := &bot.Poller{Client: client, Intake: first.app.Engine(), Offsets: first.app.Store(), Log: discardLog()}
			go func() { p.Run(ctx); close(done) }()
			deadline := time.Now().Add(10 * time.Second)
			for {
				pend, err := first.app.Store().PendingUpdates(context.Background(), 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(pend) == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the update was never stored")
				}
				time.Sleep(10 * time.Millisecond) // polling the store, not timing the bot
			}
			cancel() // the process dies here: nothing handled the update
			<-done
			if len(first.fake.Chat(nora)) != 0 {
				t.Fatal("something answered before the restart")
			}

			second := start(t, setup{conn: conn, fake: first.fake, api: first.api}, data, clock)
			second.waitEq(nora, locales.Text("nb", "language.offer", nil))
		})
	}
}

func TestWebhookRefusesWrongSecretAndStoresNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		data := exampleRoster(t, conn)
		h := start(t, setup{conn: conn, webhook: true}, data, clockAt(tuesdayMorning))
		url := h.cfg.WebhookURL
		keysBefore := programmeKeys(t, h)
		update := []byte(`{"update_id":777,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"E"},"text":"/start x"}}`)
		for _, secret := range []string{"", "wrong", h.cfg.WebhookSecret + "x"} {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(update))
			if secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("secret %q: status %d, want 401", secret, resp.StatusCode)
			}
		}
		big := append([]byte(`{"update_id":778,"x":"`), bytes.Repeat([]byte("a"), bot.MaxWebhookBody)...)
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(append(big, '"', '}')))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", h.cfg.WebhookSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("1 MiB body: status %d, want 413", resp.StatusCode)
		}
		if after := programmeKeys(t, h); after != keysBefore {
			t.Fatalf("refused requests wrote to the store:\nbefore %s\nafter  %s", keysBefore, after)
		}
		// The real webhook, set by the bot at start, works.
		const olena = 401
		h.bind("olena", olena, "uk")
		if got := h.fake.CallsTo("setWebhook"); len(got) == 0 || got[0].Params["secret_token"] != h.cfg.WebhookSecret {
			t.Fatalf("setWebhook not called with the secret: %+v", got)
		}
	})
}

// programmeKeys lists the test programme's keys and their types and sizes.
func programmeKeys(t *testing.T, h *harness) string {
	t.Helper()
	ctx := context.Background()
	c := h.conn.Client
	id := h.app.Roster.Programme.ID
	var out []string
	iter := c.Scan(ctx, 0, "innsjekk:{"+id+"}:*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if strings.HasSuffix(k, ":jobs") || strings.Contains(k, ":job:") || strings.HasSuffix(k, ":alive") {
			continue // housekeeping is scheduled at start whatever happens; every commit sets "alive"
		}
		typ := c.Type(ctx, k).Val()
		var n int64
		switch typ {
		case "hash":
			n = c.HLen(ctx, k).Val()
		case "zset":
			n = c.ZCard(ctx, k).Val()
		case "string":
			n = c.StrLen(ctx, k).Val()
		}
		out = append(out, fmt.Sprintf("%s=%s/%d", k, typ, n))
	}
	slices.Sort(out) // SCAN returns keys in no particular order
	return fmt.Sprint(out)
}

// A 429 for one chat holds that chat for retry_after while the others go on.
func TestRetryAfterHoldsOnlyThatChat(t *testing.T) {
	eachStore(t, func(t *testing.T, conn *store.Conn) {
		h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
		const olena, dmitri = 501, 502
		h.bind("olena", olena, "uk")
		h.bind("dmitri", dmitri, "ru")
		h.fake.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: olena, Status: 429, RetryAfter: 2})
		h.fake.SendText(olena, "/help")
		h.fake.SendText(dmitri, "/help")
		for chat, lang := range map[int64]string{olena: "uk", dmitri: "ru"} {
			text := locales.Text(lang, "help.participant", nil)
			_, err := h.fake.WaitCall(h.ctx(), func(c fakeapi.Call) bool {
				return c.Method == "sendMessage" && c.Params["chat_id"] == fmt.Sprint(chat) && c.Status == 200 && c.Params["text"] == text
			})
			if err != nil {
				t.Fatalf("no help sent to %d: %v", chat, err)
			}
		}
		// Dmitri's answer may leave before or after olena's 429: the two
		// chats are independent. What must hold is that it never waits
		// for olena's retry_after.
		var refused, sentOlena, sentDmitri time.Time
		for _, c := range h.fake.CallsTo("sendMessage") {
			switch {
			case c.Params["chat_id"] == fmt.Sprint(olena) && c.Status == 429:
				refused = c.At
			case c.Params["chat_id"] == fmt.Sprint(olena) && c.Status == 200 && !refused.IsZero():
				if sentOlena.IsZero() {
					sentOlena = c.At
				}
			case c.Params["chat_id"] == fmt.Sprint(dmitri) && c.Status == 200:
				if sentDmitri.IsZero() {
					sentDmitri = c.At
				}
			}
		}
		if refused.IsZero() || sentOlena.IsZero() {
			t.Fatalf("expected a 429 then a send to olena; calls: %+v", h.fake.CallsTo("sendMessage"))
		}
		if d := sentOlena.Sub(refused); d < 2*time.Second {
			t.Fatalf("olena's chat was sent to %v after a 429 with retry_after=2", d)
		}
		if sentDmitri.IsZero() || !sentDmitri.Before(sentOlena) {
			t.Fatalf("dmitri's answer (%v) waited for olena's chat (%v)", sentDmitri, sentOlena)
		}
	})
}

func TestCommandMenusInEveryLanguage(t *testing.T) {
	h := start(t, setup{conn: storetest.Backends(t)[0].Conn}, exampleRoster(t, storetest.Backends(t)[0].Conn), clockAt(tuesdayMorning))
	ctx := h.ctx()
	_, err := h.fake.WaitCall(ctx, func(c fakeapi.Call) bool {
		return c.Method == "setMyCommands" && c.Params["language_code"] == "ku" && c.Status == 200
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"", "nb", "en", "ar", "ti", "so", "fa", "ps", "uk", "ru", "ku"} {
		cmds := h.fake.Commands(`{"type":"all_private_chats"}`, code)
		if len(cmds) != 9 {
			t.Errorf("language %q: %d commands, want 9", code, len(cmds))
		}
	}
	// A bound chat gets the menu of its person's roles, in their language.
	const kari, amina = 961, 962
	h.bind("kari", kari, "nb")
	h.bind("amina", amina, "ar")
	h.settle()
	names := func(chat int64) string {
		var out []string
		for _, c := range h.fake.MenuCommands(chat) {
			out = append(out, c.Command)
		}
		return strings.Join(out, " ")
	}
	if got := names(kari); got != "meeting today ack language help mydata forgetme" {
		t.Errorf("Nav counsellor's menu: %q", got)
	}
	if got := names(amina); got != "sick checkin week problem goals language help mydata forgetme" {
		t.Errorf("participant's menu: %q", got)
	}
	if m := h.fake.MenuCommands(amina); len(m) == 0 || !strings.Contains(m[0].Description, locales.Text("ar", "commands.sick", nil)) {
		t.Errorf("participant's menu not in Arabic: %+v", m)
	}
	raw, _ := json.Marshal(h.fake.Commands(`{"type":"all_private_chats"}`, "ar"))
	if !strings.Contains(string(raw), locales.Text("ar", "commands.week", nil)) {
		t.Errorf("Arabic menu not in Arabic: %s", raw)
	}
}

// With Redis gone, a user hears "try again in a minute" in their language
// and nothing is confirmed to Telegram; when Redis is back, the update is
// handled, once.
// During an outage everyone who writes is told to try again — not only
// the first — once, in the language the bot speaks to them in (Amina's
// app says English, her roster says Arabic), in polling and in webhook
// mode; afterwards each update is handled once.
func TestRedisOutageTellsUsersToTryAgain(t *testing.T) {
	for _, webhook := range []bool{false, true} {
		t.Run(map[bool]string{false: "polling", true: "webhook"}[webhook], func(t *testing.T) {
			conn, err := store.OpenEmbedded()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			h := start(t, setup{conn: conn, webhook: webhook}, exampleRoster(t, conn), clockAt(tuesdayMorning))
			const rojda, amina = 601, 602
			h.bind("rojda", rojda, "ku")
			h.bind("amina", amina, "ar")
			h.fake.AddUser(fakeapi.User{ID: rojda, FirstName: "Rojda", LanguageCode: "ku"})
			h.fake.AddUser(fakeapi.User{ID: amina, FirstName: "Amina", LanguageCode: "en"})
			// The bot has spoken to Amina before the outage.
			h.fake.SendText(amina, "/help")
			h.waitEq(amina, locales.Text("ar", "help.participant", nil))
			conn.Embedded.Close()
			h.fake.SendText(rojda, "/help")
			h.fake.SendText(amina, "/week")
			h.fake.SendText(amina, "/week")
			h.waitEq(rojda, locales.Text("ku", "error.try_again", nil))
			// The fake, like Telegram with one connection, delivers a
			// webhook's updates one after another and retries the first
			// until it is taken: Amina's arrive only after the outage.
			told := map[int64]string{rojda: "ku"}
			if !webhook {
				h.waitEq(amina, locales.Text("ar", "error.try_again", nil))
				told[amina] = "ar"
			}
			if err := conn.Embedded.Restart(); err != nil {
				t.Fatal(err)
			}
			h.fake.SendText(rojda, "/mydata")
			h.wait(rojda, "my data after the outage", func(m fakeapi.Message) bool {
				return strings.HasPrefix(m.Text, locales.Text("ku", "mydata.title", nil))
			})
			h.wait(amina, "the week after the outage", func(m fakeapi.Message) bool {
				return strings.Contains(m.Text, locales.Text("ar", "week.title", nil))
			})
			h.settle()
			if n := count(h.fake.Chat(rojda), locales.Text("ku", "help.participant", nil)); n != 1 {
				t.Fatalf("the update sent during the outage was handled %d times, want 1", n)
			}
			for chat, lang := range told {
				if n := count(h.fake.Chat(chat), locales.Text(lang, "error.try_again", nil)); n != 1 {
					t.Fatalf("chat %d told to try again %d times, want 1", chat, n)
				}
			}
		})
	}
}

// /metrics is Prometheus's exposition, with the bot's counters, the
// outbox per class, the Go runtime and the process, and no names, chat
// ids or token in it.
func TestMetricsInPrometheusExposition(t *testing.T) {
	conn := storetest.Backends(t)[0].Conn
	h := start(t, setup{conn: conn}, exampleRoster(t, conn), clockAt(tuesdayMorning))
	const sarah = 1301
	h.bind("sarah", sarah, "en")
	h.fake.SendText(sarah, "/help")
	h.waitEq(sarah, locales.Text("en", "help.participant", nil))
	h.settle()
	resp, err := http.Get("http://" + h.app.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	text := string(body)
	for _, want := range []string{
		"# TYPE innsjekk_updates_received_total counter",
		`innsjekk_updates_handled_total{flow="help"} 1`,
		`innsjekk_steps_total{flow="help",reason="help"} 1`,
		`innsjekk_sends_total{class="answer",outcome="ok"}`,
		`innsjekk_outbox_chats{class="bulk"}`,
		"# TYPE innsjekk_outbox_messages gauge",
		"# TYPE innsjekk_scheduler_lag_seconds histogram",
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, secret := range []string{"Sarah", "sarah", fmt.Sprint(sarah), token} {
		// As a word of its own: a chat id inside a timestamp's digits is
		// a coincidence, not a leak.
		word := regexp.MustCompile(`\b` + regexp.QuoteMeta(secret) + `\b`)
		for _, line := range strings.Split(text, "\n") {
			if word.MatchString(line) {
				t.Errorf("/metrics shows %q: %s", secret, line)
			}
		}
	}
}

// A client that sends its body slowly, or not at all, cannot hold a
// connection of the listener: the read is cut off after the timeout.
func TestSlowClientsAreCutOff(t *testing.T) {
	conn := storetest.Backends(t)[0].Conn
	h := start(t, setup{conn: conn, webhook: true, readTimeout: 300 * time.Millisecond}, exampleRoster(t, conn), clockAt(tuesdayMorning))
	c, err := net.Dial("tcp", h.app.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nX-Telegram-Bot-Api-Secret-Token: %s\r\n\r\n{\"upd", h.cfg.WebhookSecret)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	start := time.Now()
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server still held the connection after 10 s")
			}
			break // closed by the server, or answered and closed
		}
	}
	t.Logf("connection closed after %v", time.Since(start).Round(10*time.Millisecond))
}
