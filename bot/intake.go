package bot

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strconv"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"

	"innsjekk/engine"
	"innsjekk/flows"
)

// Intake is where updates are stored before they are confirmed.
type Intake interface {
	Intake(ctx context.Context, raw []byte) error
}

// Offsets keeps the long-polling offset across restarts.
type Offsets interface {
	Offset(ctx context.Context) (int64, error)
	SetOffset(ctx context.Context, off int64) error
}

// Poller is our own getUpdates loop. Unlike the library's, it confirms an
// update to Telegram (by asking for a higher offset) only after the update
// is stored durably, so a crash loses nothing.
type Poller struct {
	Client  *Client
	Intake  Intake
	Offsets Offsets
	Log     *slog.Logger

	mu      sync.Mutex
	told    map[int64]time.Time // chats told "try again" recently
	running bool
}

// Running reports whether the poller has polled recently (for /readyz).
func (p *Poller) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Run polls until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	if err := p.Client.DeleteWebhook(ctx); err != nil {
		p.Log.Warn("delete webhook before polling", "err", err)
	}
	offset, err := p.Offsets.Offset(ctx)
	if err != nil {
		p.Log.Warn("read stored offset; starting from Telegram's", "err", err)
	}
	p.mu.Lock()
	p.running = true
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.running = false; p.mu.Unlock() }()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		ups, err := p.Client.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if IsTokenRefused(err) {
				return err
			}
			p.Log.Warn("get updates", "err", err)
			sleepCtx(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		stored := true
		for _, raw := range ups {
			var head struct {
				UpdateID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &head) != nil {
				continue
			}
			if err := p.Intake.Intake(ctx, raw); err != nil {
				if !errors.Is(err, engine.ErrBadUpdate) {
					// The store is down. The update stays unconfirmed at
					// Telegram, which keeps it for a day, and is handled
					// once the store is back; the user hears that it will
					// take a while.
					p.tellTryAgain(ctx, raw)
					p.Log.Error("store update", "update_id", head.UpdateID, "err", err)
					stored = false
					break
				}
				p.Log.Warn("malformed update skipped", "update_id", head.UpdateID)
			}
			offset = max(offset, head.UpdateID+1)
		}
		if len(ups) > 0 {
			if err := p.Offsets.SetOffset(ctx, offset); err != nil {
				p.Log.Warn("store offset", "err", err)
			}
		}
		if !stored {
			sleepCtx(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
	}
	return nil
}

func (p *Poller) tellTryAgain(ctx context.Context, raw []byte) {
	in, err := p.Client.Decode(raw)
	if err != nil || in.Chat == 0 {
		return
	}
	p.mu.Lock()
	if p.told == nil {
		p.told = map[int64]time.Time{}
	}
	last, ok := p.told[in.Chat]
	now := time.Now()
	if ok && now.Sub(last) < time.Minute {
		p.mu.Unlock()
		return
	}
	p.told[in.Chat] = now
	p.mu.Unlock()
	// The store holds the person's language and is down, so Telegram's
	// hint is all there is.
	text := flows.TryAgain(flows.HintLang(in.Event.LangHint))
	if err := p.Client.SendText(ctx, in.Chat, text); err != nil {
		p.Log.Warn("tell try again", "chat_id", in.Chat, "err", err)
	}
}

// getUpdates asks for updates from offset on, waiting up to pollTimeout.
// It returns each update's raw JSON as Telegram sent it.
func (c *Client) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if offset > 0 {
		_ = w.WriteField("offset", strconv.FormatInt(offset, 10))
	}
	_ = w.WriteField("limit", "100")
	_ = w.WriteField("timeout", strconv.Itoa(int(pollTimeout/time.Second)))
	_ = w.WriteField("allowed_updates", `["message","callback_query"]`)
	_ = w.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/bot"+c.token+"/getUpdates", &body)
	if err != nil {
		return nil, errors.New("build getUpdates request")
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL holds the token: never let it reach a log.
		return nil, errors.New("getUpdates: request failed")
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		Description string            `json:"description"`
		ErrorCode   int               `json:"error_code"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: status %d, unreadable answer", resp.StatusCode)
	}
	if !r.OK {
		if r.ErrorCode == http.StatusUnauthorized || resp.StatusCode == http.StatusUnauthorized {
			return nil, ErrTokenRefused
		}
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}

// ErrTokenRefused means Telegram does not accept the bot's token (401):
// retrying cannot help, so the bot stops and says so.
//
//lint:ignore ST1005 Telegram is a name, and the sentence is what the admin reads.
var ErrTokenRefused = errors.New("Telegram refused the token (401): check TELEGRAM_TOKEN")

// IsTokenRefused reports whether err is Telegram refusing the token.
func IsTokenRefused(err error) bool {
	return errors.Is(err, ErrTokenRefused) || errors.Is(err, tg.ErrorUnauthorized)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// MaxWebhookBody bounds a webhook request; Telegram's updates are far
// smaller.
const MaxWebhookBody = 1 << 20

// Webhook receives updates that Telegram POSTs. It answers 200 only after
// the update is stored, so Telegram retries whatever we could not store.
type Webhook struct {
	Secret string
	Intake Intake
	Log    *slog.Logger
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if h.Secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(h.Secret)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := h.Intake.Intake(r.Context(), body); err != nil {
		if errors.Is(err, engine.ErrBadUpdate) {
			// Retrying will not make it readable.
			h.Log.Warn("malformed webhook update")
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		h.Log.Error("store webhook update", "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
