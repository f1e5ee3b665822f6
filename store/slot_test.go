package store

import (
	"testing"
)

// crc16 is the CRC16-CCITT (XModem) that Redis Cluster uses for slots.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// slot computes a key's Redis Cluster slot, honouring {hash tags}.
func slot(key string) uint16 {
	for i := 0; i < len(key); i++ {
		if key[i] == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j > i+1 {
						key = key[i+1 : j]
					}
					return crc16([]byte(key)) % 16384
				}
			}
			break
		}
	}
	return crc16([]byte(key)) % 16384
}

func TestCRC16MatchesRedis(t *testing.T) {
	// Values from the Redis Cluster specification and CLUSTER KEYSLOT.
	if got := crc16([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("crc16 = %#x, want 0x31c3", got)
	}
	if got := slot("foo"); got != 12182 {
		t.Fatalf("slot(foo) = %d, want 12182", got)
	}
	if slot("{user1000}.following") != slot("{user1000}.followers") {
		t.Fatal("hash tags ignored")
	}
}

// Every key a transaction or script touches must share one slot, or the
// same code fails with CROSSSLOT on Redis Cluster. miniredis cannot catch
// that, so the layout is checked here.
func TestAllKeysOfAProgrammeShareASlot(t *testing.T) {
	k := newKeys("gjovik")
	all := []string{k.roster(), k.updates(), k.pending(), k.seen(), k.seenMax(), k.inQueue("42"), k.inReady(), k.offset(), k.chat(42), k.chat(-1001234567890),
		k.people(), k.invite("abc"), k.outMsgs(), k.outUrgent(), k.outNotice(), k.outBulk(), k.outInflight(), k.outChatNext(),
		k.outDone(), k.outSent(20423, "a"), k.seenBits(800123456), k.seenChunks(), k.outDead(), k.outQueue("answer", "42"), k.outReady("bulk"), k.limit(42, "answers"), k.jobs(), k.job("housekeeping:2026-12-01"), k.audit(), k.record("facts:" + "amina")}
	want := slot(all[0])
	for _, key := range all {
		if s := slot(key); s != want {
			t.Errorf("%s is in slot %d, want %d", key, s, want)
		}
	}
	if slot(newKeys("hamar").roster()) == want && slot(newKeys("ringsaker").roster()) == want {
		t.Error("different programmes should spread over slots")
	}
}
