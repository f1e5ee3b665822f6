// Package app wires Innsjekk together: configuration, the store, the
// roster, the engine, Telegram intake and the HTTP listener. The command
// line, the sandbox and the end-to-end tests all start the bot through it.
package app

import (
	"log/slog"
	"os"
	"strings"

	"innsjekk/store"
)

// Config is the deployment's configuration (docs/configuration.md).
type Config struct {
	Token         string // TELEGRAM_TOKEN
	APIURL        string // TELEGRAM_API_URL
	Redis         store.Config
	RosterFile    string // INNSJEKK_ROSTER or run --roster
	WebhookURL    string // INNSJEKK_WEBHOOK_URL
	WebhookSecret string // INNSJEKK_WEBHOOK_SECRET
	Listen        string // INNSJEKK_LISTEN
	BotUsername   string // INNSJEKK_BOT_USERNAME
	LogLevel      string // INNSJEKK_LOG
}

// FromEnv reads the configuration from environment variables.
func FromEnv(getenv func(string) string) Config {
	c := Config{
		Token:         getenv("TELEGRAM_TOKEN"),
		APIURL:        getenv("TELEGRAM_API_URL"),
		Redis:         store.Config{URL: getenv("REDIS_URL"), SentinelMaster: getenv("REDIS_SENTINEL_MASTER")},
		RosterFile:    getenv("INNSJEKK_ROSTER"),
		WebhookURL:    getenv("INNSJEKK_WEBHOOK_URL"),
		WebhookSecret: getenv("INNSJEKK_WEBHOOK_SECRET"),
		Listen:        getenv("INNSJEKK_LISTEN"),
		BotUsername:   strings.TrimPrefix(getenv("INNSJEKK_BOT_USERNAME"), "@"),
		LogLevel:      getenv("INNSJEKK_LOG"),
	}
	if a := getenv("REDIS_ADDRS"); a != "" {
		for _, s := range strings.Split(a, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.Redis.Addrs = append(c.Redis.Addrs, s)
			}
		}
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	return c
}

// Logger builds the structured logger: JSON unless stderr is a terminal.
func Logger(level string, w *os.File) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil || level == "" {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if fi, err := w.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
