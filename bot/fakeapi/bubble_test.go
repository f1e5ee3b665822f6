package fakeapi

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// inMemory is a go-telegram/bot HttpClient that calls the handler directly,
// the way engine scenario tests run the fake inside a synctest bubble.
type inMemory struct{ h http.Handler }

func (c inMemory) Do(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func multipartRequest(t *testing.T, ctx context.Context, method string, fields map[string]string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	_ = w.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://fake.invalid/bot"+testToken+"/"+method, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// TestInBubble checks that the fake keeps to fake time and leaves no
// goroutine behind: synctest.Test fails if one outlives the bubble.
func TestInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := New(testToken)
		defer fake.Close()
		fake.AddUser(User{ID: amina, FirstName: "Amina"})
		client := inMemory{fake}

		// A long poll with nothing to deliver ends at its timeout, in fake
		// time, with an empty list.
		start := time.Now()
		resp, _ := client.Do(multipartRequest(t, t.Context(), "getUpdates", map[string]string{"timeout": "50"}))
		body, _ := io.ReadAll(resp.Body)
		if got := time.Since(start); got != 50*time.Second || string(body) != `{"ok":true,"result":[]}` {
			t.Errorf("idle long poll took %v and answered %s", got, body)
		}

		// The library's polling loop parks instead of spinning.
		b, err := bot.New(testToken, bot.WithServerURL("http://fake.invalid"), bot.WithSkipGetMe(),
			bot.WithHTTPClient(time.Minute, client),
			bot.WithErrorsHandler(func(err error) { t.Logf("bot error: %v", err) }),
			bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
				if u.Message != nil {
					_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "echo: " + u.Message.Text})
				}
			}),
		)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { b.Start(ctx) })
		synctest.Wait()
		if n := fake.Polling(); n != 1 {
			t.Errorf("Polling() = %d with the bot idle, want 1", n)
		}
		fake.SendText(amina, "hei")
		if _, err := fake.WaitFor(ctx, func(m Message) bool { return m.Text == "echo: hei" }, amina); err != nil {
			t.Fatalf("WaitFor echo: %v", err)
		}
		if n := len(fake.CallsTo("getUpdates")); n > 3 {
			t.Errorf("%d finished getUpdates calls for one update: the loop spins", n)
		}
		cancel()
		wg.Wait()

		// Webhook back-off runs on fake time too: 50ms, then 100ms.
		var attempts atomic.Int32
		fake.SetWebhookClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			status := http.StatusOK
			if attempts.Add(1) <= 2 {
				status = http.StatusBadGateway
			}
			return &http.Response{StatusCode: status, Status: http.StatusText(status), Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		})})
		// The bot stopped before its next poll could confirm "hei", so that
		// update is still pending; drop it to time one delivery only.
		resp, _ = client.Do(multipartRequest(t, t.Context(), "setWebhook", map[string]string{"url": "https://bot.example/hook", "drop_pending_updates": "true"}))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("setWebhook status %d", resp.StatusCode)
		}
		start = time.Now()
		fake.SendText(amina, "via webhook")
		if err := fake.WaitUntil(t.Context(), func() bool { return fake.Pending() == 0 }); err != nil {
			t.Fatal(err)
		}
		if got, n := time.Since(start), attempts.Load(); got != 150*time.Millisecond || n != 3 {
			t.Errorf("webhook delivery took %v over %d attempts, want 150ms over 3", got, n)
		}
	})
}
