package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/codec"
	"innsjekk/flows"
)

// queue is the sorted set of a message's send class: answers to the
// person who acted first, then notices to others, then bulk.
func (s *Store) queue(m Outgoing) string {
	switch m.Queue() {
	case flows.ClassAnswer:
		return s.k.outUrgent()
	case flows.ClassNotice:
		return s.k.outNotice()
	}
	return s.k.outBulk()
}

func (s *Store) enqueue(ctx context.Context, p redis.Pipeliner, m Outgoing, now int64) error {
	if m.NotBefore == 0 {
		m.NotBefore = now
	}
	m.ChatKey = strconv.FormatInt(m.Chat, 10)
	b, err := codec.EncodeOutgoing(m)
	if err != nil {
		return err
	}
	p.HSetNX(ctx, s.k.outMsgs(), m.Key, b)
	p.ZAddNX(ctx, s.queue(m), redis.Z{Score: float64(m.NotBefore), Member: m.Key})
	return nil
}

// Enqueue queues messages outside a step (for example a notice from the
// command line).
func (s *Store) Enqueue(ctx context.Context, now time.Time, out ...Outgoing) error {
	// Watch the message table: a Cluster client refuses a WATCH of no keys.
	return s.Apply(ctx, Watch{Outbox: true}, func(Reader) (Effects, bool, error) {
		return Effects{Outbox: out, Now: now}, false, nil
	})
}

// claimScript hands out messages that are due, at most one per chat per
// call and only for chats whose spacing has passed: answers first, then
// notices, then bulk. Claimed messages move to the inflight set with a
// lease; a lease that ran out (the sender died) puts the message back in
// its queue first.
//
// KEYS: 1 answers (urgent), 2 bulk, 3 inflight, 4 chatnext, 5 msgs, 6 notices
// ARGV: 1 now ms, 2 lease ms, 3 max messages
// Returns: the claimed messages' JSON.
var claimScript = redis.NewScript(`
local now, lease, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local function queue(m)
  if m.class == 'answer' or (m.class == nil and m.urgent) then return KEYS[1] end
  if m.class == 'notice' then return KEYS[6] end
  return KEYS[2]
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('ZREM', KEYS[3], id)
  local raw = redis.call('HGET', KEYS[5], id)
  if raw then
    local m = cjson.decode(raw)
    redis.call('ZADD', queue(m), m.nb, id)
  end
end
local out, busy = {}, {}
for _, q in ipairs({KEYS[1], KEYS[6], KEYS[2]}) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', q, '-inf', now, 'LIMIT', 0, 500)) do
    if #out >= max then return out end
    local raw = redis.call('HGET', KEYS[5], id)
    if not raw then
      redis.call('ZREM', q, id)
    else
      local m = cjson.decode(raw)
      if not busy[m.c] then
        -- Only the first waiting message of a chat may go, so a chat's
        -- messages leave in order.
        busy[m.c] = true
        local nxt = tonumber(redis.call('HGET', KEYS[4], m.c) or '0')
        if nxt <= now then
          redis.call('ZREM', q, id)
          redis.call('ZADD', KEYS[3], now + lease, id)
          -- Hold the chat while this one is in flight; Sent, Retry or
          -- the lease's end releases it.
          redis.call('HSET', KEYS[4], m.c, now + lease)
          out[#out + 1] = raw
        end
      end
    end
  end
end
return out
`)

// Claim takes up to max due messages for sending.
func (s *Store) Claim(ctx context.Context, now time.Time, max int, lease time.Duration) ([]Outgoing, error) {
	res, err := claimScript.Run(ctx, s.rdb,
		[]string{s.k.outUrgent(), s.k.outBulk(), s.k.outInflight(), s.k.outChatNext(), s.k.outMsgs(), s.k.outNotice()},
		now.UnixMilli(), lease.Milliseconds(), max).StringSlice()
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

// Sent records that m went out: it leaves the outbox and its key is kept
// so that it is never queued again. The chat's next message may go after
// spacing.
func (s *Store) Sent(ctx context.Context, now time.Time, m Outgoing, spacing time.Duration) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.k.outChatNext(), strconv.FormatInt(m.Chat, 10), now.Add(spacing).UnixMilli())
		p.HDel(ctx, s.k.outMsgs(), m.Key)
		p.ZRem(ctx, s.k.outInflight(), m.Key)
		p.ZAdd(ctx, s.k.outDone(), redis.Z{Score: float64(now.UnixMilli()), Member: m.Key})
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
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.k.outMsgs(), m.Key, b)
		p.ZRem(ctx, s.k.outInflight(), m.Key)
		p.ZAdd(ctx, s.queue(m), redis.Z{Score: float64(m.NotBefore), Member: m.Key})
		p.HSet(ctx, s.k.outChatNext(), strconv.FormatInt(m.Chat, 10), until.UnixMilli())
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
		p.HDel(ctx, s.k.outMsgs(), m.Key)
		p.ZRem(ctx, s.k.outInflight(), m.Key)
		p.ZAdd(ctx, s.k.outDone(), redis.Z{Score: float64(now.UnixMilli()), Member: m.Key})
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
	for _, q := range []string{s.k.outUrgent(), s.k.outNotice(), s.k.outBulk(), s.k.outInflight()} {
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

// OutboxDepth counts the messages waiting in each send class.
func (s *Store) OutboxDepth(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for class, q := range map[string]string{string(flows.ClassAnswer): s.k.outUrgent(), string(flows.ClassNotice): s.k.outNotice(),
		string(flows.ClassBulk): s.k.outBulk()} {
		n, err := s.rdb.ZCard(ctx, q).Result()
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
	for _, k := range []string{s.k.jobs(), s.k.outUrgent(), s.k.outNotice(), s.k.outBulk()} {
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
