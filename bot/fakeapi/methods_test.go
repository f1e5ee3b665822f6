package fakeapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"
)

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

func TestGetMe(t *testing.T) {
	e := newEnv(t)
	// GetMe sends an empty multipart body, which the fake must accept.
	me, err := e.bot.GetMe(testCtx(t))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if me.Username != e.fake.BotUsername() || me.ID != 123456 || !me.IsBot {
		t.Errorf("GetMe = %+v, want @%s id 123456", me, e.fake.BotUsername())
	}
}

func TestSendMessage_InlineKeyboardRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	kb := keyboard([]models.InlineKeyboardButton{
		{Text: "✅ Jeg er her", CallbackData: "1|ci|ok"},
		{Text: "✖", CallbackData: "1|ci|no"},
	}, []models.InlineKeyboardButton{{Text: "Hjelp", URL: "https://example.org/help"}})

	msg, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{
		ChatID: amina, Text: "<b>Hei</b> Amina &amp; co", ParseMode: models.ParseModeHTML, ReplyMarkup: kb,
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if msg.ID != 1 || msg.Chat.ID != amina || msg.From == nil || msg.From.Username != e.fake.BotUsername() {
		t.Errorf("SendMessage returned id %d chat %d from %+v", msg.ID, msg.Chat.ID, msg.From)
	}
	if msg.Text != "Hei Amina & co" {
		t.Errorf("returned text %q, want the parsed text", msg.Text)
	}
	if len(msg.Entities) != 1 || msg.Entities[0].Type != models.MessageEntityTypeBold || msg.Entities[0].Length != 3 {
		t.Errorf("returned entities %+v, want one bold of length 3", msg.Entities)
	}
	if msg.ReplyMarkup == nil || len(msg.ReplyMarkup.InlineKeyboard) != 2 || msg.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "1|ci|no" {
		t.Errorf("returned reply markup %+v", msg.ReplyMarkup)
	}

	want := []Message{{
		ID: 1, ChatID: amina, Text: "<b>Hei</b> Amina &amp; co", ParseMode: "HTML",
		Inline: [][]Button{
			{{Text: "✅ Jeg er her", Data: "1|ci|ok"}, {Text: "✖", Data: "1|ci|no"}},
			{{Text: "Hjelp", URL: "https://example.org/help"}},
		},
	}}
	got := e.fake.Chat(amina)
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Date" }, cmp.Ignore())); diff != "" {
		t.Errorf("Chat(amina) (-want +got):\n%s", diff)
	}
	calls := e.fake.CallsTo("sendMessage")
	if len(calls) != 1 || !strings.Contains(calls[0].Params["reply_markup"], `"copy_text":{"text":""}`) {
		t.Errorf("recorded sendMessage params %v, want the raw reply_markup with copy_text", calls)
	}

	// The user taps; the bot reads the update and answers the callback.
	updateID, cbID := e.fake.Press(amina, msg.ID, "1|ci|ok")
	ups := e.getUpdates(t, nil)
	if diff := cmp.Diff([]int64{updateID}, ups.ids); diff != "" {
		t.Fatalf("getUpdates ids (-want +got):\n%s", diff)
	}
	var upd models.Update
	if err := json.Unmarshal(ups.raw[0], &upd); err != nil {
		t.Fatalf("decode update: %v", err)
	}
	cq := upd.CallbackQuery
	if cq == nil || cq.ID != cbID || cq.Data != "1|ci|ok" || cq.From.ID != amina {
		t.Fatalf("callback query = %+v", cq)
	}
	if cq.Message.Message == nil || cq.Message.Message.ID != msg.ID || cq.Message.Message.ReplyMarkup == nil {
		t.Fatalf("callback message = %+v, want the bot message with its keyboard", cq.Message)
	}
	if _, err := e.bot.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cbID, Text: "Registrert"}); err != nil {
		t.Fatalf("AnswerCallbackQuery: %v", err)
	}
	_, err = e.bot.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cbID})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("second AnswerCallbackQuery error = %v, want query is too old", err)
	}
	answers := e.fake.CallbackAnswers()
	if len(answers) != 1 || answers[0].Text != "Registrert" || answers[0].MessageID != msg.ID || answers[0].Data != "1|ci|ok" {
		t.Errorf("CallbackAnswers = %+v", answers)
	}
}

