package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"innsjekk/store"
)

// benchRedis is the Redis the bench measures against. The bench uses
// three databases of it: a snapshot of the bound roster ("golden"), the
// database each scenario runs in, restored from the snapshot first, and
// one for the simulated year.
type benchRedis struct {
	host     string // host:port
	password string
	username string
	base     int // the golden database; base+1 scenarios, base+2 the year
	kind     string

	proc     *exec.Cmd
	embedded *miniredis.Miniredis
	clients  map[int]*redis.Client
}

const (
	dbGolden = iota
	dbScenario
	dbYear
)

// openBenchRedis connects to url, or starts a redis-server of its own,
// or (for a smoke run on a machine without one) an embedded server that
// the bot processes reach over TCP all the same.
func openBenchRedis(ctx context.Context, rawURL string, start, smoke bool, dir string) (*benchRedis, error) {
	br := &benchRedis{clients: map[int]*redis.Client{}}
	switch {
	case rawURL != "":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, usagef("-redis: %v", err)
		}
		br.host, br.password, br.username, br.base, br.kind = o.Addr, o.Password, o.Username, o.DB, "redis at -redis"
	case start:
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			if !smoke {
				return nil, errors.New("-start-redis: no redis-server on PATH (only -smoke may fall back to an embedded store)")
			}
			m, err := miniredis.Run()
			if err != nil {
				return nil, err
			}
			br.embedded, br.host, br.kind = m, m.Addr(), "embedded (miniredis: no redis-server on PATH)"
			break
		}
		if err := br.startServer(ctx, bin, dir); err != nil {
			return nil, err
		}
	default:
		return nil, usagef("give -redis URL or -start-redis")
	}
	for _, db := range []int{dbGolden, dbScenario, dbYear} {
		c := br.client(db)
		if err := c.Ping(ctx).Err(); err != nil {
			br.Close()
			return nil, fmt.Errorf("redis %s: %w", br.host, err)
		}
		// Never overwrite what someone else keeps there.
		if n, err := c.DBSize(ctx).Result(); err != nil || n > 0 {
			br.Close()
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("redis %s database %d holds %d keys: the bench flushes its databases, so give it empty ones", br.host, br.base+db, n)
		}
	}
	return br, nil
}

func (br *benchRedis) startServer(ctx context.Context, bin, dir string) error {
	for attempt := 0; attempt < 5; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		rdir := filepath.Join(dir, "redis")
		if err := os.MkdirAll(rdir, 0o700); err != nil {
			return err
		}
		logf, err := os.Create(filepath.Join(rdir, "redis.log"))
		if err != nil {
			return err
		}
		// The production settings of deploy/redis.conf that cost time or
		// memory: the append-only file, fsynced every second, and hashes
		// kept compact up to the size of a person's record for a year.
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", rdir,
			"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
			"--maxmemory-policy", "noeviction", "--databases", "16",
			"--hash-max-listpack-entries", "512", "--hash-max-listpack-value", "256")
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			return err
		}
		br.proc, br.host = cmd, "127.0.0.1:"+strconv.Itoa(port)
		br.kind = "redis-server (started by the bench, AOF everysec) " + redisVersion(bin)
		c := redis.NewClient(&redis.Options{Addr: br.host})
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if c.Ping(ctx).Err() == nil {
				c.Close()
				logf.Close()
				return nil
			}
			if err := pause(ctx, 20*time.Millisecond); err != nil {
				break
			}
		}
		c.Close()
		logf.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		br.proc = nil
	}
	return errors.New("could not start redis-server")
}

func redisVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return ""
	}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "v=") {
			return strings.TrimPrefix(f, "v=")
		}
	}
	return ""
}

// URL is what a bot process is given as REDIS_URL for one of the bench's
// databases.
func (br *benchRedis) URL(db int) string {
	u := url.URL{Scheme: "redis", Host: br.host, Path: "/" + strconv.Itoa(br.base+db)}
	if br.password != "" || br.username != "" {
		u.User = url.UserPassword(br.username, br.password)
	}
	return u.String()
}

func (br *benchRedis) client(db int) *redis.Client {
	if c, ok := br.clients[db]; ok {
		return c
	}
	c := redis.NewClient(&redis.Options{Addr: br.host, Username: br.username, Password: br.password, DB: br.base + db})
	br.clients[db] = c
	return c
}

// flush empties one of the bench's databases.
func (br *benchRedis) flush(ctx context.Context, db int) error {
	return br.client(db).FlushDB(ctx).Err()
}

