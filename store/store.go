package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"innsjekk/codec"
)

// Outgoing and Job are stored in the shapes the codec defines.
type (
	Outgoing = codec.Outgoing
	Job      = codec.Job
)

// Store is one programme's data in Redis.
type Store struct {
	rdb redis.UniversalClient
	k   keys
	// cluster: a WATCH must name a key before the first read, for
	// Redis Cluster to route the transaction.
	cluster bool
}

// New returns the store of programme on rdb.
func New(rdb redis.UniversalClient, programme string) *Store {
	_, cluster := rdb.(*redis.ClusterClient)
	return &Store{rdb: rdb, k: newKeys(programme), cluster: cluster}
}

// Client returns the underlying Redis client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Prefix is the prefix of every key of the programme.
func (s *Store) Prefix() string { return s.k.p }

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// ErrConflict means the data changed under a transaction too many times.
var ErrConflict = errors.New("store: too much contention")

// Reader reads inside a transaction. Everything it reads is watched
// first, so the commit fails and is retried if another writer changed it
// meanwhile.
type Reader struct {
	ctx     context.Context
	tx      *redis.Tx
	k       keys
	watched map[string]bool
	chats   map[int64][]byte // read with Seen, for Chat
	// Read with Seen ahead of need, for Load: records by name, and
	// bindings by person ("" for a person with none).
	early      map[string]map[string]string
	earlyBound map[string]*string
}

// read watches keys (those not watched yet) and sends the reads that
// read queues, in one round trip: WATCH is an ordinary command before
// MULTI, so a read pipelined after it is covered by it. An update's step
// makes several such reads; a round trip each for the WATCH and the read
// was most of its cost (docs/PERFORMANCE.md).
func (r Reader) read(ks []string, read func(p redis.Pipeliner)) error {
	var fresh []any
	for _, k := range ks {
		if !r.watched[k] {
			r.watched[k] = true
			fresh = append(fresh, k)
		}
	}
	var watch *redis.Cmd
	cmds, err := r.tx.Pipelined(r.ctx, func(p redis.Pipeliner) error {
		if len(fresh) > 0 {
			watch = p.Do(r.ctx, append([]any{"WATCH"}, fresh...)...)
		}
		read(p)
		return nil
	})
	if watch != nil && watch.Err() != nil {
		return watch.Err()
	}
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	for _, c := range cmds {
		if c.Err() != nil && !errors.Is(c.Err(), redis.Nil) {
			return c.Err()
		}
	}
	return nil
}

// getBytes is a pipelined GET's value, nil for a missing key.
func getBytes(c *redis.StringCmd) ([]byte, error) {
	b, err := c.Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// Chat returns the stored state of chat id, or nil.
func (r Reader) Chat(id int64) ([]byte, error) {
	if b, ok := r.chats[id]; ok {
		return b, nil
	}
	var get *redis.StringCmd
	if err := r.read([]string{r.k.chat(id)}, func(p redis.Pipeliner) { get = p.Get(r.ctx, r.k.chat(id)) }); err != nil {
		return nil, err
	}
	return getBytes(get)
}

// Counts returns a chat's counts (see Effects.Counts), zero for those
// that expired or never were.
func (r Reader) Counts(chat int64, names ...string) (map[string]int, error) {
	ks := make([]string, len(names))
	for i, n := range names {
		ks[i] = r.k.limit(chat, n)
	}
	var get *redis.SliceCmd
	if err := r.read(ks, func(p redis.Pipeliner) { get = p.MGet(r.ctx, ks...) }); err != nil {
		return nil, err
	}
	vals, err := get.Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(names))
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[names[i]], _ = strconv.Atoi(s)
		}
	}
	return out, nil
}

// Bindings returns the bindings of the people named, person id -> JSON;
// people without one are left out.
func (r Reader) Bindings(ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var get *redis.SliceCmd
	if err := r.read([]string{r.k.people()}, func(p redis.Pipeliner) { get = p.HMGet(r.ctx, r.k.people(), ids...) }); err != nil {
		return nil, err
	}
	vals, err := get.Result()
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[ids[i]] = s
		}
	}
	return out, nil
}

