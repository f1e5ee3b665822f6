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
	Intake(ctx context.Context, raws ...[]byte) error
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
	Client    *Client
	Intake    Intake
	Offsets   Offsets
	Languages Languages // optional: the language each chat reads
	Log       *slog.Logger

	mu      sync.Mutex
	running bool
	again   tryAgain
}

// Languages says which language a chat reads without asking the store,
// for the one message sent while the store is down.
type Languages interface {
	ChatLanguage(chat int64) (string, bool)
}

// tryAgain tells people whose update could not be stored that it will
// take a while: everyone who wrote, each at most once a minute, in their
// own language where the bot knows it, else in their Telegram app's.
type tryAgain struct {
	mu   sync.Mutex
	told map[int64]time.Time
}

func (t *tryAgain) tell(ctx context.Context, c *Client, langs Languages, log *slog.Logger, raw []byte) {
	in, err := c.Decode(raw)
	if err != nil || in.Chat == 0 {
		return
	}
	t.mu.Lock()
	if t.told == nil {
		t.told = map[int64]time.Time{}
	}
	now := time.Now()
	if last, ok := t.told[in.Chat]; ok && now.Sub(last) < time.Minute {
		t.mu.Unlock()
		return
	}
	t.told[in.Chat] = now
	for chat, at := range t.told {
		if now.Sub(at) > time.Minute {
			delete(t.told, chat) // a long outage must not grow this map for ever
		}
	}
	t.mu.Unlock()
	lang := flows.HintLang(in.Event.LangHint)
	if langs != nil {
		if l, ok := langs.ChatLanguage(in.Chat); ok {
			lang = l
		}
	}
	if err := c.SendText(ctx, in.Chat, flows.TryAgain(lang)); err != nil {
		log.Warn("tell try again", "chat_id", in.Chat, "err", err)
	}
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
			var wait *waitError
			if errors.As(err, &wait) {
				// Telegram said when: sooner breaks its flood control,
				// later (the back-off's 5 s) keeps people waiting.
				sleepCtx(ctx, wait.after)
				continue
			}
			sleepCtx(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		stored := true
		next := offset
		raws := make([][]byte, 0, len(ups))
		for _, raw := range ups {
			var head struct {
				UpdateID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &head) != nil {
				continue
			}
			next = max(next, head.UpdateID+1)
			raws = append(raws, raw)
		}
		// One round trip for the whole batch, stored all or not at all.
		if err := p.Intake.Intake(ctx, raws...); err != nil && len(raws) > 0 {
			if errors.Is(err, engine.ErrBadUpdate) {
				p.Log.Warn("malformed updates skipped", "count", len(raws))
			} else {
				// The store is down. The updates stay unconfirmed at
				// Telegram, which keeps them for a day, and are handled
				// once the store is back; everyone who wrote hears that
				// it will take a while.
				for _, raw := range raws {
					p.again.tell(ctx, p.Client, p.Languages, p.Log, raw)
				}
				p.Log.Error("store updates", "count", len(raws), "err", err)
				stored = false
			}
		}
		if stored {
			offset = next
		}
		if stored && len(ups) > 0 {
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
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: status %d, unreadable answer", resp.StatusCode)
	}
	if !r.OK {
		if r.ErrorCode == http.StatusUnauthorized || resp.StatusCode == http.StatusUnauthorized {
			return nil, ErrTokenRefused
		}
		err := fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
		if r.ErrorCode == http.StatusTooManyRequests && r.Parameters.RetryAfter > 0 {
			return nil, &waitError{after: min(time.Duration(r.Parameters.RetryAfter)*time.Second, maxWait), err: err}
		}
		return nil, err
	}
	return r.Result, nil
}

// waitError is a 429 with the time Telegram asks the poller to wait.
type waitError struct {
	after time.Duration
	err   error
}

func (e *waitError) Error() string { return e.err.Error() }

// maxWait bounds a wait Telegram asks for, should it ask for hours.
const maxWait = time.Minute

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
	Secret    string
	Intake    Intake
	Client    *Client   // optional: to tell people to try again while the store is down
	Languages Languages // optional
	Log       *slog.Logger

	again tryAgain
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
		if h.Client != nil {
			// Telegram retries the update; the person hears why it waits.
			h.again.tell(r.Context(), h.Client, h.Languages, h.Log, body)
		}
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
