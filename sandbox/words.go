package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// The event log says in words what the bot did and why. The engine
// reports a reason code (flows.Reason) for each step and job; reasonWords
// turns each into a phrase that follows the person's name: "Amina Yusuf"
// + "reported an absence". TestReasonWords checks that every reason in
// flows/reason.go has one.
var reasonWords = map[string]string{
	"none":                     "did something that needed no answer",
	"unknown_chat":             "wrote, but this chat is not linked to anyone on the roster",
	"welcome":                  "joined with an invite and was welcomed",
	"invite_invalid":           "tried an invite code that does not exist",
	"invite_used":              "tried an invite code that was already used",
	"invite_too_many":          "tried too many invite codes, so the bot stopped looking them up",
	"throttled":                "wrote too often without being on the roster, so the bot stays quiet for a while",
	"invite_expired":           "tried an invite code that had expired",
	"language_asked":           "was asked to choose a language",
	"language_set":             "chose a language",
	"help":                     "asked for help and got the list of commands",
	"week":                     "asked for the plan of the week",
	"my_data":                  "asked what the bot keeps about them",
	"menu":                     "got the main menu",
	"not_understood":           "wrote something the bot did not understand, and got the menu",
	"not_for_role":             "asked for something their role does not offer",
	"stale_button":             "tapped an old button the bot no longer offers",
	"apology":                  "hit an error in the bot, which apologised",
	"expired":                  "tapped a button of a conversation that had timed out",
	"gone":                     "tapped a button about something that no longer exists",
	"absence_asked":            "is reporting an absence; the bot asked for the details",
	"absence_cancelled":        "cancelled an absence report",
	"absence_reported":         "reported an absence",
	"absence_already_reported": "reported an absence that was already reported",
	"absence_undone":           "took an absence report back",
	"absence_undo_too_late":    "tried to take an absence report back, too late",
	"absence_undo_closed":      "can no longer take the absence report back: its undo time is over",
	"came_after_all":           "came to work after all, and those told of the absence heard so",
	"absence_extended":         "is still away, so the absence was extended",
	"back_to_work_asked":       "was asked whether they are back at work",
	"back_to_work":             "said they are back at work",
	"check_in":                 "checked in at work",
	"check_in_again":           "checked in again (already checked in today)",
	"check_in_reported_away":   "answered a check-in on a day reported as away",
	"check_in_no_placement":    "tried to check in on a day without a placement",
	"check_in_nudge":           "had not checked in and was reminded to",
	"check_in_problem":         "reported a problem at work when checking in",
	"unexplained_absence":      "neither checked in nor reported an absence, so their adviser was alerted",
	"evening_reminder":         "got the evening reminder about tomorrow",
	"morning_card":             "got the morning card: who comes today",
	"meeting_asked":            "is booking a meeting; the bot offered times",
	"meeting_moved":            "moved a meeting",
	"meeting_bad_input":        "gave a meeting time the bot could not read",
	"meeting_clash":            "picked a meeting time that clashes with another appointment",
	"meeting_booked":           "booked a meeting",
	"meeting_cancelled":        "cancelled a meeting",
	"meeting_understood":       "confirmed they understood the meeting notice",
	"meeting_misunderstood":    "said they did not understand the meeting notice",
	"meeting_cant_come":        "said they cannot come to the meeting",
	"meeting_reminder":         "got a meeting reminder",
	"meeting_reason_asked":     "was asked why a meeting outside the free times is needed",
	"forget_asked":             "asked to be forgotten; the bot asked them to confirm",
	"forget_cancelled":         "changed their mind about being forgotten",
	"forget_requested":         "asked to have their data deleted; their adviser decides",
	"forget_kept":              "decided to keep a participant's data",
	"forgotten":                "had a participant's data deleted",
	"roster_change":            "was told about a change in the roster",
	"issue_asked":              "is writing to a contact person; the bot asked for the details",
	"issue_cancelled":          "cancelled a message to a contact person",
	"issue_sent":               "asked a contact person for help",
	"issue_shown":              "opened an issue",
	"issue_acknowledged":       "took on an issue",
	"issue_already_decided":    "tapped an issue that was already dealt with",
	"issue_reply_asked":        "is answering an issue; the bot offered replies",
	"issue_replied":            "replied to an issue",
	"issue_answered":           "answered back on an issue",
	"issue_passed_on":          "passed an issue on to a colleague",
	"issue_closed":             "closed an issue",
	"issue_list":               "listed their open issues",
	"issue_escalated":          "has an issue nobody took in time, so it went to more people",
	"issue_expired":            "has an issue that was open too long and was closed",
	"feedback_asked":           "is giving feedback on a participant",
	"feedback_prompt":          "was asked how a participant's week went",
	"feedback_nudge":           "was reminded to say how a participant's week went",
	"feedback_given":           "gave feedback on a participant's week",
	"feedback_already_given":   "tried to give feedback that was already given",
	"feedback_concern":         "raised a concern about a participant",
	"attendance_corrected":     "corrected a participant's attendance",
	"placement_ended":          "tapped a button for a placement that has ended",
	"goal_prompt":              "was asked how far a participant has come with a goal",
	"goal_rated":               "rated a participant's progress on a goal",
	"goal_already_rated":       "tried to rate a goal that was already rated",
	"goals":                    "looked at their goals",
	"digest":                   "got the daily digest",
	"digest_weekly":            "got the weekly digest",
	"participant_card":         "opened a participant card",
	"alert":                    "got an alert about a participant",
	"unreachable":              "has blocked the bot, so they are marked unreachable and their adviser is alerted",
	"reachable_again":          "wrote again and can be reached again",
}

