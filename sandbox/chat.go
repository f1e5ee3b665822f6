package sandbox

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"sort"
	"strings"
	"time"

	"innsjekk/bot/fakeapi"
)

// userMsg is a message a simulated user sent. The fake server keeps only
// the bot's messages, as a Telegram client's server-side view would; the
// user's side is taken from the updates it queues.
type userMsg struct {
	ID    int
	At    time.Time
	Text  string
	Voice *fakeapi.File
	Photo *fakeapi.File
}

// viewMsg is one message as the page draws it.
type viewMsg struct {
	ID       int            `json:"id"`
	From     string         `json:"from"` // "bot" or "user"
	Text     string         `json:"text,omitempty"`
	Inline   [][]viewButton `json:"inline,omitempty"`
	Edited   bool           `json:"edited,omitempty"`
	At       time.Time      `json:"at"`
	Document *viewFile      `json:"document,omitempty"`
	Photo    *viewFile      `json:"photo,omitempty"`
	Voice    *viewFile      `json:"voice,omitempty"`
}

type viewButton struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
}

type viewFile struct {
	Name string `json:"name"`
	MIME string `json:"mime,omitempty"`
	Size int    `json:"size"`
	URL  string `json:"url"`
}

// chatView is a chat as the person's Telegram client shows it.
type chatView struct {
	Person   string     `json:"person"`
	Messages []viewMsg  `json:"messages"`
	Keyboard [][]string `json:"keyboard"`
}

// watchFake follows the fake server: it records what users send and tells
// the pages which chat changed. Pages then fetch the chat again, which
// keeps edits and deletions right without mirroring the fake's state.
func (s *sandbox) watchFake(ctx context.Context, events <-chan fakeapi.Event) {
	for {
		var ev fakeapi.Event
		var ok bool
		select {
		case <-ctx.Done():
			return
		case ev, ok = <-events:
			if !ok {
				return
			}
		}
		chat := ev.ChatID
		if ev.Kind == fakeapi.EventCallbackAnswer && chat == 0 {
			chat = ev.Answer.UserID
		}
		p := s.byChat[chat]
		if p == nil {
			continue
		}
		switch ev.Kind {
		case fakeapi.EventUpdate:
			if !s.recordUpdate(chat, ev) {
				continue // a tapped button or a service update: nothing to draw
			}
		case fakeapi.EventCallbackAnswer:
			if ev.Answer.Text != "" {
				s.hub.publish("toast", map[string]string{"person": p.ID, "text": ev.Answer.Text})
			}
			continue
		}
		s.hub.publish("chat", map[string]string{"person": p.ID})
	}
}

// recordUpdate keeps a message the user sent; it reports whether the
// update was one.
func (s *sandbox) recordUpdate(chat int64, ev fakeapi.Event) bool {
	var u struct {
		Message *struct {
			MessageID int    `json:"message_id"`
			Text      string `json:"text"`
			Voice     *struct {
				FileID string `json:"file_id"`
			} `json:"voice"`
			Photo []struct {
				FileID string `json:"file_id"`
			} `json:"photo"`
		} `json:"message"`
	}
	if json.Unmarshal(ev.Update, &u) != nil || u.Message == nil {
		return false
	}
	m := userMsg{ID: u.Message.MessageID, At: ev.At, Text: u.Message.Text}
	if v := u.Message.Voice; v != nil {
		if f, ok := s.fake.FileByID(v.FileID); ok {
			m.Voice = &f
		}
	}
	if ps := u.Message.Photo; len(ps) > 0 {
		if f, ok := s.fake.FileByID(ps[len(ps)-1].FileID); ok {
			m.Photo = &f
		}
	}
	s.mu.Lock()
	s.userMsgs[chat] = append(s.userMsgs[chat], m)
	s.mu.Unlock()
	return true
}

// chat builds a person's chat: the bot's messages as the fake holds them
// and the user's own, in Telegram's order (one id sequence per chat).
func (s *sandbox) chat(p *Person) chatView {
	v := chatView{Person: p.ID, Keyboard: s.fake.Keyboard(p.User), Messages: []viewMsg{}}
	if v.Keyboard == nil {
		v.Keyboard = [][]string{}
	}
	for _, m := range s.fake.Chat(p.User) {
		vm := viewMsg{ID: m.ID, From: "bot", Text: plainText(m.Text, m.ParseMode), Edited: m.Edited, At: m.Date}
		if m.Text == "" {
			vm.Text = plainText(m.Caption, m.ParseMode)
		}
		for _, row := range m.Inline {
			vr := make([]viewButton, len(row))
			for i, b := range row {
				vr[i] = viewButton{Text: b.Text, Data: b.Data, URL: b.URL}
			}
			vm.Inline = append(vm.Inline, vr)
		}
		vm.Document = fileView(m.Document)
		vm.Photo = fileView(m.Photo)
		v.Messages = append(v.Messages, vm)
	}
	s.mu.Lock()
	for _, m := range s.userMsgs[p.User] {
		v.Messages = append(v.Messages, viewMsg{ID: m.ID, From: "user", Text: m.Text, At: m.At,
			Voice: fileView(m.Voice), Photo: fileView(m.Photo)})
	}
	s.mu.Unlock()
	sort.SliceStable(v.Messages, func(i, j int) bool { return v.Messages[i].ID < v.Messages[j].ID })
	return v
}

func fileView(f *fakeapi.File) *viewFile {
	if f == nil {
		return nil
	}
	return &viewFile{Name: f.Name, MIME: f.MIMEType, Size: len(f.Data), URL: "/api/file?id=" + url.QueryEscape(f.ID)}
}

// plainText is what a Telegram client would show for text sent with
// parse_mode: the page draws text, never the bot's markup, so nothing the
// bot sends can turn into HTML on the page.
func plainText(text, parseMode string) string {
	if !strings.EqualFold(parseMode, "HTML") {
		return text
	}
	var b strings.Builder
	inTag := false
	for _, r := range text {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}
