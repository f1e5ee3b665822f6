package flows

// Reachability (docs/behaviour.md): when Telegram refuses a message because
// the person blocked the bot, they are marked unreachable and their
// adviser is alerted, once; it clears when they write again. The
// Telegram shell feeds the refusal back as an EvBlocked event.

type reach struct{ base }

var _ = register(reach{})

func (reach) spec() spec { return spec{name: "reach", code: "rc", blocked: true} }

func (reach) needs(n *Needs, q query) {
	id := q.ev.Text
	n.person(id)
	if p := q.r.Participant(id); p != nil {
		n.person(p.Adviser.ID)
		n.record(AlertsKey(p.Adviser.ID))
	}
}

// blocked marks a person unreachable and alerts a participant's adviser.
func (s *step) blocked(person string) {
	b, ok := s.binding(person)
	if !ok || b.Unreachable {
		return // not bound, or known already: the adviser was told once
	}
	s.reason(ReasonUnreachable)
	b.Unreachable = true
	s.setBinding(person, b)
	if p := s.in.Roster.Participant(person); p != nil {
		s.alert(p.Adviser.ID, Alert{Participant: p.ID, Kind: "unreachable"})
	}
}

// reachableAgain clears the mark when the person writes: they have
// unblocked the bot.
func (s *step) reachableAgain() {
	if s.me == nil {
		return
	}
	if b, ok := s.binding(s.me.ID); ok && b.Unreachable {
		b.Unreachable = false
		s.setBinding(s.me.ID, b)
	}
}