func TestEditMessageText(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	kb := keyboard([]models.InlineKeyboardButton{{Text: "OK", CallbackData: "ok"}})
	msg, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "Er du syk?", ReplyMarkup: kb})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}

	t.Run("ErrNotModified", func(t *testing.T) {
		_, err := e.bot.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: amina, MessageID: msg.ID, Text: "Er du syk?", ReplyMarkup: kb})
		if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
			t.Errorf("EditMessageText(same) error = %v, want message is not modified", err)
		}
		if got := e.fake.Chat(amina)[0]; got.Edited {
			t.Errorf("a rejected edit marked the message edited: %+v", got)
		}
	})
	t.Run("OK", func(t *testing.T) {
		edited, err := e.bot.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: amina, MessageID: msg.ID, Text: "Takk!", ReplyMarkup: kb})
		if err != nil {
			t.Fatalf("EditMessageText: %v", err)
		}
		if edited.Text != "Takk!" || edited.EditDate == 0 {
			t.Errorf("edited message = %q edit_date %d", edited.Text, edited.EditDate)
		}
		got := e.fake.Chat(amina)
		if len(got) != 1 || got[0].Text != "Takk!" || !got[0].Edited || len(got[0].Inline) != 1 {
			t.Errorf("Chat after edit = %+v", got)
		}
	})
	t.Run("NoMarkupDropsKeyboard", func(t *testing.T) {
		if _, err := e.bot.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: amina, MessageID: msg.ID, Text: "Takk!"}); err != nil {
			t.Fatalf("EditMessageText without markup: %v", err)
		}
		if got := e.fake.Chat(amina)[0]; got.Inline != nil {
			t.Errorf("keyboard after an edit without reply_markup = %v, want none", got.Inline)
		}
		_, err := e.bot.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: amina, MessageID: msg.ID})
		if err == nil || !strings.Contains(err.Error(), "message is not modified") {
			t.Errorf("EditMessageReplyMarkup(none on none) error = %v, want message is not modified", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.bot.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: amina, MessageID: 99, Text: "x"})
		if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message to edit not found") {
			t.Errorf("EditMessageText(unknown id) error = %v", err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if _, err := e.bot.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: amina, MessageID: msg.ID}); err != nil {
			t.Fatalf("DeleteMessage: %v", err)
		}
		if got := e.fake.Chat(amina); len(got) != 0 {
			t.Errorf("Chat after delete = %+v", got)
		}
		_, err := e.bot.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: amina, MessageID: msg.ID})
		if err == nil || !strings.Contains(err.Error(), "message to delete not found") {
			t.Errorf("second DeleteMessage error = %v", err)
		}
	})
}

