package flows

import (
	"innsjekk/locales"
	"innsjekk/roster"
)

// /forgetme: a participant asks their adviser to erase what Innsjekk
// stores about them; the adviser confirms (PRODUCT.md §3.1, §6). The
// roster entry is the municipality's and stays until the roster changes.

// Forget erases a person's reports, Telegram binding and chat state.
type Forget struct {
	Person string
	By     string // who confirmed, for the audit log
}

func (Forget) action() {}

func (s *step) forgetMe() {
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

func (s *step) forgetButton(pl Payload, msg int) {
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
		s.reason(ReasonForgetRequested)
		adv := p.Adviser
		al := s.langOf(adv.ID)
		ref := s.forgetRef(p)
		kb := [][]Button{{
			{Text: tr(al, "forgetme.btn.delete", nil), Data: Payload{Flow: "fg", Args: []string{"del", ref}}.Encode()},
			{Text: tr(al, "forgetme.btn.keep", nil), Data: Payload{Flow: "fg", Args: []string{"keep", ref}}.Encode()},
		}}
		s.notify(adv.ID, "forgetme.adviser", locales.Args{"Name": p.Name}, withInline(kb))
		s.say("forgetme.sent", locales.Args{"Name": adv.Name}, withEdit(msg))
	case "del", "keep":
		st := s.me.Staff
		p := s.forgetDeref(pl.Arg(1))
		// Only the participant's adviser (or an admin) decides.
		if st == nil || p == nil || !(p.Adviser == st || st.Has(roster.RoleAdmin)) {
			s.stale()
			return
		}
		s.do(Answer{})
		if pl.Arg(0) == "keep" {
			s.reason(ReasonForgetKept)
			s.notify(p.ID, "forgetme.kept", locales.Args{"Name": st.Name})
			s.say("forgetme.kept_staff", locales.Args{"Name": p.Name}, withEdit(msg))
			return
		}
		s.reason(ReasonForgotten)
		// Told first: after the erasure there is no chat to reach.
		s.notify(p.ID, "forgetme.done", nil)
		s.do(Forget{Person: p.ID, By: st.ID})
		s.say("forgetme.deleted", locales.Args{"Name": p.Name}, withEdit(msg))
	default:
		s.stale()
	}
}

// forgetRef and forgetDeref name a participant in button data the way
// meeting buttons do: roster position and a hash of the id.
func (s *step) forgetRef(p *roster.Participant) string { return s.ref(p) }

func (s *step) forgetDeref(ref string) *roster.Participant {
	for _, p := range s.in.Roster.Participants {
		if s.ref(p) == ref {
			return p
		}
	}
	return nil
}
