package flows

import (
	"time"

	"innsjekk/locales"
	"innsjekk/report"
	"innsjekk/roster"
	"innsjekk/schedule"
)

// The weekly overview's two files (docs/behaviour.md): the week's
// attendance and absences as a spreadsheet, with Norwegian headers so it
// opens as columns in a Norwegian Excel, and a picture of the week — a
// row per participant, a cell per scheduled day, coloured by what
// happened.

// Document is a file sent with a message.
type Document struct {
	Name string `json:"name"`
	Mime string `json:"mime"`
	Data []byte `json:"data"`
}

// csvHeader is the spreadsheet's first row. Norwegian whatever the
// reader's language: the files are for the office's own systems.
var csvHeader = []string{"Deltaker", "Rådgiver", "Dato", "Ukedag", "Aktivitet", "Sted", "Status", "Fraværstype",
	"Meldt sent", "Rettet av arbeidsplassen"}

var csvStatus = map[string]string{"present": "til stede", "absent": "borte (meldt)", "unexplained": "uforklart fravær",
	"no_word": "ikke meldt", "coming": "kommer"}

var csvActivity = map[string]string{"placement": "arbeidsplass", "class": "undervisning"}

var csvKind = map[string]string{"sick": "syk", "child_sick": "sykt barn", "appointment": "avtale", "paid_shift": "betalt vakt",
	"other": "annet"}

var csvCorrected = map[string]string{"present": "til stede", "away": "borte"}

// WeekCSV is the weekly overview as a spreadsheet.
func WeekCSV(r *roster.Roster, d Digest) ([]byte, error) {
	var rows [][]string
	for _, g := range d.Groups {
		for _, a := range g.Attendance {
			p := r.Participant(a.Participant)
			adviser := ""
			name := a.Participant
			if p != nil {
				name, adviser = p.Name, p.Adviser.Name
			}
			for _, day := range a.Days {
				dt, _ := time.Parse("2006-01-02", day.Date)
				late := ""
				if day.Late {
					late = "ja"
				}
				rows = append(rows, []string{name, adviser, dt.Format("02.01.2006"), locales.Text("nb", "day."+weekdayKeys[dt.Weekday()], nil),
					csvActivity[day.Activity], day.Place, csvStatus[day.Status], csvKind[string(day.Kind)], late, csvCorrected[day.Corrected]})
			}
		}
	}
	return report.CSV(csvHeader, rows)
}

var pngStatus = map[string]report.Status{"present": report.Present, "absent": report.Absent, "unexplained": report.Unexplained,
	"no_word": report.NoWord, "coming": report.Coming}

// pictureLangs are the languages whose letters the picture's embedded
// font has (Latin and Cyrillic); the others read its few words in
// English, beside names the roster writes in Latin letters anyway.
var pictureLangs = map[string]bool{"nb": true, "en": true, "so": true, "uk": true, "ru": true, "ku": true}

// WeekPNG is the weekly overview as a picture, its words in lang.
func WeekPNG(r *roster.Roster, lang string, d Digest, loc *time.Location) ([]byte, error) {
	if !pictureLangs[lang] {
		lang = "en"
	}
	day, _ := parseDate(d.Date)
	monday := schedule.WeekStart(day)
	// A column for each day that anyone had something on.
	used := map[string]bool{}
	for _, g := range d.Groups {
		for _, a := range g.Attendance {
			for _, x := range a.Days {
				used[x.Date] = true
			}
		}
	}
	var dates []roster.Date
	w := report.Week{Title: tr(lang, "digest.png_title", locales.Args{"Week": weekNumber(d.Week), "Name": personName(r, d.Staff)}),
		Legend: map[report.Status]string{}}
	for i := range 7 {
		dt := schedule.AddDays(monday, i)
		if used[dt.String()] {
			dates = append(dates, dt)
			w.Days = append(w.Days, tr(lang, "day."+weekdayKeys[schedule.Weekday(dt)], nil)+" "+dt.In(loc).Format("02.01"))
		}
	}
	for _, g := range d.Groups {
		for _, a := range g.Attendance {
			row := report.Row{Name: personName(r, a.Participant), Cells: make([]report.Status, len(dates))}
			for _, x := range a.Days {
				for i, dt := range dates {
					// A placement day outranks a class on the same day.
					if dt.String() == x.Date && (row.Cells[i] == report.NotScheduled || x.Activity == string(schedule.Placement)) {
						row.Cells[i] = pngStatus[x.Status]
					}
				}
			}
			w.Rows = append(w.Rows, row)
		}
	}
	for k, st := range pngStatus {
		w.Legend[st] = tr(lang, "digest.status."+k, nil)
	}
	return report.PNG(w)
}

func personName(r *roster.Roster, id string) string {
	if p, _ := r.Person(id); p != nil {
		return p.Name
	}
	return id
}

// attachWeek sends the weekly overview's spreadsheet and picture.
func (s *step) attachWeek(to string, d Digest) {
	lang := s.langOf(to)
	csv, err := WeekCSV(s.in.Roster, d)
	if err == nil {
		s.notifyText(to, "digest.csv", tr(lang, "digest.csv", nil), asBulk(), func(m *Say) {
			m.Document = &Document{Name: "innsjekk-" + d.Week + ".csv", Mime: "text/csv", Data: csv}
		})
	}
	png, err := WeekPNG(s.in.Roster, lang, d, s.in.Cal.Loc())
	if err == nil {
		s.notifyText(to, "digest.png", tr(lang, "digest.png", nil), asBulk(), func(m *Say) {
			m.Document = &Document{Name: "innsjekk-" + d.Week + ".png", Mime: "image/png", Data: png}
		})
	}
}
