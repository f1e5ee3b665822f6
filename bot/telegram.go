// Package bot is Innsjekk's Telegram shell: it turns Bot API updates into
// flow events and outgoing messages into Bot API calls, through the
// go-telegram/bot client. Intake (long polling and the webhook) is our own,
// because the library confirms updates before they are handled.
package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"innsjekk/codec"
	"innsjekk/engine"
	"innsjekk/flows"
	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
	"innsjekk/store"
)

// DefaultAPIURL is Telegram's Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// Client talks to the Bot API.
type Client struct {
	api     *tg.Bot
	token   string
	baseURL string
	http    *http.Client
}

// pollTimeout is how long one getUpdates call may wait for updates.
const pollTimeout = 25 * time.Second

// maxConns is how many connections to the Bot API are kept open for
// reuse: more than the bot makes calls at once.
const maxConns = 32

// NewClient returns a client for the Bot API at baseURL ("" = Telegram's).
// It makes no network call.
func NewClient(token, baseURL string) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultAPIURL
	}
	baseURL = strings.TrimRight(baseURL, "/")
	if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("TELEGRAM_API_URL %q is not an http(s) URL", baseURL)
	}
	// The Bot API is one host, and the workers, the sender and the poller
	// call it at once: with the default two idle connections a host, the
	// rest were closed after each call and dialled again (a TLS handshake
	// each, against Telegram), a tenth of the bot's CPU in the bench.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = maxConns
	hc := &http.Client{Timeout: pollTimeout + 10*time.Second, Transport: tr}
	api, err := tg.New(token, tg.WithServerURL(baseURL), tg.WithSkipGetMe(),
		tg.WithHTTPClient(pollTimeout, hc), tg.WithNotAsyncHandlers())
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	return &Client{api: api, token: token, baseURL: baseURL, http: hc}, nil
}

// Username asks the Bot API for the bot's username.
func (c *Client) Username(ctx context.Context) (string, error) {
	me, err := c.api.GetMe(ctx)
	if err != nil {
		return "", classify(err)
	}
	return me.Username, nil
}

// Decode turns a raw update into what the flows see.
func (c *Client) Decode(raw []byte) (engine.Incoming, error) {
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return engine.Incoming{}, err
	}
	in := engine.Incoming{UpdateID: u.ID}
	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != models.ChatTypePrivate {
			return in, nil // groups are not for this bot
		}
		in.Chat = m.Chat.ID
		if m.From != nil {
			in.Event.LangHint = m.From.LanguageCode
		}
		switch {
		case m.Text != "":
			in.Event.Kind, in.Event.Text = flows.EvText, m.Text
			if cmd, args, ok := parseCommand(m.Text); ok {
				in.Event.Kind, in.Event.Command, in.Event.Text = flows.EvCommand, cmd, args
			}
		default:
			// Voice, photos and documents are relayed by Telegram's file id;
			// anything else (a sticker, a location) carries nothing to relay.
			in.Event.Kind = flows.EvMedia
			in.Event.Text = m.Caption
			switch {
			case m.Voice != nil:
				in.Event.Media = &flows.Media{Kind: flows.MediaVoice, FileID: m.Voice.FileID}
			case m.Audio != nil:
				in.Event.Media = &flows.Media{Kind: flows.MediaDocument, FileID: m.Audio.FileID}
			case len(m.Photo) > 0:
				// The largest size is last.
				in.Event.Media = &flows.Media{Kind: flows.MediaPhoto, FileID: m.Photo[len(m.Photo)-1].FileID}
			case m.Document != nil:
				in.Event.Media = &flows.Media{Kind: flows.MediaDocument, FileID: m.Document.FileID}
			}
		}
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		in.CallbackID = q.ID
		in.Chat = q.From.ID
		if msg := q.Message.Message; msg != nil {
			if msg.Chat.Type != models.ChatTypePrivate {
				return engine.Incoming{UpdateID: u.ID, CallbackID: q.ID}, nil
			}
			in.Chat = msg.Chat.ID
			in.Event.MessageID = msg.ID
		} else if q.Message.InaccessibleMessage != nil {
			in.Event.MessageID = q.Message.InaccessibleMessage.MessageID
		}
		in.Event.Kind, in.Event.Data = flows.EvButton, q.Data
		in.Event.LangHint = q.From.LanguageCode
	}
	return in, nil
}