func TestUnknownMethod(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Post(e.srv.URL+"/bot"+testToken+"/sendTelepathy", "multipart/form-data; boundary=x", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	const want = `{"ok":false,"error_code":404,"description":"Not Found: method not found"}`
	if resp.StatusCode != http.StatusNotFound || string(body) != want {
		t.Errorf("unknown method = %d %s, want 404 %s", resp.StatusCode, body, want)
	}
	if calls := e.fake.Calls(); len(calls) != 1 || calls[0].Method != "sendTelepathy" || calls[0].Status != 404 {
		t.Errorf("Calls() = %+v, want the 404 recorded", calls)
	}
}

func TestWrongToken(t *testing.T) {
	e := newEnv(t)
	other, err := bot.New("999:wrong", bot.WithServerURL(e.srv.URL), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.SendMessage(testCtx(t), &bot.SendMessageParams{ChatID: amina, Text: "x"})
	if !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("SendMessage with a wrong token error = %v, want ErrorUnauthorized", err)
	}
}

func TestValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		method string
		fields map[string]string
		want   string
	}{
		{"MissingText", "sendMessage", map[string]string{"chat_id": "42"}, "Bad Request: text is required"},
		{"MissingChat", "sendMessage", map[string]string{"text": "x"}, "Bad Request: chat_id is required"},
		{"EmptyText", "sendMessage", map[string]string{"chat_id": "42", "text": ""}, "Bad Request: message text is empty"},
		{"TooLong", "sendMessage", map[string]string{"chat_id": "42", "text": strings.Repeat("ø", 4097)}, "Bad Request: message is too long"},
		{"UnknownChat", "sendMessage", map[string]string{"chat_id": "7", "text": "x"}, "Bad Request: chat not found"},
		{"IntegerField", "deleteMessage", map[string]string{"chat_id": "42", "message_id": "one"}, `Bad Request: field "message_id" must be an Integer`},
		{"BadMarkupJSON", "sendMessage", map[string]string{"chat_id": "42", "text": "x", "reply_markup": "{"}, "Bad Request: can't parse reply_markup JSON object"},
		{"BadCommandsJSON", "setMyCommands", map[string]string{"commands": "[{"}, "Bad Request: can't parse commands JSON array"},
		{"BadHTML", "sendMessage", map[string]string{"chat_id": "42", "text": "jeg <3 deg>", "parse_mode": "HTML"}, `Bad Request: can't parse entities: Unsupported start tag "3" at byte offset 4`},
		{"BadParseMode", "sendMessage", map[string]string{"chat_id": "42", "text": "x", "parse_mode": "BBCode"}, "Bad Request: unsupported parse_mode"},
		{"MissingFileID", "getFile", nil, "Bad Request: file_id is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, env := e.call(t, tt.method, tt.fields)
			if status != http.StatusBadRequest || env.ErrorCode != 400 || env.Description != tt.want {
				t.Errorf("%s(%v) = %d %q, want 400 %q", tt.method, tt.fields, status, env.Description, tt.want)
			}
		})
	}
	if got := e.fake.Chat(amina); len(got) != 0 {
		t.Errorf("rejected calls left messages: %+v", got)
	}
	// Every request is recorded, rejected or not.
	if got := len(e.fake.Calls()); got != len(tests) {
		t.Errorf("len(Calls()) = %d, want %d", got, len(tests))
	}
}

func TestCallbackDataBytes(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	tests := []struct {
		name    string
		button  models.InlineKeyboardButton
		wantErr string
	}{
		{"64Bytes", models.InlineKeyboardButton{Text: "a", CallbackData: strings.Repeat("x", 64)}, ""},
		{"65Bytes", models.InlineKeyboardButton{Text: "a", CallbackData: strings.Repeat("x", 65)}, "BUTTON_DATA_INVALID"},
		// 33 characters, 66 bytes: the limit is in bytes.
		{"33TwoByteRunes", models.InlineKeyboardButton{Text: "a", CallbackData: strings.Repeat("ø", 33)}, "BUTTON_DATA_INVALID"},
		{"NoAction", models.InlineKeyboardButton{Text: "a"}, "BUTTON_COPY_TEXT_INVALID"},
		{"CopyText", models.InlineKeyboardButton{Text: "a", CopyText: models.CopyTextButton{Text: "1234"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "x", ReplyMarkup: keyboard([]models.InlineKeyboardButton{tt.button})})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("SendMessage: %v", err)
			case tt.wantErr != "" && (!errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("SendMessage error = %v, want %s", err, tt.wantErr)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	send := func() error {
		_, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "hei"})
		return err
	}

	t.Run("429", func(t *testing.T) {
		e.fake.Inject(Fault{Method: "sendMessage", Status: 429, RetryAfter: 7})
		var tooMany *bot.TooManyRequestsError
		if err := send(); !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
			t.Fatalf("SendMessage error = %v, want *bot.TooManyRequestsError with RetryAfter 7", err)
		}
		if !strings.Contains(tooMany.Message, "Too Many Requests: retry after 7") {
			t.Errorf("429 message = %q", tooMany.Message)
		}
	})
	t.Run("502HTML", func(t *testing.T) {
		e.fake.Inject(Fault{Method: "sendMessage", Status: 502})
		if err := send(); err == nil || !strings.Contains(err.Error(), "error decode response body") || !strings.Contains(err.Error(), "502 Bad Gateway") {
			t.Errorf("SendMessage error = %v, want an HTML decode error", err)
		}
	})
	t.Run("500JSON", func(t *testing.T) {
		e.fake.Inject(Fault{Method: "sendMessage", Status: 500})
		if err := send(); err == nil || !strings.Contains(err.Error(), "500 Internal Server Error") {
			t.Errorf("SendMessage error = %v, want a generic 500", err)
		}
	})
	t.Run("403ForOneChat", func(t *testing.T) {
		e.fake.Inject(Fault{Method: "sendMessage", ChatID: amina, Status: 403})
		if err := send(); !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
			t.Errorf("SendMessage error = %v, want forbidden", err)
		}
	})
	t.Run("DelayPastClientDeadline", func(t *testing.T) {
		e.fake.Inject(Fault{Method: "sendMessage", Delay: time.Minute})
		short, cancel := testCtxWithTimeout(t, 50*time.Millisecond)
		defer cancel()
		if _, err := e.bot.SendMessage(short, &bot.SendMessageParams{ChatID: amina, Text: "hei"}); err == nil {
			t.Errorf("SendMessage under a stalled server succeeded")
		}
	})

	// None of the faulted requests changed state: the next message is the
	// first one in the chat.
	msg, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "hei"})
	if err != nil {
		t.Fatalf("SendMessage after faults: %v", err)
	}
	if msg.ID != 1 || len(e.fake.Chat(amina)) != 1 {
		t.Errorf("after faults: message id %d, chat %+v; want id 1 alone", msg.ID, e.fake.Chat(amina))
	}
	var statuses []int
	var injected []bool
	for _, c := range e.fake.CallsTo("sendMessage") {
		statuses = append(statuses, c.Status)
		injected = append(injected, c.Injected)
	}
	if diff := cmp.Diff([]int{429, 502, 500, 403, 499, 200}, statuses); diff != "" {
		t.Errorf("recorded statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, true, true, true, true, false}, injected); diff != "" {
		t.Errorf("recorded Injected (-want +got):\n%s", diff)
	}
}

