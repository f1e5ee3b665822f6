package codec

import (
	"encoding/json"
	"fmt"

	"innsjekk/flows"
)

// Outgoing is one entry of the outbox. The store's claim script reads
// three of its fields (c, class or urgent, nb); everything else is opaque
// to Redis and rendered into a Bot API call by the Telegram shell.
type Outgoing struct {
	V         int             `json:"v,omitempty"`
	Key       string          `json:"key"`            // idempotency key: never sent twice
	Kind      string          `json:"kind,omitempty"` // "" a message; "commands" a chat's command menu
	Chat      int64           `json:"chat"`
	ChatKey   string          `json:"c"` // Chat as a string: Lua numbers lose precision
	Class     flows.Class     `json:"class,omitempty"`
	Urgent    bool            `json:"urgent,omitempty"` // version 1 without class: the urgent queue
	NotBefore int64           `json:"nb"`               // ms; also the message's place in its queue
	Attempts  int             `json:"attempts,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// Queue is the send class of an entry, reading the urgent flag of entries
// written before classes existed.
func (o Outgoing) Queue() flows.Class {
	switch {
	case o.Class != "":
		return o.Class
	case o.Urgent:
		return flows.ClassAnswer
	}
	return flows.ClassBulk
}

// EncodeOutgoing writes an outbox entry.
func EncodeOutgoing(o Outgoing) ([]byte, error) {
	o.V = outgoingVersion
	o.Class = o.Queue()
	return json.Marshal(o)
}

// DecodeOutgoing reads an outbox entry.
func DecodeOutgoing(b []byte) (Outgoing, error) {
	var o Outgoing
	err := decode(b, outgoingVersion, &o)
	return o, err
}

// EncodeSay writes a message as an outbox payload.
func EncodeSay(s flows.Say) ([]byte, error) { return encode(sayVersion, s) }

// DecodeSay reads a message from an outbox payload. A version 1 message
// without a class was urgent or not; the class does not matter once it is
// claimed.
func DecodeSay(b []byte) (flows.Say, error) {
	var s flows.Say
	if err := decode(b, sayVersion, &s); err != nil {
		return flows.Say{}, fmt.Errorf("message: %w", err)
	}
	return s, nil
}

// EncodeCommands writes a chat's command menu as an outbox payload.
func EncodeCommands(c flows.SetCommands) ([]byte, error) { return encode(1, c) }

// DecodeCommands reads a chat's command menu from an outbox payload.
func DecodeCommands(b []byte) (flows.SetCommands, error) {
	var c flows.SetCommands
	err := decode(b, 1, &c)
	return c, err
}
