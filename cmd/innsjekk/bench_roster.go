package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"innsjekk/app"
	"innsjekk/bot/fakeapi"
	"innsjekk/roster"
	"innsjekk/store"
)

// oslo is the generated programmes' time zone.
var oslo = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return l
}()

// genRoster describes a generated programme: one employer with one mentor
// for every eight participants, an adviser for every 30, a teacher for
// every 25, a Nav counsellor for every 40, all ten languages in turn.
type genRoster struct {
	id         string
	n          int
	prefix     string                // participant ids: prefix + number
	days       func(i int) []string  // placement days of participant i
	hours      string                // placement hours
	classHours string                // classes, on two days without placement
	from, to   string                // placement dates
	goals      bool                  // two learning goals each
	cards      bool                  // a morning card for every third employer
	lang       func(i int) string    // nil: the ten languages in turn
	probes     []probe               // participants added after the n
	closed     []string              // extra closed days
	start      func(i int) time.Time // programme_start; nil: 5 January 2026
}

// probe is a participant the bench watches on its own.
type probe struct {
	id   string
	days []string
	lang string
}

// benchRoster is a generated roster with the chat of everyone in it.
type benchRoster struct {
	data         []byte
	r            *roster.Roster
	participants []string
	staff        []string
	contacts     []string
	chat         map[string]int64
	lang         map[string]string
	name         map[string]string
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri"}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func (g genRoster) build() (*benchRoster, error) {
	total := g.n + len(g.probes)
	nAdv, nTea, nNav, nEmp := ceilDiv(total, 30), ceilDiv(total, 25), ceilDiv(total, 40), ceilDiv(total, 8)
	br := &benchRoster{chat: map[string]int64{}, lang: map[string]string{}, name: map[string]string{}}
	var w bytes.Buffer
	fmt.Fprintf(&w, "programme:\n  id: %s\n  name: Benk læringssenter\n", g.id)
	if len(g.closed) > 0 {
		fmt.Fprintf(&w, "  closed: [%s]\n", strings.Join(g.closed, ", "))
	}
	w.WriteString("staff:\n")
	addStaff := func(id, name, roles string) {
		fmt.Fprintf(&w, "  - {id: %s, name: %s, roles: [%s], language: nb}\n", id, name, roles)
		br.staff = append(br.staff, id)
		br.chat[id] = 2_000_000 + int64(len(br.staff))
		br.lang[id], br.name[id] = "nb", name
	}
	for i := range nAdv {
		roles := "adviser"
		if i == 0 {
			roles = "adviser, admin"
		}
		addStaff(fmt.Sprintf("adv%03d", i), fmt.Sprintf("Rådgiver %03d", i), roles)
	}
	for i := range nTea {
		addStaff(fmt.Sprintf("tea%03d", i), fmt.Sprintf("Lærer %03d", i), "teacher")
	}
	for i := range nNav {
		addStaff(fmt.Sprintf("nav%03d", i), fmt.Sprintf("Veileder %03d", i), "nav")
	}
	w.WriteString("employers:\n")
	for i := range nEmp {
		id := fmt.Sprintf("men%03d", i)
		fmt.Fprintf(&w, "  - id: emp%03d\n    name: Arbeidsplass %03d\n    address: Storgata %d, 2815 Gjøvik\n", i, i, i+1)
		fmt.Fprintf(&w, "    contacts:\n      - {id: %s, name: Veileder Arbeid %03d, language: nb, morning_card: %t}\n", id, i, g.cards && i%3 == 0)
		br.contacts = append(br.contacts, id)
		br.chat[id] = 3_000_000 + int64(i)
		br.lang[id], br.name[id] = "nb", fmt.Sprintf("Veileder Arbeid %03d", i)
	}
	w.WriteString("participants:\n")
	for i := range total {
		id := fmt.Sprintf("%s%04d", g.prefix, i)
		lang := roster.Languages[i%len(roster.Languages)]
		if g.lang != nil {
			lang = g.lang(i)
		}
		var days []string
		if i < g.n {
			days = g.days(i)
		} else {
			pr := g.probes[i-g.n]
			id, days, lang = pr.id, pr.days, pr.lang
		}
		start := time.Date(2026, 1, 5, 0, 0, 0, 0, oslo)
		if g.start != nil {
			start = g.start(i)
		}
		name := fmt.Sprintf("Deltaker %04d", i)
		fmt.Fprintf(&w, "  - id: %s\n    name: %s\n    language: %s\n    programme_start: %s\n    children: %d\n",
			id, name, lang, start.Format("2006-01-02"), i%4)
		fmt.Fprintf(&w, "    adviser: adv%03d\n    teacher: tea%03d\n    nav: nav%03d\n", i%nAdv, i%nTea, i%nNav)
		fmt.Fprintf(&w, "    placement:\n      employer: emp%03d\n      mentor: men%03d\n      days: [%s]\n      hours: %q\n      from: %s\n      to: %s\n",
			i/8, i/8, strings.Join(days, ", "), g.hours, g.from, g.to)
		if g.goals {
			fmt.Fprintf(&w, "      goals: [\"Kommer presis\", \"Spør når noe er uklart\"]\n")
		}
		var other []string
		for _, d := range weekdays {
			if !slices.Contains(days, d) && len(other) < 2 {
				other = append(other, d)
			}
		}
		if len(other) > 0 && g.classHours != "" {
			fmt.Fprintf(&w, "    classes:\n      - {days: [%s], hours: %q, place: Benk læringssenter}\n", strings.Join(other, ", "), g.classHours)
		}
		br.participants = append(br.participants, id)
		br.chat[id] = 1_000_000 + int64(i)
		br.lang[id], br.name[id] = lang, name
	}
	br.data = w.Bytes()
	r, err := roster.Parse(g.id+".yaml", br.data)
	if err != nil {
		return nil, fmt.Errorf("generated roster: %w", err)
	}
	br.r = r
	return br, nil
}

