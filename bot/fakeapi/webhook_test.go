package fakeapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

type hit struct {
	secret string
	body   []byte
}

// receiver records every POST and answers 500 to the first failures.
func receiver(t *testing.T, failures int) (*httptest.Server, <-chan hit, *atomic.Int32) {
	t.Helper()
	hits := make(chan hit, 64)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits <- hit{secret: r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), body: body}
		if int(n.Add(1)) <= failures {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, hits, &n
}

func updateIDOf(t *testing.T, body []byte) int64 {
	t.Helper()
	var u struct {
		UpdateID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(body, &u); err != nil {
		t.Fatalf("webhook body %q: %v", body, err)
	}
	return u.UpdateID
}

func TestWebhook_SecretAndRetry(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.fake.SetWebhookRetry(time.Millisecond, 10)
	recv, hits, _ := receiver(t, 2)

	if _, err := e.bot.SetWebhook(ctx, &bot.SetWebhookParams{URL: recv.URL + "/hook", SecretToken: "s3cr3t_-X"}); err != nil {
		t.Fatalf("SetWebhook: %v", err)
	}
	if got := e.fake.WebhookURL(); got != recv.URL+"/hook" {
		t.Errorf("WebhookURL() = %q", got)
	}
	status, env := e.call(t, "getUpdates", nil)
	if status != http.StatusConflict || env.Description != conflictWebhook {
		t.Errorf("getUpdates with a webhook = %d %q, want 409", status, env.Description)
	}

	id := e.fake.SendText(amina, "hei")
	// Two 500s, then the 200: the same update three times.
	for i := range 3 {
		h := <-hits
		if h.secret != "s3cr3t_-X" {
			t.Errorf("attempt %d secret header = %q", i+1, h.secret)
		}
		if got := updateIDOf(t, h.body); got != id {
			t.Errorf("attempt %d update_id = %d, want %d", i+1, got, id)
		}
	}
	if err := e.fake.WaitUntil(ctx, func() bool { return e.fake.Pending() == 0 }); err != nil {
		t.Fatalf("waiting for delivery: %v", err)
	}
	info, err := e.bot.GetWebhookInfo(ctx)
	if err != nil {
		t.Fatalf("GetWebhookInfo: %v", err)
	}
	if info.URL != recv.URL+"/hook" || !strings.Contains(info.LastErrorMessage, "500") || info.PendingUpdateCount != 0 {
		t.Errorf("GetWebhookInfo = %+v", info)
	}

	// Back to polling: pending updates wait for getUpdates.
	if _, err := e.bot.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	next := e.fake.SendText(amina, "igjen")
	if got := e.getUpdates(t, nil).ids; len(got) != 1 || got[0] != next {
		t.Errorf("getUpdates after DeleteWebhook = %v, want [%d]", got, next)
	}
	select {
	case h := <-hits:
		t.Errorf("deleted webhook still received %s", h.body)
	default:
	}
}

func TestWebhook_GivesUp(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.fake.SetWebhookRetry(time.Millisecond, 3)
	recv, hits, n := receiver(t, 3)
	if _, err := e.bot.SetWebhook(ctx, &bot.SetWebhookParams{URL: recv.URL}); err != nil {
		t.Fatalf("SetWebhook: %v", err)
	}
	dropped := e.fake.SendText(amina, "tapt")
	kept := e.fake.SendText(amina, "levert")
	if err := e.fake.WaitUntil(ctx, func() bool { return e.fake.Pending() == 0 }); err != nil {
		t.Fatalf("waiting for the queue to drain: %v", err)
	}
	if got := n.Load(); got != 4 {
		t.Errorf("POSTs = %d, want 3 failed attempts plus 1 delivery", got)
	}
	var ids []int64
	for range 4 {
		h := <-hits
		if h.secret != "" {
			t.Errorf("secret header %q sent without a secret_token", h.secret)
		}
		ids = append(ids, updateIDOf(t, h.body))
	}
	want := []int64{dropped, dropped, dropped, kept}
	for i := range want {
		if ids[i] != want[i] {
			t.Errorf("delivered ids = %v, want %v", ids, want)
			break
		}
	}
}

func TestWebhook_BadSecret(t *testing.T) {
	e := newEnv(t)
	_, err := e.bot.SetWebhook(testCtx(t), &bot.SetWebhookParams{URL: "https://example.org/hook", SecretToken: "has space"})
	if err == nil || !strings.Contains(err.Error(), "secret token contains unallowed characters") {
		t.Errorf("SetWebhook(bad secret) error = %v", err)
	}
	if got := e.fake.WebhookURL(); got != "" {
		t.Errorf("a rejected setWebhook set %q", got)
	}
}

// TestWebhook_LibraryHandler feeds the fake's POSTs to go-telegram/bot's
// own webhook handler, as a webhook-mode deployment would.
func TestWebhook_LibraryHandler(t *testing.T) {
	fake := New(testToken)
	fake.AddUser(User{ID: amina, FirstName: "Amina"})
	api := serve(t, fake)
	b, err := bot.New(testToken, bot.WithServerURL(api), bot.WithSkipGetMe(),
		bot.WithWebhookSecretToken("hemmelig"),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if u.Message != nil {
				_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "echo: " + u.Message.Text})
			}
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(b.WebhookHandler())
	defer hook.Close()
	ctx, cancel := context.WithCancel(testCtx(t))
	var wg sync.WaitGroup
	wg.Go(func() { b.StartWebhook(ctx) })
	defer func() {
		cancel()
		wg.Wait()
	}()

	if _, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL, SecretToken: "hemmelig"}); err != nil {
		t.Fatalf("SetWebhook: %v", err)
	}
	fake.SendText(amina, "hei")
	if _, err := fake.WaitFor(ctx, func(m Message) bool { return m.Text == "echo: hei" }, amina); err != nil {
		t.Fatalf("WaitFor echo: %v", err)
	}
}