// jobWords names the engine's job kinds: the flows' timers
// (flows.Timer.TimerKind) and the engine's own.
var jobWords = map[string]string{
	"abs.back":       "Back-to-work question",
	"abs.undo":       "End of the time to undo an absence report",
	"card.morning":   "Morning card",
	"ci.nudge":       "Check-in nudge",
	"ci.unexplained": "Check for an unexplained absence",
	"dg.daily":       "Daily digest",
	"dg.weekly":      "Weekly digest",
	"dg.alert":       "Alert",
	"fb.week":        "Weekly feedback question",
	"fb.nudge":       "Feedback reminder",
	"gl.month":       "Monthly goal question",
	"is.escalate":    "Issue escalation",
	"is.expire":      "Issue expiry",
	"mt.remind":      "Meeting reminder",
	"rem.evening":    "Evening reminder",
	"plan":           "Day planner",
	"housekeeping":   "Housekeeping",
}

// reasonPhrase is the words for a reason code; a code this table does
// not know yet is shown with its underscores as spaces.
func reasonPhrase(reason string) string {
	if w, ok := reasonWords[reason]; ok {
		return w
	}
	return strings.ReplaceAll(reason, "_", " ")
}

// jobNoun is the words for a job kind: "ci.nudge" is "Check-in nudge".
func jobNoun(kind string) string {
	if w, ok := jobWords[kind]; ok {
		return w
	}
	if kind == "" {
		return "Job"
	}
	return "Job " + kind
}

// nothing reports whether a step or job's reason says it did nothing.
func nothing(reason, job string) bool {
	return reason == "" || reason == "none" || reason == job
}

// who is how the log names the person an entry is about.
func who(e logEntry) string {
	if e.Name != "" {
		return e.Name
	}
	return "someone not on the roster"
}

// recipient is "Per Olsen (mentor)".
func recipient(e logEntry) string {
	if e.Role == "" {
		return who(e)
	}
	return who(e) + " (" + e.Role + ")"
}

// planWords reads the planner's "18 planned, 2 missed".
func planWords(summary string) (planned, missed int, ok bool) {
	_, err := fmt.Sscanf(summary, "%d planned, %d missed", &planned, &missed)
	return planned, missed, err == nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// describe says in words what an entry means. parent is the step or job
// that caused a message, if known.
func describe(e logEntry, job string, lag time.Duration, outcome string, parent *logGroup, loc *time.Location) string {
	at := func(t time.Time) string { return t.In(loc).Format("Mon 02.01 15:04") }
	switch e.Kind {
	case "step":
		if nothing(e.Reason, "") {
			return who(e) + " wrote; the bot had nothing to do"
		}
		return who(e) + " " + reasonPhrase(e.Reason)
	case "job":
		noun := jobNoun(job)
		var s string
		switch {
		case job == "housekeeping":
			s = "Housekeeping: old update ids and sent-message records cleared"
		case nothing(e.Reason, job) && e.Name != "":
			s = noun + " for " + e.Name + ": nothing to send"
		case nothing(e.Reason, job):
			s = noun + ": nothing to send"
		default:
			s = who(e) + " " + reasonPhrase(e.Reason)
		}
		if lag >= time.Minute {
			s += " (was due " + at(e.At.Add(-lag)) + ")"
		}
		return s
	case "sent":
		if e.MsgID == "commands" {
			return "Set the command menu of " + who(e)
		}
		if parent != nil && parent.kind == "step" && parent.person != "" && parent.person == e.Person {
			return "Replied to " + who(e)
		}
		return "Told " + recipient(e)
	case "retry":
		when := e.Detail
		if t, err := time.Parse(time.RFC3339, e.Detail); err == nil {
			when = at(t)
		}
		if outcome == "retry_after" {
			return "Telegram asked the bot to wait; will try " + who(e) + " again at " + when
		}
		return "Could not reach Telegram; will try " + who(e) + " again at " + when
	case "dropped":
		if outcome == "blocked" || e.Detail == "blocked" {
			return "Not delivered to " + recipient(e) + ": they have blocked the bot"
		}
		return "Not delivered to " + recipient(e) + ": Telegram refused the message"
	case "plan":
		day := e.Detail
		if d, err := time.ParseInLocation("2006-01-02", e.Detail, loc); err == nil {
			day = d.Format("Mon 02.01.2006")
		}
		planned, missed, ok := planWords(e.Reason)
		if !ok {
			return "Planned " + day + ": " + e.Reason
		}
		s := "Planned " + day + ": " + plural(planned, "reminder, nudge or card", "reminders, nudges and cards")
		switch {
		case missed == 1:
			s += "; 1 was skipped because its time had passed"
		case missed > 1:
			s += fmt.Sprintf("; %d were skipped because their time had passed", missed)
		}
		return s
	case "missed":
		s := "Skipped: " + lowerFirst(jobNoun(e.Reason))
		if e.Name != "" {
			s += " for " + e.Name
		}
		return s + ", because its time had passed when the day was planned"
	case "redis_error":
		return "The store did not answer (" + e.Detail + "); the bot will try again"
	}
	return e.Kind
}
