package engine

import "innsjekk/flows"

// SetStep replaces the flow step, for tests.
func (e *Engine) SetStep(f func(flows.Input) flows.Result) { e.stepFn = f }
