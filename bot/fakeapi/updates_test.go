package fakeapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"
)

func TestGetUpdates_Offset(t *testing.T) {
	e := newEnv(t)
	for _, text := range []string{"/start", "hei", "syk"} {
		e.fake.SendText(amina, text)
	}
	get := func(fields map[string]string) []int64 { return e.getUpdates(t, fields).ids }

	steps := []struct {
		name   string
		fields map[string]string
		want   []int64
	}{
		{"NoOffsetReturnsAll", nil, []int64{1, 2, 3}},
		{"UnconfirmedStay", nil, []int64{1, 2, 3}},
		{"Limit", map[string]string{"limit": "2"}, []int64{1, 2}},
		{"OffsetForgetsLower", map[string]string{"offset": "2"}, []int64{2, 3}},
		{"ForgottenStayForgotten", map[string]string{"offset": "0"}, []int64{2, 3}},
		{"NegativeOffsetKeepsTail", map[string]string{"offset": "-1"}, []int64{3}},
		{"PastTheEnd", map[string]string{"offset": "4"}, nil},
	}
	for _, st := range steps {
		if diff := cmp.Diff(st.want, get(st.fields)); diff != "" {
			t.Errorf("%s: getUpdates(%v) ids (-want +got):\n%s", st.name, st.fields, diff)
		}
	}
	if n := e.fake.Pending(); n != 0 {
		t.Errorf("Pending() = %d after confirming everything", n)
	}

	// A new update continues the sequence.
	if id := e.fake.SendText(amina, "igjen"); id != 4 {
		t.Errorf("next update id = %d, want 4", id)
	}
}

func TestGetUpdates_MessageShape(t *testing.T) {
	e := newEnv(t)
	e.fake.SendText(amina, "/start abc")
	e.fake.SendVoice(amina)
	e.fake.SendPhoto(amina)
	ups := e.getUpdates(t, nil)
	var got []models.Update
	for _, raw := range ups.raw {
		var u models.Update
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		got = append(got, u)
	}
	if len(got) != 3 {
		t.Fatalf("got %d updates", len(got))
	}
	m := got[0].Message
	if m == nil || m.Text != "/start abc" || m.From.LanguageCode != "ar" || m.Chat.ID != amina || m.Chat.Type != models.ChatTypePrivate ||
		len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBotCommand || m.Entities[0].Length != 6 {
		t.Errorf("text update = %+v", m)
	}
	if v := got[1].Message.Voice; v == nil || v.FileID == "" {
		t.Errorf("voice update = %+v", got[1].Message)
	}
	p := got[2].Message.Photo
	if len(p) == 0 {
		t.Fatalf("photo update = %+v", got[2].Message)
	}
	if got[0].Message.ID >= got[1].Message.ID || got[1].Message.ID >= got[2].Message.ID {
		t.Errorf("message ids not increasing: %d %d %d", got[0].Message.ID, got[1].Message.ID, got[2].Message.ID)
	}
	// The bot can fetch what the user sent.
	f, err := e.bot.GetFile(testCtx(t), &bot.GetFileParams{FileID: p[len(p)-1].FileID})
	if err != nil || f.FilePath == "" {
		t.Errorf("GetFile(photo) = %+v, %v", f, err)
	}
}

func TestGetUpdates_LongPollWakes(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	type result struct {
		ids []int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		status, env, err := post(ctx, e.srv.URL, "/bot"+testToken+"/getUpdates", map[string]string{"timeout": "50"})
		if err == nil && status != http.StatusOK {
			err = &statusError{status, env.Description}
		}
		var ids []int64
		if err == nil {
			var ups []struct {
				UpdateID int64 `json:"update_id"`
			}
			err = json.Unmarshal(env.Result, &ups)
			for _, u := range ups {
				ids = append(ids, u.UpdateID)
			}
		}
		done <- result{ids, err}
	}()

	// Only once the poll is parked does the user write, so the answer
	// proves the wake-up rather than an immediate return.
	if err := e.fake.WaitUntil(ctx, func() bool { return e.fake.Polling() == 1 }); err != nil {
		t.Fatalf("waiting for the poll to park: %v", err)
	}
	id := e.fake.SendText(amina, "hei")
	r := <-done
	if r.err != nil {
		t.Fatalf("getUpdates: %v", r.err)
	}
	if diff := cmp.Diff([]int64{id}, r.ids); diff != "" {
		t.Errorf("long poll ids (-want +got):\n%s", diff)
	}
	if n := e.fake.Polling(); n != 0 {
		t.Errorf("Polling() = %d after the poll returned", n)
	}
}

type statusError struct {
	status int
	desc   string
}

func (e *statusError) Error() string { return http.StatusText(e.status) + ": " + e.desc }

