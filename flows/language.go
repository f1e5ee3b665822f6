package flows

import (
	"innsjekk/locales"
	"innsjekk/roster"
)

// 🌐 /language: anyone switches language from a list written in each
// language's own name (docs/behaviour.md, docs/translating.md).

type language struct{ base }

var _ = register(language{})

func (language) spec() spec {
	return spec{name: "language", code: "lang", commands: []Command{
		{Name: "language", Icon: "🌐", Label: "menu.language", Rank: 90},
	}}
}

func (language) command(s *step, _, _ string) {
	s.reason(ReasonLanguageAsked)
	s.say("language.ask", nil, withInline(languageButtons()))
}

func (language) button(s *step, p Payload) {
	lang := p.Arg(0)
	if !roster.ShipsLanguage(lang) {
		s.stale()
		return
	}
	s.reason(ReasonLanguageSet)
	b, _ := s.binding(s.me.ID)
	b.Lang = lang
	s.setBinding(s.me.ID, b)
	s.me.Lang = lang
	s.setCommands()
	s.do(Answer{Text: locales.Name(lang)})
	if msg := s.in.Event.MessageID; msg != 0 {
		s.say("language.chosen", locales.Args{"Language": locales.Name(lang)}, withEdit(msg))
	}
	s.say("language.changed", nil, s.menu())
}

// languageButtons lists every language in its own name, two per row.
func languageButtons() [][]Button {
	var rows [][]Button
	for i, l := range roster.Languages {
		b := Button{Text: locales.Name(l), Data: Payload{Flow: "lang", Args: []string{l}}.Encode()}
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	return rows
}
