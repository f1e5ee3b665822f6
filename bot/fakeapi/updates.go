package fakeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// queued is one pending update. forced marks a Redeliver copy: it is handed
// out whatever the poller's offset, because a bot's offset has usually moved
// past it and Telegram would otherwise treat it as confirmed.
type queued struct {
	seq      uint64
	id       int64
	raw      json.RawMessage
	forced   bool
	returned bool
}

type callbackState struct {
	userID   int64
	msgID    int
	data     string
	answered bool
}

const (
	conflictWebhook = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	conflictPoller  = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

// AddUser adds (or updates) a simulated user who has started the bot, so
// the bot may write to their private chat.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.users[u.ID]; cur != nil {
		cur.User = u
	} else {
		s.users[u.ID] = &userState{User: u}
	}
	s.chatStateLocked(u.ID)
	s.notifyLocked()
}

// Users returns the simulated users, in no particular order.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u.User)
	}
	return out
}

// SetBlocked makes the user block (or unblock) the bot. Like Telegram it
// queues a my_chat_member update; while blocked, every call to their chat
// answers 403. It returns the update id, or 0 if nothing changed.
func (s *Server) SetBlocked(userID int64, blocked bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUserLocked(userID)
	if u.blocked == blocked {
		return 0
	}
	u.blocked = blocked
	oldStatus, newStatus := "member", "kicked"
	if !blocked {
		oldStatus, newStatus = newStatus, oldStatus
	}
	member := func(status string) wireChatMember {
		m := wireChatMember{Status: status, User: s.botUser()}
		if status == "kicked" {
			zero := int64(0)
			m.UntilDate = &zero
		}
		return m
	}
	return s.enqueueLocked(func(id int64) wireUpdate {
		return wireUpdate{UpdateID: id, MyChatMember: &wireChatMemberUpdated{
			Chat:          u.privateChat(),
			From:          u.wire(),
			Date:          s.nowLocked().Unix(),
			OldChatMember: member(oldStatus),
			NewChatMember: member(newStatus),
		}}
	})
}

func (s *Server) mustUserLocked(id int64) *userState {
	u := s.users[id]
	if u == nil {
		panic(fmt.Sprintf("fakeapi: unknown user %d; call AddUser first", id))
	}
	return u
}

// SendText makes the user send text to the bot. Text starting with "/"
// carries a bot_command entity, as Telegram adds one. It panics if the
// user was not added.
func (s *Server) SendText(userID int64, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userMessageLocked(userID, func(m *wireMessage) {
		m.Text = text
		m.Entities = commandEntity(text)
	})
}

// SendVoice makes the user send a short voice message; its file can be
// fetched with getFile and downloaded.
func (s *Server) SendVoice(userID int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustUserLocked(userID)
	f := s.newFileLocked(kindVoice, "voice.oga", "audio/ogg", fakeVoice())
	s.registerFileLocked(f)
	return s.userMessageLocked(userID, func(m *wireMessage) {
		m.Voice = &wireVoice{FileID: f.ID, FileUniqueID: f.uniqueID, Duration: 2, MIMEType: f.MIMEType, FileSize: len(f.Data)}
	})
}

// SendPhoto makes the user send a photo (a small PNG).
func (s *Server) SendPhoto(userID int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustUserLocked(userID)
	f := s.newFileLocked(kindPhoto, "photo.png", "image/png", fakePhoto())
	f.width, f.height = 4, 3
	s.registerFileLocked(f)
	return s.userMessageLocked(userID, func(m *wireMessage) {
		m.Photo = f.photoSizes()
	})
}

func (s *Server) userMessageLocked(userID int64, fill func(*wireMessage)) int64 {
	u := s.mustUserLocked(userID)
	c := s.chatStateLocked(userID)
	mid := c.nextID
	c.nextID++
	c.userMsgs[mid] = true
	from := u.wire()
	m := &wireMessage{MessageID: mid, From: &from, Chat: u.privateChat(), Date: s.nowLocked().Unix()}
	fill(m)
	return s.enqueueLocked(func(id int64) wireUpdate {
		return wireUpdate{UpdateID: id, Message: m}
	})
}

func commandEntity(text string) []entity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	cmd := text
	if i := strings.IndexAny(text, " \t\n"); i >= 0 {
		cmd = text[:i]
	}
	if len(cmd) < 2 {
		return nil
	}
	return []entity{{Type: "bot_command", Offset: 0, Length: len(utf16.Encode([]rune(cmd)))}}
}

// Press makes the user press an inline button on the bot's message. data
// need not be on the keyboard: tests use that to forge payloads. If the
// message is gone the callback carries an inaccessible message, as on
// Telegram.
func (s *Server) Press(userID int64, messageID int, data string) (updateID int64, callbackID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUserLocked(userID)
	var msg any = wireInaccessible{Chat: u.privateChat(), MessageID: messageID}
	if _, bm := s.chatStateLocked(userID).find(messageID); bm != nil {
		msg = s.wireBotMessageLocked(bm)
	}
	s.nextCallback++
	// Telegram's query ids are long decimal strings; so are these.
	callbackID = strconv.FormatInt(4_000_000_000_000_000+int64(s.nextCallback), 10)
	s.callbacks[callbackID] = &callbackState{userID: userID, msgID: messageID, data: data}
	cq := &wireCallbackQuery{
		ID:           callbackID,
		From:         u.wire(),
		Message:      msg,
		ChatInstance: fmt.Sprintf("-%d", 7_000_000_000+userID),
		Data:         data,
	}
	updateID = s.enqueueLocked(func(id int64) wireUpdate {
		return wireUpdate{UpdateID: id, CallbackQuery: cq}
	})
	return updateID, callbackID
}

