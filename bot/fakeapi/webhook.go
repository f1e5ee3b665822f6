package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

type webhook struct {
	url            string
	secret         string
	maxConnections int
	allowedUpdates json.RawMessage
	lastErrorDate  time.Time
	lastErrorMsg   string
	ctx            context.Context
	cancel         context.CancelFunc
}

// SetWebhookRetry sets the delivery back-off: the first retry waits
// initial, each next one twice as long, and after attempts tries the update
// is dropped, as Telegram gives up "after a reasonable amount of attempts".
func (s *Server) SetWebhookRetry(initial time.Duration, attempts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whBackoff = initial
	s.whAttempts = max(attempts, 1)
}

// SetWebhookClient sets the client used to POST updates, for example one
// with an in-memory transport.
func (s *Server) SetWebhookClient(c *http.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whClient = c
}

func validSecret(secret string) bool {
	if len(secret) < 1 || len(secret) > 256 {
		return false
	}
	for _, c := range []byte(secret) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (s *Server) setWebhookLocked(req *request) *reply {
	raw := req.params["url"]
	if raw == "" {
		return s.removeWebhookLocked(req)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Real Telegram also insists on https and ports 443, 80, 88, 8443;
		// the fake does not, so tests can point it at httptest servers.
		return badRequest("bad webhook: invalid URL")
	}
	secret, hasSecret := req.params["secret_token"]
	if hasSecret && !validSecret(secret) {
		return badRequest("secret token contains unallowed characters")
	}
	maxConn := 40
	if v, ok := req.params["max_connections"]; ok {
		maxConn, _ = strconv.Atoi(v)
		if maxConn < 1 || maxConn > 100 {
			return badRequest("bad webhook: max_connections must be between 1 and 100")
		}
	}
	if drop, _ := parseBool(req.params["drop_pending_updates"]); drop {
		s.queue = nil
	}
	if s.webhook != nil {
		s.webhook.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	wh := &webhook{url: u.String(), secret: secret, maxConnections: maxConn, ctx: ctx, cancel: cancel}
	if v, ok := req.params["allowed_updates"]; ok {
		wh.allowedUpdates = json.RawMessage(v)
	}
	s.webhook = wh
	if !s.closed {
		s.wg.Add(1)
		go s.deliver(wh)
	}
	s.notifyLocked()
	return ok(true)
}

func (s *Server) removeWebhookLocked(req *request) *reply {
	if drop, _ := parseBool(req.params["drop_pending_updates"]); drop {
		s.queue = nil
	}
	if s.webhook != nil {
		s.webhook.cancel()
		s.webhook = nil
	}
	s.notifyLocked()
	return ok(true)
}

func (s *Server) deleteWebhookLocked(req *request) *reply { return s.removeWebhookLocked(req) }

func (s *Server) getWebhookInfoLocked(*request) *reply {
	info := map[string]any{
		"url":                    "",
		"has_custom_certificate": false,
		"pending_update_count":   len(s.queue),
	}
	if wh := s.webhook; wh != nil {
		info["url"] = wh.url
		info["max_connections"] = wh.maxConnections
		if wh.allowedUpdates != nil {
			info["allowed_updates"] = wh.allowedUpdates
		}
		if !wh.lastErrorDate.IsZero() {
			info["last_error_date"] = wh.lastErrorDate.Unix()
			info["last_error_message"] = wh.lastErrorMsg
		}
	}
	return ok(info)
}

// WebhookURL reports the webhook in effect, or "" when the bot polls.
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook == nil {
		return ""
	}
	return s.webhook.url
}

// deliver sends queued updates to one webhook, one at a time and in order,
// until the webhook is replaced, deleted or the Server closes.
func (s *Server) deliver(wh *webhook) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && wh.ctx.Err() == nil {
			ch := s.changed
			s.mu.Unlock()
			select {
			case <-ch:
			case <-wh.ctx.Done():
			}
			s.mu.Lock()
		}
		if wh.ctx.Err() != nil {
			s.mu.Unlock()
			return
		}
		q := s.queue[0]
		client, backoff, attempts := s.whClient, s.whBackoff, s.whAttempts
		s.mu.Unlock()

		errMsg := s.post(wh, client, q.raw, backoff, attempts)
		if wh.ctx.Err() != nil {
			// Stopped mid-delivery: the update stays queued for whoever
			// takes over (a new webhook or getUpdates).
			return
		}
		s.mu.Lock()
		for i, cur := range s.queue {
			if cur.seq == q.seq {
				s.queue = append(s.queue[:i:i], s.queue[i+1:]...)
				break
			}
		}
		if errMsg != "" {
			wh.lastErrorDate, wh.lastErrorMsg = s.nowLocked(), errMsg
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// post delivers one update with exponential back-off and returns the last
// error ("" on success). Only a 2xx answer counts as delivered.
func (s *Server) post(wh *webhook, client *http.Client, body []byte, backoff time.Duration, attempts int) string {
	var lastErr string
	for attempt := 1; ; attempt++ {
		lastErr = s.postOnce(wh, client, body)
		if lastErr == "" {
			return ""
		}
		s.mu.Lock()
		wh.lastErrorDate, wh.lastErrorMsg = s.nowLocked(), lastErr
		s.notifyLocked()
		s.mu.Unlock()
		if attempt >= attempts || !sleepCtx(wh.ctx, backoff) {
			return lastErr
		}
		backoff *= 2
	}
}

func (s *Server) postOnce(wh *webhook, client *http.Client, body []byte) string {
	req, err := http.NewRequestWithContext(wh.ctx, http.MethodPost, wh.url, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if wh.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", wh.secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "Connection failed: " + err.Error()
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Sprintf("Wrong response from the webhook: %s", resp.Status)
	}
	return ""
}