// restore makes the scenario database a copy of the golden one: every
// scenario starts from the state the bot's own onboarding left, without
// onboarding thousands of people again.
func (br *benchRedis) restore(ctx context.Context) error { return br.copyDB(ctx, dbGolden, dbScenario) }

// copyDB makes database to a copy of database from.
func (br *benchRedis) copyDB(ctx context.Context, from, to int) error {
	if err := br.flush(ctx, to); err != nil {
		return err
	}
	src := br.client(from)
	var keys []string
	iter := src.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		_, err := src.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys[:n] {
				p.Copy(ctx, k, k, br.base+to, true)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("copy snapshot: %w", err)
		}
		keys = keys[n:]
	}
	return nil
}

// keyUsage is what MEMORY USAGE reports for one kind of key.
type keyUsage struct {
	Kind  string `json:"kind"`
	Keys  int    `json:"keys"`
	Bytes int64  `json:"bytes"`
}

// memory sums MEMORY USAGE over every key of the programme, by kind (the
// key name without its ids), largest first. ok is false where the server
// cannot tell (the embedded one). Keys set to expire before simNow are
// left out and counted in gone: Redis expires keys by the real clock, and
// in a simulated year they would have gone by the simulated one.
func (br *benchRedis) memory(ctx context.Context, db int, prefix string, simNow time.Time) (total int64, kinds []keyUsage, gone int, ok bool, err error) {
	if br.embedded != nil {
		return 0, nil, 0, false, nil
	}
	c := br.client(db)
	var keys []string
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return 0, nil, 0, false, err
	}
	by := map[string]*keyUsage{}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys[:n] {
				// SAMPLES 0 measures every element of a hash or set:
				// the default samples five and guesses.
				p.MemoryUsage(ctx, k, 0)
				p.PExpireTime(ctx, k)
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, nil, 0, false, err
		}
		for i := 0; i+1 < len(cmds); i += 2 {
			v, err := cmds[i].(*redis.IntCmd).Result()
			if err != nil {
				continue // gone meanwhile
			}
			k := keys[i/2]
			if exp, err := cmds[i+1].(*redis.DurationCmd).Result(); err == nil && exp > 0 && !keptAt(strings.TrimPrefix(k, prefix), exp, simNow) {
				gone++
				continue
			}
			kind := keyKind(strings.TrimPrefix(k, prefix))
			u := by[kind]
			if u == nil {
				u = &keyUsage{Kind: kind}
				by[kind] = u
			}
			u.Keys++
			u.Bytes += v
			total += v
		}
		keys = keys[n:]
	}
	for _, u := range by {
		kinds = append(kinds, *u)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Bytes > kinds[j].Bytes })
	return total, kinds, gone, true, nil
}

// keyKind names a key without the ids in it: "chat:123" is "chat:*",
// "out:q:bulk:123" is "out:q:bulk:*".
func keyKind(k string) string {
	parts := strings.Split(k, ":")
	for i, p := range parts {
		if i == 0 {
			continue
		}
		if p == "" || strings.ContainsAny(p, "0123456789") {
			parts[i] = "*"
		}
	}
	// Several "*" in a row say no more than one.
	out := parts[:1]
	for _, p := range parts[1:] {
		if p == "*" && out[len(out)-1] == "*" {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ":")
}

// keptAt reports whether a key that expires at exp (since 1970, real
// time) would still be there at the simulated now. A day's hash of sent
// keys has a time to live set as it is written, in real time, so its day
// says when it goes: store.SentKept after the day.
func keptAt(key string, exp time.Duration, simNow time.Time) bool {
	if rest, ok := strings.CutPrefix(key, "out:sent:"); ok {
		day, _, _ := strings.Cut(rest, ":")
		if d, err := strconv.ParseInt(day, 10, 64); err == nil {
			return time.UnixMilli((d + 1) * 86400000).Add(store.SentKept).After(simNow)
		}
	}
	return exp >= time.Duration(simNow.UnixMilli())*time.Millisecond
}

// Close flushes the bench's databases, stops a server the bench started
// and closes the connections.
func (br *benchRedis) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, db := range []int{dbGolden, dbScenario, dbYear} {
		if br.proc == nil && br.embedded == nil {
			_ = br.client(db).FlushDB(ctx).Err()
		}
	}
	for _, c := range br.clients {
		c.Close()
	}
	if br.proc != nil {
		_ = br.proc.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = br.proc.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = br.proc.Process.Kill()
			<-done
		}
	}
	if br.embedded != nil {
		br.embedded.Close()
	}
}
