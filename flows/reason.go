package flows

// Reason says why a step did what it did. The engine logs it and the
// sandbox's event log shows it, so a coordinator can see why the bot acted.
type Reason string

const (
	ReasonNone          Reason = "none"
	ReasonUnknownChat   Reason = "unknown_chat"
	ReasonWelcome       Reason = "welcome"
	ReasonInviteInvalid Reason = "invite_invalid"
	ReasonInviteUsed    Reason = "invite_used"
	ReasonInviteExpired Reason = "invite_expired"
	ReasonLanguageAsked Reason = "language_asked"
	ReasonLanguageSet   Reason = "language_set"
	ReasonHelp          Reason = "help"
	ReasonWeek          Reason = "week"
	ReasonMyData        Reason = "my_data"
	ReasonMenu          Reason = "menu"
	ReasonNotUnderstood Reason = "not_understood"
	ReasonNotForRole    Reason = "not_for_role"
	ReasonStaleButton   Reason = "stale_button"
	ReasonApology       Reason = "apology"
	ReasonExpired       Reason = "expired"
	ReasonGone          Reason = "gone"

	ReasonAbsenceAsked           Reason = "absence_asked"
	ReasonAbsenceCancelled       Reason = "absence_cancelled"
	ReasonAbsenceReported        Reason = "absence_reported"
	ReasonAbsenceAlreadyReported Reason = "absence_already_reported"
	ReasonAbsenceUndone          Reason = "absence_undone"
	ReasonAbsenceUndoLate        Reason = "absence_undo_too_late"
	ReasonAbsenceExtended        Reason = "absence_extended"
	ReasonBackAsked              Reason = "back_to_work_asked"
	ReasonBack                   Reason = "back_to_work"
	ReasonCheckIn                Reason = "check_in"
	ReasonCheckInAgain           Reason = "check_in_again"
	ReasonCheckInNoPlacement     Reason = "check_in_no_placement"
	ReasonCheckInNudge           Reason = "check_in_nudge"
	ReasonCheckInProblem         Reason = "check_in_problem"
	ReasonUnexplained            Reason = "unexplained_absence"
	ReasonReminder               Reason = "evening_reminder"
	ReasonMorningCard            Reason = "morning_card"

	ReasonMeetingAsked         Reason = "meeting_asked"
	ReasonMeetingBadInput      Reason = "meeting_bad_input"
	ReasonMeetingClash         Reason = "meeting_clash"
	ReasonMeetingBooked        Reason = "meeting_booked"
	ReasonMeetingCancelled     Reason = "meeting_cancelled"
	ReasonMeetingUnderstood    Reason = "meeting_understood"
	ReasonMeetingMisunderstood Reason = "meeting_misunderstood"
	ReasonMeetingCantCome      Reason = "meeting_cant_come"
	ReasonMeetingReminder      Reason = "meeting_reminder"
	ReasonMeetingReasonAsked   Reason = "meeting_reason_asked"

	ReasonForgetAsked     Reason = "forget_asked"
	ReasonForgetCancelled Reason = "forget_cancelled"
	ReasonForgetRequested Reason = "forget_requested"
	ReasonForgetKept      Reason = "forget_kept"
	ReasonForgotten       Reason = "forgotten"
	ReasonRosterChange    Reason = "roster_change"
)

func (r Reason) String() string { return string(r) }
