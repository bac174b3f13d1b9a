package satisfaction

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/directory"
	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Limits of links and tokens.
const (
	// MaxTokens is the most single-use tokens generated at once.
	MaxTokens = 10_000
	// maxTokensPerSurvey bounds the tokens a survey may hold.
	maxTokensPerSurvey = 1_000_000
	// maxLinksPerSurvey bounds the links of a survey.
	maxLinksPerSurvey = 2_000
	// tokenLen is the length of a token: 20 random bytes in lower-case base32.
	tokenLen = 32
	// linkCodeLen is the length of a link's code.
	linkCodeLen = 8
)

// LinkInput is what staff give to make a link: a label for themselves, the channel of the
// service it stands for, and, optionally, the place.
type LinkInput struct {
	Label   string `json:"label"`
	Channel string `json:"channel"`
	PlaceID int64  `json:"place_id,omitempty"`
}

// Normalize trims the input.
func (in *LinkInput) Normalize() {
	in.Label = strings.TrimSpace(in.Label)
	in.Channel = strings.TrimSpace(in.Channel)
}

// Validate checks the input (the place is checked against the directory when stored).
func (in LinkInput) Validate() error {
	var c valid.Checker
	c.Text("label", in.Label, "a label, for example “Front counter, Main Street office”", 200)
	if in.Channel == "" {
		c.Add("channel", "Choose the channel this link is for.")
	} else {
		c.OneOf("channel", in.Channel, channelValues(), "a channel")
	}
	c.Check(in.PlaceID >= 0, "place_id", "Choose a place from the list.")
	return c.Err()
}

func channelValues() []string {
	out := make([]string, len(directory.ServiceChannels))
	for i, o := range directory.ServiceChannels {
		out[i] = o.Value
	}
	return out
}

// ChannelLabel names a channel value for people.
func ChannelLabel(v string) string {
	for _, o := range directory.ServiceChannels {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// --- Store ---

const linkColumns = `l.id, l.survey_id, l.code, l.label, l.channel, COALESCE(l.place_id, 0), COALESCE(p.name, ''), l.created_at, l.archived_at`
const linkFrom = ` FROM survey_links l LEFT JOIN places p ON p.id = l.place_id`

func scanLink(sc interface{ Scan(...any) error }) (Link, error) {
	var l Link
	var archived sql.NullTime
	if err := sc.Scan(&l.ID, &l.SurveyID, &l.Code, &l.Label, &l.Channel, &l.PlaceID, &l.PlaceName, &l.CreatedAt, &archived); err != nil {
		return l, db.MapError(err)
	}
	if archived.Valid {
		t := archived.Time
		l.Archived = &t
	}
	return l, nil
}

// SurveyLinks lists the links of a survey, archived ones too, the newest first.
func (Store) SurveyLinks(ctx context.Context, q db.Q, surveyID int64) ([]Link, error) {
	var out []Link
	err := db.Each(ctx, q, "SELECT "+linkColumns+linkFrom+" WHERE l.survey_id = ? ORDER BY l.id DESC", []any{surveyID}, func(rows *sql.Rows) error {
		l, err := scanLink(rows)
		out = append(out, l)
		return err
	})
	return out, err
}

// SurveyLink loads one link of a survey.
func (Store) SurveyLink(ctx context.Context, q db.Q, surveyID, linkID int64) (Link, error) {
	return scanLink(q.QueryRow(ctx, "SELECT "+linkColumns+linkFrom+" WHERE l.survey_id = ? AND l.id = ?", surveyID, linkID))
}

// InsertLink stores a link and returns its id.
func (Store) InsertLink(ctx context.Context, tx *db.Tx, l Link) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, "INSERT INTO survey_links (survey_id, code, label, channel, place_id, created_at) VALUES (?,?,?,?,?,?) RETURNING id",
		l.SurveyID, l.Code, l.Label, l.Channel, nullID(l.PlaceID), l.CreatedAt).Scan(&id)
	return id, db.MapError(err)
}

