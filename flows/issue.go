package flows

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// 🆘 Issues (docs/behaviour.md): a participant says what a problem is about
// and writes, speaks or photographs it; the bot finds the one person
// responsible (routing.go), who acknowledges, answers with a ready-made
// reply in the participant's own language or with their own words, passes
// it on, or closes it. What nobody acknowledges escalates. Mentors report
// problems the same way, and a concern from weekly feedback becomes an
// issue too. Text, voice or a photo a participant sends outside any
// conversation is never dropped: it is offered to their contact person.
//
// An issue is a record of its own (IssueKey), shared by everyone it
// reaches; each person it is with has an entry in their inbox
// (InboxKey), and the participant's own record keeps a reference, so
// that /ack, the digest and /mydata read one record each.

type issues struct{ base }

var _ = register(issues{})

func (issues) spec() spec {
	return spec{name: "issue", code: "is",
		commands: []Command{
			{Name: "problem", Icon: "🆘", Label: "menu.problem", Rank: 21, For: []roster.Role{roster.RoleParticipant, roster.RoleMentor}},
			{Name: "ack", Icon: "📥", Label: "menu.ack", Rank: 32,
				For: []roster.Role{roster.RoleAdviser, roster.RoleTeacher, roster.RoleNav, roster.RoleAdmin}},
		},
		timers:  []Timer{EscalateTimer{}, ExpireIssueTimer{}},
		unasked: true,
	}
}

// IssueKey is one issue, with its thread.
func IssueKey(id string) Key { return Key("issue:" + id) }

// InboxKey is what one person has to deal with: an entry per issue that
// is with them.
func InboxKey(person string) Key { return Key("inbox:" + person) }

// Issue states.
const (
	IssueOpen   = "open"   // not yet acknowledged
	IssueAcked  = "acked"  // somebody took it
	IssueClosed = "closed" // done
)

// Where an issue came from.
const (
	SourceParticipant = "participant"
	SourceMentor      = "mentor"
	SourceFeedback    = "feedback"
)

// Issue is a problem raised by a participant, or about one by their mentor.
type Issue struct {
	ID          string    `json:"id"`
	Participant string    `json:"participant"`
	Reporter    string    `json:"reporter"` // the participant, or the mentor who raised it
	Source      string    `json:"source"`
	Category    string    `json:"category"`          // routing key (roster.Categories)
	Concern     string    `json:"concern,omitempty"` // a feedback concern's category
	Urgent      bool      `json:"urgent,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	Owner       string    `json:"owner"`
	OwnerRole   string    `json:"owner_role"`
	For         string    `json:"for,omitempty"` // the owner stands in for this person, who is away
	// Why the owner has it although the routing table named others.
	Skipped []Skip `json:"skipped,omitempty"`
	// Involved is everyone it was routed, copied, passed or escalated
	// to: they may see it and act on it.
	Involved    []string  `json:"involved"`
	State       string    `json:"state"`
	AckedBy     string    `json:"acked_by,omitempty"`
	AckedAt     time.Time `json:"acked_at,omitzero"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	Escalated   bool      `json:"escalated,omitempty"`
	EscalatedTo string    `json:"escalated_to,omitempty"`
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	// Gen counts hand-overs: an escalation planned for an earlier owner
	// finds it has moved on.
	Gen    int     `json:"gen"`
	Thread []Entry `json:"thread"`
}

// Entry is one thing said in an issue's thread.
type Entry struct {
	At    time.Time `json:"at"`
	By    string    `json:"by"`
	Text  string    `json:"text,omitempty"`
	Media *Media    `json:"media,omitempty"`
	Ready string    `json:"ready,omitempty"` // a ready-made reply's id
	Arg   string    `json:"arg,omitempty"`   // its argument: a time, a person
	Note  string    `json:"note,omitempty"`  // what happened: "acked", "passed", "escalated", "closed"
}

// InboxEntry is an issue as the inbox of someone it is with lists it.
type InboxEntry struct {
	Issue       string    `json:"issue"`
	Participant string    `json:"participant"`
	Category    string    `json:"category"`
	Urgent      bool      `json:"urgent,omitempty"`
	Since       time.Time `json:"since"`
	State       string    `json:"state"`
	Escalated   bool      `json:"escalated,omitempty"`
	Snippet     string    `json:"snippet,omitempty"`
	Owner       bool      `json:"owner,omitempty"`
}

