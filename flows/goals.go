package flows

import (
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"innsjekk/locales"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// 🎯 Learning goals (docs/behaviour.md): once a month, at the end of the
// first placement day, the mentor rates each of the placement's goals —
// [Not yet] [Partly] [Yes], one goal per message, one tap each. The
// participant sees their goals and how far they have come in 🎯 My goals,
// in their own language (the goal text as the roster wrote it). Ratings
// are kept by goal id, so a roster that rewords a goal keeps its history.

type goals struct{ base }

var _ = register(goals{})

func (goals) spec() spec {
	return spec{name: "goals", code: "gl",
		commands: []Command{{Name: "goals", Icon: "🎯", Label: "menu.goals", Rank: 23, For: []roster.Role{roster.RoleParticipant}}},
		timers:   []Timer{GoalPromptTimer{}},
	}
}

// Goal ratings.
const (
	GoalNotYet = "not_yet"
	GoalPartly = "partly"
	GoalYes    = "yes"
)

var goalRatings = []string{GoalNotYet, GoalPartly, GoalYes}

// GoalRating is a mentor's rating of one goal for one month.
type GoalRating struct {
	Participant string    `json:"participant"`
	Goal        string    `json:"goal"`
	Text        string    `json:"text"` // the goal as the roster said it then
	Month       string    `json:"month"`
	Rating      string    `json:"rating"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

var goalField = field[GoalRating]("g", 1)

func goalRatingField(goal, month string) string { return goalField + ":" + goal + ":" + month }

func (g GoalRating) recordDate(loc *time.Location) (string, bool) {
	return g.At.In(loc).Format("2006-01-02"), !g.At.IsZero()
}

// GoalPromptTimer asks a mentor to rate one participant's goals.
type GoalPromptTimer struct {
	Participant string `json:"participant"`
	Mentor      string `json:"mentor"`
	Month       string `json:"month"` // "2026-12"
}

func (GoalPromptTimer) TimerKind() string      { return "gl.month" }
func (t GoalPromptTimer) TimerSubject() string { return t.Mentor }

func (goals) needs(n *Needs, q query) {
	if t, ok := q.ev.Timer.(GoalPromptTimer); ok {
		needParticipant(n, q.r, t.Participant)
		return
	}
	if c := q.r.Contact(q.person); c != nil {
		for _, p := range q.r.PlacedWith(c) {
			n.record(PersonKey(p.ID))
		}
	}
}

// goalRef names a goal in button data by a short hash of its id, so that
// a long id still fits Telegram's 64 bytes and a goal the roster dropped
// makes the button stale.
func goalRef(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

func goalByRef(p *roster.Participant, ref string) (roster.Goal, bool) {
	if p.Placement == nil {
		return roster.Goal{}, false
	}
	for _, g := range p.Placement.Goals {
		if goalRef(g.ID) == ref {
			return g, true
		}
	}
	return roster.Goal{}, false
}

func (goals) timer(s *step, t Timer) {
	gt, ok := t.(GoalPromptTimer)
	if !ok {
		return
	}
	p := s.in.Roster.Participant(gt.Participant)
	if p == nil || p.Placement == nil || p.Placement.Mentor == nil || p.Placement.Mentor.ID != gt.Mentor {
		return
	}
	s.reason(ReasonGoalPrompt)
	lang := s.langOf(gt.Mentor)
	for _, g := range p.Placement.Goals {
		if _, done := get[GoalRating](s.rec(PersonKey(p.ID)), goalRatingField(g.ID, gt.Month)); done {
			continue
		}
		var row []Button
		for _, r := range goalRatings {
			row = append(row, Button{Text: tr(lang, "goal.btn."+r, nil),
				Data: Payload{Flow: "gl", Args: []string{"r", p.ID, goalRef(g.ID), gt.Month, r}}.Encode()})
		}
		s.notify(gt.Mentor, "goal.ask", locales.Args{"Name": p.Name, "Goal": g.Text}, withInline([][]Button{row}), asBulk())
	}
}

func (goals) button(s *step, pl Payload) {
	p, ok := s.mentorOf(pl.Arg(1))
	if !ok {
		return
	}
	g, ok := goalByRef(p, pl.Arg(2))
	month, rating := pl.Arg(3), pl.Arg(4)
	if _, err := time.Parse("2006-01", month); !ok || err != nil || !slices.Contains(goalRatings, rating) {
		s.stale()
		return
	}
	f := goalRatingField(g.ID, month)
	if old, done := get[GoalRating](s.rec(PersonKey(p.ID)), f); done {
		s.reason(ReasonGoalAlready)
		s.do(Answer{Text: s.t("goal.already", locales.Args{"Rating": s.t("goal.btn."+old.Rating, nil)})})
		return
	}
	s.do(Answer{})
	s.reason(ReasonGoalRated)
	s.put(PersonKey(p.ID), f, GoalRating{Participant: p.ID, Goal: g.ID, Text: g.Text, Month: month, Rating: rating,
		By: s.me.ID, At: s.in.Now})
	s.say("goal.rated", locales.Args{"Name": p.Name, "Goal": g.Text, "Rating": s.t("goal.btn."+rating, nil)},
		withEdit(s.in.Event.MessageID))
}

// command shows a participant their goals and how far they have come.
func (goals) command(s *step, _, _ string) {
	p := s.me.Participant
	if p == nil {
		s.reason(ReasonNotForRole)
		s.say("goal.not_participant", nil, s.menu())
		return
	}
	s.reason(ReasonGoals)
	lines := []string{s.t("goal.title", nil)}
	ratings := all[GoalRating](s.rec(PersonKey(p.ID)), goalField)
	if p.Placement == nil || len(p.Placement.Goals) == 0 {
		lines = append(lines, s.t("goal.none", nil))
	} else {
		for _, g := range p.Placement.Goals {
			lines = append(lines, s.goalLine(s.lang(), g.ID, g.Text, ratings))
		}
	}
	s.sayText("goal.title", locales.Lines(s.lang(), lines), s.menu())
}

// goalLine is one goal with its latest rating, in lang.
func (s *step) goalLine(lang, id, text string, ratings []GoalRating) string {
	var latest *GoalRating
	for i, r := range ratings {
		if r.Goal == id && (latest == nil || r.Month > latest.Month) {
			latest = &ratings[i]
		}
	}
	if latest == nil {
		return tr(lang, "goal.line_unrated", locales.Args{"Goal": text})
	}
	month, _ := time.Parse("2006-01", latest.Month)
	return tr(lang, "goal.line", locales.Args{"Goal": text, "Rating": tr(lang, "goal.btn."+latest.Rating, nil),
		"Month": tr(lang, "month."+strconv.Itoa(int(month.Month())), nil)})
}

// plan asks for the month's ratings at the end of the first placement
// day of the month, when the placement has goals.
func (goals) plan(pl *planning) {
	for _, p := range pl.r.Participants {
		a, ok := pl.cal.PlacementOn(p, pl.day)
		if !ok || len(p.Placement.Goals) == 0 || p.Placement.Mentor == nil {
			continue
		}
		first := true
		for d := (roster.Date{Year: pl.day.Year, Month: pl.day.Month, Day: 1}); d.Before(pl.day); d = schedule.AddDays(d, 1) {
			if _, earlier := pl.cal.PlacementOn(p, d); earlier {
				first = false
				break
			}
		}
		if !first {
			continue
		}
		month := a.Start.In(pl.cal.Loc()).Format("2006-01")
		pl.add(Schedule{ID: "gl.month:" + p.ID + ":" + month, Due: a.End,
			Timer: GoalPromptTimer{Participant: p.ID, Mentor: p.Placement.Mentor.ID, Month: month},
			Until: quietStart(pl.r, pl.cal, pl.day)})
	}
}