// AllBindings returns every binding, person id -> JSON.
func (r Reader) AllBindings() (map[string]string, error) {
	var get *redis.MapStringStringCmd
	if err := r.read([]string{r.k.people()}, func(p redis.Pipeliner) { get = p.HGetAll(r.ctx, r.k.people()) }); err != nil {
		return nil, err
	}
	return get.Result()
}

// Roster returns the stored roster file (nil if none) and its import
// sequence number, watched: an import that raced another is retried.
func (r Reader) Roster() ([]byte, int64, error) {
	var file, seq *redis.StringCmd
	if err := r.read([]string{r.k.roster(), r.k.rosterSeq()}, func(p redis.Pipeliner) {
		file = p.Get(r.ctx, r.k.roster())
		seq = p.Get(r.ctx, r.k.rosterSeq())
	}); err != nil {
		return nil, 0, err
	}
	b, err := getBytes(file)
	if err == nil {
		b, err = unpackRoster(b)
	}
	if err != nil {
		return nil, 0, err
	}
	n, err := seq.Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, err
	}
	return b, n, nil
}

// Invite returns the invite named code, or nil.
func (r Reader) Invite(code string) ([]byte, error) {
	var get *redis.StringCmd
	if err := r.read([]string{r.k.invite(code)}, func(p redis.Pipeliner) { get = p.Get(r.ctx, r.k.invite(code)) }); err != nil {
		return nil, err
	}
	return getBytes(get)
}

// Seen reports whether update id has been handled, and reads (and
// watches) the state of its chat in the same round trip, for Chat.
// The seen set is not watched: every commit writes to it, so watching it
// would make all chats conflict. Two handlers of the same update still
// cannot both commit, because both watch that update's chat and every
// commit writes the chat's state.
//
// The records and bindings named in ahead are read (and watched) in the
// same round trip, for a Load that asks for no more than them: the
// engine names what the chat's last step suggests the next will need.
func (r Reader) Seen(id, chat int64, ahead ...Ahead) (bool, error) {
	var score *redis.FloatCmd
	var bit *redis.IntCmd
	var max, state *redis.StringCmd
	var ks []string
	if chat != 0 {
		ks = []string{r.k.chat(chat)}
	}
	var a Ahead
	if len(ahead) > 0 {
		a = ahead[0]
	}
	for _, n := range a.Records {
		ks = append(ks, r.k.record(n), r.k.history(n))
	}
	if len(a.People) > 0 {
		ks = append(ks, r.k.people())
	}
	recs := make([]recordCmd, len(a.Records))
	var bound *redis.SliceCmd
	if err := r.read(ks, func(p redis.Pipeliner) {
		bit = p.GetBit(r.ctx, r.k.seenBits(id), id%seenChunk)
		score = p.ZScore(r.ctx, r.k.seen(), strconv.FormatInt(id, 10))
		max = p.Get(r.ctx, r.k.seenMax())
		if chat != 0 {
			state = p.Get(r.ctx, r.k.chat(chat))
		}
		for i, n := range a.Records {
			recs[i] = r.readRecord(p, n)
		}
		if len(a.People) > 0 {
			bound = p.HMGet(r.ctx, r.k.people(), a.People...)
		}
	}); err != nil {
		return false, err
	}
	if state != nil {
		b, err := getBytes(state)
		if err != nil {
			return false, err
		}
		r.chats[chat] = b
	}
	for i, n := range a.Records {
		if f, err := recs[i].fields(); err == nil {
			r.early[n] = f
		}
	}
	if bound != nil {
		if vals, err := bound.Result(); err == nil {
			for i, v := range vals {
				s, _ := v.(string)
				r.earlyBound[a.People[i]] = &s
			}
		}
	}
	if bit.Val() == 1 || score.Err() == nil {
		return true, nil
	}
	m, _ := strconv.ParseInt(max.Val(), 10, 64)
	return id <= m-seenWindow, nil
}

// Ahead names what Seen reads ahead of need.
type Ahead struct {
	Records []string
	People  []string
}

