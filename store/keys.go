package store

import (
	"strconv"
)

// keys names every Redis key of one programme. Each has one method here,
// with its type, so the layout can be read in one place.
type keys struct{ p string }

func newKeys(programme string) keys { return keys{p: "innsjekk:{" + programme + "}:"} }

// Programmes is a set of the programme ids stored in this Redis.
const programmesKey = "innsjekk:programmes"

func (k keys) roster() string    { return k.p + "roster" }     // string: the roster YAML as imported
func (k keys) rosterSeq() string { return k.p + "roster:seq" } // string: how many imports stored it

// Inbox. Each chat's stored updates wait in a queue of their own, and
// the ready set holds each waiting chat once, scored by its oldest update:
// the dispatcher takes one update per chat in turn, so a chat that floods
// the bot waits behind its own updates only. Dedupe keeps the highest
// handled update id and the ids of a window below it: Telegram's update
// ids only grow, so anything older is a redelivery.
func (k keys) updates() string            { return k.p + "updates" }                                      // hash: update_id -> update JSON, not yet handled
func (k keys) inQueue(chat string) string { return k.p + "in:q:" + chat }                                 // zset: update_id scored by update_id
func (k keys) inReady() string            { return k.p + "in:ready" }                                     // zset: chat -> its oldest waiting update_id
func (k keys) seen() string               { return k.p + "seen" }                                         // zset: earlier releases' handled ids, read until the window passes them
func (k keys) seenBits(n int64) string    { return k.p + "seen:b:" + strconv.FormatInt(n/seenChunk, 10) } // bitmap: handled ids n/seenChunk*seenChunk…+seenChunk-1, a bit each
func (k keys) seenChunks() string         { return k.p + "seen:chunks" }                                  // zset: the bitmaps in use, by number, so the window deletes those it left
func (k keys) seenMax() string            { return k.p + "seen:max" }                                     // string: the highest handled update_id
func (k keys) offset() string             { return k.p + "offset" }                                       // string: next getUpdates offset
func (k keys) pending() string            { return k.p + "pending" }                                      // zset: the first release's single queue, drained at start

// Conversation state.
func (k keys) chat(id int64) string { return k.p + "chat:" + strconv.FormatInt(id, 10) } // string: flows.Chat JSON
func (k keys) people() string       { return k.p + "people" }                            // hash: person id -> flows.Binding JSON
func (k keys) invite(code string) string {
	return k.p + "invite:" + code // string: flows.Invite JSON, expires with the invite
}

// Records: hashes of typed fields (codec), named by the flows' record
// keys: "facts:<person>" (what a person reported), "cal:<staff>" (a
// counsellor's meetings), … A step loads and watches exactly the records
// its flow needs.
func (k keys) record(name string) string  { return k.p + name }              // hash: field -> versioned JSON
func (k keys) history(name string) string { return k.p + name + ":history" } // string: the record's folded fields (codec/history.go)

// Outbox. outQueue holds one chat's waiting messages of one send class
// ("answer": to the person who acted, "notice": to others, "bulk":
// reminders, cards, digests); outReady holds, per class, each chat with
// waiting messages, scored by when it may send next. Claiming walks chats,
// not messages, so a chat with a thousand messages takes no more turns
// than a chat with one.
func (k keys) anchor() string                     { return k.p + "tx" }                          // never written: the key a WATCH names so that Redis Cluster can route it
func (k keys) alive() string                      { return k.p + "alive" }                       // "1", set by every commit: an OOM refusal aborts the whole step
func (k keys) outMsgs() string                    { return k.p + "out:msgs" }                    // hash: key -> Outgoing JSON, not yet sent
func (k keys) outQueue(class, chat string) string { return k.p + "out:q:" + class + ":" + chat } // zset: key -> not before (ms)
func (k keys) outReady(class string) string       { return k.p + "out:ready:" + class }          // zset: chat -> may send from (ms)
func (k keys) outInflight() string                { return k.p + "out:inflight" }                // zset: key -> lease end (ms)
func (k keys) outChatNext() string                { return k.p + "out:chatnext" }                // hash: chat id -> earliest next send (ms)
func (k keys) outDone() string                    { return k.p + "out:done" }                    // zset: earlier releases' sent keys -> sent at (ms), trimmed by the housekeeping
func (k keys) outSent(day int64, bucket string) string {
	return k.p + "out:sent:" + strconv.FormatInt(day, 10) + ":" + bucket // hash: 16 hex digits of a sent key's SHA-1 -> "", for the day (since 1970, UTC) it went out; expires (store/outbox.go)
}
func (k keys) outDead() string { return k.p + "out:dead" } // list: JSON of messages Telegram refused for good

// The one queue per class of the first release; the claim drains them
// into the per-chat queues.
func (k keys) outUrgent() string { return k.p + "out:urgent" } // zset: key -> not before (ms)
func (k keys) outNotice() string { return k.p + "out:notice" } // zset: key -> not before (ms)
func (k keys) outBulk() string   { return k.p + "out:bulk" }   // zset: key -> not before (ms)

// Erasure: what is decided and not yet swept (store/erase.go), and each
// person's invite codes, so that erasure finds them.
func (k keys) erasing() string                { return k.p + "erasing" }           // set: Erasure JSON
func (k keys) invitesOf(person string) string { return k.p + "invites:" + person } // set: invite codes

// Limits on chats bound to nobody: counts that expire on their own, so
// nothing about a stranger outlives its window.
func (k keys) limit(chat int64, name string) string {
	return k.p + "lim:" + strconv.FormatInt(chat, 10) + ":" + name // string: a count
}

// Scheduler.
func (k keys) jobs() string         { return k.p + "jobs" }      // zset: job id -> due, or lease end while claimed (ms)
func (k keys) job(id string) string { return k.p + "job:" + id } // string: Job JSON; deleted when the job has run
func (k keys) audit() string        { return k.p + "audit" }     // stream: staff actions (who, what, whom)
func (k keys) feeds() string        { return k.p + "ics" }       // hash: "t:"+token -> feed owner, "o:"+owner -> token (store/ics.go)