// InjectUpdate queues an arbitrary update. A missing or zero update_id is
// assigned; a given one moves the sequence past it.
func (s *Server) InjectUpdate(raw json.RawMessage) (int64, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return 0, fmt.Errorf("fakeapi: inject update: not a JSON object")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var id int64
	if v, ok := obj["update_id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil {
			return 0, fmt.Errorf("fakeapi: inject update: update_id: %w", err)
		}
	}
	if id <= 0 {
		id = s.nextUpdate
		obj["update_id"] = json.RawMessage(strconv.FormatInt(id, 10))
	}
	if id >= s.nextUpdate {
		s.nextUpdate = id + 1
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return 0, fmt.Errorf("fakeapi: inject update: %w", err)
	}
	s.pushLocked(id, out, false)
	return id, nil
}

// Redeliver queues an earlier update again, unchanged, as Telegram does
// when it believes a delivery failed.
func (s *Server) Redeliver(updateID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.history[updateID]
	if !ok {
		return fmt.Errorf("fakeapi: redeliver: no update %d", updateID)
	}
	s.pushLocked(updateID, raw, true)
	return nil
}

// Polling reports how many getUpdates requests are parked waiting for an
// update right now.
func (s *Server) Polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// Pending reports how many updates wait for delivery or confirmation.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

func (s *Server) enqueueLocked(build func(id int64) wireUpdate) int64 {
	id := s.nextUpdate
	s.nextUpdate++
	raw, err := json.Marshal(build(id))
	if err != nil {
		panic(fmt.Sprintf("fakeapi: marshal update: %v", err))
	}
	s.pushLocked(id, raw, false)
	return id
}

func (s *Server) pushLocked(id int64, raw json.RawMessage, forced bool) {
	s.seq++
	s.queue = append(s.queue, &queued{seq: s.seq, id: id, raw: raw, forced: forced})
	s.history[id] = raw
	var chatID int64
	var probe struct {
		Message *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"message"`
		CallbackQuery *struct {
			From struct{ ID int64 } `json:"from"`
		} `json:"callback_query"`
		MyChatMember *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"my_chat_member"`
	}
	if json.Unmarshal(raw, &probe) == nil {
		switch {
		case probe.Message != nil:
			chatID = probe.Message.Chat.ID
		case probe.CallbackQuery != nil:
			chatID = probe.CallbackQuery.From.ID
		case probe.MyChatMember != nil:
			chatID = probe.MyChatMember.Chat.ID
		}
	}
	s.emitLocked(Event{Kind: EventUpdate, ChatID: chatID, UpdateID: id, Update: raw})
	s.notifyLocked()
}

// confirmLocked applies getUpdates' offset: a positive offset forgets every
// update with a lower id; a negative one keeps only the last -offset.
func (s *Server) confirmLocked(offset int64) {
	if offset == 0 {
		return
	}
	kept := make([]*queued, 0, len(s.queue))
	if offset > 0 {
		for _, q := range s.queue {
			if q.forced && q.returned || !q.forced && q.id < offset {
				continue
			}
			kept = append(kept, q)
		}
	} else if n := int(-offset); n < len(s.queue) {
		kept = append(kept, s.queue[len(s.queue)-n:]...)
	} else {
		kept = append(kept, s.queue...)
	}
	if len(kept) != len(s.queue) {
		s.queue = kept
		s.notifyLocked()
	}
}

// getUpdates is a real long poll: it holds the request until an update
// arrives, the timeout passes, the client goes away or the Server closes.
// A newer getUpdates ends an older one with 409, as on Telegram.
// allowed_updates is accepted but not applied: the simulated users only
// produce update types a bot asks for anyway.
func (s *Server) getUpdates(ctx context.Context, m *specMethod, req *request) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := m.checkSpec(req); r != nil {
		return r
	}
	if s.webhook != nil {
		return apiError(http.StatusConflict, conflictWebhook)
	}
	offset, _ := strconv.ParseInt(req.params["offset"], 10, 64)
	limit := 100
	if v, ok := req.params["limit"]; ok {
		limit, _ = strconv.Atoi(v)
		limit = min(max(limit, 1), 100)
	}
	timeout, _ := strconv.Atoi(req.params["timeout"])

	s.confirmLocked(offset)
	s.pollGen++
	gen := s.pollGen
	s.notifyLocked()

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		expired = t.C
	}
	waiting := false
	for {
		if s.pollGen != gen {
			return apiError(http.StatusConflict, conflictPoller)
		}
		if s.webhook != nil {
			return apiError(http.StatusConflict, conflictWebhook)
		}
		if len(s.queue) > 0 || expired == nil || s.closed {
			batch := make([]json.RawMessage, 0, min(limit, len(s.queue)))
			for _, q := range s.queue[:min(limit, len(s.queue))] {
				q.returned = true
				batch = append(batch, q.raw)
			}
			return ok(batch)
		}
		if !waiting {
			// Counted so Polling can tell the sandbox (and tests) that a
			// bot is connected and parked in a long poll.
			waiting = true
			s.polling++
			s.notifyLocked()
			defer func() {
				s.polling--
				s.notifyLocked()
			}()
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-expired:
			expired = nil
		case <-ctx.Done():
			expired = nil
		case <-s.done:
		}
		s.mu.Lock()
	}
}
