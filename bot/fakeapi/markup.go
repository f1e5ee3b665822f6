package fakeapi

import (
	"encoding/json"
	"net/url"
)

type markupKind int

const (
	markupNone markupKind = iota
	markupInline
	markupReply
	markupRemove
	markupForce
)

// markup is a parsed reply_markup. inlineJSON is the inline keyboard in a
// canonical form (sorted keys, empty copy_text dropped): it is what a
// message returns and what "message is not modified" compares.
type markup struct {
	kind       markupKind
	inline     [][]Button
	inlineJSON json.RawMessage
	reply      [][]string
}

// Telegram's docs give no button limit; about 100 inline buttons is the
// community-measured ceiling (see F in the library notes).
const maxInlineButtons = 100

// inlineActions are the optional InlineKeyboardButton fields of which
// exactly one must be used.
var inlineActions = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

func parseMarkup(raw string, inlineOnly bool) (markup, *reply) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	if rows, ok := obj["inline_keyboard"]; ok {
		return parseInline(rows)
	}
	if inlineOnly {
		return markup{}, badRequest("inline keyboard expected")
	}
	if rows, ok := obj["keyboard"]; ok {
		return parseReplyKeyboard(rows)
	}
	var flag bool
	if v, ok := obj["remove_keyboard"]; ok && json.Unmarshal(v, &flag) == nil && flag {
		return markup{kind: markupRemove}, nil
	}
	if v, ok := obj["force_reply"]; ok && json.Unmarshal(v, &flag) == nil && flag {
		return markup{kind: markupForce}, nil
	}
	return markup{}, badRequest("can't parse reply keyboard markup JSON object")
}

func parseInline(raw json.RawMessage) (markup, *reply) {
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return markup{}, badRequest("can't parse inline keyboard button: Field \"inline_keyboard\" must be of type Array")
	}
	mk := markup{kind: markupInline, inline: make([][]Button, len(rows))}
	total := 0
	for i, row := range rows {
		mk.inline[i] = make([]Button, len(row))
		for j, btn := range row {
			b, r := parseInlineButton(btn)
			if r != nil {
				return markup{}, r
			}
			mk.inline[i][j] = b
			total++
		}
	}
	if total > maxInlineButtons {
		return markup{}, badRequest("reply markup is too long")
	}
	// Marshalling the maps (with copy_text already dropped when empty)
	// gives sorted keys, so equal keyboards compare equal byte for byte.
	canon, err := json.Marshal(map[string]any{"inline_keyboard": rows})
	if err != nil {
		return markup{}, badRequest("can't parse inline keyboard button")
	}
	mk.inlineJSON = canon
	return mk, nil
}

// parseInlineButton treats an empty copy_text as absent: go-telegram/bot
// sends `"copy_text":{"text":""}` on every button (A2 in the library notes).
// It edits btn in place so the canonical form drops that field too.
func parseInlineButton(btn map[string]json.RawMessage) (Button, *reply) {
	var b Button
	if json.Unmarshal(btn["text"], &b.Text) != nil || b.Text == "" {
		return b, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	emptyCopy := false
	if raw, ok := btn["copy_text"]; ok {
		var ct struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(raw, &ct) != nil {
			return b, badRequest("can't parse inline keyboard button: Field \"copy_text\" must be of type Object")
		}
		if ct.Text == "" {
			delete(btn, "copy_text")
			emptyCopy = true
		}
	}
	if raw, ok := btn["pay"]; ok {
		var pay bool
		if json.Unmarshal(raw, &pay) != nil || !pay {
			delete(btn, "pay")
		}
	}
	actions := 0
	for _, k := range inlineActions {
		if _, ok := btn[k]; ok {
			actions++
		}
	}
	switch {
	case actions == 0 && emptyCopy:
		return b, badRequest("BUTTON_COPY_TEXT_INVALID")
	case actions == 0:
		return b, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case actions > 1:
		return b, badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used")
	}
	if raw, ok := btn["callback_data"]; ok {
		// The limit is in bytes, not characters: "1-64 bytes" in the spec.
		if json.Unmarshal(raw, &b.Data) != nil || len(b.Data) < 1 || len(b.Data) > 64 {
			return b, badRequest("BUTTON_DATA_INVALID")
		}
	}
	if raw, ok := btn["url"]; ok {
		u, err := url.Parse(jsonString(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tg") || (u.Scheme != "tg" && u.Host == "") {
			return b, badRequest("BUTTON_URL_INVALID")
		}
		b.URL = u.String()
	}
	return b, nil
}

func jsonString(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// parseReplyKeyboard accepts buttons as KeyboardButton objects or as bare
// strings; the Bot API allows both.
func parseReplyKeyboard(raw json.RawMessage) (markup, *reply) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return markup{}, badRequest("can't parse keyboard button: Field \"keyboard\" must be of type Array")
	}
	mk := markup{kind: markupReply, reply: make([][]string, len(rows))}
	for i, row := range rows {
		mk.reply[i] = make([]string, len(row))
		for j, cell := range row {
			var text string
			if json.Unmarshal(cell, &text) != nil {
				var btn struct {
					Text string `json:"text"`
				}
				if json.Unmarshal(cell, &btn) != nil {
					return markup{}, badRequest("can't parse keyboard button: KeyboardButton must be a String or an Object")
				}
				text = btn.Text
			}
			if text == "" {
				return markup{}, badRequest("can't parse keyboard button: Field \"text\" must be of type String")
			}
			mk.reply[i][j] = text
		}
	}
	return mk, nil
}
