package fakeapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	maxTextRunes    = 4096
	maxCaptionRunes = 1024
	maxAnswerRunes  = 200

	notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
)

type userState struct {
	User
	blocked bool
}

// chatState is a private chat. Bot and user messages share one id sequence,
// as on Telegram, so message ids in tests look like real ones.
type chatState struct {
	nextID   int
	msgs     []*botMessage
	userMsgs map[int]bool
	keyboard [][]string
}

type botMessage struct {
	Message
	// plain and entities are the text (or caption) after parse_mode, which
	// is what Telegram compares for "message is not modified".
	plain     string
	entities  []entity
	markup    json.RawMessage
	editDate  time.Time
	docFile   *storedFile
	photoFile *storedFile
	voiceFile *storedFile
}

func (bm *botMessage) public() Message {
	m := bm.Message
	m.Inline = cloneGrid(bm.Inline)
	m.Reply = cloneGrid(bm.Reply)
	if bm.docFile != nil {
		f := bm.docFile.public()
		m.Document = &f
	}
	if bm.photoFile != nil {
		f := bm.photoFile.public()
		m.Photo = &f
	}
	if bm.voiceFile != nil {
		f := bm.voiceFile.public()
		m.Voice = &f
	}
	return m
}

func cloneGrid[T any](g [][]T) [][]T {
	if g == nil {
		return nil
	}
	out := make([][]T, len(g))
	for i, row := range g {
		out[i] = slices.Clone(row)
	}
	return out
}

func (c *chatState) find(id int) (int, *botMessage) {
	for i, bm := range c.msgs {
		if bm.ID == id {
			return i, bm
		}
	}
	return -1, nil
}

func (s *Server) chatStateLocked(chatID int64) *chatState {
	c := s.chats[chatID]
	if c == nil {
		c = &chatState{nextID: 1, userMsgs: map[int]bool{}}
		s.chats[chatID] = c
	}
	return c
}

func (s *Server) newBotMessageLocked(chatID int64) *botMessage {
	c := s.chatStateLocked(chatID)
	bm := &botMessage{Message: Message{ID: c.nextID, ChatID: chatID, Date: s.nowLocked()}}
	c.nextID++
	c.msgs = append(c.msgs, bm)
	return bm
}

// Chat returns the bot's messages in chatID as the user now sees them,
// oldest first.
func (s *Server) Chat(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatLocked(chatID)
}

func (s *Server) chatLocked(chatID int64) []Message {
	c := s.chats[chatID]
	if c == nil {
		return nil
	}
	out := make([]Message, len(c.msgs))
	for i, bm := range c.msgs {
		out[i] = bm.public()
	}
	return out
}

// Keyboard returns the reply keyboard the user currently has in chatID: the
// last one sent, until a message removes it.
func (s *Server) Keyboard(chatID int64) [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return cloneGrid(c.keyboard)
	}
	return nil
}

// renderText applies parse_mode the way Telegram does before it measures
// or compares text. Only HTML is parsed; Markdown modes pass through.
func renderText(text, parseMode, entitiesJSON string) (string, []entity, *reply) {
	switch {
	case parseMode == "":
		var ents []entity
		if entitiesJSON != "" {
			_ = json.Unmarshal([]byte(entitiesJSON), &ents)
		}
		return text, ents, nil
	case strings.EqualFold(parseMode, "HTML"):
		plain, ents, err := parseHTML(text)
		if err != nil {
			return "", nil, badRequest("can't parse entities: %v", err)
		}
		return plain, ents, nil
	case strings.EqualFold(parseMode, "Markdown"), strings.EqualFold(parseMode, "MarkdownV2"):
		return text, nil, nil
	}
	return "", nil, badRequest("unsupported parse_mode")
}

func checkText(plain string) *reply {
	if plain == "" {
		return badRequest("message text is empty")
	}
	if utf8.RuneCountInString(plain) > maxTextRunes {
		return badRequest("message is too long")
	}
	return nil
}

func checkCaption(plain string) *reply {
	if utf8.RuneCountInString(plain) > maxCaptionRunes {
		return badRequest("message caption is too long")
	}
	return nil
}

func markupParam(req *request, inlineOnly bool) (markup, *reply) {
	raw, present := req.params["reply_markup"]
	if !present || raw == "" || raw == "null" {
		return markup{}, nil
	}
	return parseMarkup(raw, inlineOnly)
}