func TestGetUpdates_NewerPollEndsOlder(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	first := make(chan rawEnvelope, 1)
	go func() {
		_, env, _ := post(ctx, e.srv.URL, "/bot"+testToken+"/getUpdates", map[string]string{"timeout": "50"})
		first <- env
	}()
	if err := e.fake.WaitUntil(ctx, func() bool { return e.fake.Polling() == 1 }); err != nil {
		t.Fatal(err)
	}
	// A second poller (a restarted bot, say) ends the parked one, as on
	// Telegram (go-telegram/bot #120).
	e.getUpdates(t, nil)
	env := <-first
	if env.ErrorCode != http.StatusConflict || env.Description != conflictPoller {
		t.Errorf("older poll = %d %q, want 409 %q", env.ErrorCode, env.Description, conflictPoller)
	}
}

func TestGetUpdates_TimeoutAnswersEmpty(t *testing.T) {
	e := newEnv(t)
	if got := e.getUpdates(t, map[string]string{"timeout": "1"}); len(got.ids) != 0 {
		t.Errorf("getUpdates(timeout=1) = %v, want none", got.ids)
	}
	status, env := e.call(t, "getUpdates", map[string]string{"timeout": "x"})
	if status != http.StatusBadRequest {
		t.Errorf("getUpdates(timeout=x) = %d %s, want 400", status, env.Description)
	}
}

func TestGetUpdates_CloseWakesPoll(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() {
		_, _, err := post(ctx, e.srv.URL, "/bot"+testToken+"/getUpdates", map[string]string{"timeout": "50"})
		done <- err
	}()
	if err := e.fake.WaitUntil(ctx, func() bool { return e.fake.Polling() == 1 }); err != nil {
		t.Fatal(err)
	}
	e.fake.Close()
	if err := <-done; err != nil {
		t.Errorf("poll after Close: %v", err)
	}
}

func TestRedeliver(t *testing.T) {
	e := newEnv(t)
	id := e.fake.SendText(amina, "hei")
	if got := e.getUpdates(t, nil).ids; len(got) != 1 {
		t.Fatalf("first delivery = %v", got)
	}
	if got := e.getUpdates(t, map[string]string{"offset": "2"}).ids; len(got) != 0 {
		t.Fatalf("after confirming = %v", got)
	}
	if err := e.fake.Redeliver(id); err != nil {
		t.Fatalf("Redeliver: %v", err)
	}
	// The bot's offset is past the update, yet it comes again, unchanged.
	again := e.getUpdates(t, map[string]string{"offset": "2"})
	if diff := cmp.Diff([]int64{id}, again.ids); diff != "" {
		t.Errorf("redelivered ids (-want +got):\n%s", diff)
	}
	if got := e.getUpdates(t, map[string]string{"offset": "2"}).ids; len(got) != 0 {
		t.Errorf("a redelivered update came a third time: %v", got)
	}
	if err := e.fake.Redeliver(99); err == nil {
		t.Errorf("Redeliver(unknown) succeeded")
	}
}

func TestInjectUpdate(t *testing.T) {
	e := newEnv(t)
	id, err := e.fake.InjectUpdate(json.RawMessage(`{"edited_message":{"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"text":"x"}}`))
	if err != nil || id != 1 {
		t.Fatalf("InjectUpdate = %d, %v", id, err)
	}
	id, err = e.fake.InjectUpdate(json.RawMessage(`{"update_id":10,"message":{"message_id":2,"date":1,"chat":{"id":42,"type":"private"},"text":"y"}}`))
	if err != nil || id != 10 {
		t.Fatalf("InjectUpdate(update_id 10) = %d, %v", id, err)
	}
	if next := e.fake.SendText(amina, "z"); next != 11 {
		t.Errorf("update after an injected id 10 = %d, want 11", next)
	}
	if _, err := e.fake.InjectUpdate(json.RawMessage(`[1]`)); err == nil {
		t.Errorf("InjectUpdate(array) succeeded")
	}
}

// TestBotStart runs the library's own polling loop against the fake: the
// way app and e2e tests will use it.
func TestBotStart(t *testing.T) {
	fake := New(testToken)
	fake.AddUser(User{ID: amina, FirstName: "Amina"})
	srv := serve(t, fake)
	b, err := bot.New(testToken, bot.WithServerURL(srv), bot.WithSkipGetMe(),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if u.Message != nil {
				_, _ = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "echo: " + u.Message.Text})
			}
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	var wg sync.WaitGroup
	wg.Go(func() { b.Start(ctx) })
	defer func() {
		cancel()
		wg.Wait()
	}()

	fake.SendText(amina, "hei")
	m, err := fake.WaitFor(ctx, func(m Message) bool { return m.Text == "echo: hei" }, amina)
	if err != nil {
		t.Fatalf("WaitFor echo: %v", err)
	}
	if m.ID != 2 {
		t.Errorf("echo message id = %d, want 2 (after the user's message 1)", m.ID)
	}
}
