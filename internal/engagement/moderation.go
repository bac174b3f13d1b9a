package engagement

// Moderation of statements and quotes. Anyone may report a statement or a quote, once (a
// participant by their token, anyone else by their address, kept only as a hash). When the
// reports reach the engagement's threshold (3 unless the owner chose otherwise) it is hidden
// until a moderator decides. Moderators — reviewers of the owner and up — accept statements
// waiting for them (when the owner moderates before they appear), hide statements and quotes
// with a reason, and restore them with a reason; every decision is audited.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup/internal/platform/audit"
	"github.com/joinedup/joinedup/internal/platform/authz"
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/joinedup/joinedup/internal/platform/valid"
)

// Moderators' decisions.
const (
	DecisionAccept  = "accept"  // a statement waiting for a moderator goes on show
	DecisionHide    = "hide"    // taken off show, with a reason
	DecisionRestore = "restore" // back on show, with a reason; its reports are cleared
)

// MaxReason is the longest reason for a report or a decision.
const MaxReason = 500

// AutoHiddenReason is recorded on a statement or quote hidden by reports.
const AutoHiddenReason = "Reported by participants: hidden until a moderator decides."

// Kinds of reported item.
const (
	FlagStatement = "statement"
	FlagQuote     = "quote"
)

// CanModerate: reviewers of the owner (and its managers and admins, and site admins) moderate
// its statements and quotes.
func CanModerate(p authz.Principal, e Engagement) bool { return p.Can(authz.Review, e.OrgID) }

// reporterKey names a reporter: their participant token's hash, or a hash of their address.
func reporterKey(id Identity, address string) string {
	if id.Known() {
		return id.Hash
	}
	return "addr:" + HashToken("report:"+address)
}

// ReportResult says what a report did.
type ReportResult struct {
	// Counted is false when this reporter had already reported the item.
	Counted bool `json:"counted"`
	// Hidden is true when the item is now hidden (this report reached the threshold, or it
	// was hidden already).
	Hidden bool `json:"hidden"`
}

func normalizeReason(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", ""))
}

func checkReportReason(reason string) error {
	var c valid.Checker
	c.MaxLen("reason", reason, MaxReason)
	return c.Err()
}

// addFlag records a report once per reporter; it reports whether it was new.
func addFlag(ctx context.Context, tx *db.Tx, kind string, targetID int64, reporter, reason string) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO engagement_flags (kind, target_id, reporter, reason, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, target_id, reporter) DO NOTHING`, kind, targetID, reporter, reason, db.Now())
	if err != nil {
		return false, db.MapError(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ReportStatement reports a statement on show: anyone who may see the engagement, once each.
// At the engagement's threshold the statement is hidden until a moderator decides (audited as
// engagement.statement_autohide). A statement not on show is not reported again.
func (s *Service) ReportStatement(ctx context.Context, key string, statementID int64, id Identity, address, reason string) (ReportResult, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return ReportResult{}, err
	}
	reason = normalizeReason(reason)
	if err := checkReportReason(reason); err != nil {
		return ReportResult{}, err
	}
	st, err := statementByID(ctx, s.DB, statementID)
	if err != nil {
		return ReportResult{}, err
	}
	if st.EngagementID != e.ID || (st.Status == StatementPending && !CanModerate(authz.From(ctx), e)) {
		return ReportResult{}, db.ErrNotFound
	}
	if st.Status != StatementVisible {
		return ReportResult{Hidden: st.Status == StatementHidden}, nil
	}
	var out ReportResult
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		added, err := addFlag(ctx, tx, FlagStatement, st.ID, reporterKey(id, address), reason)
		if err != nil || !added {
			return err
		}
		out.Counted = true
		var reports int
		var status string
		if err := tx.QueryRow(ctx, "UPDATE engagement_statements SET reports = reports + 1 WHERE id = ? RETURNING reports, status", st.ID).Scan(&reports, &status); err != nil {
			return db.MapError(err)
		}
		if reports < e.ReportThreshold || status != StatementVisible {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE engagement_statements SET status = 'hidden', moderated_by = NULL, moderated_at = ?, moderation_reason = ? WHERE id = ?`,
			db.Now(), AutoHiddenReason, st.ID); err != nil {
			return err
		}
		out.Hidden = true
		tx.AfterCommit(func() { s.refreshStatements(e.ID) })
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.statement_autohide", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("statement %d hidden after %d reports, until a moderator decides", st.ID, reports)})
	})
	return out, err
}