// onboardWindow is how many people are onboarding at any one moment.
const onboardWindow = 16

// onboard binds people to their chats the way people are bound: an
// invite made by the project's own code ("innsjekk invite"), then
// "/start CODE" sent through the fake and handled by the bot. The bot
// process runs with its sender unthrottled, only so that the greetings
// leave in seconds; what is stored is what production stores.
func (b *bench) onboard(api *benchAPI, br *benchRoster, people []string, db int, simAt time.Time) error {
	ctx := b.ctx
	st := store.New(b.redis.client(db), br.r.Programme.ID)
	if _, err := app.Import(ctx, st, br.r, br.data, simAt); err != nil {
		return fmt.Errorf("import roster: %w", err)
	}
	codes := make([]string, len(people))
	for i, id := range people {
		inv, err := app.NewInvite(ctx, st, br.r, id, simAt, app.DefaultInviteTTL)
		if err != nil {
			return err
		}
		codes[i] = inv.Code
		api.fake.AddUser(fakeapi.User{ID: br.chat[id], FirstName: br.name[id], LanguageCode: strings.SplitN(br.lang[id], "-", 2)[0]})
	}
	before := api.polls.Load()
	p, err := b.startBot("innsjekk", api, b.redis.URL(db), simAt, true, "onboard-"+br.r.Programme.ID)
	if err != nil {
		return err
	}
	defer func() { _ = p.stop() }()
	if err := api.waitPolls(ctx, before, 60*time.Second); err != nil {
		return err
	}
	t0 := time.Now()
	// People arrive a few at a time, as at a start-up meeting, not all
	// in the same millisecond: each /start reads and writes every
	// binding, so a thousand at once mostly retry each other.
	greeted := newTextTracker(nil)
	api.setHook(greeted.observe)
	defer api.setHook(nil)
	window := make(chan struct{}, onboardWindow)
	var wg sync.WaitGroup
	for i, id := range people {
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		tp := greeted.send(api.fake, br.chat[id], "/start "+codes[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-tp.done:
			case <-time.After(30 * time.Second):
			case <-ctx.Done():
			}
			<-window
		}()
	}
	wg.Wait()
	want := map[string]bool{}
	for _, id := range people {
		want[id] = true
	}
	deadline := time.Now().Add(2*time.Minute + time.Duration(len(people))*20*time.Millisecond)
	var bound int
	for {
		if err := p.alive(); err != nil {
			return err
		}
		all, err := st.People(ctx)
		if err != nil {
			return err
		}
		bound = 0
		for id := range all {
			if want[id] {
				bound++
			}
		}
		left, err := st.OutboxLen(ctx)
		if err != nil {
			return err
		}
		if bound == len(people) && left == 0 && api.fake.Pending() == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("onboarding: %d of %d bound, %d messages unsent after %s", bound, len(people), left, time.Since(t0).Round(time.Second))
		}
		if err := pause(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	took := time.Since(t0)
	b.logf("%s: %d people bound through /start CODE in %s", br.r.Programme.ID, bound, took.Round(10*time.Millisecond))
	b.notef("%s: %d people bound through the bot's own /start CODE path in %s (%.0f/s, sender unthrottled for onboarding only)",
		br.r.Programme.ID, bound, took.Round(10*time.Millisecond), float64(bound)/took.Seconds())
	if err := p.stop(); err != nil {
		return err
	}
	b.noteLog(p, br.r.Programme.ID+" onboarding")
	return nil
}
