// Package examples carries the example roster into the binary, for the
// sandbox and tests.
package examples

import _ "embed"

// Roster is examples/roster.yaml: one programme with the four
// municipality patterns and a participant in each shipped language.
//
//go:embed roster.yaml
var Roster []byte