// checkDecision checks a moderator's decision and reason.
func checkDecision(decision, reason string, allowed []string) error {
	var c valid.Checker
	ok := false
	for _, a := range allowed {
		ok = ok || a == decision
	}
	if !ok {
		labels := map[string]string{DecisionAccept: "accept", DecisionHide: "hide", DecisionRestore: "restore"}
		var names []string
		for _, a := range allowed {
			names = append(names, labels[a])
		}
		c.Add("decision", "Choose what to do: "+strings.Join(names, " or ")+".")
	}
	if (decision == DecisionHide || decision == DecisionRestore) && reason == "" {
		c.Add("reason", "Give the reason for your decision: it is recorded in the audit log.")
	}
	c.MaxLen("reason", reason, MaxReason)
	return c.Err()
}

// ModerateStatement records a moderator's decision on a statement: accept one waiting (when
// the owner moderates before statements appear), hide one (a reason is required), restore a
// hidden one or keep a reported one on show (a reason is required; its reports are cleared).
// The decision and its reason are audited as engagement.statement_moderate.
func (s *Service) ModerateStatement(ctx context.Context, key string, statementID int64, decision, reason string) (ModeratedStatement, error) {
	p := authz.From(ctx)
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return ModeratedStatement{}, err
	}
	st, err := statementByID(ctx, s.DB, statementID)
	if err != nil {
		return ModeratedStatement{}, err
	}
	if st.EngagementID != e.ID {
		return ModeratedStatement{}, db.ErrNotFound
	}
	if !CanModerate(p, e) {
		return ModeratedStatement{}, audit.Deny(ctx, s.DB, "engagement.statement_moderate", "engagement", e.ID)
	}
	decision, reason = strings.TrimSpace(decision), normalizeReason(reason)
	if err := checkDecision(decision, reason, []string{DecisionAccept, DecisionHide, DecisionRestore}); err != nil {
		return ModeratedStatement{}, err
	}
	status := ""
	switch {
	case decision == DecisionAccept && st.Status == StatementPending:
		status = StatementVisible
	case decision == DecisionAccept:
		return ModeratedStatement{}, valid.Errors{"decision": "Only a statement waiting for a moderator is accepted: restore a hidden one instead."}
	case decision == DecisionHide && st.Status == StatementHidden && !st.AwaitingDecision():
		return ModeratedStatement{}, valid.Errors{"decision": "This statement is already hidden by a moderator."}
	case decision == DecisionHide:
		status = StatementHidden
	case decision == DecisionRestore && st.Status == StatementPending:
		return ModeratedStatement{}, valid.Errors{"decision": "This statement is waiting for a moderator: accept it to put it on show."}
	case decision == DecisionRestore && st.Status == StatementVisible && st.Reports == 0:
		return ModeratedStatement{}, valid.Errors{"decision": "This statement is on show and not reported: there is nothing to restore."}
	default:
		status = StatementVisible
	}
	var out ModeratedStatement
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		q := "UPDATE engagement_statements SET status = ?, moderated_by = ?, moderated_at = ?, moderation_reason = ? WHERE id = ?"
		if decision == DecisionRestore {
			q = "UPDATE engagement_statements SET status = ?, moderated_by = ?, moderated_at = ?, moderation_reason = ?, reports = 0 WHERE id = ?"
		}
		if err := db.Affected(tx.Exec(ctx, q, status, nullID(p.UserID), db.Now(), reason, st.ID)); err != nil {
			return err
		}
		var err error
		if out, err = statementByID(ctx, tx, st.ID); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.refreshStatements(e.ID) })
		detail := fmt.Sprintf("statement %d: %s (%s → %s)", st.ID, decision, st.Status, status)
		if reason != "" {
			detail += "; reason: " + reason
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.statement_moderate", TargetKind: "engagement", TargetID: e.ID, Target: e.Title, Detail: detail})
	})
	return out, err
}

// ---- quotes ----

