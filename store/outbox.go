package store

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/codec"
	"innsjekk/flows"
)

// classes are the send classes in the order they are served.
var classes = []string{string(flows.ClassAnswer), string(flows.ClassNotice), string(flows.ClassBulk)}

// Sent keys. A message's key is kept for keepSent after it went out, so
// that a step or job run again cannot send it twice. Each is 16 hex
// digits of its SHA-1 in one of sentBuckets hashes of the day it was sent
// (by the digest's first byte): small hashes Redis keeps in its compact
// encoding, that expire on their own. (A sorted set of the keys took 170
// bytes a key.) With 16 a day, a programme of 3,000 sent more in a day
// than a compact hash holds (512), and the digests took 786 bytes a
// participant instead of 301.
const (
	keepSentDays = 7
	sentBuckets  = 32
)

// sentLua is what the scripts share: whether a key was sent (or dropped)
// in the last keepSentDays days, and the sorted set earlier releases kept
// (pre..'out:done', trimmed by the housekeeping until it is empty).
var sentLua = `
local function digest(key) return string.sub(redis.sha1hex(key), 1, 16) end
local function sentBefore(pre, key, nowms)
  local d = digest(key)
  local b = tostring(tonumber(string.sub(d, 1, 2), 16) % ` + strconv.Itoa(sentBuckets) + `)
  local today = math.floor(nowms / 86400000)
  -- A day either side too: a sender whose clock ran a little ahead
  -- across midnight kept its key under tomorrow.
  for day = today - ` + strconv.Itoa(keepSentDays) + ` - 1, today + 1 do
    if redis.call('HEXISTS', pre .. 'out:sent:' .. day .. ':' .. b, d) == 1 then return true end
  end
  return redis.call('ZSCORE', pre .. 'out:done', key) ~= false
end
`

// sentAt is the hash a key sent at now is kept in, and its field there.
func (k keys) sentAt(key string, now time.Time) (hash, field string) {
	sum := sha1.Sum([]byte(key))
	d := hex.EncodeToString(sum[:8])
	return k.outSent(now.UnixMilli()/86400000, strconv.Itoa(int(sum[0])%sentBuckets)), d
}

// SentKept is how long a day's hash of sent keys lives after its last
// write: the days the check looks back, and two more.
const SentKept = (keepSentDays + 2) * 24 * time.Hour

// markSent records key as sent at now. The hash's expiry is a time to
// live, not a time of day, so that a clock that is off cannot make it
// vanish early.
func (s *Store) markSent(ctx context.Context, p redis.Pipeliner, key string, now time.Time) {
	h, f := s.k.sentAt(key, now)
	p.HSet(ctx, h, f, "")
	p.Expire(ctx, h, SentKept)
}

// enqueueScript queues a message unless its key was queued or sent
// before: a replayed step must not send it twice. The check runs inside
// the step's MULTI, so it needs no round trip of its own and no WATCH of
// the message table, which every queued and sent message writes.
// KEYS: 1 message table, 2 the chat's queue, 3 the class's ready set.
// ARGV: 1 key, 2 message JSON, 3 not-before ms, 4 chat, 5 key prefix,
// 6 now ms.
var enqueueScript = sentLua + `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or sentBefore(ARGV[5], ARGV[1], tonumber(ARGV[6])) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
-- LT: a chat already waiting keeps the earlier of the two times.
redis.call('ZADD', KEYS[3], 'LT', ARGV[3], ARGV[4])
return 1
`

func (s *Store) enqueue(ctx context.Context, p redis.Pipeliner, m Outgoing, now int64) error {
	if m.NotBefore == 0 {
		m.NotBefore = now
	}
	m.ChatKey = strconv.FormatInt(m.Chat, 10)
	b, err := codec.EncodeOutgoing(m)
	if err != nil {
		return err
	}
	class := string(m.Queue())
	// EVAL, not EVALSHA: after a Redis restart the script cache is empty,
	// and a NOSCRIPT inside EXEC would leave the rest of the step applied
	// without its messages.
	p.Eval(ctx, enqueueScript, []string{s.k.outMsgs(), s.k.outQueue(class, m.ChatKey), s.k.outReady(class)},
		m.Key, b, m.NotBefore, m.ChatKey, s.k.p, now)
	return nil
}