// loadEarly answers a Load from what Seen read ahead, if it holds all of
// it.
func (r Reader) loadEarly(names, people []string) (map[string]map[string]string, map[string]string, bool) {
	recs := make(map[string]map[string]string, len(names))
	for _, n := range names {
		f, ok := r.early[n]
		if !ok {
			return nil, nil, false
		}
		recs[n] = f
	}
	bound := map[string]string{}
	for _, id := range people {
		v, ok := r.earlyBound[id]
		if !ok {
			return nil, nil, false
		}
		if *v != "" {
			bound[id] = *v
		}
	}
	return recs, bound, true
}

// Load reads the records named and the bindings of the people named (or
// of everyone), in one round trip.
func (r Reader) Load(names, people []string, everyone bool) (map[string]map[string]string, map[string]string, error) {
	if !everyone && len(names)+len(people) > 0 {
		if recs, bound, ok := r.loadEarly(names, people); ok {
			return recs, bound, nil
		}
	}
	recs := make(map[string]map[string]string, len(names))
	bound := map[string]string{}
	ks := make([]string, 0, len(names)+1)
	for _, n := range names {
		ks = append(ks, r.k.record(n), r.k.history(n))
	}
	recCmds := make([]recordCmd, len(names))
	var some *redis.SliceCmd
	var all *redis.MapStringStringCmd
	if everyone || len(people) > 0 {
		ks = append(ks, r.k.people())
	}
	if len(ks) == 0 {
		return recs, bound, nil
	}
	if err := r.read(ks, func(p redis.Pipeliner) {
		for i, n := range names {
			recCmds[i] = r.readRecord(p, n)
		}
		switch {
		case everyone:
			all = p.HGetAll(r.ctx, r.k.people())
		case len(people) > 0:
			some = p.HMGet(r.ctx, r.k.people(), people...)
		}
	}); err != nil {
		return nil, nil, err
	}
	for i, n := range names {
		var err error
		if recs[n], err = recCmds[i].fields(); err != nil {
			return nil, nil, err
		}
	}
	switch {
	case all != nil:
		m, err := all.Result()
		if err != nil {
			return nil, nil, err
		}
		bound = m
	case some != nil:
		vals, err := some.Result()
		if err != nil {
			return nil, nil, err
		}
		for i, v := range vals {
			if s, ok := v.(string); ok {
				bound[people[i]] = s
			}
		}
	}
	return recs, bound, nil
}

