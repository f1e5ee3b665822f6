package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// seenWindow is how many update ids below the highest handled one are
// remembered one by one. Telegram numbers updates in order and redelivers
// only what was not confirmed, so an id further back is a redelivery.
const seenWindow = 10000

// seenChunk is how many update ids one dedupe bitmap covers: a bit an id,
// 1 KB a chunk, and the window spans at most three. (A sorted set of the
// same ids took 98 bytes an id: 985 KB for the window.)
const seenChunk = 8192

// seenLua is what the intake and commit scripts share: whether an update
// id was handled, and marking it so. ARGV[1] of both is the key prefix.
// The sorted set of ids that earlier releases kept (KEYS[2]) is still
// read until the window has moved past everything in it.
var seenLua = `
local CHUNK = ` + strconv.Itoa(seenChunk) + `
local function chunk(n) return ARGV[1] .. 'seen:b:' .. math.floor(n / CHUNK) end
local function handled(n, id)
  return redis.call('GETBIT', chunk(n), n % CHUNK) == 1 or redis.call('ZSCORE', KEYS[2], id)
end
`

// Update is one update as it arrived, with the chat it belongs to (0 for
// updates no flow handles, which are kept apart and marked handled).
type Update struct {
	ID   int64
	Chat int64
	Raw  []byte
}

// intakeScript stores updates unless stored or handled before, each in its
// chat's queue.
//
// KEYS: 1 updates, 2 seen, 3 seen max, 4 ready
// ARGV: 1 key prefix, 2 window, then id, chat, JSON for each update
// Returns: for each update, 1 stored or 0 duplicate.
var intakeScript = redis.NewScript(seenLua + `
local pre, window = ARGV[1], tonumber(ARGV[2])
local max = tonumber(redis.call('GET', KEYS[3]) or '0')
local out = {}
for i = 3, #ARGV, 3 do
  local id, chat, raw = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local n = tonumber(id)
  if n <= max - window or handled(n, id) or redis.call('HSETNX', KEYS[1], id, raw) == 0 then
    out[#out + 1] = 0
  else
    redis.call('ZADD', pre .. 'in:q:' .. chat, n, id)
    redis.call('ZADD', KEYS[4], 'LT', n, chat)
    out[#out + 1] = 1
  end
end
return out
`)

// Intake stores updates durably, in one round trip, and reports for each
// whether it was new (false: stored or handled before).
func (s *Store) Intake(ctx context.Context, ups ...Update) ([]bool, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2+3*len(ups))
	args = append(args, s.k.p, seenWindow)
	for _, u := range ups {
		args = append(args, u.ID, u.Chat, u.Raw)
	}
	res, err := intakeScript.Run(ctx, s.rdb, []string{s.k.updates(), s.k.seen(), s.k.seenMax(), s.k.inReady()}, args...).Int64Slice()
	if err != nil {
		return nil, err
	}
	fresh := make([]bool, len(res))
	for i, n := range res {
		fresh[i] = n == 1
	}
	return fresh, nil
}

// commitScript marks an update handled, inside the step's transaction:
// it leaves its chat's queue, the chat's next update (if any) becomes its
// place in the ready set, and the dedupe window moves on, deleting the
// bitmaps it has left behind.
//
// KEYS: 1 updates, 2 the earlier releases' seen set, 3 seen max, 4 ready,
// 5 the first release's queue, 6 the bitmaps in use
// ARGV: 1 key prefix, 2 update id, 3 chat, 4 window
var commitScript = seenLua + `
local pre, id, chat, window = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local n = tonumber(id)
redis.call('HDEL', KEYS[1], id)
redis.call('ZREM', KEYS[5], id)
local c = math.floor(n / CHUNK)
redis.call('SETBIT', chunk(n), n % CHUNK, 1)
redis.call('ZADD', KEYS[6], c, c)
local max = tonumber(redis.call('GET', KEYS[3]) or '0')
if n > max then
  redis.call('SET', KEYS[3], id)
  max = n
end
local low = math.floor((max - window) / CHUNK)
for _, old in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', '(' .. low)) do
  redis.call('DEL', pre .. 'seen:b:' .. old)
end
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. low)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (max - window))
local q = pre .. 'in:q:' .. chat
redis.call('ZREM', q, id)
local head = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
if #head == 0 then
  redis.call('ZREM', KEYS[4], chat)
else
  redis.call('ZADD', KEYS[4], head[2], chat)
end
return 1
`

