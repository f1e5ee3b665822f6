package flows

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// ChatVersion is the shape of Chat this release writes. Version 1 held
// one Phase and one absence draft; the codec reads it as version 2.
const ChatVersion = 2

// maxOpen is how many conversations a chat keeps open; the oldest goes
// first.
const maxOpen = 8

// Message is typed text, a voice message or a photo, as a conversation
// takes it.
type Message struct {
	Text  string
	Media *Media
}

// Step takes one step of the chat's conversation.
func Step(in Input) Result {
	s := newStep(in)
	ev := in.Event
	switch {
	case ev.Kind == EvTimer:
		s.runTimer()
	case ev.Kind == EvBlocked:
		if blockedBy != nil {
			s.use(blockedBy)
			s.blocked(ev.Text)
		}
	case ev.Kind == EvCommand && ev.Command == "start":
		s.use(onboardingFlow)
		onboardingFlow.(onboarding).start(s)
	case s.me == nil:
		s.unknown()
	default:
		s.known()
	}
	return s.finish()
}

// NeedsFor says what a step for ev in chat reads: the routing of Step,
// asking the flow that will take the event.
func NeedsFor(r *roster.Roster, chat Chat, ev Event) Needs {
	var n Needs
	q := query{r: r, person: chat.Person, ev: ev}
	if chat.Person != "" {
		n.person(chat.Person)
		n.record(PersonKey(chat.Person))
	}
	switch ev.Kind {
	case EvTimer:
		if ev.Timer == nil {
			return n
		}
		if f := timerFlow[ev.Timer.TimerKind()]; f != nil {
			f.needs(&n, q)
		}
		return n
	case EvBlocked:
		if blockedBy != nil {
			blockedBy.needs(&n, q)
		}
		return n
	case EvCommand:
		if ev.Command == "start" {
			onboardingFlow.needs(&n, q)
			return n
		}
		if f := byCommand[ev.Command]; f != nil {
			f.needs(&n, q)
		}
	case EvButton:
		if p, err := ParsePayload(ev.Data); err == nil && byCode[p.Flow] != nil {
			byCode[p.Flow].needs(&n, q)
		}
	case EvText, EvMedia:
		// Typed input may go to an open conversation, start a flow of its
		// own, or land with the flow that takes what nobody asked for:
		// which one is decided in the step, so all three are loaded.
		t := normalize(ev.Text)
		if ev.Kind == EvText {
			if cmd := iconCommand(t); cmd != "" {
				if f := byCommand[cmd]; f != nil {
					q.ev = Event{Kind: EvCommand, Command: cmd}
					f.needs(&n, q)
				}
				return n
			}
		}
		if c := inputConversation(chat.Open); c != nil && byName[c.Flow] != nil {
			q.conv = c
			byName[c.Flow].needs(&n, q)
			q.conv = nil
		}
		for _, f := range registry {
			if sp := f.spec(); sp.typed != nil && ev.Kind == EvText && sp.typed(t) {
				f.needs(&n, q)
			}
		}
		if sink != nil {
			sink.needs(&n, q)
		}
	}
	return n
}

// Apology is what a user hears when a step failed unexpectedly; the
// engine sends it in place of the step's result.
func Apology(in Input) Result {
	s := newStep(in)
	s.out.Chat = in.Chat
	s.reason(ReasonApology)
	s.say("error.apology", nil, s.menu())
	return s.out
}

// TryAgain renders the "try again in a minute" note for a user whose
// update could not be stored.
func TryAgain(lang string) string {
	return locales.Text(lang, "error.try_again", nil)
}

// me is the person behind the chat, as the roster describes them.
type me struct {
	ID          string
	Name        string
	Lang        string
	Roles       []roster.Role
	Participant *roster.Participant
	Staff       *roster.Staff
	Contact     *roster.Contact
}

// step is one run of Step: the input, what it has decided so far, and
// the records and bindings it wrote, which later reads see. The input is
// never changed: writes go to copies.
type step struct {
	in      Input
	out     Result
	me      *me
	written map[Key]Record
	people  map[string]*Binding // bindings set by this step; nil value = removed
}

func newStep(in Input) *step {
	s := &step{in: in, out: Result{Chat: in.Chat, Reason: ReasonNone}}
	s.out.Chat.V = ChatVersion
	s.out.Chat.Open = slices.Clone(in.Chat.Open)
	s.me = s.identify(in.Chat.Person)
	return s
}

