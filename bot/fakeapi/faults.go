package fakeapi

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Inject queues a fault. Faults match in the order they were injected.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) takeFaultLocked(method, chatParam string) *Fault {
	chatID, _ := strconv.ParseInt(chatParam, 10, 64)
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.ChatID != 0 && f.ChatID != chatID {
			continue
		}
		hit := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &hit
	}
	return nil
}

// faultReply shapes an injected failure like the real one, so the client
// maps it to the same error type it would see in production (A6 in the
// library notes).
func faultReply(f *Fault) *reply {
	r := &reply{status: f.Status, desc: f.Description}
	if f.HTML || f.Status == http.StatusBadGateway || f.Status == http.StatusServiceUnavailable || f.Status == http.StatusGatewayTimeout {
		r.html = true
		return r
	}
	if r.desc != "" {
		if f.Status == http.StatusTooManyRequests {
			r.retryAfter = max(f.RetryAfter, 1)
		}
		return r
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		r.retryAfter = max(f.RetryAfter, 1)
		r.desc = fmt.Sprintf("Too Many Requests: retry after %d", r.retryAfter)
	case http.StatusForbidden:
		r.desc = "Forbidden: bot was blocked by the user"
	case http.StatusBadRequest:
		r.desc = "Bad Request"
	case http.StatusUnauthorized:
		r.desc = "Unauthorized"
	case http.StatusNotFound:
		r.desc = "Not Found"
	case http.StatusConflict:
		r.desc = conflictPoller
	default:
		r.desc = http.StatusText(f.Status)
		if r.desc == "" {
			r.desc = "Error"
		}
	}
	return r
}

// SetLimits turns on flood control for sending methods: at most one message
// per perChat in each chat, and at most global messages per second overall.
// Zero turns a limit off. Excess calls get 429 with retry_after, measured
// on the clock set by SetClock.
func (s *Server) SetLimits(perChat time.Duration, global int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perChat, s.global = perChat, global
}

// countsAsSend says which methods Telegram's flood control counts: the
// ones that put a new message into a chat.
func countsAsSend(method string) bool {
	switch method {
	case "sendChatAction", "sendMessageDraft":
		return false
	case "copyMessage", "copyMessages", "forwardMessage", "forwardMessages":
		return true
	}
	return strings.HasPrefix(method, "send")
}

func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

func (s *Server) checkLimitsLocked(method string, chatID int64) *reply {
	if !countsAsSend(method) {
		return nil
	}
	now := s.nowLocked()
	if s.perChat > 0 && chatID != 0 {
		if last, ok := s.lastSend[chatID]; ok {
			if wait := s.perChat - now.Sub(last); wait > 0 {
				return tooMany(retryAfterSeconds(wait))
			}
		}
	}
	if s.global > 0 {
		s.recent = slices.DeleteFunc(s.recent, func(t time.Time) bool { return now.Sub(t) >= time.Second })
		if len(s.recent) >= s.global {
			return tooMany(retryAfterSeconds(time.Second - now.Sub(s.recent[0])))
		}
	}
	return nil
}

func tooMany(sec int) *reply {
	return &reply{status: http.StatusTooManyRequests, desc: fmt.Sprintf("Too Many Requests: retry after %d", sec), retryAfter: sec}
}

func (s *Server) noteSendLocked(method string, chatID int64) {
	if !countsAsSend(method) {
		return
	}
	now := s.nowLocked()
	if chatID != 0 {
		s.lastSend[chatID] = now
	}
	if s.global > 0 {
		s.recent = append(s.recent, now)
	}
}
