package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-telegram/bot"
)

const testToken = "123456:TEST-token"

const amina = int64(42)

type env struct {
	fake *Server
	srv  *httptest.Server
	bot  *bot.Bot
}

// newEnv wires the real go-telegram client to the fake over TCP.
func newEnv(t *testing.T) *env {
	t.Helper()
	fake := New(testToken)
	srv := serveHTTP(t, fake)
	b, err := bot.New(testToken,
		bot.WithServerURL(srv.URL),
		bot.WithSkipGetMe(),
		bot.WithErrorsHandler(func(err error) { t.Logf("bot error: %v", err) }),
	)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	fake.AddUser(User{ID: amina, FirstName: "Amina", LastName: "Yusuf", Username: "amina", LanguageCode: "ar"})
	return &env{fake: fake, srv: srv, bot: b}
}

// serveHTTP serves fake over TCP. The fake closes first so parked long
// polls end before the httptest server waits for its connections.
func serveHTTP(t *testing.T, fake *Server) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(func() {
		fake.Close()
		srv.Close()
	})
	return srv
}

func serve(t *testing.T, fake *Server) string { return serveHTTP(t, fake).URL }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type rawEnvelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// post sends a multipart call the way go-telegram/bot does; the library has
// no public getUpdates, and some checks need fields it would never omit.
func post(ctx context.Context, baseURL, path string, fields map[string]string) (int, rawEnvelope, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			return 0, rawEnvelope{}, err
		}
	}
	if err := w.Close(); err != nil {
		return 0, rawEnvelope{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+path, &body)
	if err != nil {
		return 0, rawEnvelope{}, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, rawEnvelope{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, rawEnvelope{}, err
	}
	var env rawEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return resp.StatusCode, env, fmt.Errorf("decode %q: %w", data, err)
	}
	return resp.StatusCode, env, nil
}

func (e *env) call(t *testing.T, method string, fields map[string]string) (int, rawEnvelope) {
	t.Helper()
	status, env, err := post(testCtx(t), e.srv.URL, "/bot"+testToken+"/"+method, fields)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return status, env
}

type updateIDs struct {
	ids []int64
	raw []json.RawMessage
}

func (e *env) getUpdates(t *testing.T, fields map[string]string) updateIDs {
	t.Helper()
	status, env := e.call(t, "getUpdates", fields)
	if status != http.StatusOK || !env.OK {
		t.Fatalf("getUpdates(%v) = %d %s", fields, status, env.Description)
	}
	return decodeUpdates(t, env.Result)
}

func decodeUpdates(t *testing.T, result json.RawMessage) updateIDs {
	t.Helper()
	var out updateIDs
	if err := json.Unmarshal(result, &out.raw); err != nil {
		t.Fatalf("decode updates %s: %v", result, err)
	}
	for _, r := range out.raw {
		var u struct {
			UpdateID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(r, &u); err != nil {
			t.Fatalf("decode update %s: %v", r, err)
		}
		out.ids = append(out.ids, u.UpdateID)
	}
	return out
}

func testCtxWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	t.Helper()
	return context.WithTimeout(t.Context(), d)
}