// Records returns the fields of each record named (a record key such as
// "facts:amina"), watched and read in one round trip.
func (r Reader) Records(names []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(names))
	if len(names) == 0 {
		return out, nil
	}
	ks := make([]string, 0, 2*len(names))
	for _, n := range names {
		ks = append(ks, r.k.record(n), r.k.history(n))
	}
	cmds := make([]recordCmd, len(names))
	if err := r.read(ks, func(p redis.Pipeliner) {
		for i, n := range names {
			cmds[i] = r.readRecord(p, n)
		}
	}); err != nil {
		return nil, err
	}
	for i, n := range names {
		var err error
		if out[n], err = cmds[i].fields(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// A record's history (codec.HistoryField) is a string key of its own
// beside the record's hash: a history outgrows the value size up to which
// Redis keeps a hash compact, and would take the record's other fields
// with it. Readers and writers see one field.
type recordCmd struct {
	hash    *redis.MapStringStringCmd
	history *redis.StringCmd
}

func (r Reader) readRecord(p redis.Pipeliner, name string) recordCmd {
	return recordCmd{hash: p.HGetAll(r.ctx, r.k.record(name)), history: p.Get(r.ctx, r.k.history(name))}
}

func (c recordCmd) fields() (map[string]string, error) {
	m, err := c.hash.Result()
	if err != nil {
		return nil, err
	}
	h, err := c.history.Result()
	switch {
	case err == nil:
		m[codec.HistoryField] = h
	case !errors.Is(err, redis.Nil):
		return nil, err
	}
	return m, nil
}

// Histories returns the history (codec.HistoryField) of each record
// named that has one, watched and read in one round trip.
func (r Reader) Histories(names []string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	if len(names) == 0 {
		return out, nil
	}
	ks := make([]string, len(names))
	for i, n := range names {
		ks[i] = r.k.history(n)
	}
	cmds := make([]*redis.StringCmd, len(ks))
	if err := r.read(ks, func(p redis.Pipeliner) {
		for i, k := range ks {
			cmds[i] = p.Get(r.ctx, k)
		}
	}); err != nil {
		return nil, err
	}
	for i, n := range names {
		if v, err := cmds[i].Result(); err == nil {
			out[n] = v
		} else if !errors.Is(err, redis.Nil) {
			return nil, err
		}
	}
	return out, nil
}

// Job returns the data of job id, or nil when it has run or never existed.
func (r Reader) Job(id string) ([]byte, error) {
	var get *redis.StringCmd
	if err := r.read([]string{r.k.job(id)}, func(p redis.Pipeliner) { get = p.Get(r.ctx, r.k.job(id)) }); err != nil {
		return nil, err
	}
	return getBytes(get)
}

// Watch lists keys a transaction watches from its start, besides what its
// Reader reads.
type Watch struct {
	People bool
}

func (s *Store) watchKeys(w Watch) []string {
	var ks []string
	if w.People {
		ks = append(ks, s.k.people())
	}
	if len(ks) == 0 {
		// Redis Cluster routes a WATCH by its keys and refuses one of no
		// keys. The message table was watched here before; every queued
		// and every sent message writes it, so every step conflicted with
		// every other and was retried (the bench's closed loop found it).
		ks = append(ks, s.k.anchor())
	}
	return ks
}

// Count is one more of something a chat did.
type Count struct {
	Chat   int64
	Name   string
	Window time.Duration
}

// Effects is everything one step writes, committed all at once.
type Effects struct {
	Chats   map[int64][]byte  // chat id -> new state; nil deletes
	People  map[string][]byte // person id -> binding JSON; nil value deletes
	Invites []InviteWrite
	// Records: record name -> field -> value JSON; a nil value deletes
	// the field.
	Records    map[string]map[string][]byte
	Outbox     []Outgoing
	Jobs       []Job
	DoneJob    string   // the job that ran: removed with its effects
	CancelJobs []string // jobs no longer wanted
	// Forget erases people: their own record, binding and the state of
	// their chats, for an erasure the adviser confirmed (docs/behaviour.md
	// §3.1, §6).
	DropRecords []string
	ForgetChats []int64
	// Counts add one to a chat's named count, which is forgotten Window
	// after its first.
	Counts []Count
	// Erase records erasures decided by this step, for Erase to sweep.
	Erase []Erasure
	// Roster, when set, replaces the stored roster and becomes import
	// RosterSeq.
	Roster    []byte
	RosterSeq int64
	// Audit records staff actions on someone else's data.
	Audit    []AuditEntry
	Seen     int64 // the update handled: marked seen, removed from the inbox
	SeenChat int64 // the chat whose queue Seen leaves
	Now      time.Time
}

// AuditEntry is one line of the audit log: who did what to whom, never
// content.
type AuditEntry struct{ Actor, Action, Subject string }

// InviteWrite stores an invite until it expires.
type InviteWrite struct {
	Code    string
	Data    []byte
	Expires time.Time
}

// Apply runs one optimistic transaction: load reads through the Reader
// (watched), returns the effects, and they are committed only if nothing
// watched changed meanwhile; otherwise load runs again on fresh data.
// load returning skip=true commits nothing.
func (s *Store) Apply(ctx context.Context, w Watch, load func(Reader) (eff Effects, skip bool, err error)) error {
	ks := s.watchKeys(w)
	if !s.cluster && len(ks) == 1 && ks[0] == s.k.anchor() {
		// Outside a cluster the first read's WATCH goes in its own
		// pipeline: no round trip for the anchor.
		ks = nil
	}
	for attempt := 0; attempt < 50; attempt++ {
		if attempt > 0 {
			// Lose the race less often next time: a short random pause.
			time.Sleep(time.Duration(rand.Int64N(int64(attempt)*int64(time.Millisecond) + 1)))
		}
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			r := Reader{ctx: ctx, tx: tx, k: s.k, watched: map[string]bool{}, chats: map[int64][]byte{},
				early: map[string]map[string]string{}, earlyBound: map[string]*string{}}
			for _, k := range ks {
				r.watched[k] = true
			}
			committed := false
			defer func() {
				// go-redis releases only the WATCH it sent itself; the reads'
				// WATCH went in their pipelines. Without an EXEC it would stay
				// on the pooled connection and abort someone else's
				// transaction.
				if !committed && len(r.watched) > len(ks) {
					_ = tx.Unwatch(ctx).Err()
				}
			}()
			eff, skip, err := load(r)
			if err != nil || skip {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				return s.write(ctx, p, eff)
			})
			// EXEC (committed or aborted) releases every WATCH; anything
			// else may have failed before it was sent.
			committed = err == nil || errors.Is(err, redis.TxFailedErr) || redis.IsExecAbortError(err)
			return err
		}, ks...)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return err
	}
	return ErrConflict
}

