package flows_test

import (
	"testing"

	"innsjekk/flows"
)

func TestForgetMeGoesThroughTheAdviser(t *testing.T) {
	w := newFactWorld(t)
	w.onboard("amina", 1)
	w.onboard("anne", 5)
	w.onboard("mona", 6)
	res := w.run(1, cmd("forgetme", ""))
	if res.Reason != flows.ReasonForgetAsked {
		t.Fatalf("/forgetme: %s", res.Reason)
	}
	res = w.press(1, "1|fg|yes")
	req := to(res, "anne")
	if len(req) != 1 || len(req[0].Inline) != 1 {
		t.Fatalf("adviser not asked: %+v", says(res))
	}
	del := req[0].Inline[0][0].Data
	// Not her adviser: refused, nothing erased.
	if res := w.press(6, del); res.Reason != flows.ReasonStaleButton {
		t.Fatalf("another adviser: %s", res.Reason)
	}
	// A participant cannot confirm their own (or anyone's) erasure.
	if res := w.press(1, del); res.Reason != flows.ReasonStaleButton {
		t.Fatalf("participant confirming: %s", res.Reason)
	}
	res = w.press(5, del)
	if res.Reason != flows.ReasonForgotten {
		t.Fatalf("confirm: %s", res.Reason)
	}
	var forgot *flows.Forget
	for _, a := range res.Actions {
		if f, ok := a.(flows.Forget); ok {
			forgot = &f
		}
	}
	if forgot == nil || forgot.Person != "amina" || forgot.By != "anne" || len(to(res, "amina")) != 1 {
		t.Fatalf("erasure: %+v %+v", forgot, says(res))
	}
	// Staff and mentors are told whom to ask instead.
	if res := w.run(6, cmd("forgetme", "")); res.Reason != flows.ReasonNotForRole {
		t.Fatalf("staff /forgetme: %s", res.Reason)
	}
}