// parseCommand splits "/cmd@bot args" into "cmd" and "args". Digits typed
// as Arabic-Indic or Persian are read as ASCII.
func parseCommand(text string) (cmd, args string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	if head == "" {
		return "", "", false
	}
	return strings.ToLower(head), strings.TrimSpace(schedule.NormalizeDigits(rest)), true
}

// commandList describes commands in lang, each with its menu icon.
func commandList(lang string, names []string) []models.BotCommand {
	out := make([]models.BotCommand, 0, len(names))
	for _, n := range names {
		out = append(out, models.BotCommand{Command: n, Description: flows.CommandIcon(n) + " " + locales.Text(lang, "commands."+n, nil)})
	}
	return out
}

// Send carries out one outgoing message.
func (c *Client) Send(ctx context.Context, m store.Outgoing) error {
	if m.Kind == "commands" {
		sc, err := codec.DecodeCommands(m.Payload)
		if err != nil {
			return &engine.SendError{Kind: engine.SendRejected, Err: fmt.Errorf("payload: %w", err)}
		}
		_, err = c.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: commandList(sc.Lang, sc.Commands),
			Scope: &models.BotCommandScopeChat{ChatID: sc.Chat}})
		return c.classify(err)
	}
	say, err := codec.DecodeSay(m.Payload)
	if err != nil {
		return &engine.SendError{Kind: engine.SendRejected, Err: fmt.Errorf("payload: %w", err)}
	}
	if say.Media != nil {
		return c.sendMedia(ctx, m.Chat, say)
	}
	if say.Document != nil {
		caption := say.Text
		if r := []rune(caption); len(r) > captionLimit {
			caption = string(r[:captionLimit-1]) + "…"
		}
		_, err = c.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: m.Chat, Caption: caption, ReplyMarkup: markup(say),
			Document: &models.InputFileUpload{Filename: say.Document.Name, Data: bytes.NewReader(say.Document.Data)}})
		return c.classify(err)
	}
	if say.Edit != 0 && say.ButtonsOnly {
		p := &tg.EditMessageReplyMarkupParams{ChatID: m.Chat, MessageID: say.Edit}
		if say.Inline != nil {
			p.ReplyMarkup = inlineMarkup(say.Inline)
		}
		_, err := c.api.EditMessageReplyMarkup(ctx, p)
		if err != nil && strings.Contains(err.Error(), "message is not modified") {
			return nil
		}
		return c.classify(err)
	}
	if say.Edit != 0 {
		p := &tg.EditMessageTextParams{ChatID: m.Chat, MessageID: say.Edit, Text: say.Text}
		if say.Inline != nil {
			p.ReplyMarkup = inlineMarkup(say.Inline)
		}
		_, err := c.api.EditMessageText(ctx, p)
		if err != nil && strings.Contains(err.Error(), "message is not modified") {
			return nil // already shows what we wanted
		}
		return c.classify(err)
	}
	p := &tg.SendMessageParams{ChatID: m.Chat, Text: say.Text, ReplyMarkup: markup(say)}
	_, err = c.api.SendMessage(ctx, p)
	return c.classify(err)
}

// markup is a message's keyboard: inline buttons, the reply-keyboard menu,
// or the menu's removal.
func markup(say flows.Say) models.ReplyMarkup {
	switch {
	case say.Inline != nil:
		return inlineMarkup(say.Inline)
	case say.Menu != nil:
		return menuMarkup(say.Menu)
	case say.NoMenu:
		return &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	return nil
}

// captionLimit is Telegram's limit on a caption, in characters.
const captionLimit = 1024

// sendMedia relays a voice message, photo or document by its file id,
// with the text as its caption.
func (c *Client) sendMedia(ctx context.Context, chat int64, say flows.Say) error {
	caption := say.Text
	if r := []rune(caption); len(r) > captionLimit {
		caption = string(r[:captionLimit-1]) + "…"
	}
	file := &models.InputFileString{Data: say.Media.FileID}
	var err error
	switch say.Media.Kind {
	case flows.MediaVoice:
		_, err = c.api.SendVoice(ctx, &tg.SendVoiceParams{ChatID: chat, Voice: file, Caption: caption, ReplyMarkup: markup(say)})
	case flows.MediaPhoto:
		_, err = c.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: chat, Photo: file, Caption: caption, ReplyMarkup: markup(say)})
	default:
		_, err = c.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: chat, Document: file, Caption: caption, ReplyMarkup: markup(say)})
	}
	return c.classify(err)
}

