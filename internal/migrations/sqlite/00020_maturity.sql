-- +goose Up
-- Framework packs: immutable once an assessment uses them; a new version is a new row.
CREATE TABLE frameworks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL,
    version     TEXT NOT NULL,
    title       TEXT NOT NULL,
    subject     TEXT NOT NULL,               -- organisation, project, program
    source      TEXT NOT NULL DEFAULT '',
    licence     TEXT NOT NULL DEFAULT '',
    pack        TEXT NOT NULL,               -- the validated pack as JSON
    original    TEXT NOT NULL DEFAULT '',    -- the file as uploaded (YAML or JSON)
    builtin     BOOLEAN NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (key, version)
);

CREATE TABLE maturity_assessments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    framework_id    INTEGER NOT NULL REFERENCES frameworks(id),
    title           TEXT NOT NULL,
    subject_kind    TEXT NOT NULL DEFAULT 'organisation',  -- organisation, program, engagement
    subject_id      INTEGER,
    period_start    DATE,
    period_end      DATE,
    status          TEXT NOT NULL,                          -- open, reconciling, closed
    facilitator_id  INTEGER REFERENCES users(id),
    benchmark_optin BOOLEAN NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    closed_at       TIMESTAMP
);
CREATE INDEX maturity_assessments_org ON maturity_assessments (organisation_id, framework_id);

CREATE TABLE maturity_respondents (
    assessment_id INTEGER NOT NULL REFERENCES maturity_assessments(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    invited_at    TIMESTAMP NOT NULL,
    submitted_at  TIMESTAMP,
    PRIMARY KEY (assessment_id, user_id)
);
CREATE INDEX maturity_respondents_user ON maturity_respondents (user_id);

-- One respondent's answer to one item; saved as they go.
CREATE TABLE maturity_answers (
    assessment_id     INTEGER NOT NULL REFERENCES maturity_assessments(id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL REFERENCES users(id),
    item_key          TEXT NOT NULL,
    current_choice    TEXT NOT NULL DEFAULT '',   -- an option value, 'na', 'dont_know' or '' (unanswered)
    target_choice     TEXT NOT NULL DEFAULT '',
    evidence          TEXT NOT NULL DEFAULT '',
    links             TEXT NOT NULL DEFAULT '',
    needs_improvement BOOLEAN NOT NULL DEFAULT 0,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (assessment_id, user_id, item_key)
);

-- The facilitator's agreed answer per item, with the reason.
CREATE TABLE maturity_agreed (
    assessment_id     INTEGER NOT NULL REFERENCES maturity_assessments(id) ON DELETE CASCADE,
    item_key          TEXT NOT NULL,
    current_choice    TEXT NOT NULL DEFAULT '',
    target_choice     TEXT NOT NULL DEFAULT '',
    needs_improvement BOOLEAN NOT NULL DEFAULT 0,
    reason            TEXT NOT NULL DEFAULT '',
    decided_by        INTEGER REFERENCES users(id),
    decided_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (assessment_id, item_key)
);

-- The improvement plan.
CREATE TABLE maturity_actions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    assessment_id INTEGER NOT NULL REFERENCES maturity_assessments(id) ON DELETE CASCADE,
    item_key      TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    guidance      TEXT NOT NULL DEFAULT '',
    owner         TEXT NOT NULL DEFAULT '',
    due_date      DATE,
    status        TEXT NOT NULL,               -- planned, in_progress, done, dropped
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX maturity_actions_assessment ON maturity_actions (assessment_id);

-- +goose Down
DROP TABLE maturity_actions;
DROP TABLE maturity_agreed;
DROP TABLE maturity_answers;
DROP TABLE maturity_respondents;
DROP TABLE maturity_assessments;
DROP TABLE frameworks;
