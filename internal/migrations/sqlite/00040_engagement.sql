-- +goose Up
-- An engagement: a consultation that says what it will inform and what is open to influence.
CREATE TABLE engagements (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    slug             TEXT UNIQUE,                      -- optional readable address, e.g. demo-map
    organisation_id  INTEGER NOT NULL REFERENCES organisations(id),
    title            TEXT NOT NULL,
    summary          TEXT NOT NULL DEFAULT '',
    purpose          TEXT NOT NULL DEFAULT '',
    decision         TEXT NOT NULL DEFAULT '',         -- the decision it will inform
    not_negotiable   TEXT NOT NULL DEFAULT '',         -- what is not open to influence
    influence        TEXT NOT NULL DEFAULT '',         -- inform, consult, involve, collaborate, empower
    affected         TEXT NOT NULL DEFAULT '',         -- who is affected
    status           TEXT NOT NULL DEFAULT 'draft',    -- draft, open, closed, reported
    opens_on         DATE,
    closes_on        DATE,
    report_back_by   DATE,
    moderation       TEXT NOT NULL DEFAULT 'post',     -- pre: statements wait for a moderator; post: shown at once
    report_threshold INTEGER NOT NULL DEFAULT 3,       -- reports that hide a statement or quote until a moderator decides
    statement_limit  INTEGER NOT NULL DEFAULT 10,      -- statements per participant
    has_map          BOOLEAN NOT NULL DEFAULT 0,       -- runs an opinion map
    questionnaire    TEXT NOT NULL DEFAULT '',         -- submission form (forms.Questionnaire JSON); '' = none
    demographics     TEXT NOT NULL DEFAULT '',         -- optional demographic questions, stored apart
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    published_at     TIMESTAMP,
    archived_at      TIMESTAMP
);
CREATE INDEX engagements_org ON engagements (organisation_id);
CREATE INDEX engagements_status ON engagements (status, report_back_by);

CREATE TABLE engagement_partners (
    engagement_id   INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (engagement_id, organisation_id)
);
CREATE TABLE engagement_places (
    engagement_id INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    place_id      INTEGER NOT NULL REFERENCES places(id),
    PRIMARY KEY (engagement_id, place_id)
);
CREATE INDEX engagement_places_place ON engagement_places (place_id);
CREATE TABLE engagement_programs (
    engagement_id INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    program_id    INTEGER NOT NULL REFERENCES programs(id),
    PRIMARY KEY (engagement_id, program_id)
);

-- A participant: identified by a random token held in a cookie or sent as X-Participant (only
-- its SHA-256 is kept), optionally a signed-in user; an email only if they ask to hear back.
CREATE TABLE engagement_participants (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL,
    user_id       INTEGER REFERENCES users(id),
    email         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    notified_at   TIMESTAMP,
    UNIQUE (engagement_id, token_hash)
);

-- Submissions through the form. consent_quote: the participant agreed to be quoted.
CREATE TABLE engagement_submissions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id  INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    participant_id INTEGER REFERENCES engagement_participants(id),
    answers        TEXT NOT NULL,
    consent_quote  BOOLEAN NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    hidden_at      TIMESTAMP,
    hidden_reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX engagement_submissions_eng ON engagement_submissions (engagement_id, id);

-- Demographic answers, deliberately not linked to submissions or participants.
CREATE TABLE engagement_demographics (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    answers       TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);

-- Opinion-map statements. status: pending (awaiting moderation), visible, hidden.
CREATE TABLE engagement_statements (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id  INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    participant_id INTEGER REFERENCES engagement_participants(id),   -- NULL: seeded by staff
    text           TEXT NOT NULL,
    status         TEXT NOT NULL,
    reports        INTEGER NOT NULL DEFAULT 0,
    moderated_by   INTEGER REFERENCES users(id),
    moderated_at   TIMESTAMP,
    moderation_reason TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX engagement_statements_eng ON engagement_statements (engagement_id, status, id);

-- Votes: 1 agree, -1 disagree, 0 pass. A repeated vote replaces the earlier one.
CREATE TABLE engagement_votes (
    statement_id   INTEGER NOT NULL REFERENCES engagement_statements(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES engagement_participants(id) ON DELETE CASCADE,
    engagement_id  INTEGER NOT NULL,
    vote           INTEGER NOT NULL,
    voted_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (statement_id, participant_id)
);
CREATE INDEX engagement_votes_eng ON engagement_votes (engagement_id, participant_id, statement_id, vote); -- covers the map worker's read

-- Reports of a statement or a quote by anyone ("this is abusive"), one per reporter.
CREATE TABLE engagement_flags (
    kind       TEXT NOT NULL,                          -- statement, quote
    target_id  INTEGER NOT NULL,
    reporter   TEXT NOT NULL,                          -- participant token hash or a hash of the address
    reason     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, target_id, reporter)
);

-- The latest opinion map of an engagement, computed in the background.
CREATE TABLE engagement_maps (
    engagement_id INTEGER PRIMARY KEY REFERENCES engagements(id) ON DELETE CASCADE,
    computed_at   TIMESTAMP NOT NULL,
    participants  INTEGER NOT NULL,
    votes         INTEGER NOT NULL,
    result        TEXT NOT NULL                        -- JSON
);

-- Closing the loop: themes with the response and what changed, quotes, and the report.
CREATE TABLE engagement_themes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    response      TEXT NOT NULL DEFAULT '',            -- our response ("we did")
    change        TEXT NOT NULL DEFAULT '',            -- what changed because of it
    position      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (engagement_id, name)
);
CREATE TABLE engagement_theme_items (
    theme_id INTEGER NOT NULL REFERENCES engagement_themes(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,                            -- submission, statement
    item_id  INTEGER NOT NULL,
    PRIMARY KEY (theme_id, kind, item_id)
);
CREATE INDEX engagement_theme_items_item ON engagement_theme_items (kind, item_id);
CREATE TABLE engagement_quotes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id INTEGER NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    submission_id INTEGER NOT NULL REFERENCES engagement_submissions(id) ON DELETE CASCADE,
    theme_id      INTEGER REFERENCES engagement_themes(id) ON DELETE SET NULL,
    text          TEXT NOT NULL,
    reports       INTEGER NOT NULL DEFAULT 0,
    hidden_at     TIMESTAMP,
    hidden_reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE engagement_reports (
    engagement_id INTEGER PRIMARY KEY REFERENCES engagements(id) ON DELETE CASCADE,
    we_asked      TEXT NOT NULL DEFAULT '',
    you_said      TEXT NOT NULL DEFAULT '',
    we_did        TEXT NOT NULL DEFAULT '',
    published_at  TIMESTAMP,
    published_by  INTEGER REFERENCES users(id),
    updated_at    TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE engagement_reports;
DROP TABLE engagement_quotes;
DROP TABLE engagement_theme_items;
DROP TABLE engagement_themes;
DROP TABLE engagement_maps;
DROP TABLE engagement_flags;
DROP TABLE engagement_votes;
DROP TABLE engagement_statements;
DROP TABLE engagement_demographics;
DROP TABLE engagement_submissions;
DROP TABLE engagement_participants;
DROP TABLE engagement_programs;
DROP TABLE engagement_places;
DROP TABLE engagement_partners;
DROP TABLE engagements;