func inlineMarkup(rows [][]flows.Button) *models.InlineKeyboardMarkup {
	kb := make([][]models.InlineKeyboardButton, len(rows))
	for i, r := range rows {
		for _, b := range r {
			kb[i] = append(kb[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data})
		}
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
}

func menuMarkup(rows [][]string) *models.ReplyKeyboardMarkup {
	kb := make([][]models.KeyboardButton, len(rows))
	for i, r := range rows {
		for _, t := range r {
			kb[i] = append(kb[i], models.KeyboardButton{Text: t})
		}
	}
	return &models.ReplyKeyboardMarkup{Keyboard: kb, ResizeKeyboard: true, IsPersistent: true}
}

// AnswerCallback stops the spinner of a tapped button.
func (c *Client) AnswerCallback(ctx context.Context, id, text string) error {
	_, err := c.api.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text})
	return c.classify(err)
}

// SendText sends a message outside the outbox. Only for the note that the
// store is unreachable, when the outbox itself cannot be written.
func (c *Client) SendText(ctx context.Context, chat int64, text string) error {
	_, err := c.api.SendMessage(ctx, &tg.SendMessageParams{ChatID: chat, Text: text})
	return c.classify(err)
}

// commandLang maps a shipped language to the language_code Telegram
// clients report: Bot API command menus take two-letter codes, and Dari
// speakers' clients say "fa".
func commandLang(lang string) string {
	if lang == "fa-AF" {
		return "fa"
	}
	return lang
}

// SetCommands sets the command menu in every shipped language, and in
// English for clients in any other language.
func (c *Client) SetCommands(ctx context.Context) error {
	set := func(lang, code string) error {
		// Until a chat has its own menu (set when it is bound), it sees
		// what most people are: a participant's.
		cmds := commandList(lang, flows.CommandsFor([]roster.Role{roster.RoleParticipant}))
		_, err := c.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: cmds,
			Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: code})
		return c.classify(err)
	}
	if err := set(locales.Source, ""); err != nil {
		return err
	}
	for _, l := range roster.Languages {
		if err := set(l, commandLang(l)); err != nil {
			return fmt.Errorf("commands %s: %w", l, err)
		}
	}
	return nil
}

// SetWebhook registers url with its secret.
func (c *Client) SetWebhook(ctx context.Context, url, secret string) error {
	_, err := c.api.SetWebhook(ctx, &tg.SetWebhookParams{URL: url, SecretToken: secret,
		AllowedUpdates: []string{"message", "callback_query"}})
	return c.classify(err)
}

// DeleteWebhook switches the bot back to long polling.
func (c *Client) DeleteWebhook(ctx context.Context) error {
	_, err := c.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{})
	return c.classify(err)
}

// classify sorts a client error by what the sender should do about it,
// with the token blanked out of its text: the library keeps it in some
// of its errors, and these get logged.
func (c *Client) classify(err error) error {
	if err == nil {
		return nil
	}
	if c.token != "" && strings.Contains(err.Error(), c.token) {
		kind := classify(err)
		var se *engine.SendError
		errors.As(kind, &se)
		se.Err = errors.New(strings.ReplaceAll(err.Error(), c.token, "<token>"))
		return se
	}
	return classify(err)
}

func classify(err error) error {
	var tooMany *tg.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		return &engine.SendError{Kind: engine.SendRetryAfter, After: time.Duration(tooMany.RetryAfter) * time.Second, Err: err}
	case errors.Is(err, tg.ErrorForbidden):
		return &engine.SendError{Kind: engine.SendBlocked, Err: err}
	case errors.Is(err, tg.ErrorBadRequest), errors.Is(err, tg.ErrorNotFound), errors.Is(err, tg.ErrorUnauthorized):
		return &engine.SendError{Kind: engine.SendRejected, Err: err}
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return &engine.SendError{Kind: engine.SendTransient, Err: err}
	}
	// 5xx answers, JSON or a proxy's HTML page, reach us only as text.
	return &engine.SendError{Kind: engine.SendTransient, Err: err}
}
