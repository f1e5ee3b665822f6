package fakeapi

import "encoding/json"

// The wire types mirror the Bot API objects the fake emits. They are the
// fake's own, with Telegram's omitempty habits, rather than the client's
// models, so that tests prove the client decodes what Telegram sends.

type wireUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

type entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

type wireDocument struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MIMEType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wirePhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireVoice struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Duration     int    `json:"duration"`
	MIMEType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireMessage struct {
	MessageID       int             `json:"message_id"`
	From            *wireUser       `json:"from,omitempty"`
	Chat            wireChat        `json:"chat"`
	Date            int64           `json:"date"`
	EditDate        int64           `json:"edit_date,omitempty"`
	Text            string          `json:"text,omitempty"`
	Entities        []entity        `json:"entities,omitempty"`
	Caption         string          `json:"caption,omitempty"`
	CaptionEntities []entity        `json:"caption_entities,omitempty"`
	Document        *wireDocument   `json:"document,omitempty"`
	Photo           []wirePhotoSize `json:"photo,omitempty"`
	Voice           *wireVoice      `json:"voice,omitempty"`
	ReplyMarkup     json.RawMessage `json:"reply_markup,omitempty"`
}

// wireInaccessible is what Telegram sends for a callback on a message the
// bot can no longer see: date 0 is how clients tell the two apart.
type wireInaccessible struct {
	Chat      wireChat `json:"chat"`
	MessageID int      `json:"message_id"`
	Date      int64    `json:"date"`
}

type wireCallbackQuery struct {
	ID           string   `json:"id"`
	From         wireUser `json:"from"`
	Message      any      `json:"message,omitempty"`
	ChatInstance string   `json:"chat_instance"`
	Data         string   `json:"data,omitempty"`
}

type wireChatMember struct {
	Status string   `json:"status"`
	User   wireUser `json:"user"`
	// UntilDate is part of ChatMemberBanned, the shape of "kicked".
	UntilDate *int64 `json:"until_date,omitempty"`
}

type wireChatMemberUpdated struct {
	Chat          wireChat       `json:"chat"`
	From          wireUser       `json:"from"`
	Date          int64          `json:"date"`
	OldChatMember wireChatMember `json:"old_chat_member"`
	NewChatMember wireChatMember `json:"new_chat_member"`
}

type wireUpdate struct {
	UpdateID      int64                  `json:"update_id"`
	Message       *wireMessage           `json:"message,omitempty"`
	CallbackQuery *wireCallbackQuery     `json:"callback_query,omitempty"`
	MyChatMember  *wireChatMemberUpdated `json:"my_chat_member,omitempty"`
}

func (u *User) wire() wireUser {
	return wireUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LanguageCode}
}

func (u *User) privateChat() wireChat {
	return wireChat{ID: u.ID, Type: "private", FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

func (s *Server) botUser() wireUser {
	return wireUser{ID: s.botID, IsBot: true, FirstName: botFirstName, Username: botUsername}
}

// wireBotMessageLocked renders a bot message as the Bot API returns it:
// parsed text with entities rather than the markup the bot sent.
func (s *Server) wireBotMessageLocked(bm *botMessage) wireMessage {
	from := s.botUser()
	w := wireMessage{
		MessageID:   bm.ID,
		From:        &from,
		Chat:        s.users[bm.ChatID].privateChat(),
		Date:        bm.Date.Unix(),
		ReplyMarkup: bm.markup,
	}
	if bm.Edited {
		w.EditDate = bm.editDate.Unix()
	}
	media := false
	if f := bm.docFile; f != nil {
		media = true
		w.Document = &wireDocument{FileID: f.ID, FileUniqueID: f.uniqueID, FileName: f.Name, MIMEType: f.MIMEType, FileSize: len(f.Data)}
	}
	if f := bm.photoFile; f != nil {
		media = true
		w.Photo = f.photoSizes()
	}
	if f := bm.voiceFile; f != nil {
		media = true
		w.Voice = &wireVoice{FileID: f.ID, FileUniqueID: f.uniqueID, Duration: 2, MIMEType: f.MIMEType, FileSize: len(f.Data)}
	}
	if media || bm.Caption != "" {
		w.Caption, w.CaptionEntities = bm.plain, bm.entities
	} else {
		w.Text, w.Entities = bm.plain, bm.entities
	}
	return w
}