// SetLinkArchived archives a link (at set) or restores it (at nil).
func (Store) SetLinkArchived(ctx context.Context, tx *db.Tx, surveyID, linkID int64, at *time.Time) error {
	var v any
	if at != nil {
		v = *at
	}
	return db.Affected(tx.Exec(ctx, "UPDATE survey_links SET archived_at = ? WHERE survey_id = ? AND id = ?", v, surveyID, linkID))
}

// InsertTokens stores the hashes of new single-use tokens.
func (Store) InsertTokens(ctx context.Context, tx *db.Tx, surveyID, linkID int64, hashes []string, now time.Time) error {
	for j := 0; j < len(hashes); j += insertBatch {
		part := hashes[j:min(j+insertBatch, len(hashes))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO survey_tokens (token_hash, survey_id, link_id, created_at) VALUES ")
		args := make([]any, 0, len(part)*4)
		for i, h := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?)")
			args = append(args, h, surveyID, nullID(linkID), now)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return db.MapError(err)
		}
	}
	return nil
}

// TokenStats counts a survey's tokens and those spent.
func (Store) TokenStats(ctx context.Context, q db.Q, surveyID int64) (TokenCounts, error) {
	var c TokenCounts
	err := q.QueryRow(ctx, "SELECT COUNT(*), COUNT(used_at) FROM survey_tokens WHERE survey_id = ?", surveyID).Scan(&c.Issued, &c.Used)
	return c, err
}

// TokenUsable reports whether the token with hash is one of the survey's and not yet spent.
func (Store) TokenUsable(ctx context.Context, q db.Q, surveyID int64, hash string) (bool, error) {
	var used sql.NullTime
	err := q.QueryRow(ctx, "SELECT used_at FROM survey_tokens WHERE token_hash = ? AND survey_id = ?", hash, surveyID).Scan(&used)
	if err = db.MapError(err); err == db.ErrNotFound {
		return false, nil
	}
	return err == nil && !used.Valid, err
}

// TokenCounts are how many single-use tokens a survey has and how many were spent.
type TokenCounts struct {
	Issued int64 `json:"issued"`
	Used   int64 `json:"used"`
}

// --- Tokens and codes ---

const base32Lower = "abcdefghijklmnopqrstuvwxyz234567"

// newToken returns a fresh single-use token: 160 random bits in lower-case base32 (no
// character a spreadsheet reads as a formula).
func newToken() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, tokenLen)
	var acc uint64
	bits := 0
	for _, x := range b {
		acc = acc<<8 | uint64(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, base32Lower[(acc>>bits)&31])
		}
	}
	return string(out)
}

// validToken reports whether s looks like a token newToken makes.
func validToken(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// HashToken is what is stored of a token: its SHA-256 in hex.
func HashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// linkAlphabet leaves out characters easily misread on a poster (0/o, 1/l/i).
const linkAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

func newLinkCode() string {
	var b [linkCodeLen]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = linkAlphabet[int(b[i])%len(linkAlphabet)]
	}
	return string(b[:])
}

// --- Service ---

// CanSeeLinks reports whether p may see a survey's links, posters and token counts (its
// organisation's contributors and up).
func CanSeeLinks(p authz.Principal, sv Survey) bool { return p.Can(authz.Contribute, sv.OrgID) }

// CanManageLinks reports whether p may make and archive links and generate tokens.
func CanManageLinks(p authz.Principal, sv Survey) bool { return p.Can(authz.Manage, sv.OrgID) }

