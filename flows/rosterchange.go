package flows

import (
	"innsjekk/locales"
	"innsjekk/roster"
)

// rosterChange is the flow of contact-change notices. It has no
// conversation: an import computes the notices (RosterChanges) and queues
// them with the new roster.
type rosterChange struct{ base }

var _ = register(rosterChange{})

func (rosterChange) spec() spec { return spec{name: "roster", code: "ro"} }

// RosterChanges lists what to tell people when a new roster changes who a
// participant's adviser, teacher, Nav counsellor or mentor is (docs/behaviour.md
// §4): responsibility that silently changes hands was one of the
// research's findings. The participant hears who their new contact is,
// the new and the old contact hear that they now are or no longer are
// responsible, and the mentor of a placement hears whom to contact.
// Messages go to people by id; the caller resolves their chats.
func RosterChanges(old, cur *roster.Roster, people map[string]Binding) []Say {
	var out []Say
	langOf := func(id string, r *roster.Roster) string {
		if b, ok := people[id]; ok && roster.ShipsLanguage(b.Lang) {
			return b.Lang
		}
		if p, _ := r.Person(id); p != nil && roster.ShipsLanguage(p.Language) {
			return p.Language
		}
		return locales.Fallback
	}
	say := func(to, id string, r *roster.Roster, args locales.Args, role roster.Role) {
		lang := langOf(to, r)
		if role != "" {
			args["Role"] = locales.Text(lang, "role."+string(role), nil)
		}
		out = append(out, Say{ToPerson: to, Lang: lang, MsgID: id, Text: locales.Text(lang, id, args), Class: ClassNotice,
			Reason: ReasonRosterChange})
	}
	for _, p := range cur.Participants {
		before := old.Participant(p.ID)
		if before == nil {
			continue // new participants are invited, not told
		}
		type slot struct {
			role     roster.Role
			was, now string
			name     string
		}
		slots := []slot{
			{roster.RoleAdviser, staffID(before.Adviser), staffID(p.Adviser), staffName(p.Adviser)},
			{roster.RoleTeacher, staffID(before.Teacher), staffID(p.Teacher), staffName(p.Teacher)},
			{roster.RoleNav, staffID(before.Nav), staffID(p.Nav), staffName(p.Nav)},
			{roster.RoleMentor, mentorID(before), mentorID(p), mentorName(p)},
		}
		for _, sl := range slots {
			if sl.was == sl.now {
				continue
			}
			if sl.now != "" {
				say(p.ID, "roster.contact_changed", cur, locales.Args{"Name": sl.name}, sl.role)
				say(sl.now, "roster.now_responsible", cur, locales.Args{"Name": p.Name}, sl.role)
			}
			if sl.was != "" {
				if q, _ := cur.Person(sl.was); q != nil {
					say(sl.was, "roster.no_longer_responsible", cur, locales.Args{"Name": p.Name}, sl.role)
				}
			}
			// The workplace's one contact person: whom to call from now on.
			if (sl.role == roster.RoleTeacher || sl.role == roster.RoleAdviser) && sl.now != "" && p.Placement != nil {
				say(p.Placement.Mentor.ID, "roster.mentor_contact", cur, locales.Args{"Name": p.Name, "Contact": sl.name}, sl.role)
			}
		}
	}
	return out
}

func staffID(s *roster.Staff) string {
	if s == nil {
		return ""
	}
	return s.ID
}

func staffName(s *roster.Staff) string {
	if s == nil {
		return ""
	}
	return s.Name
}

func mentorID(p *roster.Participant) string {
	if p.Placement == nil || p.Placement.Mentor == nil {
		return ""
	}
	return p.Placement.Mentor.ID
}

func mentorName(p *roster.Participant) string {
	if p.Placement == nil || p.Placement.Mentor == nil {
		return ""
	}
	return p.Placement.Mentor.Name
}