func (bm *botMessage) applyMarkup(mk markup) {
	bm.Inline, bm.markup = mk.inline, mk.inlineJSON
	bm.Reply = mk.reply
	bm.RemoveKeyboard = mk.kind == markupRemove
}

func (s *Server) noteKeyboardLocked(chatID int64, mk markup) {
	c := s.chatStateLocked(chatID)
	switch mk.kind {
	case markupReply:
		c.keyboard = cloneGrid(mk.reply)
	case markupRemove:
		c.keyboard = nil
	}
}

func (s *Server) sendMessageLocked(req *request) *reply {
	text, mode := req.params["text"], req.params["parse_mode"]
	plain, ents, r := renderText(text, mode, req.params["entities"])
	if r != nil {
		return r
	}
	if r := checkText(plain); r != nil {
		return r
	}
	mk, r := markupParam(req, false)
	if r != nil {
		return r
	}
	bm := s.newBotMessageLocked(req.chatID)
	bm.Text, bm.ParseMode, bm.plain, bm.entities = text, mode, plain, ents
	bm.applyMarkup(mk)
	s.noteKeyboardLocked(req.chatID, mk)
	s.emitLocked(Event{Kind: EventMessage, ChatID: req.chatID, Message: bm.public()})
	return ok(s.wireBotMessageLocked(bm))
}

// editTargetLocked finds the bot message an edit names. Inline messages
// (inline_message_id) do not exist in this fake.
func (s *Server) editTargetLocked(req *request, verb string) (*botMessage, *reply) {
	if req.params["inline_message_id"] != "" {
		return nil, badRequest("MESSAGE_ID_INVALID")
	}
	idText, hasID := req.params["message_id"]
	if req.chatID == 0 || !hasID {
		return nil, badRequest("message identifier is not specified")
	}
	id, _ := strconv.Atoi(idText)
	c := s.chats[req.chatID]
	if c == nil {
		return nil, badRequest("message to %s not found", verb)
	}
	if _, bm := c.find(id); bm != nil {
		return bm, nil
	}
	if c.userMsgs[id] && verb == "edit" {
		return nil, badRequest("message can't be edited")
	}
	return nil, badRequest("message to %s not found", verb)
}

func sameContent(bm *botMessage, plain string, ents []entity, mk markup) bool {
	a, _ := json.Marshal(bm.entities)
	b, _ := json.Marshal(ents)
	return bm.plain == plain && bytes.Equal(a, b) && bytes.Equal(bm.markup, mk.inlineJSON)
}

func (s *Server) markEditedLocked(bm *botMessage) *reply {
	bm.Edited = true
	bm.editDate = s.nowLocked()
	s.emitLocked(Event{Kind: EventEdit, ChatID: bm.ChatID, Message: bm.public()})
	return ok(s.wireBotMessageLocked(bm))
}

// editMessageTextLocked follows Telegram in dropping the inline keyboard
// when the edit carries no reply_markup.
func (s *Server) editMessageTextLocked(req *request) *reply {
	bm, r := s.editTargetLocked(req, "edit")
	if r != nil {
		return r
	}
	if bm.docFile != nil || bm.photoFile != nil || bm.voiceFile != nil || bm.Caption != "" {
		return badRequest("there is no text in the message to edit")
	}
	text, mode := req.params["text"], req.params["parse_mode"]
	plain, ents, r := renderText(text, mode, req.params["entities"])
	if r != nil {
		return r
	}
	if r := checkText(plain); r != nil {
		return r
	}
	mk, r := markupParam(req, true)
	if r != nil {
		return r
	}
	if sameContent(bm, plain, ents, mk) {
		return badRequest(notModified)
	}
	bm.Text, bm.ParseMode, bm.plain, bm.entities = text, mode, plain, ents
	bm.Inline, bm.markup = mk.inline, mk.inlineJSON
	return s.markEditedLocked(bm)
}

func (s *Server) editMessageCaptionLocked(req *request) *reply {
	bm, r := s.editTargetLocked(req, "edit")
	if r != nil {
		return r
	}
	if bm.docFile == nil && bm.photoFile == nil && bm.voiceFile == nil && bm.Caption == "" {
		return badRequest("there is no caption in the message to edit")
	}
	caption, mode := req.params["caption"], req.params["parse_mode"]
	plain, ents, r := renderText(caption, mode, req.params["caption_entities"])
	if r != nil {
		return r
	}
	if r := checkCaption(plain); r != nil {
		return r
	}
	mk, r := markupParam(req, true)
	if r != nil {
		return r
	}
	if sameContent(bm, plain, ents, mk) {
		return badRequest(notModified)
	}
	bm.Caption, bm.ParseMode, bm.plain, bm.entities = caption, mode, plain, ents
	bm.Inline, bm.markup = mk.inline, mk.inlineJSON
	return s.markEditedLocked(bm)
}