// finish drops conversations that expired or were pushed out, and
// returns the result.
func (s *step) finish() Result {
	s.out.Chat.Open = slices.DeleteFunc(s.out.Chat.Open, func(c Conversation) bool {
		return !s.in.Now.Before(c.Expires)
	})
	if n := len(s.out.Chat.Open); n > maxOpen {
		s.out.Chat.Open = s.out.Chat.Open[n-maxOpen:]
	}
	if len(s.out.Chat.Open) == 0 {
		s.out.Chat.Open = nil
	}
	return s.out
}

func (s *step) use(f flow) { s.out.Flow = f.spec().name }

func (s *step) identify(id string) *me {
	if id == "" || s.in.Roster == nil {
		return nil
	}
	b, ok := s.binding(id)
	if !ok || b.Chat != s.in.ChatID || s.in.ChatID == 0 {
		return nil
	}
	p, roles := s.in.Roster.Person(id)
	if p == nil {
		return nil
	}
	m := &me{ID: id, Name: p.Name, Lang: p.Language, Roles: roles,
		Participant: s.in.Roster.Participant(id), Staff: s.in.Roster.StaffMember(id), Contact: s.in.Roster.Contact(id)}
	if b.Lang != "" && roster.ShipsLanguage(b.Lang) {
		m.Lang = b.Lang
	}
	if !roster.ShipsLanguage(m.Lang) {
		m.Lang = locales.Fallback
	}
	return m
}

// known dispatches an event from a person on the roster.
func (s *step) known() {
	s.reachableAgain()
	ev := s.in.Event
	switch ev.Kind {
	case EvCommand:
		s.runCommand(ev.Command, ev.Text)
	case EvButton:
		p, err := ParsePayload(ev.Data)
		f := byCode[p.Flow]
		if err != nil || f == nil {
			s.stale()
			return
		}
		s.use(f)
		f.button(s, p)
	case EvText:
		t := normalize(ev.Text)
		if cmd := iconCommand(t); cmd != "" {
			s.runCommand(cmd, "")
			return
		}
		s.typed(Message{Text: t})
	case EvMedia:
		s.typed(Message{Text: strings.TrimSpace(ev.Text), Media: ev.Media})
	}
}

func (s *step) runCommand(name, args string) {
	f := byCommand[name]
	if f == nil {
		s.notUnderstood()
		return
	}
	s.use(f)
	f.command(s, name, args)
}

// typed routes text, a voice message or a photo: to the newest open
// conversation that asked for it; else to a flow the words start ("syk");
// else to the one place for what nobody asked for.
func (s *step) typed(m Message) {
	if c := inputConversation(s.in.Chat.Open); c != nil {
		if !s.in.Now.Before(c.Expires) {
			// Its question is gone; say so, then treat the words as
			// unasked, so that nothing the person wrote is dropped.
			s.close(c.Flow, c.Ref)
			s.say("conversation.expired", nil)
		} else if f := byName[c.Flow]; f != nil {
			s.use(f)
			cc := *c
			f.input(s, &cc, m)
			return
		}
	}
	if m.Media == nil {
		for _, f := range registry {
			if sp := f.spec(); sp.typed != nil && sp.typed(m.Text) {
				s.use(f)
				f.command(s, sp.commands[0].Name, "")
				return
			}
		}
	}
	if sink != nil {
		s.use(sink)
		sink.input(s, nil, m)
		return
	}
	s.notUnderstood()
}

// inputConversation is the newest conversation waiting for typed input.
func inputConversation(open []Conversation) *Conversation {
	for i := len(open) - 1; i >= 0; i-- {
		if open[i].Input {
			return &open[i]
		}
	}
	return nil
}

// iconCommand maps the icon a reply-keyboard button starts with to its
// command, so a tap works whatever language the label was in.
func iconCommand(t string) string {
	for icon, cmd := range byIcon {
		if strings.HasPrefix(t, icon) {
			return cmd
		}
	}
	return ""
}

func (s *step) runTimer() {
	t := s.in.Event.Timer
	if t == nil {
		return
	}
	f := timerFlow[t.TimerKind()]
	if f == nil {
		return
	}
	s.use(f)
	f.timer(s, t)
}

// conv returns the open conversation of flow with ref, or nil.
func (s *step) conv(flow, ref string) *Conversation {
	for i := range s.out.Chat.Open {
		c := &s.out.Chat.Open[i]
		if c.Flow == flow && c.Ref == ref && s.in.Now.Before(c.Expires) {
			return c
		}
	}
	return nil
}