func (s *Store) write(ctx context.Context, p redis.Pipeliner, eff Effects) error {
	now := eff.Now.UnixMilli()
	// Over maxmemory, EXEC refuses a transaction only if one of its
	// queued commands is statically marked as one that may use memory;
	// EVAL is not (it is judged when queued). A step of scripts and
	// deletions (a job done, its messages queued) that met the limit
	// between queuing and EXEC would commit the deletions and lose the
	// messages. This SETNX, a no-op once the key exists, makes every step
	// all or nothing.
	p.SetNX(ctx, s.k.alive(), 1, 0)
	for id, b := range eff.Chats {
		if b == nil {
			p.Del(ctx, s.k.chat(id))
			continue
		}
		p.Set(ctx, s.k.chat(id), b, 0)
	}
	for id, b := range eff.People {
		if b == nil {
			p.HDel(ctx, s.k.people(), id)
		} else {
			p.HSet(ctx, s.k.people(), id, b)
		}
	}
	for name, fields := range eff.Records {
		for f, b := range fields {
			switch {
			case f == codec.HistoryField && b == nil:
				p.Del(ctx, s.k.history(name))
			case f == codec.HistoryField:
				p.Set(ctx, s.k.history(name), b, 0)
			case b == nil:
				p.HDel(ctx, s.k.record(name), f)
			default:
				p.HSet(ctx, s.k.record(name), f, b)
			}
		}
	}
	for _, inv := range eff.Invites {
		// Keep a used or expired invite a while longer so that a second
		// try hears "already used" or "expired", not "unknown".
		p.Set(ctx, s.k.invite(inv.Code), inv.Data, 0)
		p.PExpireAt(ctx, s.k.invite(inv.Code), inv.Expires.Add(30*24*time.Hour))
	}
	for _, m := range eff.Outbox {
		if err := s.enqueue(ctx, p, m, now); err != nil {
			return err
		}
	}
	for _, j := range eff.Jobs {
		if err := s.schedule(ctx, p, j); err != nil {
			return err
		}
	}
	for _, name := range eff.DropRecords {
		p.Del(ctx, s.k.record(name), s.k.history(name))
	}
	for _, c := range eff.ForgetChats {
		p.Del(ctx, s.k.chat(c))
	}
	for _, e := range eff.Erase {
		p.SAdd(ctx, s.k.erasing(), e.member())
	}
	if eff.Roster != nil {
		packed, err := packRoster(eff.Roster)
		if err != nil {
			return err
		}
		p.Set(ctx, s.k.roster(), packed, 0)
		p.Set(ctx, s.k.rosterSeq(), eff.RosterSeq, 0)
	}
	for _, c := range eff.Counts {
		k := s.k.limit(c.Chat, c.Name)
		p.SetNX(ctx, k, 0, c.Window)
		p.Incr(ctx, k)
	}
	for _, a := range eff.Audit {
		p.XAdd(ctx, &redis.XAddArgs{Stream: s.k.audit(), Values: map[string]any{
			"at": eff.Now.UTC().Format(time.RFC3339), "actor": a.Actor, "action": a.Action, "subject": a.Subject,
		}})
	}
	for _, id := range eff.CancelJobs {
		p.Del(ctx, s.k.job(id))
		p.ZRem(ctx, s.k.jobs(), id)
	}
	if eff.DoneJob != "" {
		p.Del(ctx, s.k.job(eff.DoneJob))
		p.ZRem(ctx, s.k.jobs(), eff.DoneJob)
	}
	if eff.Seen != 0 {
		s.commit(ctx, p, eff.Seen, eff.SeenChat)
	}
	return nil
}

