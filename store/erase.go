package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Erasure is a person whose data is to be erased (docs/privacy.md): on
// /forgetme, "innsjekk forget" or when a roster import drops them. The
// step that decides it removes the binding and the chat's state in its
// transaction and records the erasure; Erase then sweeps everything else
// that names the person or their chat, and is run again until it has
// finished, so an erasure once decided always completes.
type Erasure struct {
	Person string `json:"person"`
	Chat   int64  `json:"chat,omitempty"`
	// Keep is the key prefix of the messages the erasing step itself
	// queued to the chat (the goodbye), which must still go out.
	Keep string `json:"keep,omitempty"`
}

func (e Erasure) member() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// PendingErasures lists erasures decided but not yet swept.
func (s *Store) PendingErasures(ctx context.Context) ([]Erasure, error) {
	ms, err := s.rdb.SMembers(ctx, s.k.erasing()).Result()
	if err != nil {
		return nil, err
	}
	var out []Erasure
	for _, m := range ms {
		var e Erasure
		if json.Unmarshal([]byte(m), &e) == nil && e.Person != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

// Pseudonym stands for an erased person in the audit log: the log keeps
// who did what, and whom it was done to only to someone who already knows
// the id.
func (s *Store) Pseudonym(person string) string {
	sum := sha256.Sum256([]byte(s.k.p + person))
	return "erased:" + hex.EncodeToString(sum[:6])
}

// Erase removes every key and field that names e.Person or their chat:
// their record, the issues they raised with their inbox entries, alerts
// and calendar entries about them in others' records, their jobs and
// invites, calendar feed, queued updates and messages, the chat's
// counters; audit entries keep a pseudonym. others are the people whose
// inboxes, alerts and calendars may mention the person. Each part is
// idempotent, so a sweep cut short is simply run again.
func (s *Store) Erase(ctx context.Context, e Erasure, others []string) error {
	id := e.Person
	rec, err := s.rdb.HGetAll(ctx, s.k.record("facts:"+id)).Result()
	if err != nil {
		return err
	}
	var issues []string
	for f := range rec {
		if i, ok := strings.CutPrefix(f, "is:"); ok {
			issues = append(issues, i)
		}
	}
	steps := []func() error{
		func() error { return s.eraseJobs(ctx, append([]string{id}, issues...)) },
		func() error { return s.eraseIssues(ctx, id, issues, others) },
		func() error { return s.eraseMentions(ctx, id, others) },
		func() error { return s.eraseInvites(ctx, id) },
		func() error { return s.eraseFeeds(ctx, id) },
		func() error { return s.eraseAudit(ctx, id) },
		func() error {
			// A staff member's own records go with them too.
			return s.rdb.Del(ctx, s.k.record("facts:"+id), s.k.history("facts:"+id), s.k.record("inbox:"+id), s.k.record("alerts:"+id),
				s.k.record("cal:"+id), s.k.invitesOf(id)).Err()
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	// Last, because the goodbye may still be on its way: then the erasure
	// stays pending and the sweep runs again.
	if err := s.eraseChat(ctx, e); err != nil {
		return err
	}
	return s.rdb.SRem(ctx, s.k.erasing(), e.member()).Err()
}

// names reports whether a colon-separated id names the person: job ids
// such as "nudge:amina:2026-12-01:0900" or "abs.back:amina:…".
func names(s, person string) bool {
	for _, part := range strings.Split(s, ":") {
		if part == person {
			return true
		}
	}
	return false
}

// eraseJobs deletes the jobs whose ids name the person or one of their
// issues: reminders, nudges, "are you back?", escalations.
func (s *Store) eraseJobs(ctx context.Context, tokens []string) error {
	var ids []string
	for _, tok := range tokens {
		iter := s.rdb.ZScan(ctx, s.k.jobs(), 0, "*"+tok+"*", 500).Iterator()
		for iter.Next(ctx) {
			if m := iter.Val(); names(m, tok) {
				ids = append(ids, m)
			}
			iter.Next(ctx) // the score
		}
		if err := iter.Err(); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, j := range ids {
			p.ZRem(ctx, s.k.jobs(), j)
			p.Del(ctx, s.k.job(j))
		}
		return nil
	})
	return err
}

// eraseIssues deletes the person's issues and every inbox entry about
// them: the issue text is theirs.
func (s *Store) eraseIssues(ctx context.Context, person string, issues, others []string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, i := range issues {
			p.Del(ctx, s.k.record("issue:"+i))
			for _, o := range others {
				p.HDel(ctx, s.k.record("inbox:"+o), "ib:"+i)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Inbox entries of issues the person's record no longer lists.
	needle := `"participant":"` + person + `"`
	for _, o := range others {
		if err := s.dropFields(ctx, s.k.record("inbox:"+o), "ib:*", func(_, v string) bool { return strings.Contains(v, needle) }); err != nil {
			return err
		}
	}
	return nil
}

// eraseMentions drops alerts and calendar entries about the person from
// everyone else's records.
func (s *Store) eraseMentions(ctx context.Context, person string, others []string) error {
	for _, o := range others {
		byName := func(f, _ string) bool { return names(f, person) }
		if err := s.dropFields(ctx, s.k.record("alerts:"+o), "*"+person+"*", byName); err != nil {
			return err
		}
		if err := s.dropFields(ctx, s.k.record("cal:"+o), "e:"+person+":*", byName); err != nil {
			return err
		}
	}
	return nil
}

// dropFields deletes the fields of hash key matching pattern that drop
// accepts.
func (s *Store) dropFields(ctx context.Context, key, pattern string, drop func(field, value string) bool) error {
	var gone []string
	iter := s.rdb.HScan(ctx, key, 0, pattern, 500).Iterator()
	for iter.Next(ctx) {
		f := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		if drop(f, iter.Val()) {
			gone = append(gone, f)
		}
	}
	if err := iter.Err(); err != nil || len(gone) == 0 {
		return err
	}
	return s.rdb.HDel(ctx, key, gone...).Err()
}

// eraseInvites deletes the person's invite codes, used or not: a used one
// holds their chat id.
func (s *Store) eraseInvites(ctx context.Context, person string) error {
	codes, err := s.rdb.SMembers(ctx, s.k.invitesOf(person)).Result()
	if err != nil {
		return err
	}
	// Invites made before the index existed: found by their content.
	iter := s.rdb.Scan(ctx, 0, s.k.invite("*"), 500).Iterator()
	for iter.Next(ctx) {
		raw, err := s.rdb.Get(ctx, iter.Val()).Result()
		if err == nil && strings.Contains(raw, `"person":"`+person+`"`) {
			codes = append(codes, strings.TrimPrefix(iter.Val(), s.k.invite("")))
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	for _, c := range codes {
		if err := s.rdb.Del(ctx, s.k.invite(c)).Err(); err != nil {
			return err
		}
	}
	return nil
}

// eraseFeeds revokes the person's calendar feed, as participant and as
// staff.
func (s *Store) eraseFeeds(ctx context.Context, person string) error {
	for _, owner := range []string{"participant:" + person, "staff:" + person} {
		tok, err := s.rdb.HGet(ctx, s.k.feeds(), "o:"+owner).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.rdb.HDel(ctx, s.k.feeds(), "o:"+owner, "t:"+tok).Err(); err != nil {
			return err
		}
	}
	return nil
}

// eraseOutboxScript removes what waits in the outbox for an erased chat,
// but the goodbye (keys starting with ARGV[1]), and reports 1 while the
// goodbye or any message to the chat is still queued or being sent. It is
// one script so that no claim slips between looking and deleting: a
// message claimed meanwhile would otherwise be sent to the erased chat,
// or write the chat id back when it is recorded. Only when nothing is left
// does the chat's bookkeeping go.
// KEYS: 1 messages, 2 in flight, 3 chat spacing, then each class's chat
// queue and ready set. ARGV: 1 goodbye prefix, 2 chat, 3 the chat as it
// appears in a message's JSON.
var eraseOutboxScript = redis.NewScript(`
local keep, chat, needle = ARGV[1], ARGV[2], ARGV[3]
local waiting = 0
for i = 4, #KEYS, 2 do
  for _, k in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do
    if keep ~= '' and string.sub(k, 1, #keep) == keep then
      waiting = 1
    else
      redis.call('HDEL', KEYS[1], k)
      redis.call('ZREM', KEYS[i], k)
    end
  end
end
for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local m = redis.call('HGET', KEYS[1], k)
  if m and string.find(m, needle, 1, true) then
    waiting = 1
  end
end
if waiting == 0 then
  redis.call('HDEL', KEYS[3], chat)
  for i = 5, #KEYS, 2 do
    redis.call('ZREM', KEYS[i], chat)
  end
end
return waiting
`)

// eraseChat removes what waits for or came from the chat: updates not yet
// handled, messages not yet sent (but the goodbye), the sender's and the
// stranger counters' bookkeeping, and refused messages kept for the log.
func (s *Store) eraseChat(ctx context.Context, e Erasure) error {
	if e.Chat == 0 {
		return nil
	}
	chat := strconv.FormatInt(e.Chat, 10)
	ups, err := s.rdb.ZRange(ctx, s.k.inQueue(chat), 0, -1).Result()
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(ups) > 0 {
			p.HDel(ctx, s.k.updates(), ups...)
		}
		p.Del(ctx, s.k.inQueue(chat), s.k.chat(e.Chat))
		p.ZRem(ctx, s.k.inReady(), chat)
		for _, n := range []string{"answers", "presses", "invites"} {
			p.Del(ctx, s.k.limit(e.Chat, n))
		}
		return nil
	})
	if err != nil {
		return err
	}
	keys := make([]string, 0, 3+2*len(classes))
	keys = append(keys, s.k.outMsgs(), s.k.outInflight(), s.k.outChatNext())
	for _, c := range classes {
		keys = append(keys, s.k.outQueue(c, chat), s.k.outReady(c))
	}
	n, err := eraseOutboxScript.Run(ctx, s.rdb, keys, e.Keep, chat, fmt.Sprintf(`"chat":%d,`, e.Chat)).Int()
	if err != nil {
		return err
	}
	waiting := n == 1
	dead, err := s.rdb.LRange(ctx, s.k.outDead(), 0, -1).Result()
	if err != nil {
		return err
	}
	needle := fmt.Sprintf(`"chat":%d,`, e.Chat)
	for _, d := range dead {
		if strings.Contains(d, needle) {
			if err := s.rdb.LRem(ctx, s.k.outDead(), 0, d).Err(); err != nil {
				return err
			}
		}
	}
	if waiting {
		return errStillSending
	}
	return nil
}

// errStillSending: the erasing step's goodbye is still queued; the sweep
// runs again once it has gone, to take the chat's last bookkeeping.
var errStillSending = errors.New("erase: the goodbye is still being sent")

// StillSending reports whether Erase stopped only to let the goodbye go.
func StillSending(err error) bool { return errors.Is(err, errStillSending) }

// eraseAudit replaces the person's id in the audit log by a pseudonym.
func (s *Store) eraseAudit(ctx context.Context, person string) error {
	entries, err := s.rdb.XRange(ctx, s.k.audit(), "-", "+").Result()
	if err != nil {
		return err
	}
	alias := s.Pseudonym(person)
	for _, m := range entries {
		if m.Values["subject"] != person && m.Values["actor"] != person {
			continue
		}
		vals := map[string]any{}
		for k, v := range m.Values {
			if v == person {
				v = alias
			}
			vals[k] = v
		}
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.XDel(ctx, s.k.audit(), m.ID)
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.k.audit(), Values: vals})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