// surveyForLinks loads survey id for a member of its organisation who holds perm. Those who
// are not members are told it does not exist; members without perm are refused (and, when
// action is given, the refusal is audited).
func (s *Service) surveyForLinks(ctx context.Context, id int64, perm authz.Permission, action string) (Survey, error) {
	sv, err := s.Store.SurveyByID(ctx, s.DB, id)
	if err != nil {
		return Survey{}, err
	}
	p := authz.From(ctx)
	if !p.Can(authz.Read, sv.OrgID) {
		return Survey{}, db.ErrNotFound
	}
	if !p.Can(perm, sv.OrgID) {
		if action != "" {
			return Survey{}, audit.Deny(ctx, s.DB, action, "survey", sv.ID)
		}
		return Survey{}, authz.ErrForbidden
	}
	return sv, nil
}

// SurveyIDByCode returns the id of the survey with code (for the staff API, which names
// surveys by code); the caller still checks who is asking.
func (s *Service) SurveyIDByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.DB.QueryRow(ctx, "SELECT id FROM surveys WHERE code = ?", code).Scan(&id)
	return id, db.MapError(err)
}

// Links lists a survey's links for its organisation's contributors and up.
func (s *Service) Links(ctx context.Context, surveyID int64) (Survey, []Link, error) {
	sv, err := s.surveyForLinks(ctx, surveyID, authz.Contribute, "")
	if err != nil {
		return Survey{}, nil, err
	}
	links, err := s.Store.SurveyLinks(ctx, s.DB, sv.ID)
	return sv, links, err
}

// Link returns one link of a survey (for its poster).
func (s *Service) Link(ctx context.Context, surveyID, linkID int64) (Survey, Link, error) {
	sv, err := s.surveyForLinks(ctx, surveyID, authz.Contribute, "")
	if err != nil {
		return Survey{}, Link{}, err
	}
	l, err := s.Store.SurveyLink(ctx, s.DB, sv.ID, linkID)
	return sv, l, err
}

// Tokens counts a survey's single-use tokens.
func (s *Service) Tokens(ctx context.Context, surveyID int64) (TokenCounts, error) {
	sv, err := s.surveyForLinks(ctx, surveyID, authz.Contribute, "")
	if err != nil {
		return TokenCounts{}, err
	}
	return s.Store.TokenStats(ctx, s.DB, sv.ID)
}

// CreateLink makes a tracked link of a survey for a channel and, optionally, a place.
func (s *Service) CreateLink(ctx context.Context, surveyID int64, in LinkInput) (Link, error) {
	sv, err := s.surveyForLinks(ctx, surveyID, authz.Manage, "survey.link.create")
	if err != nil {
		return Link{}, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Link{}, err
	}
	l := Link{SurveyID: sv.ID, Label: in.Label, Channel: in.Channel, PlaceID: in.PlaceID, CreatedAt: s.Now()}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM survey_links WHERE survey_id = ?", sv.ID).Scan(&n); err != nil {
			return err
		}
		if n >= maxLinksPerSurvey {
			return valid.Errors{"": fmt.Sprintf("A survey may have at most %d links: archive the ones no longer used and reuse them.", maxLinksPerSurvey)}
		}
		if l.PlaceID > 0 {
			err := tx.QueryRow(ctx, "SELECT name FROM places WHERE id = ? AND archived_at IS NULL", l.PlaceID).Scan(&l.PlaceName)
			if err = db.MapError(err); err == db.ErrNotFound {
				return valid.Errors{"place_id": "Choose a place from the list."}
			} else if err != nil {
				return err
			}
		}
		for range 5 {
			l.Code = newLinkCode()
			var taken int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM survey_links WHERE code = ?", l.Code).Scan(&taken); err != nil {
				return err
			}
			if taken == 0 {
				break
			}
		}
		if l.ID, err = s.Store.InsertLink(ctx, tx, l); err != nil {
			return err
		}
		detail := fmt.Sprintf("link %d %q (%s): channel %s", l.ID, l.Label, l.Code, l.Channel)
		if l.PlaceName != "" {
			detail += ", place " + l.PlaceName
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.link.create", TargetKind: "survey", TargetID: sv.ID, Target: sv.Title, Detail: detail})
	})
	if err != nil {
		return Link{}, err
	}
	s.Cache.Invalidate(sv.Code)
	return l, nil
}

