package flows

import (
	"innsjekk/locales"
	"innsjekk/roster"
)

// /help and the main menu: what a person can do, for their roles
// (docs/behaviour.md). The menu's buttons come from the commands the flows
// registered, so a new flow's button appears without an edit here.

type help struct{ base }

var _ = register(help{})

func (help) spec() spec {
	return spec{name: "help", code: "help", commands: []Command{
		{Name: "help", Icon: "❓", Label: "menu.help", Rank: 91},
		{Name: "menu", Rank: 99},
	}}
}

func (help) command(s *step, name, _ string) {
	if name == "menu" {
		s.reason(ReasonMenu)
		s.say("menu.back", locales.Args{"Name": s.me.Name}, s.menu())
		return
	}
	s.reason(ReasonHelp)
	id := "help.staff"
	switch {
	case s.me.Participant != nil:
		id = "help.participant"
	case s.me.Contact != nil:
		id = "help.mentor"
	}
	s.say(id, nil, s.menu())
}

// menuPerRow is how many buttons the reply keyboard puts side by side.
const menuPerRow = 3

// menu attaches the main menu for the person's roles.
func (s *step) menu() sayOpt {
	rows := s.menuRows()
	return func(m *Say) { m.Menu = rows }
}

// menuRows lays out the person's menu buttons: commands whose ranks share
// a tens digit share a row.
func (s *step) menuRows() [][]string {
	if s.me == nil {
		return nil
	}
	var rows [][]string
	lastRow := -1
	for _, c := range commands {
		if c.Label == "" || !forRoles(c, s.me.Roles) {
			continue
		}
		row := c.Rank / 10
		if row != lastRow || len(rows[len(rows)-1]) == menuPerRow {
			rows = append(rows, nil)
			lastRow = row
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], s.t(c.Label, nil))
	}
	return rows
}

// CommandsFor lists the command names of a person with these roles, in
// menu order.
func CommandsFor(roles []roster.Role) []string {
	var out []string
	for _, c := range Commands(roles...) {
		out = append(out, c.Name)
	}
	return out
}

// setCommands gives this chat the command menu of the person's roles.
func (s *step) setCommands() {
	var names []string
	for _, c := range commands {
		if c.Icon != "" && forRoles(c, s.me.Roles) {
			names = append(names, c.Name)
		}
	}
	s.do(SetCommands{Chat: s.in.ChatID, Lang: s.lang(), Commands: names})
}