// Enqueue queues messages outside a step (for example a notice from the
// command line).
func (s *Store) Enqueue(ctx context.Context, now time.Time, out ...Outgoing) error {
	return s.Apply(ctx, Watch{}, func(Reader) (Effects, bool, error) {
		return Effects{Outbox: out, Now: now}, false, nil
	})
}

// claimScript hands out due messages, at most one per chat per call and
// only for chats whose spacing has passed: answers first, then notices,
// then bulk. It walks the chats that are ready, not the messages, so one
// chat's deep queue cannot hide another chat's message. Claimed messages
// move to the inflight set with a lease the sender renews while it sends;
// a lease that ran out grace ago (the sender died) puts the message back.
//
// All keys share the programme's hash tag; the per-chat ones are built
// here from the prefix.
// Claims in one second, by all processes together, stay within the global
// rate: two bots sharing one Redis must not send twice what Telegram
// allows.
// ARGV: 1 now ms, 2 lease ms, 3 max messages, 4 key prefix, 5 grace ms,
// 6 messages per second in all (0: no limit)
// Returns: the claimed messages' JSON.
var claimScript = redis.NewScript(sentLua + `
local now, lease, max, pre, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local rate = tonumber(ARGV[6])
local second = pre .. 'out:rate:' .. math.floor(now / 1000)
if rate > 0 then
  max = math.min(max, rate - tonumber(redis.call('GET', second) or '0'))
end
local msgs, inflight, chatnext = pre..'out:msgs', pre..'out:inflight', pre..'out:chatnext'
local function class(m)
  if m.class == 'answer' or (m.class == nil and m.urgent) then return 'answer' end
  if m.class == 'notice' then return 'notice' end
  return 'bulk'
end
local function push(id, m)
  local c = class(m)
  redis.call('ZADD', pre..'out:q:'..c..':'..m.c, m.nb, id)
  redis.call('ZADD', pre..'out:ready:'..c, 'LT', m.nb, m.c)
end
-- Messages queued by the first release, which kept one queue per class.
for _, old in ipairs({'out:urgent', 'out:notice', 'out:bulk'}) do
  for _, id in ipairs(redis.call('ZRANGE', pre..old, 0, 199)) do
    redis.call('ZREM', pre..old, id)
    local raw = redis.call('HGET', msgs, id)
    if raw then push(id, cjson.decode(raw)) end
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', inflight, '-inf', now - grace)) do
  redis.call('ZREM', inflight, id)
  local raw = redis.call('HGET', msgs, id)
  if raw then
    local m = cjson.decode(raw)
    push(id, m)
    redis.call('HSET', chatnext, m.c, now)
  end
end
local out, seen = {}, {}
local function finish()
  if rate > 0 and #out > 0 then
    redis.call('INCRBY', second, #out)
    redis.call('PEXPIRE', second, 2000)
  end
  return out
end
if max <= 0 then return out end
for _, cls in ipairs({'answer', 'notice', 'bulk'}) do
  local ready = pre..'out:ready:'..cls
  local moved = true
  while moved and #out < max do
    moved = false
    -- Every chat looked at leaves the due range (claimed, held, not due
    -- yet, or empty) unless it was looked at in this call already, so a
    -- window a little larger than max always finds new ones.
    for _, c in ipairs(redis.call('ZRANGEBYSCORE', ready, '-inf', now, 'LIMIT', 0, 2 * max + 16)) do
      if #out >= max then return finish() end
      if not seen[c] then
        seen[c] = true
        moved = true
        local q = pre..'out:q:'..cls..':'..c
        local head = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
        local nxt = tonumber(redis.call('HGET', chatnext, c) or '0')
        if #head == 0 then
          redis.call('ZREM', ready, c)
        elseif tonumber(head[2]) > now then
          redis.call('ZADD', ready, head[2], c)
        elseif nxt > now then
          redis.call('ZADD', ready, nxt, c)
        else
          local id = head[1]
          redis.call('ZREM', q, id)
          local raw = redis.call('HGET', msgs, id)
          if raw and not sentBefore(pre, id, now) then
            redis.call('ZADD', inflight, now + lease, id)
            -- Hold the chat while this one is in flight, and through the
            -- grace after its lease, so its next one cannot overtake it;
            -- Sent, Retry, Release or the reclaim releases it.
            redis.call('HSET', chatnext, c, now + lease + grace)
            redis.call('ZADD', ready, now + lease + grace, c)
            out[#out + 1] = raw
          else
            -- Sent or dropped meanwhile: the chat's next one, next time.
            redis.call('HDEL', msgs, id)
            redis.call('ZADD', ready, now, c)
          end
        end
      end
    end
  end
end
return finish()
`)

