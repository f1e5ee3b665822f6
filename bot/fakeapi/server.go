// Package fakeapi is a fake Telegram Bot API server that the project owns.
//
// A Server is an http.Handler that answers the real go-telegram/bot client:
// it checks every call against the embedded Bot API 9.4 specification, keeps
// the state a bot can observe (chats, messages, the update queue, webhooks,
// commands, files), lets tests and the sandbox act as users, and injects the
// failures Telegram and its proxy produce. It is a product feature used by
// `innsjekk sandbox` as well as by tests, so it is not named *test.
//
// Its one rule: answer what Telegram would answer, in Telegram's shape, and
// let nothing that failed change state.
package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by waits that end because the Server was closed.
var ErrClosed = errors.New("fakeapi: server closed")

const (
	botUsername  = "innsjekk_test_bot"
	botFirstName = "Innsjekk"
	// maxBody sits above Telegram's 50 MB upload limit; it exists so that
	// a runaway client cannot exhaust memory in a long sandbox session.
	maxBody = 64 << 20
)

// Server is a fake Bot API for one bot token. It serves /bot<TOKEN>/<method>
// and /file/bot<TOKEN>/<path>. All state sits behind one mutex; waiting
// (long polls, WaitFor, webhook back-off) happens outside it.
type Server struct {
	token string
	botID int64

	mu sync.Mutex
	// changed is closed and replaced on every state change, so any number
	// of waiters can select on it together with their own deadline.
	changed chan struct{}
	done    chan struct{}
	closed  bool
	wg      sync.WaitGroup
	clock   func() time.Time

	users map[int64]*userState
	chats map[int64]*chatState

	queue      []*queued
	seq        uint64
	history    map[int64]json.RawMessage
	nextUpdate int64
	pollGen    uint64
	polling    int

	webhook    *webhook
	whClient   *http.Client
	whBackoff  time.Duration
	whAttempts int

	calls        []Call
	faults       []*Fault
	commands     map[commandKey][]BotCommand
	answers      []CallbackAnswer
	callbacks    map[string]*callbackState
	nextCallback int
	files        map[string]*storedFile
	paths        map[string]*storedFile
	nextFile     int

	subs    map[int]chan Event
	nextSub int

	perChat  time.Duration
	global   int
	lastSend map[int64]time.Time
	recent   []time.Time
}

// New returns a Server that accepts only token. The bot's user id is the
// token's numeric prefix, as on Telegram. New starts no goroutines.
func New(token string) *Server {
	id, err := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	if err != nil || id <= 0 {
		id = 1
	}
	return &Server{
		token:      token,
		botID:      id,
		changed:    make(chan struct{}),
		done:       make(chan struct{}),
		clock:      time.Now,
		users:      map[int64]*userState{},
		chats:      map[int64]*chatState{},
		history:    map[int64]json.RawMessage{},
		nextUpdate: 1,
		whClient:   &http.Client{Timeout: 10 * time.Second},
		whBackoff:  50 * time.Millisecond,
		whAttempts: 10,
		commands:   map[commandKey][]BotCommand{},
		callbacks:  map[string]*callbackState{},
		files:      map[string]*storedFile{},
		paths:      map[string]*storedFile{},
		subs:       map[int]chan Event{},
		lastSend:   map[int64]time.Time{},
	}
}

// BotUsername is the username getMe reports.
func (s *Server) BotUsername() string { return botUsername }

// BotID is the bot's user id, taken from the token.
func (s *Server) BotID() int64 { return s.botID }

// SetClock replaces the clock used for message dates, call times and rate
// limits. Waiting (long polls, webhook back-off) always uses real timers, so
// that a synctest bubble controls it. now runs with the Server's lock held
// and must not call back into the Server.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock = now
}

func (s *Server) nowLocked() time.Time { return s.clock() }

