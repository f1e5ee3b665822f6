package flows

import (
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
)

// 🗑 /forgetme: a participant asks their adviser to erase what Innsjekk
// stores about them; the adviser (or an admin) decides once (docs/behaviour.md
// §3.1, §6). The request is stored, so that only a request that exists
// and is still open can be decided, and only once. The roster entry is
// the municipality's and stays until the roster changes.

type forgetting struct{ base }

var _ = register(forgetting{})

func (forgetting) spec() spec {
	return spec{name: "forget", code: "fg", commands: []Command{{Name: "forgetme", Icon: "🗑", Rank: 93}}}
}

// ForgetRequest is a participant's pending request to be erased.
type ForgetRequest struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	State string    `json:"state"` // "open", "kept"
	By    string    `json:"by,omitempty"`
}

const forgetRequestField = "fg:request"

var _ = field[ForgetRequest]("fg", 1)

func (forgetting) needs(n *Needs, q query) {
	pid := q.person
	if q.ev.Kind == EvButton {
		if p, _ := ParsePayload(q.ev.Data); p.Arg(0) == "del" || p.Arg(0) == "keep" {
			pid = p.Arg(1)
		}
	}
	p := q.r.Participant(pid)
	if p == nil {
		return
	}
	needParticipant(n, q.r, p.ID)
	// Erasure removes the participant's meetings from the calendars of
	// everyone who can book them.
	for _, st := range q.r.Staff {
		if st.Has(roster.RoleAdmin) || st == p.Adviser || st == p.Nav {
			n.record(CalendarKey(st.ID))
			n.person(st.ID)
		}
	}
}

func (forgetting) command(s *step, _, _ string) {
	p := s.me.Participant
	if p == nil {
		s.reason(ReasonNotForRole)
		s.say("forgetme.not_participant", nil, s.menu())
		return
	}
	s.reason(ReasonForgetAsked)
	kb := [][]Button{{
		{Text: s.t("forgetme.btn.yes", nil), Data: Payload{Flow: "fg", Args: []string{"yes"}}.Encode()},
		{Text: s.t("absence.btn.cancel", nil), Data: Payload{Flow: "fg", Args: []string{"no"}}.Encode()},
	}}
	s.say("forgetme.ask", locales.Args{"Name": p.Adviser.Name}, withInline(kb))
}

func (forgetting) button(s *step, pl Payload) {
	msg := s.in.Event.MessageID
	switch pl.Arg(0) {
	case "yes", "no":
		p := s.me.Participant
		if p == nil {
			s.stale()
			return
		}
		s.do(Answer{})
		if pl.Arg(0) == "no" {
			s.reason(ReasonForgetCancelled)
			s.say("forgetme.cancelled", nil, withEdit(msg))
			return
		}
		if r, ok := get[ForgetRequest](s.rec(PersonKey(p.ID)), forgetRequestField); ok && r.State == "open" {
			// Asked already: the adviser has the buttons.
			s.reason(ReasonForgetRequested)
			s.say("forgetme.sent", locales.Args{"Name": p.Adviser.Name}, withEdit(msg))
			return
		}
		s.reason(ReasonForgetRequested)
		req := ForgetRequest{ID: recordID(s.in.Now, 0), At: s.in.Now, State: "open"}
		s.put(PersonKey(p.ID), forgetRequestField, req)
		adv := p.Adviser
		al := s.langOf(adv.ID)
		kb := [][]Button{{
			{Text: tr(al, "forgetme.btn.delete", nil), Data: Payload{Flow: "fg", Args: []string{"del", p.ID, req.ID}}.Encode()},
			{Text: tr(al, "forgetme.btn.keep", nil), Data: Payload{Flow: "fg", Args: []string{"keep", p.ID, req.ID}}.Encode()},
		}}
		s.notify(adv.ID, "forgetme.adviser", locales.Args{"Name": p.Name}, withInline(kb))
		s.say("forgetme.sent", locales.Args{"Name": adv.Name}, withEdit(msg))
	case "del", "keep":
		st := s.me.Staff
		p := s.in.Roster.Participant(pl.Arg(1))
		if p == nil {
			s.gone()
			return
		}
		// Only the participant's adviser (or an admin) decides, and only a
		// request that is still open.
		req, ok := get[ForgetRequest](s.rec(PersonKey(p.ID)), forgetRequestField)
		if st == nil || !(p.Adviser == st || st.Has(roster.RoleAdmin)) || !ok || req.ID != pl.Arg(2) || req.State != "open" {
			s.stale()
			return
		}
		s.do(Answer{})
		if pl.Arg(0) == "keep" {
			s.reason(ReasonForgetKept)
			req.State, req.By = "kept", st.ID
			s.put(PersonKey(p.ID), forgetRequestField, req)
			s.notify(p.ID, "forgetme.kept", locales.Args{"Name": st.Name})
			s.say("forgetme.kept_staff", locales.Args{"Name": p.Name}, withEdit(msg))
			return
		}
		s.reason(ReasonForgotten)
		// Told first: after the erasure there is no chat to reach. The
		// goodbye takes the keyboard away, which would only earn the
		// unknown-chat answer from now on.
		s.notify(p.ID, "forgetme.done", nil, func(m *Say) { m.NoMenu = true }, urgentNotice())
		for _, mt := range s.facts(p.ID).Meetings {
			s.put(CalendarKey(mt.Counsellor), CalendarEntryField(p.ID, mt.ID), nil)
		}
		s.do(Forget{Person: p.ID, By: st.ID})
		s.say("forgetme.deleted", locales.Args{"Name": p.Name}, withEdit(msg))
	default:
		s.stale()
	}
}