func (s *Store) commit(ctx context.Context, p redis.Pipeliner, id, chat int64) {
	p.Eval(ctx, commitScript, []string{s.k.updates(), s.k.seen(), s.k.seenMax(), s.k.inReady(), s.k.pending(), s.k.seenChunks()},
		s.k.p, id, chat, seenWindow)
}

// Pending is a stored update not yet handled.
type Pending struct {
	ID   int64
	Chat int64
	Raw  []byte
}

// pendingScript reads the oldest waiting update of up to n chats, with
// its body, in one round trip: the dispatcher asks each time a worker is
// free, so that is once an update.
//
// KEYS: 1 ready, 2 updates. ARGV: 1 n, 2 key prefix, then the chats to
// leave out. Returns: id, chat, body for each.
var pendingScript = redis.NewScript(`
local n, pre = tonumber(ARGV[1]), ARGV[2]
local busy = {}
for i = 3, #ARGV do busy[ARGV[i]] = true end
local chats = redis.call('ZRANGE', KEYS[1], 0, n + #ARGV - 3)
local out, got = {}, 0
for _, chat in ipairs(chats) do
  if got < n and not busy[chat] then
    -- The id as it was queued, not the score's formatting of it.
    local id = redis.call('ZRANGE', pre .. 'in:q:' .. chat, 0, 0)[1]
    -- Gone: handled a moment ago; the chat's next one comes next time.
    local raw = id and redis.call('HGET', KEYS[2], id)
    if raw then
      out[#out + 1] = id
      out[#out + 1] = chat
      out[#out + 1] = raw
      got = got + 1
    end
  end
end
return out
`)

// PendingUpdates returns the oldest waiting update of each of up to n
// chats, oldest first, leaving out the chats in skip (their update is
// being handled).
func (s *Store) PendingUpdates(ctx context.Context, n int64, skip ...map[int64]bool) ([]Pending, error) {
	args := []any{n, s.k.p}
	if len(skip) > 0 {
		for c := range skip[0] {
			args = append(args, strconv.FormatInt(c, 10))
		}
	}
	res, err := pendingScript.Run(ctx, s.rdb, []string{s.k.inReady(), s.k.updates()}, args...).StringSlice()
	if err != nil || len(res) == 0 {
		return nil, err
	}
	out := make([]Pending, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		id, err := strconv.ParseInt(res[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("pending update id %q: %w", res[i], err)
		}
		chat, _ := strconv.ParseInt(res[i+1], 10, 64)
		out = append(out, Pending{ID: id, Chat: chat, Raw: []byte(res[i+2])})
	}
	return out, nil
}

// Backlog counts the chats with updates waiting.
func (s *Store) Backlog(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, s.k.inReady()).Result()
}

// FirstReleasePending returns updates the first release queued in its
// single queue, for requeueing by chat.
func (s *Store) FirstReleasePending(ctx context.Context, n int64) ([]Pending, error) {
	ids, err := s.rdb.ZRange(ctx, s.k.pending(), 0, n-1).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	vals, err := s.rdb.HMGet(ctx, s.k.updates(), ids...).Result()
	if err != nil {
		return nil, err
	}
	var out []Pending
	for i, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		if v, ok := vals[i].(string); ok {
			out = append(out, Pending{ID: n, Raw: []byte(v)})
		} else {
			s.rdb.ZRem(ctx, s.k.pending(), id)
		}
	}
	return out, nil
}

// Requeue moves first-release updates into their chats' queues.
func (s *Store) Requeue(ctx context.Context, ps []Pending) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, u := range ps {
			chat := strconv.FormatInt(u.Chat, 10)
			id := strconv.FormatInt(u.ID, 10)
			p.ZAdd(ctx, s.k.inQueue(chat), redis.Z{Score: float64(u.ID), Member: id})
			p.ZAddLT(ctx, s.k.inReady(), redis.Z{Score: float64(u.ID), Member: chat})
			p.ZRem(ctx, s.k.pending(), id)
		}
		return nil
	})
	return err
}

// Offset returns the stored getUpdates offset.
func (s *Store) Offset(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.k.offset()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// SetOffset stores the getUpdates offset. It only moves forward.
func (s *Store) SetOffset(ctx context.Context, off int64) error {
	cur, err := s.Offset(ctx)
	if err != nil {
		return err
	}
	if off <= cur {
		return nil
	}
	return s.rdb.Set(ctx, s.k.offset(), off, 0).Err()
}