// Close stops webhook delivery, wakes every long poll and waiter and closes
// subscriber channels. It waits for the Server's own goroutines. Close the
// Server before the httptest.Server that wraps it, or that one waits for the
// long polls to time out.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	if s.webhook != nil {
		s.webhook.cancel()
	}
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
	s.notifyLocked()
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// request is one parsed call. Values are kept as sent: strings raw, other
// types as JSON text (A2 in the library notes).
type request struct {
	name   string
	params map[string]string
	files  map[string]upload
	chatID int64
}

type upload struct {
	filename    string
	contentType string
	data        []byte
}

// reply is what a handler answers; status 200 means ok with result.
type reply struct {
	status     int
	result     any
	desc       string
	retryAfter int
	html       bool
}

func ok(v any) *reply { return &reply{status: http.StatusOK, result: v} }

func apiError(status int, desc string) *reply { return &reply{status: status, desc: desc} }

func badRequest(format string, args ...any) *reply {
	return apiError(http.StatusBadRequest, "Bad Request: "+fmt.Sprintf(format, args...))
}

func forbidden(what string) *reply { return apiError(http.StatusForbidden, "Forbidden: "+what) }

type envelope struct {
	OK          bool            `json:"ok"`
	Result      any             `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

type responseParams struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

const htmlPage = "<html>\r\n<head><title>%[1]d %[2]s</title></head>\r\n<body>\r\n<center><h1>%[1]d %[2]s</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"

func writeReply(w http.ResponseWriter, r *reply) {
	if r.html {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(r.status)
		fmt.Fprintf(w, htmlPage, r.status, http.StatusText(r.status))
		return
	}
	env := envelope{OK: r.status == http.StatusOK}
	if env.OK {
		env.Result = r.result
		if env.Result == nil {
			// Telegram always sends a result; an empty list must stay [].
			env.Result = json.RawMessage("true")
		}
	} else {
		env.ErrorCode = r.status
		env.Description = r.desc
		if r.retryAfter > 0 {
			env.Parameters = &responseParams{RetryAfter: r.retryAfter}
		}
	}
	body, err := json.Marshal(env)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	_, _ = w.Write(body)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if rest, found := strings.CutPrefix(p, "/file/bot"); found {
		s.serveFile(w, rest)
		return
	}
	rest, found := strings.CutPrefix(p, "/bot")
	if !found {
		writeReply(w, apiError(http.StatusNotFound, "Not Found"))
		return
	}
	token, name, _ := strings.Cut(rest, "/")
	// bot.UseTestEnvironment() puts "test/" before the method.
	name = strings.TrimPrefix(name, "test/")
	m := lookupMethod(name)
	if m != nil {
		name = m.Name
	}
	req, readErr := readRequest(r)
	if readErr != nil {
		req = &request{params: map[string]string{}}
	}
	req.name = name

	// Every request is recorded, including the ones rejected before any
	// method logic: a bot calling a misspelt method is worth seeing.
	s.mu.Lock()
	idx := len(s.calls)
	s.calls = append(s.calls, Call{
		At:     s.nowLocked(),
		Method: name,
		Params: req.params,
		Files:  req.publicFiles(),
	})
	var f *Fault
	if token == s.token && m != nil && readErr == nil {
		f = s.takeFaultLocked(name, req.params["chat_id"])
	}
	s.notifyLocked()
	s.mu.Unlock()

	var rep *reply
	switch {
	case token != s.token:
		rep = apiError(http.StatusUnauthorized, "Unauthorized")
	case m == nil:
		rep = apiError(http.StatusNotFound, "Not Found: method not found")
	case readErr != nil:
		rep = badRequest("%v", readErr)
	case f != nil && f.Delay > 0 && !sleepCtx(r.Context(), f.Delay):
		// The client gave up; 499 is nginx's code for exactly that.
		rep = apiError(499, "client closed request")
	case f != nil && f.Status != 0:
		rep = faultReply(f)
	case m.Name == "getUpdates":
		rep = s.getUpdates(r.Context(), m, req)
	default:
		s.mu.Lock()
		rep = s.handleLocked(m, req)
		s.mu.Unlock()
	}

	s.mu.Lock()
	s.calls[idx].Status = rep.status
	s.calls[idx].Description = rep.desc
	s.calls[idx].Injected = f != nil && (f.Status != 0 || rep.status == 499)
	s.notifyLocked()
	s.mu.Unlock()
	if rep.status != 499 {
		writeReply(w, rep)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (req *request) publicFiles() map[string]File {
	if len(req.files) == 0 {
		return nil
	}
	out := make(map[string]File, len(req.files))
	for k, u := range req.files {
		out[k] = File{Name: u.filename, MIMEType: u.contentType, Data: u.data}
	}
	return out
}

// readRequest accepts every encoding Telegram accepts: query string, url
// encoding, JSON and multipart, including the empty multipart body that
// go-telegram/bot sends for methods without parameters.
func readRequest(r *http.Request) (*request, error) {
	req := &request{params: map[string]string{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			req.params[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("can't read request body: %w", err)
	}
	if len(body) == 0 {
		return req, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("can't parse multipart body: %w", err)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, fmt.Errorf("can't parse multipart body: %w", err)
			}
			name := part.FormName()
			if fn := part.FileName(); fn != "" {
				if req.files == nil {
					req.files = map[string]upload{}
				}
				req.files[name] = upload{filename: fn, contentType: part.Header.Get("Content-Type"), data: data}
				continue
			}
			req.params[name] = string(data)
		}
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("can't parse form body: %w", err)
		}
		for k, v := range vals {
			req.params[k] = v[0]
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, fmt.Errorf("can't parse JSON body: %w", err)
		}
		for k, raw := range obj {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				req.params[k] = str
			} else {
				req.params[k] = string(raw)
			}
		}
	}
	return req, nil
}

// handleLocked validates a call and runs it. Validation order follows what
// a bot observes on Telegram: shape first, then the chat, then flood control.
func (s *Server) handleLocked(m *specMethod, req *request) *reply {
	if r := m.checkSpec(req); r != nil {
		return r
	}
	if r := s.checkChatLocked(m, req); r != nil {
		return r
	}
	if r := s.checkLimitsLocked(m.Name, req.chatID); r != nil {
		return r
	}
	h := handlers[m.Name]
	if h == nil {
		h = (*Server).genericLocked
	}
	rep := h(s, req)
	if rep.status == http.StatusOK {
		s.noteSendLocked(m.Name, req.chatID)
	}
	return rep
}

type handlerFunc func(s *Server, req *request) *reply

// handlers holds the methods the fake models; every other method in the
// specification goes to genericLocked.
var handlers = map[string]handlerFunc{
	"getMe":                  (*Server).getMeLocked,
	"getChat":                (*Server).getChatLocked,
	"setWebhook":             (*Server).setWebhookLocked,
	"deleteWebhook":          (*Server).deleteWebhookLocked,
	"getWebhookInfo":         (*Server).getWebhookInfoLocked,
	"sendMessage":            (*Server).sendMessageLocked,
	"editMessageText":        (*Server).editMessageTextLocked,
	"editMessageCaption":     (*Server).editMessageCaptionLocked,
	"editMessageReplyMarkup": (*Server).editMessageReplyMarkupLocked,
	"deleteMessage":          (*Server).deleteMessageLocked,
	"answerCallbackQuery":    (*Server).answerCallbackQueryLocked,
	"setMyCommands":          (*Server).setMyCommandsLocked,
	"getMyCommands":          (*Server).getMyCommandsLocked,
	"deleteMyCommands":       (*Server).deleteMyCommandsLocked,
	"sendDocument":           (*Server).sendDocumentLocked,
	"sendPhoto":              (*Server).sendPhotoLocked,
	"sendVoice":              (*Server).sendVoiceLocked,
	"getFile":                (*Server).getFileLocked,
}

// checkChatLocked resolves chat_id. Only private chats of added users exist.
func (s *Server) checkChatLocked(m *specMethod, req *request) *reply {
	if _, has := m.field("chat_id"); !has {
		return nil
	}
	v, present := req.params["chat_id"]
	if !present {
		return nil
	}
	if v == "" || v == "null" {
		return badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	u := s.users[id]
	if err != nil || u == nil {
		return badRequest("chat not found")
	}
	if u.blocked {
		return forbidden("bot was blocked by the user")
	}
	req.chatID = id
	return nil
}

func (s *Server) getMeLocked(*request) *reply {
	return ok(map[string]any{
		"id":                          s.botID,
		"is_bot":                      true,
		"first_name":                  botFirstName,
		"username":                    botUsername,
		"can_join_groups":             true,
		"can_read_all_group_messages": false,
		"supports_inline_queries":     false,
		"can_connect_to_business":     false,
		"has_main_web_app":            false,
	})
}

func (s *Server) getChatLocked(req *request) *reply {
	u := s.users[req.chatID]
	c := wireChat{ID: u.ID, Type: "private", FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
	return ok(map[string]any{
		"id":                 c.ID,
		"type":               c.Type,
		"first_name":         c.FirstName,
		"last_name":          c.LastName,
		"username":           c.Username,
		"accent_color_id":    0,
		"max_reaction_count": 11,
		"accepted_gift_types": map[string]bool{
			"unlimited_gifts": true, "limited_gifts": true, "unique_gifts": true, "premium_subscription": true,
		},
	})
}

// genericLocked answers methods the fake does not model. Methods that
// return a Message get one, so the client can decode the result.
func (s *Server) genericLocked(req *request) *reply {
	if lookupMethod(req.name).returnsMessage() && req.chatID != 0 {
		bm := s.newBotMessageLocked(req.chatID)
		bm.Caption = req.params["caption"]
		bm.plain = bm.Caption
		s.emitLocked(Event{Kind: EventMessage, ChatID: req.chatID, Message: bm.public()})
		return ok(s.wireBotMessageLocked(bm))
	}
	return ok(true)
}

// Calls returns every request made so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	copy(out, s.calls)
	return out
}

// CallsTo returns the finished calls of one method, oldest first.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if strings.EqualFold(c.Method, method) && c.Status != 0 {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall blocks until a recorded call satisfies match and returns it.
// match runs without the lock held, so it may call back into the Server.
func (s *Server) WaitCall(ctx context.Context, match func(Call) bool) (Call, error) {
	for {
		s.mu.Lock()
		calls := append([]Call(nil), s.calls...)
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		// Calls only grow, but a running call's Status changes, so every
		// call is looked at again on each change.
		for _, c := range calls {
			if match(c) {
				return c, nil
			}
		}
		if closed {
			return Call{}, ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Call{}, ctx.Err()
		}
	}
}

// WaitUntil blocks until cond holds, checking it after every state change
// of the Server. cond runs without the lock held, so it may call back into
// the Server (Pending, Polling, Chat …).
func (s *Server) WaitUntil(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitFor blocks until a current bot message in chatID satisfies match and
// returns it, newest first. match runs without the lock held.
func (s *Server) WaitFor(ctx context.Context, match func(Message) bool, chatID int64) (Message, error) {
	for {
		s.mu.Lock()
		msgs := s.chatLocked(chatID)
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		for i := len(msgs) - 1; i >= 0; i-- {
			if match(msgs[i]) {
				return msgs[i], nil
			}
		}
		if closed {
			return Message{}, ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
	}
}

// Subscribe delivers every bot action (and every queued update) as it
// happens. The channel is buffered; a subscriber that falls more than its
// buffer behind misses events and should resynchronise with Chat. cancel
// closes the channel; Close does too.
func (s *Server) Subscribe() (<-chan Event, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan Event, 256)
	if s.closed {
		close(ch)
		return ch, func() {}
	}
	id := s.nextSub
	s.nextSub++
	s.subs[id] = ch
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if c, ok := s.subs[id]; ok {
			close(c)
			delete(s.subs, id)
		}
	}
}

func (s *Server) emitLocked(ev Event) {
	ev.At = s.nowLocked()
	for _, ch := range s.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}
