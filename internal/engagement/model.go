// Package engagement is capability B: consultations that say what they will inform and what
// is open to influence, take submissions and opinion-map votes without an account, map
// opinion in the background, and close the loop with a published "we asked, you said, we
// did" report. A public register shows every engagement, the overdue ones and the
// consultation load per place.
package engagement

import (
	"strconv"
	"time"

	"github.com/joinedup/joinedup/internal/platform/forms"
)

// Statuses.
const (
	StatusDraft    = "draft"
	StatusOpen     = "open"
	StatusClosed   = "closed"
	StatusReported = "reported"
)

// Levels of public influence (IAP2's spectrum, in plain words).
const (
	Inform      = "inform"
	Consult     = "consult"
	Involve     = "involve"
	Collaborate = "collaborate"
	Empower     = "empower"
)

// Influence lists the levels, least to most, with what each promises participants.
var Influence = []struct{ Value, Label, Promise string }{
	{Inform, "Inform", "We will keep you informed."},
	{Consult, "Consult", "We will listen to you, acknowledge your concerns and tell you how your input influenced the decision."},
	{Involve, "Involve", "We will work with you so that your concerns are reflected in the options we develop, and tell you how your input influenced the decision."},
	{Collaborate, "Collaborate", "We will look to you for advice and innovation, and include your advice in the decision as far as we can."},
	{Empower, "Empower", "We will put into practice what you decide."},
}

// Moderation modes for opinion-map statements.
const (
	ModeratePre  = "pre"  // a statement appears once a moderator accepts it
	ModeratePost = "post" // a statement appears at once; moderators can hide it
)

// Statement statuses.
const (
	StatementPending = "pending"
	StatementVisible = "visible"
	StatementHidden  = "hidden"
)

// Vote values as stored.
const (
	VoteAgree    = 1
	VoteDisagree = -1
	VotePass     = 0
)

// Engagement is a consultation.
type Engagement struct {
	ID              int64                `json:"id"`
	Slug            string               `json:"slug,omitempty"`
	OrgID           int64                `json:"organisation_id"`
	OrgName         string               `json:"organisation_name"`
	Title           string               `json:"title"`
	Summary         string               `json:"summary"`
	Purpose         string               `json:"purpose"`
	Decision        string               `json:"decision"`
	NotNegotiable   string               `json:"not_open_to_influence"`
	Influence       string               `json:"influence"`
	Affected        string               `json:"affected"`
	Status          string               `json:"status"`
	OpensOn         time.Time            `json:"opens_on,omitzero"`
	ClosesOn        time.Time            `json:"closes_on,omitzero"`
	ReportBackBy    time.Time            `json:"report_back_by,omitzero"`
	Moderation      string               `json:"moderation"`
	ReportThreshold int                  `json:"report_threshold"`
	StatementLimit  int                  `json:"statement_limit"`
	HasMap          bool                 `json:"has_map"`
	Questionnaire   *forms.Questionnaire `json:"questionnaire,omitempty"`
	Demographics    *forms.Questionnaire `json:"demographics,omitempty"`
	PartnerIDs      []int64              `json:"partner_ids"`
	PlaceIDs        []int64              `json:"place_ids"`
	ProgramIDs      []int64              `json:"program_ids"`
	CreatedAt       time.Time            `json:"created_at"`
	UpdatedAt       time.Time            `json:"updated_at"`
	PublishedAt     *time.Time           `json:"published_at,omitempty"`
	ArchivedAt      *time.Time           `json:"archived_at,omitempty"`
}

// Key is how the engagement is addressed: its slug if it has one, else its id.
func (e Engagement) Key() string {
	if e.Slug != "" {
		return e.Slug
	}
	return strconv.FormatInt(e.ID, 10)
}

// URL is the engagement's public page.
func (e Engagement) URL() string { return "/engagements/" + e.Key() }

// Overdue reports whether the engagement is past its report-back date without a published
// report, on day now.
func (e Engagement) Overdue(now time.Time) bool {
	if e.Status == StatusReported || e.Status == StatusDraft || e.ReportBackBy.IsZero() {
		return false
	}
	return now.After(e.ReportBackBy.AddDate(0, 0, 1))
}

// Statement is an opinion-map statement.
type Statement struct {
	ID            int64     `json:"id"`
	EngagementID  int64     `json:"engagement_id"`
	ParticipantID int64     `json:"-"`
	Text          string    `json:"text"`
	Status        string    `json:"status"`
	Seed          bool      `json:"seed"`
	Reports       int       `json:"-"`
	Agree         int       `json:"agree"`
	Disagree      int       `json:"disagree"`
	Pass          int       `json:"pass"`
	CreatedAt     time.Time `json:"created_at"`
}

// Participant is someone taking part, known by the token in their cookie or X-Participant.
type Participant struct {
	ID           int64
	EngagementID int64
	UserID       int64
	Email        string
	CreatedAt    time.Time
}
