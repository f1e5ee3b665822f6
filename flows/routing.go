package flows

import (
	"innsjekk/roster"
)

// Routing finds the one person an issue goes to (docs/behaviour.md): the
// roster's routing table maps the category to roles, and the first role
// the participant has someone in, who can be reached, wins. A staff
// member who is away passes it to their backup; someone not on Telegram
// is skipped for the next role; when nobody is left, the adviser (or an
// admin) gets it and is told why. Like Alertmanager's routing tree it
// only decides; the flow acts on the answer.

// Skip says why a possible recipient was passed over.
type Skip struct {
	Person string      `json:"person,omitempty"`
	Role   roster.Role `json:"role"`
	Why    SkipReason  `json:"why"`
}

// SkipReason is why someone was passed over.
type SkipReason string

const (
	SkipNotOnTelegram SkipReason = "not_on_telegram"
	SkipAway          SkipReason = "away"
	SkipNobody        SkipReason = "nobody" // the participant has no one in that role
)

// Route is where an issue goes.
type Route struct {
	To   string      // the recipient's id; "" when there is nobody at all
	Role roster.Role // the role they have it in
	// For is set when To stands in for someone away: the one it was for.
	For string
	// Fallback: nobody in the category's roles could take it, so the
	// adviser or an admin has it; Skipped says why.
	Fallback bool
	Skipped  []Skip
}

// RouteIssue routes an issue of category for p on day. reachable says
// whether a person is on Telegram.
func RouteIssue(r *roster.Roster, p *roster.Participant, category string, day roster.Date, reachable func(string) bool) Route {
	roles, ok := r.Programme.Routing[category]
	if !ok {
		roles = roster.DefaultRouting()[category]
	}
	if len(roles) == 0 {
		roles = []roster.Role{roster.RoleAdviser}
	}
	var rt Route
	for _, role := range roles {
		st := holder(r, p, role)
		if st == nil {
			rt.Skipped = append(rt.Skipped, Skip{Role: role, Why: SkipNobody})
			continue
		}
		if to, forID, skip := standIn(st, day, reachable); to != "" {
			rt.To, rt.Role, rt.For = to, role, forID
			return rt
		} else {
			rt.Skipped = append(rt.Skipped, Skip{Person: st.ID, Role: role, Why: skip})
		}
	}
	// Nobody in the table could take it: the adviser, then an admin.
	rt.Fallback = true
	if to, forID, _ := standIn(p.Adviser, day, reachable); to != "" {
		rt.To, rt.Role, rt.For = to, roster.RoleAdviser, forID
		return rt
	}
	for _, st := range r.Staff {
		if st.Has(roster.RoleAdmin) && reachable(st.ID) && !st.AwayOn(day) {
			rt.To, rt.Role = st.ID, roster.RoleAdmin
			return rt
		}
	}
	// Nobody can be reached at all: it stays with the adviser, and the
	// digest shows it.
	rt.To, rt.Role = p.Adviser.ID, roster.RoleAdviser
	return rt
}

// holder is the participant's person in role, nil when they have none.
func holder(r *roster.Roster, p *roster.Participant, role roster.Role) *roster.Staff {
	switch role {
	case roster.RoleAdviser:
		return p.Adviser
	case roster.RoleTeacher:
		return p.Teacher
	case roster.RoleNav:
		return p.Nav
	case roster.RoleAdmin:
		for _, st := range r.Staff {
			if st.Has(roster.RoleAdmin) {
				return st
			}
		}
	}
	return nil
}

// standIn is who takes st's issues on day: st, or their backup while st
// is away. It reports why nobody can when neither can be reached.
func standIn(st *roster.Staff, day roster.Date, reachable func(string) bool) (to, forID string, why SkipReason) {
	if st == nil {
		return "", "", SkipNobody
	}
	if !st.AwayOn(day) {
		if reachable(st.ID) {
			return st.ID, "", ""
		}
		return "", "", SkipNotOnTelegram
	}
	if b := st.Backup; b != nil && b != st && !b.AwayOn(day) && reachable(b.ID) {
		return b.ID, st.ID, ""
	}
	return "", "", SkipAway
}

// escalationTarget is who hears of an issue nobody acknowledged: the
// participant's adviser (or their backup), or an admin for the adviser's
// own issues.
func escalationTarget(r *roster.Roster, p *roster.Participant, owner string, day roster.Date, reachable func(string) bool) string {
	if p.Adviser != nil && p.Adviser.ID != owner {
		if to, _, _ := standIn(p.Adviser, day, reachable); to != "" && to != owner {
			return to
		}
	}
	for _, st := range r.Staff {
		if st.Has(roster.RoleAdmin) && st.ID != owner && reachable(st.ID) && !st.AwayOn(day) {
			return st.ID
		}
	}
	if p.Adviser != nil && p.Adviser.ID != owner {
		return p.Adviser.ID
	}
	return ""
}