// claimGrace is how long after a lease ran out the message is handed out
// again: a sender that got Telegram's answer just as Redis came back
// records it first, so it is not sent twice.
const claimGrace = 3 * time.Second

// Claim takes up to max due messages for sending, at most perSecond in
// any second by all senders together (0: no limit).
func (s *Store) Claim(ctx context.Context, now time.Time, max int, lease time.Duration, perSecond int) ([]Outgoing, error) {
	res, err := claimScript.Run(ctx, s.rdb, []string{s.k.outMsgs()},
		now.UnixMilli(), lease.Milliseconds(), max, s.k.p, claimGrace.Milliseconds(), perSecond).StringSlice()
	if err != nil {
		return nil, err
	}
	out := make([]Outgoing, 0, len(res))
	for _, raw := range res {
		m, err := codec.DecodeOutgoing([]byte(raw))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// renewScript extends a claim's lease, if the claim is still this
// sender's: a lease handed out again is not taken back.
// KEYS: 1 inflight, 2 chatnext. ARGV: 1 key, 2 chat, 3 lease end ms,
// 4 grace ms.
var renewScript = redis.NewScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], tonumber(ARGV[3]) + tonumber(ARGV[4]))
return 1
`)

// Renew extends the lease of a message being sent to until, and reports
// whether it was still held.
func (s *Store) Renew(ctx context.Context, m Outgoing, until time.Time) (bool, error) {
	n, err := renewScript.Run(ctx, s.rdb, []string{s.k.outInflight(), s.k.outChatNext()},
		m.Key, strconv.FormatInt(m.Chat, 10), until.UnixMilli(), claimGrace.Milliseconds()).Int()
	return n == 1, err
}

// readyAt sets when a chat may send next in every class it waits in:
// earlier (LT), or, to hold it, later (GT).
func (s *Store) readyAt(ctx context.Context, p redis.Pipeliner, chat string, at int64, hold bool) {
	for _, c := range classes {
		z := redis.ZAddArgs{XX: true, LT: !hold, GT: hold, Members: []redis.Z{{Score: float64(at), Member: chat}}}
		p.ZAddArgs(ctx, s.k.outReady(c), z)
	}
}

// Sent records that m went out: it leaves the outbox and its key is kept
// so that it is never queued again. The chat's next message may go after
// spacing.
func (s *Store) Sent(ctx context.Context, now time.Time, m Outgoing, spacing time.Duration) error {
	chat := strconv.FormatInt(m.Chat, 10)
	next := now.Add(spacing).UnixMilli()
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.k.outChatNext(), chat, next)
		p.HDel(ctx, s.k.outMsgs(), m.Key)
		p.ZRem(ctx, s.k.outInflight(), m.Key)
		s.markSent(ctx, p, m.Key, now)
		s.readyAt(ctx, p, chat, next, false)
		return nil
	})
	return err
}

// Retry puts m back at its place in the queue and holds its whole chat
// until until, so the chat's later messages cannot overtake it.
func (s *Store) Retry(ctx context.Context, m Outgoing, until time.Time) error {
	m.Attempts++
	b, err := codec.EncodeOutgoing(m)
	if err != nil {
		return err
	}
	return s.requeue(ctx, m, b, until)
}

// Release gives a claimed message back unsent, to go at once: a sender
// stopping cleanly does not leave its claims to wait out their leases.
func (s *Store) Release(ctx context.Context, m Outgoing, now time.Time) error {
	b, err := codec.EncodeOutgoing(m)
	if err != nil {
		return err
	}
	return s.requeue(ctx, m, b, now)
}

func (s *Store) requeue(ctx context.Context, m Outgoing, b []byte, until time.Time) error {
	chat := strconv.FormatInt(m.Chat, 10)
	class := string(m.Queue())
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.k.outMsgs(), m.Key, b)
		p.ZRem(ctx, s.k.outInflight(), m.Key)
		p.ZAdd(ctx, s.k.outQueue(class, chat), redis.Z{Score: float64(m.NotBefore), Member: m.Key})
		p.HSet(ctx, s.k.outChatNext(), chat, until.UnixMilli())
		p.ZAdd(ctx, s.k.outReady(class), redis.Z{Score: float64(until.UnixMilli()), Member: chat})
		s.readyAt(ctx, p, chat, until.UnixMilli(), true)
		return nil
	})
	return err
}

// Drop removes m for good (Telegram refused it) and keeps a record of why.
func (s *Store) Drop(ctx context.Context, now time.Time, m Outgoing, why string) error {
	rec, _ := json.Marshal(map[string]any{"key": m.Key, "chat": m.Chat, "at": now.UTC().Format(time.RFC3339), "why": why})
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		// Release the chat the claim held, so its next message need not
		// wait for the lease.
		p.HSet(ctx, s.k.outChatNext(), strconv.FormatInt(m.Chat, 10), now.UnixMilli())
		s.readyAt(ctx, p, strconv.FormatInt(m.Chat, 10), now.UnixMilli(), false)
		p.HDel(ctx, s.k.outMsgs(), m.Key)
		p.ZRem(ctx, s.k.outInflight(), m.Key)
		s.markSent(ctx, p, m.Key, now)
		p.LPush(ctx, s.k.outDead(), rec)
		p.LTrim(ctx, s.k.outDead(), 0, 999)
		return nil
	})
	return err
}

// NextDue returns when the earliest queued message falls due, or false
// when the outbox is empty.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var best float64
	found := false
	for _, q := range []string{s.k.outReady(classes[0]), s.k.outReady(classes[1]), s.k.outReady(classes[2]), s.k.outInflight(),
		s.k.outUrgent(), s.k.outNotice(), s.k.outBulk()} {
		zs, err := s.rdb.ZRangeWithScores(ctx, q, 0, 0).Result()
		if err != nil {
			return time.Time{}, false, err
		}
		if len(zs) > 0 && (!found || zs[0].Score < best) {
			best, found = zs[0].Score, true
		}
	}
	return time.UnixMilli(int64(best)), found, nil
}

// OutboxDepth counts, per send class, the chats with messages waiting.
func (s *Store) OutboxDepth(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, class := range classes {
		n, err := s.rdb.ZCard(ctx, s.k.outReady(class)).Result()
		if err != nil {
			return nil, err
		}
		out[class] = n
	}
	return out, nil
}

// OutboxLen counts messages not yet sent.
func (s *Store) OutboxLen(ctx context.Context) (int64, error) {
	return s.rdb.HLen(ctx, s.k.outMsgs()).Result()
}

// NextAfter returns the earliest job or held-back message due strictly
// after t: what the sandbox's "next event" jumps to.
func (s *Store) NextAfter(ctx context.Context, t time.Time) (time.Time, bool, error) {
	var best float64
	found := false
	for _, k := range []string{s.k.jobs(), s.k.outReady(classes[0]), s.k.outReady(classes[1]), s.k.outReady(classes[2])} {
		zs, err := s.rdb.ZRangeByScoreWithScores(ctx, k, &redis.ZRangeBy{Min: "(" + itoa(t.UnixMilli()), Max: "+inf", Count: 1}).Result()
		if err != nil {
			return time.Time{}, false, err
		}
		if len(zs) > 0 && (!found || zs[0].Score < best) {
			best, found = zs[0].Score, true
		}
	}
	return time.UnixMilli(int64(best)), found, nil
}
