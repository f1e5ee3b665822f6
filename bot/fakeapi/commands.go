package fakeapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// commandKey stores commands per scope (in canonical JSON) and language, the
// two coordinates setMyCommands takes.
type commandKey struct {
	scope string
	lang  string
}

const maxCommands = 100

// scopeKey canonicalises a BotCommandScope: "" (or "default"), a bare type
// name, or the JSON object the client sends. It returns the chat ids the
// scope names so the caller can check that they exist.
func scopeKey(raw string) (key string, chats []int64, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		raw = `{"type":"default"}`
	}
	if !strings.HasPrefix(raw, "{") {
		raw = fmt.Sprintf(`{"type":%q}`, raw)
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &sc); err != nil {
		return "", nil, fmt.Errorf("can't parse BotCommandScope JSON object")
	}
	chatID := func() (int64, error) {
		v := strings.Trim(string(sc.ChatID), `"`)
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("chat not found")
		}
		return id, nil
	}
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return fmt.Sprintf(`{"type":%q}`, sc.Type), nil, nil
	case "chat", "chat_administrators":
		id, err := chatID()
		if err != nil {
			return "", nil, err
		}
		return fmt.Sprintf(`{"type":%q,"chat_id":%d}`, sc.Type, id), []int64{id}, nil
	case "chat_member":
		id, err := chatID()
		if err != nil {
			return "", nil, err
		}
		if sc.UserID == 0 {
			return "", nil, fmt.Errorf("user not found")
		}
		return fmt.Sprintf(`{"type":"chat_member","chat_id":%d,"user_id":%d}`, id, sc.UserID), []int64{id}, nil
	}
	return "", nil, fmt.Errorf("unsupported bot command scope type")
}

// commandTargetLocked reads scope and language_code. The language must be
// empty or a two-letter ISO 639-1 code; Telegram has no regional variants
// here (F in the library notes).
func (s *Server) commandTargetLocked(req *request) (commandKey, *reply) {
	key, chats, err := scopeKey(req.params["scope"])
	if err != nil {
		return commandKey{}, badRequest("%v", err)
	}
	for _, id := range chats {
		if s.users[id] == nil {
			return commandKey{}, badRequest("chat not found")
		}
	}
	lang := req.params["language_code"]
	if lang != "" && !isLangCode(lang) {
		return commandKey{}, badRequest("invalid language code specified")
	}
	return commandKey{scope: key, lang: lang}, nil
}

func isLangCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

func validCommand(c string) bool {
	if len(c) < 1 || len(c) > 32 {
		return false
	}
	for _, r := range []byte(c) {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Server) setMyCommandsLocked(req *request) *reply {
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(req.params["commands"]), &cmds); err != nil {
		return badRequest("can't parse commands JSON array")
	}
	if len(cmds) > maxCommands {
		return badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !validCommand(c.Command) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(c.Description); n < 1 || n > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	key, r := s.commandTargetLocked(req)
	if r != nil {
		return r
	}
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.notifyLocked()
	return ok(true)
}

func (s *Server) getMyCommandsLocked(req *request) *reply {
	key, r := s.commandTargetLocked(req)
	if r != nil {
		return r
	}
	cmds := s.commands[key]
	if cmds == nil {
		cmds = []BotCommand{}
	}
	return ok(cmds)
}

func (s *Server) deleteMyCommandsLocked(req *request) *reply {
	key, r := s.commandTargetLocked(req)
	if r != nil {
		return r
	}
	delete(s.commands, key)
	s.notifyLocked()
	return ok(true)
}

// Commands returns the commands stored for exactly this scope and language,
// as getMyCommands would. scope is "" (default), a scope type such as
// "all_private_chats", or a BotCommandScope JSON object.
func (s *Server) Commands(scope, lang string) []BotCommand {
	key, _, err := scopeKey(scope)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[commandKey{scope: key, lang: lang}])
}

// MenuCommands returns the menu a user sees in their private chat,
// resolved in the order the Bot API documents ("Determining list of
// commands"): the chat scope, then all private chats, then default, each
// first with the user's language and then without.
func (s *Server) MenuCommands(userID int64) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lang string
	if u := s.users[userID]; u != nil {
		lang, _, _ = strings.Cut(strings.ToLower(u.LanguageCode), "-")
	}
	scopes := []string{
		fmt.Sprintf(`{"type":"chat","chat_id":%d}`, userID),
		`{"type":"all_private_chats"}`,
		`{"type":"default"}`,
	}
	for _, sc := range scopes {
		for _, l := range []string{lang, ""} {
			if cmds := s.commands[commandKey{scope: sc, lang: l}]; len(cmds) > 0 {
				return slices.Clone(cmds)
			}
			if lang == "" {
				break
			}
		}
	}
	return nil
}