func TestFaultTimes(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.fake.Inject(Fault{Method: "sendmessage", Status: 500, Times: 2})
	var errs int
	for range 3 {
		if _, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "hei"}); err != nil {
			errs++
		}
	}
	if errs != 2 {
		t.Errorf("failed sends = %d, want 2", errs)
	}
}

func TestBlockedUser(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	updateID := e.fake.SetBlocked(amina, true)
	_, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "hei"})
	if !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("SendMessage to a blocking user error = %v, want forbidden", err)
	}
	ups := e.getUpdates(t, nil)
	var upd models.Update
	if len(ups.raw) != 1 || json.Unmarshal(ups.raw[0], &upd) != nil || upd.ID != updateID || upd.MyChatMember == nil ||
		upd.MyChatMember.NewChatMember.Type != models.ChatMemberTypeBanned {
		t.Errorf("updates after blocking = %s, want one my_chat_member to kicked", ups.raw)
	}
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	now := time.Date(2026, 9, 15, 7, 10, 0, 0, time.UTC)
	e.fake.SetClock(func() time.Time { return now })
	e.fake.AddUser(User{ID: 43, FirstName: "Per"})
	e.fake.AddUser(User{ID: 44, FirstName: "Anne"})
	send := func(chat int64) error {
		_, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "hei"})
		return err
	}

	e.fake.SetLimits(time.Second, 2)
	if err := send(amina); err != nil {
		t.Fatalf("first send: %v", err)
	}
	var tooMany *bot.TooManyRequestsError
	if err := send(amina); !errors.As(err, &tooMany) || tooMany.RetryAfter != 1 {
		t.Errorf("second send in the same second = %v, want 429 retry after 1", err)
	}
	if err := send(43); err != nil {
		t.Errorf("send to another chat: %v", err)
	}
	if err := send(44); !errors.As(err, &tooMany) {
		t.Errorf("third chat within a second = %v, want the global limit", err)
	}
	now = now.Add(time.Second)
	if err := send(amina); err != nil {
		t.Errorf("send after a second: %v", err)
	}
}

