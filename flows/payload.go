package flows

import (
	"errors"
	"strings"
)

// payloadVersion prefixes every button's data so that a later release can
// tell its own buttons from ones sent by an older one.
const payloadVersion = "1"

// maxPayload is Telegram's limit on callback_data, in bytes.
const maxPayload = 64

// Payload is the data behind an inline button: "1|flow|arg|…". It comes
// back from the client, so every use re-checks it against the roster.
type Payload struct {
	Flow string
	Args []string
}

var errPayload = errors.New("bad button data")

// Encode renders p. It panics if p cannot fit Telegram's limit, because
// that is a programming error caught by tests, not user input.
func (p Payload) Encode() string {
	s := payloadVersion + "|" + p.Flow
	for _, a := range p.Args {
		s += "|" + a
	}
	if len(s) > maxPayload || strings.Count(p.Flow, "|") > 0 {
		panic("flows: button data too long or malformed: " + s)
	}
	return s
}

// ParsePayload decodes button data; anything not made by Encode is an
// error.
func ParsePayload(s string) (Payload, error) {
	if len(s) > maxPayload {
		return Payload{}, errPayload
	}
	parts := strings.Split(s, "|")
	if len(parts) < 2 || parts[0] != payloadVersion || parts[1] == "" {
		return Payload{}, errPayload
	}
	return Payload{Flow: parts[1], Args: parts[2:]}, nil
}

// Arg returns argument i, or "".
func (p Payload) Arg(i int) string {
	if i < len(p.Args) {
		return p.Args[i]
	}
	return ""
}
