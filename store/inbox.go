package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// intakeScript stores an update unless it was stored or handled before.
//
// KEYS: 1 updates, 2 pending, 3 seen
// ARGV: 1 update id, 2 update JSON
// Returns: 1 stored, 0 duplicate.
var intakeScript = redis.NewScript(`
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
return 1
`)

// Intake stores an update durably. It reports false for an update that
// was already stored or handled.
func (s *Store) Intake(ctx context.Context, id int64, raw []byte) (bool, error) {
	n, err := intakeScript.Run(ctx, s.rdb, []string{s.k.updates(), s.k.pending(), s.k.seen()}, id, raw).Int()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// Pending is a stored update not yet handled.
type Pending struct {
	ID  int64
	Raw []byte
}

// PendingUpdates returns up to n unhandled updates, oldest first.
func (s *Store) PendingUpdates(ctx context.Context, n int64) ([]Pending, error) {
	ids, err := s.rdb.ZRange(ctx, s.k.pending(), 0, n-1).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	vals, err := s.rdb.HMGet(ctx, s.k.updates(), ids...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Pending, 0, len(ids))
	for i, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		v, ok := vals[i].(string)
		if !ok {
			// The body is gone: a concurrent commit handled it.
			s.rdb.ZRem(ctx, s.k.pending(), id)
			continue
		}
		out = append(out, Pending{ID: n, Raw: []byte(v)})
	}
	return out, nil
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