func TestSendDocumentAndPhoto(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	csv := []byte("name;day\nAmina;tue\n")
	msg, err := e.bot.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:   amina,
		Document: &models.InputFileUpload{Filename: "report.csv", Data: bytes.NewReader(csv)},
		Caption:  "Ukesrapport",
	})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	if msg.Document == nil || msg.Document.FileName != "report.csv" || msg.Caption != "Ukesrapport" || msg.Document.FileSize != int64(len(csv)) {
		t.Fatalf("SendDocument result = %+v doc %+v", msg, msg.Document)
	}
	got := e.fake.Chat(amina)
	if len(got) != 1 || got[0].Document == nil || got[0].Document.Name != "report.csv" || !bytes.Equal(got[0].Document.Data, csv) ||
		got[0].Caption != "Ukesrapport" || got[0].Document.MIMEType != "text/csv" {
		t.Errorf("Chat = %+v", got)
	}

	// The file can be fetched back the way a bot downloads user files.
	f, err := e.bot.GetFile(ctx, &bot.GetFileParams{FileID: msg.Document.FileID})
	if err != nil {
		t.Fatalf("GetFile: %v", err)
	}
	resp, err := http.Get(e.bot.FileDownloadLink(f))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(data, csv) {
		t.Errorf("downloaded %q, want %q", data, csv)
	}

	var png1 bytes.Buffer
	if err := png.Encode(&png1, image.NewGray(image.Rect(0, 0, 8, 5))); err != nil {
		t.Fatal(err)
	}
	photo, err := e.bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: amina, Photo: &models.InputFileUpload{Filename: "qr.png", Data: &png1}})
	if err != nil {
		t.Fatalf("SendPhoto: %v", err)
	}
	if len(photo.Photo) != 1 || photo.Photo[0].Width != 8 || photo.Photo[0].Height != 5 {
		t.Errorf("SendPhoto sizes = %+v", photo.Photo)
	}
	_, err = e.bot.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: amina, Photo: &models.InputFileUpload{Filename: "x.png", Data: strings.NewReader("not an image")}})
	if err == nil || !strings.Contains(err.Error(), "IMAGE_PROCESS_FAILED") {
		t.Errorf("SendPhoto(garbage) error = %v", err)
	}
	if n := len(e.fake.Chat(amina)); n != 2 {
		t.Errorf("len(Chat) = %d, want 2", n)
	}
}

func TestReplyKeyboard(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	_, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "Velg", ReplyMarkup: &models.ReplyKeyboardMarkup{
		Keyboard: [][]models.KeyboardButton{{{Text: "I dag"}, {Text: "I morgen"}}},
	}})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if diff := cmp.Diff([][]string{{"I dag", "I morgen"}}, e.fake.Keyboard(amina)); diff != "" {
		t.Errorf("Keyboard (-want +got):\n%s", diff)
	}
	_, err = e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "Takk", ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if kb := e.fake.Keyboard(amina); kb != nil {
		t.Errorf("Keyboard after remove = %v", kb)
	}
	if got := e.fake.Chat(amina); len(got) != 2 || !got[1].RemoveKeyboard || len(got[0].Reply) != 1 {
		t.Errorf("Chat = %+v", got)
	}
}

