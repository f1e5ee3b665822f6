package store

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/codec"
)

func (s *Store) schedule(ctx context.Context, p redis.Pipeliner, j Job) error {
	b, err := codec.EncodeJob(j)
	if err != nil {
		return err
	}
	p.SetNX(ctx, s.k.job(j.ID), b, 0)
	p.ZAddNX(ctx, s.k.jobs(), redis.Z{Score: float64(j.Due.UnixMilli()), Member: j.ID})
	return nil
}

// Schedule adds jobs that do not exist yet.
func (s *Store) Schedule(ctx context.Context, jobs ...Job) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, j := range jobs {
			if err := s.schedule(ctx, p, j); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// claimJobsScript leases due jobs: their score becomes the lease's end, so
// a job whose worker died falls due again and another process runs it.
//
// KEYS: 1 jobs
// ARGV: 1 now ms, 2 lease ms, 3 max
// Returns: the claimed job ids.
var claimJobsScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
end
return ids
`)

// ClaimJobs leases up to max due jobs. A claimed job is removed only by
// the commit of its effects (Effects.DoneJob), which makes it run once.
func (s *Store) ClaimJobs(ctx context.Context, now time.Time, max int, lease time.Duration) ([]Job, error) {
	ids, err := claimJobsScript.Run(ctx, s.rdb, []string{s.k.jobs()}, now.UnixMilli(), lease.Milliseconds(), max).StringSlice()
	if err != nil {
		return nil, err
	}
	var out []Job
	for _, id := range ids {
		b, err := s.rdb.Get(ctx, s.k.job(id)).Bytes()
		if err == redis.Nil {
			// Ran already; the index entry is a leftover.
			s.rdb.ZRem(ctx, s.k.jobs(), id)
			continue
		}
		if err != nil {
			return nil, err
		}
		j, err := codec.DecodeJob(b)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// NextJob returns when the earliest job falls due.
func (s *Store) NextJob(ctx context.Context) (time.Time, bool, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, s.k.jobs(), 0, 0).Result()
	if err != nil || len(zs) == 0 {
		return time.Time{}, false, err
	}
	return time.UnixMilli(int64(zs[0].Score)), true, nil
}

// Housekeep deletes what is kept only for a while: seen update ids the
// first release scored by time, older than keepSeen (the window below the
// highest id trims itself), and the sent-message keys earlier releases
// kept, older than keepDone (what this release keeps expires by itself).
func (s *Store) Housekeep(ctx context.Context, now time.Time, keepSeen, keepDone time.Duration) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		// Scores from 10^12 up are milliseconds since 1970; update ids
		// are far smaller.
		p.ZRemRangeByScore(ctx, s.k.seen(), "1000000000000", itoa(now.Add(-keepSeen).UnixMilli()))
		p.ZRemRangeByScore(ctx, s.k.outDone(), "-inf", itoa(now.Add(-keepDone).UnixMilli()))
		return nil
	})
	return err
}