func (s *Server) editMessageReplyMarkupLocked(req *request) *reply {
	bm, r := s.editTargetLocked(req, "edit")
	if r != nil {
		return r
	}
	mk, r := markupParam(req, true)
	if r != nil {
		return r
	}
	if bytes.Equal(bm.markup, mk.inlineJSON) {
		return badRequest(notModified)
	}
	bm.Inline, bm.markup = mk.inline, mk.inlineJSON
	return s.markEditedLocked(bm)
}

func (s *Server) deleteMessageLocked(req *request) *reply {
	c := s.chats[req.chatID]
	id, _ := strconv.Atoi(req.params["message_id"])
	if c != nil {
		if i, bm := c.find(id); bm != nil {
			c.msgs = slices.Delete(c.msgs, i, i+1)
			s.emitLocked(Event{Kind: EventDelete, ChatID: req.chatID, Message: bm.public()})
			return ok(true)
		}
		if c.userMsgs[id] {
			delete(c.userMsgs, id)
			return ok(true)
		}
	}
	return badRequest("message to delete not found")
}

func (s *Server) answerCallbackQueryLocked(req *request) *reply {
	id := req.params["callback_query_id"]
	cb := s.callbacks[id]
	// Telegram gives the same answer for unknown, expired and already
	// answered queries.
	if cb == nil || cb.answered {
		return badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	text := req.params["text"]
	if utf8.RuneCountInString(text) > maxAnswerRunes {
		return badRequest("MESSAGE_TOO_LONG")
	}
	showAlert, _ := parseBool(req.params["show_alert"])
	cb.answered = true
	a := CallbackAnswer{
		QueryID:   id,
		UserID:    cb.userID,
		MessageID: cb.msgID,
		Data:      cb.data,
		Text:      text,
		ShowAlert: showAlert,
		URL:       req.params["url"],
		At:        s.nowLocked(),
	}
	s.answers = append(s.answers, a)
	s.emitLocked(Event{Kind: EventCallbackAnswer, ChatID: cb.userID, Answer: a})
	return ok(true)
}

// CallbackAnswers returns every accepted answerCallbackQuery, oldest first.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.answers)
}

// sendMediaLocked is sendDocument and sendPhoto: the file is checked and
// the caption parsed before anything is stored, so a rejected upload leaves
// no trace but the recorded call.
func (s *Server) sendMediaLocked(req *request, field string, kind fileKind) *reply {
	f, isNew, r := s.resolveFileLocked(req, field, kind)
	if r != nil {
		return r
	}
	caption, mode := req.params["caption"], req.params["parse_mode"]
	plain, ents, r := renderText(caption, mode, req.params["caption_entities"])
	if r != nil {
		return r
	}
	if r := checkCaption(plain); r != nil {
		return r
	}
	mk, r := markupParam(req, false)
	if r != nil {
		return r
	}
	if isNew {
		s.registerFileLocked(f)
	}
	bm := s.newBotMessageLocked(req.chatID)
	bm.Caption, bm.ParseMode, bm.plain, bm.entities = caption, mode, plain, ents
	switch kind {
	case kindPhoto:
		bm.photoFile = f
	case kindVoice:
		bm.voiceFile = f
	default:
		bm.docFile = f
	}
	bm.applyMarkup(mk)
	s.noteKeyboardLocked(req.chatID, mk)
	s.emitLocked(Event{Kind: EventMessage, ChatID: req.chatID, Message: bm.public()})
	return ok(s.wireBotMessageLocked(bm))
}

func (s *Server) sendDocumentLocked(req *request) *reply {
	return s.sendMediaLocked(req, "document", kindDocument)
}

func (s *Server) sendPhotoLocked(req *request) *reply {
	return s.sendMediaLocked(req, "photo", kindPhoto)
}

func (s *Server) sendVoiceLocked(req *request) *reply {
	return s.sendMediaLocked(req, "voice", kindVoice)
}