// Register lists the programme among those stored in this Redis. It is
// a key of its own, outside the programme's slot, so not part of an
// import's transaction; registering twice is harmless.
func (s *Store) Register(ctx context.Context, programme string) error {
	return s.rdb.SAdd(ctx, programmesKey, programme).Err()
}

// RosterSeq returns the stored roster's import sequence number: a running
// bot polls it, and reads the roster itself only when it changed.
func (s *Store) RosterSeq(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.k.rosterSeq()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// Roster returns the stored roster file, or nil.
func (s *Store) Roster(ctx context.Context) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.k.roster()).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return unpackRoster(b)
}

// The roster is stored gzipped: a YAML file of a few hundred bytes a
// participant, read once an import, shrinks to a fifth. A stored roster
// that does not start with gzip's magic bytes is an earlier release's
// plain YAML (which cannot start with them) and is read as it is.
func packRoster(yaml []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(yaml); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxRoster bounds what a stored roster may expand to, well above the
// largest file an import accepts.
const maxRoster = 64 << 20

func unpackRoster(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("stored roster: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxRoster+1))
	if err != nil {
		return nil, fmt.Errorf("stored roster: %w", err)
	}
	if len(out) > maxRoster {
		return nil, errors.New("stored roster: too large")
	}
	return out, nil
}

// Programmes lists the programmes stored in rdb.
func Programmes(ctx context.Context, rdb redis.UniversalClient) ([]string, error) {
	return rdb.SMembers(ctx, programmesKey).Result()
}

// People returns every binding outside a transaction.
func (s *Store) People(ctx context.Context) (map[string]string, error) {
	return s.rdb.HGetAll(ctx, s.k.people()).Result()
}

// Binding returns one person's binding JSON outside a transaction, or nil.
func (s *Store) Binding(ctx context.Context, person string) ([]byte, error) {
	b, err := s.rdb.HGet(ctx, s.k.people(), person).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// PutInvite stores a new invite for person; it fails if the code exists.
// The person's set of codes lets erasure find them.
func (s *Store) PutInvite(ctx context.Context, person, code string, data []byte, expires time.Time) error {
	ok, err := s.rdb.SetNX(ctx, s.k.invite(code), data, 0).Result()
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("invite code exists")
	}
	keep := expires.Add(30 * 24 * time.Hour)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.PExpireAt(ctx, s.k.invite(code), keep)
		p.SAdd(ctx, s.k.invitesOf(person), code)
		p.PExpireAt(ctx, s.k.invitesOf(person), keep)
		return nil
	})
	return err
}

// Audit appends a staff action to the audit log: who did what to whom.
// It never holds message content.
func (s *Store) Audit(ctx context.Context, now time.Time, actor, action, subject string) error {
	return s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.k.audit(), Values: map[string]any{
		"at": now.UTC().Format(time.RFC3339), "actor": actor, "action": action, "subject": subject,
	}}).Err()
}

// ForgetChat deletes a chat's conversation state.
func (s *Store) ForgetChat(ctx context.Context, chat int64) error {
	return s.rdb.Del(ctx, s.k.chat(chat)).Err()
}

// Record returns a record's fields outside a transaction.
func (s *Store) Record(ctx context.Context, name string) (map[string]string, error) {
	var c recordCmd
	// In MULTI: a step that takes a field out of the history writes both
	// keys at once, and a reader must not see one without the other.
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		c = Reader{ctx: ctx, k: s.k}.readRecord(p, name)
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	return c.fields()
}

// DropRecord deletes a whole record.
func (s *Store) DropRecord(ctx context.Context, name string) error {
	return s.rdb.Del(ctx, s.k.record(name), s.k.history(name)).Err()
}