// ModeratedQuote is a quote of a report with its reports and moderation.
type ModeratedQuote struct {
	ID           int64      `json:"id"`
	EngagementID int64      `json:"engagement_id"`
	SubmissionID int64      `json:"submission_id"`
	Text         string     `json:"text"`
	Reports      int        `json:"reports"`
	HiddenAt     *time.Time `json:"hidden_at,omitempty"`
	HiddenReason string     `json:"hidden_reason,omitempty"`
}

// AwaitingDecision reports whether the quote was hidden by reports and waits for a moderator.
func (q ModeratedQuote) AwaitingDecision() bool {
	return q.HiddenAt != nil && q.HiddenReason == AutoHiddenReason
}

const quoteCols = "id, engagement_id, submission_id, text, reports, hidden_at, hidden_reason"

func scanQuote(row interface{ Scan(...any) error }) (ModeratedQuote, error) {
	var q ModeratedQuote
	var at sql.Null[time.Time]
	if err := row.Scan(&q.ID, &q.EngagementID, &q.SubmissionID, &q.Text, &q.Reports, &at, &q.HiddenReason); err != nil {
		return q, db.MapError(err)
	}
	q.HiddenAt = ptrTime(at)
	return q, nil
}

func quoteByID(ctx context.Context, q db.Q, id int64) (ModeratedQuote, error) {
	return scanQuote(q.QueryRow(ctx, "SELECT "+quoteCols+" FROM engagement_quotes WHERE id = ?", id))
}

// ReportQuote reports a quote of the engagement's report: anyone who may see the engagement,
// once each. At the engagement's threshold the quote is hidden from the report until a
// moderator decides.
func (s *Service) ReportQuote(ctx context.Context, key string, quoteID int64, id Identity, address, reason string) (ReportResult, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return ReportResult{}, err
	}
	reason = normalizeReason(reason)
	if err := checkReportReason(reason); err != nil {
		return ReportResult{}, err
	}
	qt, err := quoteByID(ctx, s.DB, quoteID)
	if err != nil {
		return ReportResult{}, err
	}
	if qt.EngagementID != e.ID {
		return ReportResult{}, db.ErrNotFound
	}
	if qt.HiddenAt != nil {
		return ReportResult{Hidden: true}, nil
	}
	var out ReportResult
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		added, err := addFlag(ctx, tx, FlagQuote, qt.ID, reporterKey(id, address), reason)
		if err != nil || !added {
			return err
		}
		out.Counted = true
		var reports int
		var hidden sql.Null[time.Time]
		if err := tx.QueryRow(ctx, "UPDATE engagement_quotes SET reports = reports + 1 WHERE id = ? RETURNING reports, hidden_at", qt.ID).Scan(&reports, &hidden); err != nil {
			return db.MapError(err)
		}
		if reports < e.ReportThreshold || hidden.Valid {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE engagement_quotes SET hidden_at = ?, hidden_reason = ? WHERE id = ?", db.Now(), AutoHiddenReason, qt.ID); err != nil {
			return err
		}
		out.Hidden = true
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.quote_autohide", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("quote %d hidden after %d reports, until a moderator decides", qt.ID, reports)})
	})
	return out, err
}