func TestSetMyCommands(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	nb := []models.BotCommand{{Command: "checkin", Description: "Sjekk inn"}, {Command: "syk", Description: "Meld fravær"}}
	en := []models.BotCommand{{Command: "checkin", Description: "Check in"}}
	private := &models.BotCommandScopeAllPrivateChats{}
	if _, err := e.bot.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: nb, Scope: private, LanguageCode: "nb"}); err != nil {
		t.Fatalf("SetMyCommands nb: %v", err)
	}
	if _, err := e.bot.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: en, Scope: private}); err != nil {
		t.Fatalf("SetMyCommands default language: %v", err)
	}

	got, err := e.bot.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: private, LanguageCode: "nb"})
	if err != nil {
		t.Fatalf("GetMyCommands: %v", err)
	}
	if diff := cmp.Diff(nb, got); diff != "" {
		t.Errorf("GetMyCommands(nb) (-want +got):\n%s", diff)
	}
	got, err = e.bot.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: private})
	if err != nil || len(got) != 1 || got[0].Description != "Check in" {
		t.Errorf("GetMyCommands(all languages) = %+v, %v", got, err)
	}
	// getMyCommands does no fallback: the default scope holds nothing.
	if got, err := e.bot.GetMyCommands(ctx, &bot.GetMyCommandsParams{LanguageCode: "nb"}); err != nil || len(got) != 0 {
		t.Errorf("GetMyCommands(default scope) = %+v, %v; want empty", got, err)
	}
	if diff := cmp.Diff([]BotCommand{{"checkin", "Sjekk inn"}, {"syk", "Meld fravær"}}, e.fake.Commands("all_private_chats", "nb")); diff != "" {
		t.Errorf("Commands (-want +got):\n%s", diff)
	}

	// The menu Amina (language ar) sees falls back to the scope's
	// language-less list; a Norwegian user gets theirs.
	e.fake.AddUser(User{ID: 43, FirstName: "Per", LanguageCode: "nb"})
	if got := e.fake.MenuCommands(amina); len(got) != 1 || got[0].Description != "Check in" {
		t.Errorf("MenuCommands(amina) = %+v", got)
	}
	if got := e.fake.MenuCommands(43); len(got) != 2 {
		t.Errorf("MenuCommands(per) = %+v", got)
	}

	for _, bad := range []struct {
		params *bot.SetMyCommandsParams
		want   string
	}{
		{&bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "CheckIn", Description: "x"}}}, "BOT_COMMAND_INVALID"},
		{&bot.SetMyCommandsParams{Commands: en, LanguageCode: "nb-NO"}, "invalid language code"},
		{&bot.SetMyCommandsParams{Commands: en, Scope: &models.BotCommandScopeChat{ChatID: 7}}, "chat not found"},
	} {
		if _, err := e.bot.SetMyCommands(ctx, bad.params); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("SetMyCommands(%+v) error = %v, want %s", bad.params, err, bad.want)
		}
	}

	if _, err := e.bot.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{Scope: private, LanguageCode: "nb"}); err != nil {
		t.Fatalf("DeleteMyCommands: %v", err)
	}
	if got := e.fake.Commands(`{"type":"all_private_chats"}`, "nb"); got != nil {
		t.Errorf("Commands after delete = %+v", got)
	}
}

func TestGenericMethod(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	if _, err := e.bot.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: amina, Action: models.ChatActionTyping}); err != nil {
		t.Errorf("SendChatAction: %v", err)
	}
	// A Message-returning method the fake does not model still yields a
	// message the client can decode.
	loc, err := e.bot.SendLocation(ctx, &bot.SendLocationParams{ChatID: amina, Latitude: 60.79, Longitude: 10.69})
	if err != nil || loc.ID != 1 {
		t.Errorf("SendLocation = %+v, %v", loc, err)
	}
	c, err := e.fake.WaitCall(ctx, func(c Call) bool { return c.Method == "sendChatAction" && c.Status != 0 })
	if err != nil || c.Params["action"] != "typing" || c.Status != http.StatusOK {
		t.Errorf("recorded sendChatAction = %+v, %v", c, err)
	}
}

func TestSubscribe(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	events, cancel := e.fake.Subscribe()
	kb := keyboard([]models.InlineKeyboardButton{{Text: "OK", CallbackData: "ok"}})
	msg, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: "a", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	_, cb := e.fake.Press(amina, msg.ID, "ok")
	if _, err := e.bot.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cb}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bot.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: amina, MessageID: msg.ID, Text: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bot.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: amina, MessageID: msg.ID}); err != nil {
		t.Fatal(err)
	}
	cancel()
	var kinds []EventKind
	for ev := range events {
		kinds = append(kinds, ev.Kind)
		if ev.ChatID != amina {
			t.Errorf("event %s chat = %d", ev.Kind, ev.ChatID)
		}
	}
	want := []EventKind{EventMessage, EventUpdate, EventCallbackAnswer, EventEdit, EventDelete}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestWaitFor(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	done := make(chan Message, 1)
	go func() {
		m, err := e.fake.WaitFor(ctx, func(m Message) bool { return m.Text == "to" }, amina)
		if err != nil {
			t.Errorf("WaitFor: %v", err)
		}
		done <- m
	}()
	for _, text := range []string{"en", "to"} {
		if _, err := e.bot.SendMessage(ctx, &bot.SendMessageParams{ChatID: amina, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if m := <-done; m.ID != 2 {
		t.Errorf("WaitFor returned %+v, want message 2", m)
	}
}