// IssueRef is an issue as its participant's record lists it.
type IssueRef struct {
	Issue     string    `json:"issue"`
	Category  string    `json:"category"`
	Source    string    `json:"source"`
	Concern   string    `json:"concern,omitempty"`
	Urgent    bool      `json:"urgent,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	State     string    `json:"state"`
	Owner     string    `json:"owner"`
	Escalated bool      `json:"escalated,omitempty"`
	AckedAt   time.Time `json:"acked_at,omitzero"`
}

var (
	issueField    = field[Issue]("issue", 1)
	inboxField    = field[InboxEntry]("ib", 1)
	issueRefField = field[IssueRef]("is", 1)
)

// EscalateTimer escalates an issue nobody acknowledged in time.
type EscalateTimer struct {
	Issue       string `json:"issue"`
	Participant string `json:"participant"`
	Gen         int    `json:"gen"`
}

// ExpireIssueTimer deletes an issue when its retention ends.
type ExpireIssueTimer struct {
	Issue       string `json:"issue"`
	Participant string `json:"participant"`
}

func (EscalateTimer) TimerKind() string         { return "is.escalate" }
func (t EscalateTimer) TimerSubject() string    { return t.Participant }
func (ExpireIssueTimer) TimerKind() string      { return "is.expire" }
func (t ExpireIssueTimer) TimerSubject() string { return t.Participant }

// Phases of the issue conversations.
const (
	PhaseIssueWho      Phase = "issue.who"      // a mentor picks the participant
	PhaseIssueCategory Phase = "issue.category" // what it is about
	PhaseIssueContent  Phase = "issue.content"  // text, voice or photos, then Send
	PhaseIssueReply    Phase = "issue.reply"    // staff write a reply
	PhaseIssueAnswer   Phase = "issue.answer"   // the reporter answers back
)

// issueDraft is an issue being put together.
type issueDraft struct {
	Participant string  `json:"participant"`
	Category    string  `json:"category,omitempty"`
	Parts       []Entry `json:"parts,omitempty"`
	// Unasked: the words came first, outside any conversation; a tap on
	// a category sends them.
	Unasked bool `json:"unasked,omitempty"`
}

// Limits on what a user's words may take of a message: Telegram takes
// 4,096 characters, and a thread is read on a phone.
const (
	partLimit    = 1000
	maxParts     = 10
	issueLife    = 24 * time.Hour
	replyLife    = 2 * time.Hour
	urgentGrace  = 30 * time.Minute
	snippetLimit = 120
	ackListLimit = 10
)

func categoryLabel(lang, cat string) string { return tr(lang, "issue.cat_"+cat, nil) }

func (issues) needs(n *Needs, q query) {
	switch t := q.ev.Timer.(type) {
	case EscalateTimer:
		n.record(IssueKey(t.Issue))
		needIssuePeople(n, q.r, t.Participant)
		for _, st := range q.r.Staff {
			if st.Has(roster.RoleAdviser) || st.Has(roster.RoleAdmin) {
				n.record(AlertsKey(st.ID))
			}
		}
		return
	case ExpireIssueTimer:
		n.record(IssueKey(t.Issue))
		return
	}
	me := q.person
	if p := q.r.Participant(me); p != nil {
		needIssuePeople(n, q.r, p.ID)
	}
	if c := q.r.Contact(me); c != nil {
		for _, p := range q.r.PlacedWith(c) {
			needIssuePeople(n, q.r, p.ID)
		}
	}
	if q.r.StaffMember(me) != nil {
		n.record(InboxKey(me))
	}
	var id string
	if q.ev.Kind == EvButton {
		p, _ := ParsePayload(q.ev.Data)
		id = p.Arg(1)
	}
	if q.conv != nil && strings.HasPrefix(q.conv.Ref, "re:") {
		id = strings.TrimPrefix(q.conv.Ref, "re:")
	}
	if q.conv != nil && strings.HasPrefix(q.conv.Ref, "an:") {
		id = strings.TrimPrefix(q.conv.Ref, "an:")
	}
	if id != "" {
		n.record(IssueKey(id))
		r := q.r
		n.then(func(l map[Key]Record) Needs {
			var more Needs
			if iss, ok := get[Issue](l[IssueKey(id)], issueField); ok {
				needIssuePeople(&more, r, iss.Participant)
				more.person(iss.Involved...)
				more.person(iss.Reporter)
			}
			return more
		})
	}
}

// needIssuePeople adds a participant's record and everyone an issue about
// them may reach: their contact people, their backups, and the admins.
func needIssuePeople(n *Needs, r *roster.Roster, pid string) {
	p := r.Participant(pid)
	if p == nil {
		return
	}
	needParticipant(n, r, p.ID)
	for _, st := range []*roster.Staff{p.Adviser, p.Teacher, p.Nav} {
		if st != nil && st.Backup != nil {
			n.person(st.Backup.ID)
		}
	}
	for _, st := range r.Staff {
		if st.Has(roster.RoleAdmin) {
			n.person(st.ID)
		}
	}
}

func (issues) command(s *step, name, _ string) {
	if name == "ack" {
		s.ackList()
		return
	}
	switch {
	case s.me.Participant != nil:
		s.askCategory(issueDraft{Participant: s.me.ID}, 0)
	case s.me.Contact != nil:
		s.mentorReport(0)
	default:
		s.reason(ReasonNotForRole)
		s.say("issue.not_for_role", nil, s.menu())
	}
}

// askCategory asks what a problem is about: one tap.
func (s *step) askCategory(d issueDraft, msg int) {
	s.reason(ReasonIssueAsked)
	s.open(withDraft(Conversation{Flow: "issue", Ref: "new", Phase: PhaseIssueCategory, Input: true,
		Expires: s.in.Now.Add(issueLife)}, d))
	var rows [][]Button
	var row []Button
	for _, c := range roster.Categories {
		row = append(row, Button{Text: categoryLabel(s.lang(), c), Data: Payload{Flow: "is", Args: []string{"c", c}}.Encode()})
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	rows = append(rows, []Button{{Text: s.t("issue.btn.cancel", nil), Data: Payload{Flow: "is", Args: []string{"x"}}.Encode()}})
	id := "issue.ask_category"
	if d.Unasked {
		id = "issue.offer"
	}
	s.say(id, nil, withInline(rows), withEdit(msg))
}

// mentorReport starts a mentor's problem report: about which participant,
// then the words. A mentor's report is routed as "placement".
func (s *step) mentorReport(msg int) {
	placed := s.in.Roster.PlacedWith(s.me.Contact)
	switch len(placed) {
	case 0:
		s.reason(ReasonNotForRole)
		s.say("issue.mentor_nobody", nil, s.menu())
	case 1:
		s.askContent(issueDraft{Participant: placed[0].ID, Category: "placement"}, msg)
	default:
		s.reason(ReasonIssueAsked)
		s.open(Conversation{Flow: "issue", Ref: "new", Phase: PhaseIssueWho, Expires: s.in.Now.Add(issueLife)})
		var rows [][]Button
		for _, p := range placed {
			rows = append(rows, []Button{{Text: p.Name, Data: Payload{Flow: "is", Args: []string{"w", p.ID}}.Encode()}})
		}
		s.say("issue.mentor_who", nil, withInline(rows), withEdit(msg))
	}
}

// askContent asks for the words, a voice message or a photo, then Send.
func (s *step) askContent(d issueDraft, msg int) {
	s.reason(ReasonIssueAsked)
	s.open(withDraft(Conversation{Flow: "issue", Ref: "new", Phase: PhaseIssueContent, Input: true,
		Expires: s.in.Now.Add(issueLife)}, d))
	args := locales.Args{"Category": categoryLabel(s.lang(), d.Category)}
	id := "issue.ask_content"
	if s.me.Contact != nil {
		id = "issue.ask_content_mentor"
		if p := s.in.Roster.Participant(d.Participant); p != nil {
			args["Name"] = p.Name
		}
	}
	s.say(id, args, withInline(s.draftButtons()), withEdit(msg))
}

func (s *step) draftButtons() [][]Button {
	return [][]Button{{
		{Text: s.t("issue.btn.send", nil), Data: Payload{Flow: "is", Args: []string{"send"}}.Encode()},
		{Text: s.t("issue.btn.cancel", nil), Data: Payload{Flow: "is", Args: []string{"x"}}.Encode()},
	}}
}

// input takes words, voice or photos: for an issue being put together, a
// reply being written, or an answer back.
func (issues) input(s *step, c *Conversation, m Message) {
	if c == nil {
		s.unasked(m)
		return
	}
	switch c.Phase {
	case PhaseIssueCategory, PhaseIssueContent, PhaseIssueWho:
		d := draftOf[issueDraft](c)
		if c.Phase == PhaseIssueWho {
			s.reason(ReasonIssueAsked)
			s.say("issue.mentor_who_first", nil)
			return
		}
		if len(d.Parts) >= maxParts {
			s.reason(ReasonIssueAsked)
			s.say("issue.too_many_parts", locales.Args{"Count": maxParts}, withInline(s.draftButtons()))
			return
		}
		d.Parts = append(slices.Clip(d.Parts), part(s, m))
		s.reason(ReasonIssueAsked)
		s.open(withDraft(*c, d))
		if c.Phase == PhaseIssueCategory {
			// Words came before the category: ask it again, once.
			s.say("issue.got_it_category", nil)
			return
		}
		s.say("issue.got_it", locales.Args{"Count": len(d.Parts)}, withInline(s.draftButtons()))
	case PhaseIssueReply:
		s.typedReply(c, m)
	case PhaseIssueAnswer:
		s.answerBack(c, m)
	default:
		s.notUnderstood()
	}
}

// part is what a user sent, as a thread entry; long text is cut, never
// echoed whole.
func part(s *step, m Message) Entry {
	return Entry{At: s.in.Now, By: s.me.ID, Text: shorten(m.Text, partLimit), Media: m.Media}
}

// unasked takes what a participant wrote, said or photographed outside
// any conversation: nothing is dropped; it is offered to their contact
// person (docs/behaviour.md). A mentor's words become a problem report.
func (s *step) unasked(m Message) {
	switch {
	case s.me.Participant != nil:
		s.askCategory(issueDraft{Participant: s.me.ID, Parts: []Entry{part(s, m)}, Unasked: true}, 0)
	case s.me.Contact != nil:
		placed := s.in.Roster.PlacedWith(s.me.Contact)
		if len(placed) == 0 {
			s.notUnderstood()
			return
		}
		if len(placed) > 1 {
			s.open(withDraft(Conversation{Flow: "issue", Ref: "new", Phase: PhaseIssueWho, Expires: s.in.Now.Add(issueLife)},
				issueDraft{Category: "placement", Parts: []Entry{part(s, m)}, Unasked: true}))
			var rows [][]Button
			for _, p := range placed {
				rows = append(rows, []Button{{Text: p.Name, Data: Payload{Flow: "is", Args: []string{"w", p.ID}}.Encode()}})
			}
			rows = append(rows, []Button{{Text: s.t("issue.btn.cancel", nil), Data: Payload{Flow: "is", Args: []string{"x"}}.Encode()}})
			s.reason(ReasonIssueAsked)
			s.say("issue.offer_mentor_who", nil, withInline(rows))
			return
		}
		d := issueDraft{Participant: placed[0].ID, Category: "placement", Parts: []Entry{part(s, m)}}
		s.open(withDraft(Conversation{Flow: "issue", Ref: "new", Phase: PhaseIssueContent, Input: true,
			Expires: s.in.Now.Add(issueLife)}, d))
		s.reason(ReasonIssueAsked)
		s.say("issue.offer_mentor", locales.Args{"Name": placed[0].Name}, withInline(s.draftButtons()))
	default:
		s.notUnderstood()
	}
}

func (issues) button(s *step, p Payload) {
	msg := s.in.Event.MessageID
	switch p.Arg(0) {
	case "c", "w", "send", "x":
		s.draftButton(p, msg)
		return
	}
	iss, ok := get[Issue](s.rec(IssueKey(p.Arg(1))), issueField)
	if !ok {
		// Expired, erased, or never there.
		s.reason(ReasonGone)
		s.do(Answer{})
		s.say("issue.gone", nil)
		return
	}
	if p.Arg(0) == "an" {
		s.startAnswer(iss, msg)
		return
	}
	if !s.mayAct(iss) {
		s.stale()
		return
	}
	switch p.Arg(0) {
	case "ack":
		s.acknowledge(iss, msg)
	case "rp":
		s.replyMenu(iss, msg)
	case "r":
		s.readyReply(iss, p.Arg(2), p.Arg(3), msg)
	case "po":
		s.passMenu(iss, msg)
	case "to":
		s.passTo(iss, p.Arg(2), msg)
	case "done":
		s.closeIssue(iss, msg)
	case "open":
		s.do(Answer{})
		s.reason(ReasonIssueShown)
		s.showIssue(iss, s.me.ID, 0)
	default:
		s.stale()
	}
}

// mayAct: only the people an issue reached, and admins, may act on it
// (docs/privacy.md); the reporter may only answer.
func (s *step) mayAct(iss Issue) bool {
	if s.me.Staff != nil && s.me.Staff.Has(roster.RoleAdmin) {
		return true
	}
	return slices.Contains(iss.Involved, s.me.ID)
}

func (s *step) draftButton(p Payload, msg int) {
	c := s.conv("issue", "new")
	if c == nil {
		s.staleOrExpired("issue", "new")
		return
	}
	d := draftOf[issueDraft](c)
	switch p.Arg(0) {
	case "x":
		s.reason(ReasonIssueCancelled)
		s.close("issue", "new")
		s.do(Answer{})
		s.say("issue.cancelled", nil, withEdit(msg))
	case "w":
		pt := s.in.Roster.Participant(p.Arg(1))
		if c.Phase != PhaseIssueWho || s.me.Contact == nil || pt == nil || pt.Placement == nil || pt.Placement.Mentor != s.me.Contact {
			s.stale()
			return
		}
		s.do(Answer{})
		d.Participant, d.Category = pt.ID, "placement"
		if d.Unasked {
			s.sendIssue(d, msg)
			return
		}
		s.askContent(d, msg)
	case "c":
		cat := p.Arg(1)
		if c.Phase != PhaseIssueCategory || !slices.Contains(roster.Categories, cat) || s.me.Participant == nil {
			s.stale()
			return
		}
		s.do(Answer{})
		d.Category = cat
		if d.Unasked {
			// The words are there already: one tap sends them.
			s.sendIssue(d, msg)
			return
		}
		s.askContent(d, msg)
	case "send":
		if c.Phase != PhaseIssueContent || d.Category == "" || d.Participant == "" {
			s.stale()
			return
		}
		s.do(Answer{})
		s.sendIssue(d, msg)
	default:
		s.stale()
	}
}

// issueID names an issue: unique across the programme (a hash of the
// participant is part of it, and n counts their issues so far) and short
// enough for button data.
func issueID(now time.Time, participant string, n int) string {
	h := fnv.New32a()
	h.Write([]byte(participant))
	return strconv.FormatInt(now.UnixMilli(), 36) + strconv.FormatUint(uint64(h.Sum32()%1296), 36) + "." + strconv.Itoa(n)
}

// sendIssue stores a new issue and sends it to the one right person. The
// reporter's receipt and the recipient's card are committed together.
func (s *step) sendIssue(d issueDraft, msg int) {
	p := s.in.Roster.Participant(d.Participant)
	if p == nil {
		s.gone()
		return
	}
	source := SourceParticipant
	if s.me.Contact != nil {
		source = SourceMentor
	}
	iss := s.newIssue(p, s.me.ID, source, d.Category, "", false, d.Parts)
	s.close("issue", "new")
	s.reason(ReasonIssueSent)
	owner := s.in.Roster.StaffMember(iss.Owner)
	name := iss.Owner
	if owner != nil {
		name = owner.Name
	}
	args := locales.Args{"Name": name, "Role": tr(s.lang(), "role."+iss.OwnerRole, nil)}
	s.say("issue.sent", args, withEdit(msg))
}

// newIssue routes, stores and delivers a new issue. Feedback concerns use
// it too (with cc to the adviser).
func (s *step) newIssue(p *roster.Participant, reporter, source, category, concern string, urgent bool, parts []Entry, cc ...string) Issue {
	day := s.today()
	rt := RouteIssue(s.in.Roster, p, category, day, s.reachable)
	iss := Issue{ID: issueID(s.in.Now, p.ID, len(all[IssueRef](s.rec(PersonKey(p.ID)), issueRefField))), Participant: p.ID, Reporter: reporter, Source: source, Category: category,
		Concern: concern, Urgent: urgent, CreatedAt: s.in.Now, Owner: rt.To, OwnerRole: string(rt.Role), For: rt.For,
		State: IssueOpen, Thread: parts}
	if rt.Fallback {
		iss.Skipped = rt.Skipped
	}
	iss.Involved = []string{rt.To}
	for _, c := range cc {
		if c != "" && !slices.Contains(iss.Involved, c) {
			iss.Involved = append(iss.Involved, c)
		}
	}
	s.saveIssue(iss)
	for _, who := range iss.Involved {
		s.showIssue(iss, who, 0)
	}
	s.scheduleEscalation(iss)
	if keep := s.in.Roster.Programme.Retention.Issues; keep > 0 {
		s.do(Schedule{ID: "is.expire:" + iss.ID, Due: iss.CreatedAt.Add(keep),
			Timer: ExpireIssueTimer{Issue: iss.ID, Participant: p.ID}})
	}
	return iss
}

// reachable reports whether a person can be told things: on Telegram and
// not known to have blocked the bot.
func (s *step) reachable(id string) bool {
	b, ok := s.binding(id)
	return ok && !b.Unreachable
}

// saveIssue writes an issue, its participant's reference and the inbox
// entries of everyone it is with; a closed issue leaves every inbox.
func (s *step) saveIssue(iss Issue) {
	s.put(IssueKey(iss.ID), issueField, iss)
	s.put(PersonKey(iss.Participant), fieldOf(issueRefField, iss.ID), IssueRef{Issue: iss.ID, Category: iss.Category,
		Source: iss.Source, Concern: iss.Concern, Urgent: iss.Urgent, CreatedAt: iss.CreatedAt, State: iss.State,
		Owner: iss.Owner, Escalated: iss.Escalated, AckedAt: iss.AckedAt})
	snippet := ""
	for _, e := range iss.Thread {
		if e.Text != "" && e.By == iss.Reporter {
			snippet = shorten(e.Text, snippetLimit)
			break
		}
	}
	for _, who := range iss.Involved {
		f := fieldOf(inboxField, iss.ID)
		if iss.State == IssueClosed {
			s.put(InboxKey(who), f, nil)
			continue
		}
		since := iss.CreatedAt
		if prev, ok := get[InboxEntry](s.rec(InboxKey(who)), f); ok {
			since = prev.Since
		} else if who != iss.Owner || iss.Gen > 0 || iss.Escalated {
			since = s.in.Now
		}
		s.put(InboxKey(who), f, InboxEntry{Issue: iss.ID, Participant: iss.Participant, Category: iss.Category,
			Urgent: iss.Urgent, Since: since, State: iss.State, Escalated: iss.Escalated, Snippet: snippet,
			Owner: who == iss.Owner})
	}
}

// scheduleEscalation plans the escalation of an issue nobody acknowledged:
// escalate_after working hours inside office hours, or 30 minutes at any
// hour when it is urgent (docs/behaviour.md).
func (s *step) scheduleEscalation(iss Issue) {
	pr := s.in.Roster.Programme
	due := s.in.Cal.AddWorkingTime(s.in.Now, pr.EscalateAfter, pr.OfficeHours)
	if iss.Urgent {
		due = s.in.Now.Add(urgentGrace)
	}
	s.do(Schedule{ID: "is.esc:" + iss.ID + ":" + strconv.Itoa(iss.Gen), Due: due,
		Timer: EscalateTimer{Issue: iss.ID, Participant: iss.Participant, Gen: iss.Gen}})
}

// showIssue sends an issue's card to who: who raised it and about whom,
// what it is about, the words, whether an interpreter is needed, why they
// have it, and the buttons for what they can do; voice and photos follow,
// relayed by Telegram's file id.
func (s *step) showIssue(iss Issue, who string, msg int) {
	lang := s.langOf(who)
	p := s.in.Roster.Participant(iss.Participant)
	if p == nil {
		return
	}
	var lines []string
	head := "issue.card"
	args := locales.Args{"Name": p.Name, "Category": categoryLabel(lang, iss.Category), "Workplace": "—"}
	if p.Placement != nil {
		args["Workplace"] = p.Placement.Employer.Name
	}
	if iss.Urgent {
		head = "issue.card_urgent"
	}
	lines = append(lines, tr(lang, head, args))
	if iss.Concern != "" {
		lines = append(lines, tr(lang, "issue.card_concern", locales.Args{"Concern": tr(lang, "feedback.concern_"+iss.Concern, nil)}))
	}
	if iss.Reporter != iss.Participant {
		if m, _ := s.in.Roster.Person(iss.Reporter); m != nil {
			lines = append(lines, tr(lang, "issue.card_from", locales.Args{"Name": m.Name}))
		}
	}
	if pl := s.langOf(iss.Reporter); pl != lang {
		lines = append(lines, tr(lang, "issue.card_interpreter", locales.Args{"Language": tr(lang, "langname."+pl, nil)}))
	}
	if who == iss.Owner && iss.For != "" {
		if f := s.in.Roster.StaffMember(iss.For); f != nil {
			lines = append(lines, tr(lang, "issue.card_standin", locales.Args{"Name": f.Name}))
		}
	}
	if who == iss.Owner && len(iss.Skipped) > 0 {
		for _, sk := range iss.Skipped {
			if sk.Person == "" {
				continue
			}
			if st := s.in.Roster.StaffMember(sk.Person); st != nil {
				lines = append(lines, tr(lang, "issue.card_skipped_"+string(sk.Why), locales.Args{"Name": st.Name,
					"Role": tr(lang, "role."+string(sk.Role), nil)}))
			}
		}
	}
	var media []Entry
	for _, e := range iss.Thread {
		if e.Note != "" || e.By != iss.Reporter {
			continue
		}
		if e.Text != "" {
			lines = append(lines, tr(lang, "issue.card_text", locales.Args{"Text": e.Text}))
		}
		if e.Media != nil {
			media = append(media, e)
		}
	}
	if len(media) > 0 {
		lines = append(lines, tr(lang, "issue.card_media", locales.Args{"Count": len(media)}))
	}
	if iss.State == IssueAcked {
		if a, _ := s.in.Roster.Person(iss.AckedBy); a != nil {
			lines = append(lines, tr(lang, "issue.card_acked", locales.Args{"Name": a.Name}))
		}
	}
	b := func(id string, args ...string) Button {
		return Button{Text: tr(lang, id, nil), Data: Payload{Flow: "is", Args: args}.Encode()}
	}
	var kb [][]Button
	switch iss.State {
	case IssueOpen:
		kb = [][]Button{{b("issue.btn.ack", "ack", iss.ID), b("issue.btn.reply", "rp", iss.ID)}, {b("issue.btn.pass", "po", iss.ID)}}
	case IssueAcked:
		kb = [][]Button{{b("issue.btn.reply", "rp", iss.ID), b("issue.btn.pass", "po", iss.ID)}, {b("issue.btn.done", "done", iss.ID)}}
	}
	opts := []sayOpt{withInline(kb), withEdit(msg)}
	if iss.Urgent {
		opts = append(opts, urgentNotice())
	}
	text := locales.Lines(lang, lines)
	if who == s.me.ID {
		s.sayText("issue.card", text, opts...)
	} else {
		s.notifyText(who, "issue.card", text, opts...)
	}
	if msg != 0 {
		return
	}
	for _, e := range media {
		cap := tr(lang, "issue.media_caption", locales.Args{"Name": p.Name})
		mo := []sayOpt{func(m *Say) { m.Media = e.Media }}
		if iss.Urgent {
			mo = append(mo, urgentNotice())
		}
		if who == s.me.ID {
			s.sayText("issue.media_caption", cap, mo...)
		} else {
			s.notifyText(who, "issue.media_caption", cap, mo...)
		}
	}
}

// acknowledge takes an issue: the reporter hears who has it, the
// escalation stops.
func (s *step) acknowledge(iss Issue, msg int) {
	if iss.State != IssueOpen {
		s.reason(ReasonIssueAlready)
		s.do(Answer{Text: s.t("issue.already_acked", nil)})
		return
	}
	s.do(Answer{})
	s.reason(ReasonIssueAcked)
	iss.State, iss.AckedBy, iss.AckedAt = IssueAcked, s.me.ID, s.in.Now
	if iss.Owner != s.me.ID {
		// Whoever acknowledges takes it over: an adviser an issue was
		// escalated to, or an admin.
		iss.Owner = s.me.ID
	}
	iss.Thread = append(slices.Clip(iss.Thread), Entry{At: s.in.Now, By: s.me.ID, Note: "acked"})
	s.saveIssue(iss)
	s.showIssue(iss, s.me.ID, msg)
	s.tellReporter(iss, "issue.acked_reporter", locales.Args{"Name": firstName(s.me.Name),
		"Role": tr(s.langOf(iss.Reporter), "role."+s.roleFor(iss), nil), "Category": categoryLabel(s.langOf(iss.Reporter), iss.Category)})
}

// roleFor is the role the acting staff member has towards the issue's
// participant, as the participant would name it.
func (s *step) roleFor(iss Issue) string {
	p := s.in.Roster.Participant(iss.Participant)
	if p != nil {
		switch {
		case p.Adviser != nil && p.Adviser.ID == s.me.ID:
			return string(roster.RoleAdviser)
		case p.Teacher != nil && p.Teacher.ID == s.me.ID:
			return string(roster.RoleTeacher)
		case p.Nav != nil && p.Nav.ID == s.me.ID:
			return string(roster.RoleNav)
		}
	}
	if s.me.Contact != nil {
		return string(roster.RoleMentor)
	}
	if s.me.Staff != nil && len(s.me.Staff.Roles) > 0 {
		return string(s.me.Staff.Roles[0])
	}
	return string(roster.RoleAdviser)
}

func firstName(name string) string {
	first, _, _ := strings.Cut(name, " ")
	return first
}

// tellReporter tells whoever raised the issue, in their language, with a
// button to answer back.
func (s *step) tellReporter(iss Issue, id string, args locales.Args, extra ...string) {
	lang := s.langOf(iss.Reporter)
	lines := []string{tr(lang, id, args)}
	lines = append(lines, extra...)
	kb := [][]Button{{{Text: tr(lang, "issue.btn.answer", nil), Data: Payload{Flow: "is", Args: []string{"an", iss.ID}}.Encode()}}}
	s.notifyText(iss.Reporter, id, locales.Lines(lang, lines), withInline(kb))
}

// readyReplies are the replies staff can pick, translated into the
// participant's language; a mentor who raised an issue gets only the call.
var readyReplies = []string{"call", "office", "letter", "interpreter"}

func (s *step) replyMenu(iss Issue, msg int) {
	if iss.State == IssueClosed {
		s.stale()
		return
	}
	s.do(Answer{})
	s.reason(ReasonIssueReplyAsked)
	s.open(Conversation{Flow: "issue", Ref: "re:" + iss.ID, Phase: PhaseIssueReply, Input: true, Expires: s.in.Now.Add(replyLife)})
	p := s.in.Roster.Participant(iss.Participant)
	var rows [][]Button
	for _, r := range readyReplies {
		if iss.Reporter != iss.Participant && r != "call" {
			continue
		}
		rows = append(rows, []Button{{Text: s.t("issue.ready_btn."+r, nil), Data: Payload{Flow: "is", Args: []string{"r", iss.ID, r}}.Encode()}})
	}
	reporter, _ := s.in.Roster.Person(iss.Reporter)
	name := p.Name
	if reporter != nil {
		name = reporter.Name
	}
	s.say("issue.reply_menu", locales.Args{"Name": name, "Language": s.t("langname."+s.langOf(iss.Reporter), nil)}, withInline(rows))
}

// readyReply sends a ready-made reply in the reporter's language.
// Replying is taking the issue.
func (s *step) readyReply(iss Issue, r, arg string, msg int) {
	if iss.State == IssueClosed || !slices.Contains(readyReplies, r) {
		s.stale()
		return
	}
	if r == "office" && arg == "" {
		s.do(Answer{})
		s.officeTimes(iss, msg)
		return
	}
	rl := s.langOf(iss.Reporter)
	args := locales.Args{"Name": s.me.Name}
	if r == "office" {
		day := s.nextWorkingDay()
		at, ok := s.slotArg(day.String(), arg)
		if !ok {
			s.stale()
			return
		}
		place := s.in.Roster.Programme.Name
		if s.me.Staff != nil && s.me.Staff.Place != "" {
			place = s.me.Staff.Place
		}
		args["Day"], args["Time"], args["Place"] = s.dayLabel(rl, day), at.Format("15:04"), place
	}
	s.do(Answer{})
	s.reason(ReasonIssueReplied)
	s.close("issue", "re:"+iss.ID)
	iss = s.takeOnReply(iss)
	iss.Thread = append(slices.Clip(iss.Thread), Entry{At: s.in.Now, By: s.me.ID, Ready: r, Arg: arg})
	s.saveIssue(iss)
	s.tellReporter(iss, "issue.ready."+r, args)
	s.say("issue.replied", locales.Args{"Name": s.personName(iss.Reporter)}, withEdit(msg))
}

// takeOnReply acknowledges an open issue for the one who replies.
func (s *step) takeOnReply(iss Issue) Issue {
	if iss.State == IssueOpen {
		iss.State, iss.AckedBy, iss.AckedAt = IssueAcked, s.me.ID, s.in.Now
		iss.Owner = s.me.ID
	}
	return iss
}

func (s *step) personName(id string) string {
	if p, _ := s.in.Roster.Person(id); p != nil {
		return p.Name
	}
	return id
}

func (s *step) nextWorkingDay() roster.Date {
	d := schedule.AddDays(s.today(), 1)
	for range 14 {
		if s.in.Cal.IsWorkingDay(d) {
			return d
		}
		d = schedule.AddDays(d, 1)
	}
	return d
}

// officeTimes offers the next working day's office hours, on the hour.
func (s *step) officeTimes(iss Issue, msg int) {
	s.reason(ReasonIssueReplyAsked)
	day := s.nextWorkingDay()
	hours := s.in.Roster.Programme.OfficeHours
	var rows [][]Button
	var row []Button
	for k := (hours.Start + 59) / 60 * 60; k+30 <= hours.End; k += 60 {
		row = append(row, Button{Text: clock(k), Data: Payload{Flow: "is", Args: []string{"r", iss.ID, "office", clock(k)[:2] + clock(k)[3:]}}.Encode()})
		if len(row) == 4 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	s.say("issue.office_pick", locales.Args{"Day": s.dayLabel(s.lang(), day)}, withInline(rows), withEdit(msg))
}

// typedReply relays what staff wrote, as written, marked as theirs and in
// their language, so that the participant knows to get help reading it.
func (s *step) typedReply(c *Conversation, m Message) {
	id := strings.TrimPrefix(c.Ref, "re:")
	iss, ok := get[Issue](s.rec(IssueKey(id)), issueField)
	if !ok || !s.mayAct(iss) || iss.State == IssueClosed {
		s.close(c.Flow, c.Ref)
		s.gone()
		return
	}
	s.close(c.Flow, c.Ref)
	s.reason(ReasonIssueReplied)
	iss = s.takeOnReply(iss)
	e := part(s, m)
	iss.Thread = append(slices.Clip(iss.Thread), e)
	s.saveIssue(iss)
	rl := s.langOf(iss.Reporter)
	head := tr(rl, "issue.written_by", locales.Args{"Name": s.me.Name, "Language": tr(rl, "langname."+s.lang(), nil)})
	kb := [][]Button{{{Text: tr(rl, "issue.btn.answer", nil), Data: Payload{Flow: "is", Args: []string{"an", iss.ID}}.Encode()}}}
	text := head
	if e.Text != "" {
		// As written: the words are the writer's, not translated.
		text = head + "\n" + e.Text
	}
	s.notifyText(iss.Reporter, "issue.written_by", text, withInline(kb))
	if e.Media != nil {
		md := e.Media
		s.notifyText(iss.Reporter, "issue.media_caption", tr(rl, "issue.media_caption", locales.Args{"Name": s.me.Name}),
			func(x *Say) { x.Media = md })
	}
	s.say("issue.replied", locales.Args{"Name": s.personName(iss.Reporter)})
}

// startAnswer lets the reporter answer back in the same issue.
func (s *step) startAnswer(iss Issue, msg int) {
	if s.me.ID != iss.Reporter || iss.State == IssueClosed {
		s.stale()
		return
	}
	s.do(Answer{})
	s.reason(ReasonIssueAsked)
	s.open(Conversation{Flow: "issue", Ref: "an:" + iss.ID, Phase: PhaseIssueAnswer, Input: true, Expires: s.in.Now.Add(issueLife)})
	s.say("issue.answer_ask", nil)
}

// answerBack sends the reporter's answer to whoever has the issue.
func (s *step) answerBack(c *Conversation, m Message) {
	id := strings.TrimPrefix(c.Ref, "an:")
	s.close(c.Flow, c.Ref)
	iss, ok := get[Issue](s.rec(IssueKey(id)), issueField)
	if !ok || iss.Reporter != s.me.ID || iss.State == IssueClosed {
		s.reason(ReasonGone)
		s.say("issue.gone", nil)
		return
	}
	s.reason(ReasonIssueAnswered)
	e := part(s, m)
	iss.Thread = append(slices.Clip(iss.Thread), e)
	s.saveIssue(iss)
	ol := s.langOf(iss.Owner)
	lines := []string{tr(ol, "issue.answered", locales.Args{"Name": s.me.Name, "Category": categoryLabel(ol, iss.Category)})}
	if e.Text != "" {
		lines = append(lines, tr(ol, "issue.card_text", locales.Args{"Text": e.Text}))
	}
	if s.langOf(iss.Reporter) != ol {
		lines = append(lines, tr(ol, "issue.card_interpreter", locales.Args{"Language": tr(ol, "langname."+s.lang(), nil)}))
	}
	b := func(id string, args ...string) Button {
		return Button{Text: tr(ol, id, nil), Data: Payload{Flow: "is", Args: args}.Encode()}
	}
	// Buttons stay on text messages, which can be edited; a voice message
	// or photo follows on its own.
	s.notifyText(iss.Owner, "issue.answered", locales.Lines(ol, lines),
		withInline([][]Button{{b("issue.btn.reply", "rp", iss.ID), b("issue.btn.done", "done", iss.ID)}}))
	if e.Media != nil {
		md := e.Media
		s.notifyText(iss.Owner, "issue.media_caption", tr(ol, "issue.media_caption", locales.Args{"Name": s.me.Name}),
			func(x *Say) { x.Media = md })
	}
	s.say("issue.answer_sent", locales.Args{"Name": s.personName(iss.Owner)})
}

// passMenu offers the participant's other contact people.
func (s *step) passMenu(iss Issue, msg int) {
	if iss.State == IssueClosed {
		s.stale()
		return
	}
	s.do(Answer{})
	s.reason(ReasonIssueReplyAsked)
	var rows [][]Button
	for _, c := range s.contacts(iss) {
		rows = append(rows, []Button{{Text: s.personName(c.id) + " (" + s.t("role."+string(c.role), nil) + ")",
			Data: Payload{Flow: "is", Args: []string{"to", iss.ID, c.id}}.Encode()}})
	}
	if len(rows) == 0 {
		s.say("issue.pass_nobody", nil)
		return
	}
	s.say("issue.pass_pick", nil, withInline(rows))
}

type contact struct {
	id   string
	role roster.Role
}

// contacts are the participant's contact people an issue can be passed
// to: not the one who has it, and only people on Telegram.
func (s *step) contacts(iss Issue) []contact {
	p := s.in.Roster.Participant(iss.Participant)
	if p == nil {
		return nil
	}
	var out []contact
	day := s.today()
	add := func(id string, r roster.Role) {
		if st := s.in.Roster.StaffMember(id); st != nil && st.AwayOn(day) {
			return
		}
		if id != "" && id != iss.Owner && s.reachable(id) && !slices.ContainsFunc(out, func(c contact) bool { return c.id == id }) {
			out = append(out, contact{id, r})
		}
	}
	if p.Adviser != nil {
		add(p.Adviser.ID, roster.RoleAdviser)
	}
	if p.Teacher != nil {
		add(p.Teacher.ID, roster.RoleTeacher)
	}
	if p.Nav != nil {
		add(p.Nav.ID, roster.RoleNav)
	}
	if p.Placement != nil && p.Placement.Mentor != nil && iss.Reporter != p.Placement.Mentor.ID {
		add(p.Placement.Mentor.ID, roster.RoleMentor)
	}
	return out
}

// passTo hands an issue to another of the participant's contact people.
func (s *step) passTo(iss Issue, to string, msg int) {
	if iss.State == IssueClosed || !slices.ContainsFunc(s.contacts(iss), func(c contact) bool { return c.id == to }) {
		s.stale()
		return
	}
	s.do(Answer{})
	s.reason(ReasonIssuePassed)
	from := iss.Owner
	role := roster.RoleAdviser
	for _, c := range s.contacts(iss) {
		if c.id == to {
			role = c.role
		}
	}
	// The new owner starts afresh: it is theirs to acknowledge.
	s.put(InboxKey(from), fieldOf(inboxField, iss.ID), nil)
	iss.Involved = slices.DeleteFunc(slices.Clone(iss.Involved), func(id string) bool { return id == from })
	iss.Owner, iss.OwnerRole, iss.For, iss.Skipped = to, string(role), "", nil
	iss.State, iss.AckedBy, iss.AckedAt = IssueOpen, "", time.Time{}
	iss.Escalated, iss.EscalatedTo = false, ""
	iss.Gen++
	if !slices.Contains(iss.Involved, to) {
		iss.Involved = append(iss.Involved, to)
	}
	iss.Thread = append(slices.Clip(iss.Thread), Entry{At: s.in.Now, By: s.me.ID, Note: "passed", Arg: to})
	s.saveIssue(iss)
	s.showIssue(iss, to, 0)
	s.scheduleEscalation(iss)
	rl := s.langOf(iss.Reporter)
	s.tellReporter(iss, "issue.ready.passed", locales.Args{"Name": s.me.Name, "To": s.personName(to),
		"Role": tr(rl, "role."+string(role), nil)})
	s.say("issue.passed", locales.Args{"Name": s.personName(to)}, withEdit(msg))
}

// closeIssue marks an issue done: it leaves every inbox and the reporter
// hears it.
func (s *step) closeIssue(iss Issue, msg int) {
	if iss.State == IssueClosed {
		s.reason(ReasonIssueAlready)
		s.do(Answer{Text: s.t("issue.already_closed", nil)})
		return
	}
	s.do(Answer{})
	s.reason(ReasonIssueClosed)
	iss.State, iss.ClosedBy, iss.ClosedAt = IssueClosed, s.me.ID, s.in.Now
	if iss.AckedBy == "" {
		iss.AckedBy, iss.AckedAt = s.me.ID, s.in.Now
	}
	iss.Thread = append(slices.Clip(iss.Thread), Entry{At: s.in.Now, By: s.me.ID, Note: "closed"})
	s.saveIssue(iss)
	rl := s.langOf(iss.Reporter)
	s.notify(iss.Reporter, "issue.closed_reporter", locales.Args{"Name": firstName(s.me.Name),
		"Category": categoryLabel(rl, iss.Category)})
	s.say("issue.closed", locales.Args{"Name": s.personName(iss.Participant)}, withEdit(msg))
}

// ackList shows the issues with this staff member, oldest first, each
// with its buttons (docs/configuration.md: /ack).
func (s *step) ackList() {
	if s.me.Staff == nil {
		s.reason(ReasonNotForRole)
		s.say("issue.ack_not_staff", nil, s.menu())
		return
	}
	entries := all[InboxEntry](s.rec(InboxKey(s.me.ID)), inboxField)
	entries = slices.DeleteFunc(entries, func(e InboxEntry) bool { return e.State == IssueClosed })
	slices.SortFunc(entries, func(a, b InboxEntry) int { return a.Since.Compare(b.Since) })
	s.reason(ReasonIssueList)
	if len(entries) == 0 {
		s.say("issue.ack_none", nil, s.menu())
		return
	}
	s.say("issue.ack_title", locales.Args{"Count": len(entries)}, s.menu())
	for i, e := range entries {
		if i == ackListLimit {
			s.say("issue.ack_more", locales.Args{"Count": len(entries) - ackListLimit})
			break
		}
		s.say("issue.ack_line", locales.Args{"Name": s.personName(e.Participant), "Category": categoryLabel(s.lang(), e.Category),
			"Age": s.age(e.Since), "Snippet": e.Snippet, "State": s.t("issue.state."+e.State, nil)},
			withInline([][]Button{{{Text: s.t("issue.btn.open", nil), Data: Payload{Flow: "is", Args: []string{"open", e.Issue}}.Encode()}}}))
	}
}

// age says how long ago t was, in working words: minutes, hours or days.
func (s *step) age(t time.Time) string {
	d := s.in.Now.Sub(t)
	switch {
	case d < time.Hour:
		return s.t("age.minutes", locales.Args{"Count": int(d.Minutes())})
	case d < 24*time.Hour:
		return s.t("age.hours", locales.Args{"Count": int(d.Hours())})
	}
	return s.t("age.days", locales.Args{"Count": int(d.Hours() / 24)})
}

// timer escalates or expires an issue.
func (issues) timer(s *step, t Timer) {
	switch t := t.(type) {
	case EscalateTimer:
		s.escalate(t)
	case ExpireIssueTimer:
		iss, ok := get[Issue](s.rec(IssueKey(t.Issue)), issueField)
		s.reason(ReasonIssueExpired)
		if ok {
			for _, who := range iss.Involved {
				s.put(InboxKey(who), fieldOf(inboxField, iss.ID), nil)
			}
		}
		s.put(IssueKey(t.Issue), issueField, nil)
		s.put(PersonKey(t.Participant), fieldOf(issueRefField, t.Issue), nil)
	}
}

// escalate tells the adviser (an admin, for the adviser's own) of an
// issue nobody acknowledged, at once, quiet hours or not; it stays in the
// digest until someone acknowledges it.
func (s *step) escalate(t EscalateTimer) {
	iss, ok := get[Issue](s.rec(IssueKey(t.Issue)), issueField)
	if !ok || iss.State != IssueOpen || iss.Gen != t.Gen || iss.Escalated {
		return
	}
	p := s.in.Roster.Participant(iss.Participant)
	if p == nil {
		return
	}
	to := escalationTarget(s.in.Roster, p, iss.Owner, s.today(), s.reachable)
	if to == "" {
		return
	}
	s.reason(ReasonIssueEscalated)
	iss.Escalated, iss.EscalatedTo, iss.EscalatedAt = true, to, s.in.Now
	if !slices.Contains(iss.Involved, to) {
		iss.Involved = append(slices.Clip(iss.Involved), to)
	}
	iss.Thread = append(slices.Clip(iss.Thread), Entry{At: s.in.Now, By: to, Note: "escalated"})
	s.saveIssue(iss)
	s.alert(to, Alert{Participant: p.ID, Kind: "escalated", Issue: iss.ID, Owner: iss.Owner})
}
