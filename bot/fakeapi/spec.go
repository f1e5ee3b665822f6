package fakeapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// api.json is the Bot API 9.4 snapshot that go-telegram/bot v1.19.0 follows;
// see LICENSE-api.json.txt for its origin and licence.
//
//go:embed api.json
var apiJSON []byte

type specField struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
}

type specMethod struct {
	Name    string      `json:"name"`
	Returns []string    `json:"returns"`
	Fields  []specField `json:"fields"`
}

type apiSpec struct {
	Version string                 `json:"version"`
	Methods map[string]*specMethod `json:"methods"`

	// byFold maps lower-cased names: Telegram matches method names
	// case-insensitively.
	byFold map[string]*specMethod
}

// loadSpec parses lazily so that importing the package costs nothing and so
// that no goroutine or global work runs outside a synctest bubble.
var loadSpec = sync.OnceValue(func() *apiSpec {
	var s apiSpec
	if err := json.Unmarshal(apiJSON, &s); err != nil {
		panic(fmt.Sprintf("fakeapi: embedded api.json: %v", err))
	}
	s.byFold = make(map[string]*specMethod, len(s.Methods))
	for name, m := range s.Methods {
		s.byFold[strings.ToLower(name)] = m
	}
	return &s
})

// SpecVersion reports the Bot API version of the embedded specification.
func SpecVersion() string { return loadSpec().Version }

func lookupMethod(name string) *specMethod {
	return loadSpec().byFold[strings.ToLower(name)]
}

func (m *specMethod) field(name string) (specField, bool) {
	for _, f := range m.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return specField{}, false
}

func (m *specMethod) returnsMessage() bool {
	return len(m.Returns) > 0 && m.Returns[0] == "Message"
}

// checkSpec applies what the specification states mechanically: required
// fields and the shape of each value. Limits that live only in the prose
// (lengths, byte counts) are checked by the method handlers.
func (m *specMethod) checkSpec(req *request) *reply {
	for _, f := range m.Fields {
		v, ok := req.params[f.Name]
		_, isFile := req.files[f.Name]
		if !ok && !isFile {
			if f.Required {
				return badRequest("%s is required", f.Name)
			}
			continue
		}
		if isFile {
			if !acceptsFile(f.Types) {
				return badRequest("field %q can't be a file", f.Name)
			}
			continue
		}
		if r := checkValue(f, v); r != nil {
			return r
		}
	}
	return nil
}

func acceptsFile(types []string) bool {
	for _, t := range types {
		if t == "InputFile" {
			return true
		}
	}
	return false
}

func checkValue(f specField, v string) *reply {
	for _, t := range f.Types {
		if t == "String" || t == "InputFile" {
			return nil
		}
	}
	kind := f.Types[0]
	if v == "null" && kind != "Integer" && kind != "Float" && kind != "Boolean" {
		// A typed nil in go-telegram/bot's interface fields arrives as
		// null; treat it as the field being absent.
		return nil
	}
	switch {
	case kind == "Integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return badRequest("field %q must be an Integer", f.Name)
		}
	case kind == "Float":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return badRequest("field %q must be a Float", f.Name)
		}
	case kind == "Boolean":
		if _, ok := parseBool(v); !ok {
			return badRequest("field %q must be a Boolean", f.Name)
		}
	case strings.HasPrefix(kind, "Array of "):
		var a []json.RawMessage
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			return badRequest("can't parse %s JSON array", f.Name)
		}
	default:
		var o map[string]json.RawMessage
		if err := json.Unmarshal([]byte(v), &o); err != nil || o == nil {
			return badRequest("can't parse %s JSON object", f.Name)
		}
	}
	return nil
}

// parseBool accepts what Telegram accepts in form fields, which is more than
// strconv.ParseBool's set would suggest for a JSON-encoding client.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, true
	case "false", "0", "":
		return false, true
	}
	return false, false
}