// ArchiveLink archives a link (archive true) or restores it. Responses through an archived
// link are still taken and attributed: a poster may still hang somewhere.
func (s *Service) ArchiveLink(ctx context.Context, surveyID, linkID int64, archive bool) (Link, error) {
	action := "survey.link.archive"
	if !archive {
		action = "survey.link.restore"
	}
	sv, err := s.surveyForLinks(ctx, surveyID, authz.Manage, action)
	if err != nil {
		return Link{}, err
	}
	var l Link
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if l, err = s.Store.SurveyLink(ctx, tx, sv.ID, linkID); err != nil {
			return err
		}
		var at *time.Time
		if archive {
			now := s.Now()
			at = &now
		}
		if err := s.Store.SetLinkArchived(ctx, tx, sv.ID, linkID, at); err != nil {
			return err
		}
		l.Archived = at
		return audit.Record(ctx, tx, audit.Entry{Action: action, TargetKind: "survey", TargetID: sv.ID, Target: sv.Title,
			Detail: fmt.Sprintf("link %d %q (%s)", l.ID, l.Label, l.Code)})
	})
	if err != nil {
		return Link{}, err
	}
	s.Cache.Invalidate(sv.Code)
	return l, nil
}

// GenerateTokens makes n single-use tokens for a survey that requires them, optionally tied
// to one of its links, and returns them: this is the only time they are seen, since only
// their hashes are stored.
func (s *Service) GenerateTokens(ctx context.Context, surveyID int64, n int, linkID int64) (Survey, Link, []string, error) {
	sv, err := s.surveyForLinks(ctx, surveyID, authz.Manage, "survey.tokens.create")
	if err != nil {
		return Survey{}, Link{}, nil, err
	}
	var c valid.Checker
	c.Check(sv.RequireToken, "count", "This survey does not ask for personal links: anyone with its address may answer. Turn on “require a personal link” in its settings first.")
	c.Check(n >= 1 && n <= MaxTokens, "count", fmt.Sprintf("Enter how many personal links to make, from 1 to %d.", MaxTokens))
	if err := c.Err(); err != nil {
		return sv, Link{}, nil, err
	}
	var l Link
	toks := make([]string, n)
	hashes := make([]string, n)
	for i := range toks {
		toks[i] = newToken()
		hashes[i] = HashToken(toks[i])
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if linkID > 0 {
			var err error
			if l, err = s.Store.SurveyLink(ctx, tx, sv.ID, linkID); err == db.ErrNotFound {
				return valid.Errors{"link": "Choose one of this survey's links, or none."}
			} else if err != nil {
				return err
			}
		}
		counts, err := s.Store.TokenStats(ctx, tx, sv.ID)
		if err != nil {
			return err
		}
		if counts.Issued+int64(n) > maxTokensPerSurvey {
			return valid.Errors{"count": fmt.Sprintf("A survey may have at most %d personal links; this one has %d.", maxTokensPerSurvey, counts.Issued)}
		}
		if err := s.Store.InsertTokens(ctx, tx, sv.ID, l.ID, hashes, s.Now()); err != nil {
			return err
		}
		detail := fmt.Sprintf("%d single-use tokens", n)
		if l.ID != 0 {
			detail += fmt.Sprintf(" for link %d %q", l.ID, l.Label)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.tokens.create", TargetKind: "survey", TargetID: sv.ID, Target: sv.Title, Detail: detail})
	})
	if err != nil {
		return sv, Link{}, nil, err
	}
	return sv, l, toks, nil
}

// tokenUsable reports whether a token may still be used for the survey (one query; only
// surveys that require tokens ask it).
func (s *Service) tokenUsable(ctx context.Context, surveyID int64, tok string) (bool, error) {
	if !validToken(tok) {
		return false, nil
	}
	return s.Store.TokenUsable(ctx, s.DB, surveyID, HashToken(tok))
}