// ModerateQuote hides a quote (with a reason) or restores a hidden or reported one (with a
// reason; its reports are cleared): the owner's moderators, audited as
// engagement.quote_moderate.
func (s *Service) ModerateQuote(ctx context.Context, key string, quoteID int64, decision, reason string) (ModeratedQuote, error) {
	p := authz.From(ctx)
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return ModeratedQuote{}, err
	}
	qt, err := quoteByID(ctx, s.DB, quoteID)
	if err != nil {
		return ModeratedQuote{}, err
	}
	if qt.EngagementID != e.ID {
		return ModeratedQuote{}, db.ErrNotFound
	}
	if !CanModerate(p, e) {
		return ModeratedQuote{}, audit.Deny(ctx, s.DB, "engagement.quote_moderate", "engagement", e.ID)
	}
	decision, reason = strings.TrimSpace(decision), normalizeReason(reason)
	if err := checkDecision(decision, reason, []string{DecisionHide, DecisionRestore}); err != nil {
		return ModeratedQuote{}, err
	}
	switch {
	case decision == DecisionHide && qt.HiddenAt != nil && !qt.AwaitingDecision():
		return ModeratedQuote{}, valid.Errors{"decision": "This quote is already hidden by a moderator."}
	case decision == DecisionRestore && qt.HiddenAt == nil && qt.Reports == 0:
		return ModeratedQuote{}, valid.Errors{"decision": "This quote is shown and not reported: there is nothing to restore."}
	}
	var out ModeratedQuote
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if decision == DecisionHide {
			err = db.Affected(tx.Exec(ctx, "UPDATE engagement_quotes SET hidden_at = ?, hidden_reason = ? WHERE id = ?", db.Now(), reason, qt.ID))
		} else {
			err = db.Affected(tx.Exec(ctx, "UPDATE engagement_quotes SET hidden_at = NULL, hidden_reason = '', reports = 0 WHERE id = ?", qt.ID))
		}
		if err != nil {
			return err
		}
		if out, err = quoteByID(ctx, tx, qt.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "engagement.quote_moderate", TargetKind: "engagement", TargetID: e.ID, Target: e.Title,
			Detail: fmt.Sprintf("quote %d: %s; reason: %s", qt.ID, decision, reason)})
	})
	return out, err
}

// ---- the queue ----

// Queue is what waits for an engagement's moderators.
type Queue struct {
	// Pending statements wait to be accepted (the owner moderates before they appear).
	Pending []ModeratedStatement `json:"pending"`
	// Reported statements: on show with reports, or hidden by reports until a decision.
	Reported []ModeratedStatement `json:"reported"`
	// Hidden statements were hidden by a moderator (the latest 200), to restore if need be.
	Hidden []ModeratedStatement `json:"hidden"`
	// Quotes reported or hidden.
	Quotes []ModeratedQuote `json:"quotes"`
}

// Empty reports whether nothing waits for a decision.
func (q Queue) Empty() bool { return len(q.Pending)+len(q.Reported) == 0 && !q.QuotesWaiting() }

// QuotesWaiting reports whether a quote waits for a decision.
func (q Queue) QuotesWaiting() bool {
	for _, x := range q.Quotes {
		if x.Reports > 0 || x.AwaitingDecision() {
			return true
		}
	}
	return false
}

// ModerationQueue lists what waits for the engagement's moderators (authz.ErrForbidden for
// others who may see it).
func (s *Service) ModerationQueue(ctx context.Context, key string) (Detail, Queue, error) {
	e, err := s.load(ctx, s.DB, key)
	if err != nil {
		return Detail{}, Queue{}, err
	}
	if !CanModerate(authz.From(ctx), e) {
		return Detail{}, Queue{}, authz.ErrForbidden
	}
	var q Queue
	if q.Pending, err = listStatements(ctx, s.DB, e.ID, statementFilter{Status: StatementPending, Limit: 500}); err != nil {
		return Detail{}, Queue{}, err
	}
	if q.Reported, err = listStatements(ctx, s.DB, e.ID, statementFilter{Reported: true, Limit: 500}); err != nil {
		return Detail{}, Queue{}, err
	}
	err = db.Each(ctx, s.DB, "SELECT "+statementCols+` FROM engagement_statements st WHERE st.engagement_id = ? AND st.status = 'hidden'
		AND st.moderated_by IS NOT NULL ORDER BY st.moderated_at DESC, st.id DESC LIMIT 200`, []any{e.ID}, func(rows *sql.Rows) error {
		m, err := scanStatement(rows)
		q.Hidden = append(q.Hidden, m)
		return err
	})
	if err != nil {
		return Detail{}, Queue{}, err
	}
	err = db.Each(ctx, s.DB, "SELECT "+quoteCols+" FROM engagement_quotes WHERE engagement_id = ? AND (reports > 0 OR hidden_at IS NOT NULL) ORDER BY id LIMIT 500",
		[]any{e.ID}, func(rows *sql.Rows) error {
			x, err := scanQuote(rows)
			q.Quotes = append(q.Quotes, x)
			return err
		})
	if err != nil {
		return Detail{}, Queue{}, err
	}
	d, err := s.detailOf(ctx, e)
	return d, q, err
}