// expiredConv reports whether flow had a conversation with ref that has
// expired: a press on its buttons gets a clear word rather than a shrug.
func (s *step) expiredConv(flow, ref string) bool {
	for _, c := range s.in.Chat.Open {
		if c.Flow == flow && c.Ref == ref && !s.in.Now.Before(c.Expires) {
			return true
		}
	}
	return false
}

// open stores c as the newest conversation, replacing one with the same
// flow and ref.
func (s *step) open(c Conversation) {
	s.close(c.Flow, c.Ref)
	s.out.Chat.Open = append(s.out.Chat.Open, c)
}

// close ends the conversation of flow with ref.
func (s *step) close(flow, ref string) {
	s.out.Chat.Open = slices.DeleteFunc(s.out.Chat.Open, func(c Conversation) bool { return c.Flow == flow && c.Ref == ref })
}

// draftOf decodes a conversation's draft into the flow's own type.
func draftOf[T any](c *Conversation) T {
	var d T
	if c != nil && len(c.Draft) > 0 {
		_ = json.Unmarshal(c.Draft, &d)
	}
	return d
}

// withDraft returns c holding d as its draft.
func withDraft[T any](c Conversation, d T) Conversation {
	b, err := json.Marshal(d)
	if err != nil {
		panic("flows: draft does not encode: " + err.Error())
	}
	c.Draft = b
	return c
}

// rec returns the current view of a record: what the step wrote, else
// what was loaded. It is never nil.
func (s *step) rec(k Key) Record {
	if r, ok := s.written[k]; ok {
		return r
	}
	if r := s.in.Records[k]; r != nil {
		return r
	}
	return Record{}
}

// put writes one field of a record, on a copy of the loaded one.
func (s *step) put(k Key, field string, v any) {
	if s.written == nil {
		s.written = map[Key]Record{}
	}
	r, ok := s.written[k]
	if !ok {
		r = Record{}
		for f, x := range s.in.Records[k] {
			r[f] = x
		}
		s.written[k] = r
	}
	if v == nil {
		delete(r, field)
	} else {
		r[field] = v
	}
	s.do(Put{Key: k, Field: field, Value: v})
}

// binding returns a person's binding as this step sees it.
func (s *step) binding(id string) (Binding, bool) {
	if b, ok := s.people[id]; ok {
		if b == nil {
			return Binding{}, false
		}
		return *b, true
	}
	b, ok := s.in.People[id]
	return b, ok && b.Chat != 0
}

// setBinding stores a person's binding (Chat 0 removes it).
func (s *step) setBinding(id string, b Binding) {
	if s.people == nil {
		s.people = map[string]*Binding{}
	}
	if b.Chat == 0 {
		s.people[id] = nil
	} else {
		s.people[id] = &b
	}
	s.do(SetBinding{Person: id, Binding: b})
}

func (s *step) lang() string {
	if s.me != nil {
		return s.me.Lang
	}
	return HintLang(s.in.Event.LangHint)
}

func (s *step) t(id string, args locales.Args) string {
	return locales.Text(s.lang(), id, args)
}

// langOf is the language a person reads: their own choice, else the
// roster's.
func (s *step) langOf(id string) string {
	if b, ok := s.binding(id); ok && roster.ShipsLanguage(b.Lang) {
		return b.Lang
	}
	if p, _ := s.in.Roster.Person(id); p != nil && roster.ShipsLanguage(p.Language) {
		return p.Language
	}
	return locales.Fallback
}

// sayOpt adjusts a message before it is queued.
type sayOpt func(*Say)

func withInline(rows [][]Button) sayOpt { return func(m *Say) { m.Inline = rows } }
func withEdit(id int) sayOpt            { return func(m *Say) { m.Edit = id } }
func asBulk() sayOpt                    { return func(m *Say) { m.Class = ClassBulk } }

// urgentNotice goes out at once, quiet hours or not (docs/behaviour.md).
func urgentNotice() sayOpt { return func(m *Say) { m.NotBefore = time.Time{} } }

// say queues a reply to this chat: an answer to the user's own action,
// which goes ahead of everything else and is never held for quiet hours.
func (s *step) say(id string, args locales.Args, opts ...sayOpt) {
	s.sayText(id, s.t(id, args), opts...)
}

