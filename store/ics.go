package store

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// Calendar feeds are served at an unguessable URL, one per owner
// ("participant:amina", "staff:anne"). The feeds hash maps each token to
// its owner and each owner to their token, so that a new token can
// replace the old one in one step and the old URL stops working at once.

// feedTokenScript gives owner a token: the one they have, unless renew
// is set or they have none, in which case the new one replaces it.
//
// KEYS: 1 feeds
// ARGV: 1 owner, 2 new token, 3 renew ("1" or "0")
// Returns: the owner's token.
var feedTokenScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'o:' .. ARGV[1])
if old and ARGV[3] ~= '1' then
  return old
end
if old then
  redis.call('HDEL', KEYS[1], 't:' .. old)
end
redis.call('HSET', KEYS[1], 'o:' .. ARGV[1], ARGV[2], 't:' .. ARGV[2], ARGV[1])
return ARGV[2]
`)

// FeedToken returns owner's feed token, storing fresh as it if they have
// none yet, or in place of the one they have when renew is set (the old
// URL then answers 404).
func (s *Store) FeedToken(ctx context.Context, owner, fresh string, renew bool) (string, error) {
	flag := "0"
	if renew {
		flag = "1"
	}
	return feedTokenScript.Run(ctx, s.rdb, []string{s.k.feeds()}, owner, fresh, flag).Text()
}

// FeedOwner returns the owner of a feed token, or "" for a token that
// was never made or has been replaced.
func (s *Store) FeedOwner(ctx context.Context, token string) (string, error) {
	owner, err := s.rdb.HGet(ctx, s.k.feeds(), "t:"+token).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return owner, err
}
