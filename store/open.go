// Package store keeps everything Innsjekk must not lose in Redis: the
// roster, chat state and bindings, the update inbox, the outbox of
// messages to send, and scheduled jobs.
//
// Every key of one programme carries the hash tag {<programme>}, so all
// keys an atomic operation touches live in one slot and the same code
// runs on a single server, Sentinel or Cluster.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Config says how to reach Redis (docs/configuration.md).
type Config struct {
	URL            string   // REDIS_URL: redis:// or rediss://
	SentinelMaster string   // REDIS_SENTINEL_MASTER
	Addrs          []string // REDIS_ADDRS: Sentinel or Cluster addresses
}

// Conn is an open Redis connection, real or embedded.
type Conn struct {
	Client redis.UniversalClient
	// Embedded is the in-memory server when no Redis was configured; nil
	// otherwise. Nothing in it survives the process.
	Embedded *miniredis.Miniredis
}

// Close closes the client and stops an embedded server.
func (c *Conn) Close() error {
	err := c.Client.Close()
	if c.Embedded != nil {
		c.Embedded.Close()
	}
	return err
}

// ErrUnavailable wraps a failure to reach Redis.
var ErrUnavailable = errors.New("redis unavailable")

// Open connects to the configured Redis, or starts an embedded in-memory
// one when nothing is configured.
func Open(ctx context.Context, cfg Config) (*Conn, error) {
	var opts *redis.UniversalOptions
	switch {
	case cfg.SentinelMaster != "" || len(cfg.Addrs) > 0:
		// Addresses without a Sentinel master name a Cluster, even a single
		// seed address (go-redis would otherwise make a plain client).
		opts = &redis.UniversalOptions{Addrs: cfg.Addrs, MasterName: cfg.SentinelMaster, IsClusterMode: cfg.SentinelMaster == ""}
		if cfg.URL != "" {
			// The URL still carries credentials, database and TLS.
			o, err := redis.ParseURL(cfg.URL)
			if err != nil {
				return nil, fmt.Errorf("parse REDIS_URL: %s", redact(err.Error()))
			}
			opts.Username, opts.Password, opts.DB, opts.TLSConfig = o.Username, o.Password, o.DB, o.TLSConfig
		}
		if len(opts.Addrs) == 0 {
			return nil, errors.New("REDIS_SENTINEL_MASTER needs REDIS_ADDRS")
		}
	case cfg.URL != "":
		o, err := redis.ParseURL(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("parse REDIS_URL: %s", redact(err.Error()))
		}
		opts = &redis.UniversalOptions{Addrs: []string{o.Addr}, Username: o.Username, Password: o.Password,
			DB: o.DB, TLSConfig: o.TLSConfig, DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout}
	default:
		return OpenEmbedded()
	}
	c := &Conn{Client: redis.NewUniversalClient(opts)}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Client.Ping(pctx).Err(); err != nil {
		c.Client.Close()
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, redact(err.Error()))
	}
	return c, nil
}

// OpenEmbedded starts an in-memory Redis on a random loopback port. Key
// expiry follows the wall clock, so invite codes and leases really run
// out.
//
// It listens on TCP rather than miniredis's in-memory pipe: a pipe has no
// buffer, so a pipelined write larger than the client's buffer deadlocks
// against the server writing its first reply.
func OpenEmbedded() (*Conn, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("embedded redis: %w", err)
	}
	m.ClockTTL(true)
	client := redis.NewClient(&redis.Options{
		Addr: m.Addr(),
		// One mutex serialises miniredis anyway; a small pool is plenty.
		PoolSize: 8,
	})
	return &Conn{Client: client, Embedded: m}, nil
}

// redact keeps a password in a URL out of error messages and logs.
func redact(s string) string {
	if i := strings.Index(s, "@"); i > 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "…" + s[i:]
		}
	}
	return s
}

// go-redis logs pool trouble (a failed dial, say) to stderr on its own,
// several lines before the one clear error the command prints. Its lines
// go through slog at debug level instead.
func init() { redis.SetLogger(redisLog{}) }

type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, "redis client", "msg", redact(fmt.Sprintf(format, v...)))
}

// Closed reports whether err says the connection was closed on purpose:
// nothing will succeed on it again, so retrying is pointless.
func Closed(err error) bool { return errors.Is(err, redis.ErrClosed) }