func (s *step) sayText(id, text string, opts ...sayOpt) {
	m := Say{To: s.in.ChatID, Lang: s.lang(), MsgID: id, Text: text, Class: ClassAnswer, Reason: s.out.Reason}
	for _, o := range opts {
		o(&m)
	}
	s.out.Actions = append(s.out.Actions, m)
}

// notify tells another person something, in their language. Nothing but
// answers to a user's own action goes out in quiet hours (docs/behaviour.md),
// so a notice falling in them waits for their end, and then goes ahead of
// bulk work.
func (s *step) notify(to, id string, args locales.Args, opts ...sayOpt) {
	s.notifyText(to, id, locales.Text(s.langOf(to), id, args), opts...)
}

func (s *step) notifyText(to, id, text string, opts ...sayOpt) {
	m := Say{ToPerson: to, Lang: s.langOf(to), MsgID: id, Text: text, Class: ClassNotice, Reason: s.out.Reason,
		NotBefore: s.quietEnd()}
	// The timer's own subject hears it in their chat like any notice.
	for _, o := range opts {
		o(&m)
	}
	s.out.Actions = append(s.out.Actions, m)
}

// quietEnd is when a notification may go out: now, or the end of quiet
// hours.
func (s *step) quietEnd() time.Time {
	if s.in.Cal.InQuiet(s.in.Now) {
		return s.in.Cal.QuietEnd(s.in.Now)
	}
	return time.Time{}
}

func (s *step) do(a Action) { s.out.Actions = append(s.out.Actions, a) }

func (s *step) reason(r Reason) { s.out.Reason = r }

// stale answers a button this release does not know or no longer offers.
func (s *step) stale() {
	s.reason(ReasonStaleButton)
	s.do(Answer{Text: s.t("error.stale_button", nil)})
}

// expired answers a press on a conversation that timed out.
func (s *step) expired() {
	s.reason(ReasonExpired)
	s.do(Answer{})
	s.say("conversation.expired", nil, s.menu())
}

// staleOrExpired answers a press that names no open conversation of
// flow: with a clear word when the conversation expired.
func (s *step) staleOrExpired(flow, ref string) {
	if s.expiredConv(flow, ref) {
		s.expired()
		return
	}
	s.stale()
}

func (s *step) notUnderstood() {
	s.reason(ReasonNotUnderstood)
	s.say("menu.not_understood", nil, s.menu())
}

func (s *step) today() roster.Date { return s.in.Cal.Today(s.in.Now) }

// tr renders message id in lang.
func tr(lang, id string, args locales.Args) string { return locales.Text(lang, id, args) }

// dayLabel is "Tue 01.12" in lang.
func (s *step) dayLabel(lang string, d roster.Date) string {
	t := d.In(s.in.Cal.Loc())
	return tr(lang, "day."+weekdayKeys[t.Weekday()], nil) + " " + t.Format("02.01")
}

var weekdayKeys = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func parseDate(s string) (roster.Date, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return roster.Date{}, false
	}
	return roster.DateOf(t), true
}

func clock(c roster.Clock) string {
	return time.Date(2000, 1, 1, c.Hour(), c.Minute(), 0, 0, time.UTC).Format("15:04")
}

// HintLang maps Telegram's language_code to a shipped language. It is only
// a hint: Telegram's apps are not translated into several of our
// languages, so the roster language wins once a person is known.
func HintLang(code string) string {
	code = strings.ToLower(code)
	switch {
	case code == "":
		return locales.Fallback
	case code == "no" || code == "nn" || strings.HasPrefix(code, "nb"):
		return "nb"
	case code == "fa" || code == "prs" || strings.HasPrefix(code, "fa-"):
		return "fa-AF"
	case code == "kmr" || strings.HasPrefix(code, "ku"):
		return "ku"
	}
	base, _, _ := strings.Cut(code, "-")
	if roster.ShipsLanguage(base) {
		return base
	}
	return locales.Fallback
}

// normalize makes typed text comparable: Arabic-Indic and Persian digits
// become ASCII, and surrounding space goes.
func normalize(s string) string {
	return strings.TrimSpace(schedule.NormalizeDigits(s))
}

// circle lists the people a participant's messages may reach: their
// contact people (docs/behaviour.md).
func circle(p *roster.Participant) []string {
	out := []string{p.ID}
	for _, st := range []*roster.Staff{p.Adviser, p.Teacher, p.Nav} {
		if st != nil {
			out = append(out, st.ID)
		}
	}
	if p.Placement != nil && p.Placement.Mentor != nil {
		out = append(out, p.Placement.Mentor.ID)
	}
	return out
}
