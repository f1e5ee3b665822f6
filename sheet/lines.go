package sheet

// instructions is the one line printed under the code, in each shipped
// language (docs/translating.md). It mirrors what the message catalogue would
// hold as one message in every language; it lives here because a printed
// sheet is the only place it is used, and it must not wait for the
// catalogue. As in locales/, Bokmål and English are the team's own; the
// other eight are machine-drafted, short and plain on purpose, and not
// yet reviewed by a native speaker. "Telegram" stays in Latin letters in
// every language: it is what the app's icon says.
var instructions = map[string]string{
	"nb":    "Skann koden med kameraet på telefonen, og åpne den i Telegram.",
	"en":    "Scan the code with your phone's camera and open it in Telegram.",
	"ar":    "امسح الرمز بكاميرا هاتفك وافتحه في Telegram.",
	"ti":    "ነዚ ኮድ ብካሜራ ሞባይልኩም ስካን ግበሩ፣ ብ Telegram ድማ ክፈትዎ።",
	"so":    "Ku iskaan koodhka kamaradda taleefankaaga, kadibna ku fur Telegram.",
	"fa-AF": "کود را با کمرهٔ تیلفون خود اسکن کنید و در Telegram باز کنید.",
	"ps":    "کوډ د خپل ټیلیفون په کمره سکن کړئ او په Telegram کې یې پرانیزئ.",
	"uk":    "Відскануйте код камерою телефона й відкрийте його в Telegram.",
	"ru":    "Отсканируйте код камерой телефона и откройте его в Telegram.",
	"ku":    "Kodê bi kameraya telefona xwe skan bike û di Telegramê de veke.",
}

// Instruction returns the line in lang, or "" for a language the bot does
// not ship.
func Instruction(lang string) string { return instructions[lang] }

// validUntil is the small print under the link, in Norwegian: the sheet
// is handed out by staff, who read it.
const validUntil = "gyldig til"
