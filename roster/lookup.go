package roster

// Index builds the id lookup table. Parse calls it; code that builds a
// Roster by hand must call it before using the lookups.
func (r *Roster) Index() {
	r.byID = make(map[string]any, len(r.Staff)+len(r.Participants)+len(r.Employers)*2)
	for _, s := range r.Staff {
		r.byID[s.ID] = s
	}
	for _, e := range r.Employers {
		r.byID[e.ID] = e
		for _, c := range e.Contacts {
			c.Employer = e
			r.byID[c.ID] = c
		}
	}
	for _, p := range r.Participants {
		r.byID[p.ID] = p
	}
}

// Participant returns the participant with id, or nil.
func (r *Roster) Participant(id string) *Participant {
	p, _ := r.byID[id].(*Participant)
	return p
}

// StaffMember returns the staff member with id, or nil.
func (r *Roster) StaffMember(id string) *Staff {
	s, _ := r.byID[id].(*Staff)
	return s
}

// Contact returns the employer contact with id, or nil.
func (r *Roster) Contact(id string) *Contact {
	c, _ := r.byID[id].(*Contact)
	return c
}

// Employer returns the employer with id, or nil.
func (r *Roster) Employer(id string) *Employer {
	e, _ := r.byID[id].(*Employer)
	return e
}

// Person returns the person (participant, staff or contact) with id and
// the roles they hold, or nil. Employers are not people.
func (r *Roster) Person(id string) (*Person, []Role) {
	switch v := r.byID[id].(type) {
	case *Participant:
		return &v.Person, []Role{RoleParticipant}
	case *Staff:
		return &v.Person, v.Roles
	case *Contact:
		return &v.Person, []Role{RoleMentor}
	}
	return nil, nil
}

// Caseload returns the participants for whom s is adviser, teacher or
// Nav counsellor, in roster order. Admins see everyone.
func (r *Roster) Caseload(s *Staff) []*Participant {
	var out []*Participant
	for _, p := range r.Participants {
		if s.Has(RoleAdmin) || p.Adviser == s || p.Teacher == s || p.Nav == s {
			out = append(out, p)
		}
	}
	return out
}

// PlacedWith returns the participants whose placement mentor is c.
func (r *Roster) PlacedWith(c *Contact) []*Participant {
	var out []*Participant
	for _, p := range r.Participants {
		if p.Placement != nil && p.Placement.Mentor == c {
			out = append(out, p)
		}
	}
	return out
}

// EffectiveSickness returns the participant's sickness policy: the
// participant's own non-zero fields over the programme's.
func (r *Roster) EffectiveSickness(p *Participant) Sickness {
	s := r.Programme.Sickness
	s.Set = nil
	o := p.Sickness
	if o == nil {
		return s
	}
	// A field overrides when the file wrote it (so 0 can override too);
	// a hand-built override without Set overrides with its non-zero fields.
	over := func(key string, v int) bool { return o.Set[key] || (o.Set == nil && v != 0) }
	if over("self_certified_days", o.SelfCertifiedDays) {
		s.SelfCertifiedDays = o.SelfCertifiedDays
	}
	if over("self_certified_times", o.SelfCertifiedTimes) {
		s.SelfCertifiedTimes = o.SelfCertifiedTimes
	}
	if over("qualifying_weeks", o.QualifyingWeeks) {
		s.QualifyingWeeks = o.QualifyingWeeks
	}
	if over("same_period_days", o.SamePeriodDays) {
		s.SamePeriodDays = o.SamePeriodDays
	}
	if over("child_sick_days", o.ChildSickDays) {
		s.ChildSickDays = o.ChildSickDays
	}
	return s
}
