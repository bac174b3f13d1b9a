-- +goose Up
CREATE TABLE action_plans (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    title           TEXT NOT NULL,
    country         TEXT NOT NULL DEFAULT '',
    locality        TEXT NOT NULL DEFAULT '',
    plan_number     INTEGER NOT NULL DEFAULT 0,
    cycle           TEXT NOT NULL DEFAULT '',
    start_date      DATE,
    end_date        DATE,
    status          TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX action_plans_title ON action_plans (lower(title));

CREATE TABLE commitments (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id                 INTEGER NOT NULL REFERENCES action_plans(id),
    reference               TEXT NOT NULL,
    number                  INTEGER NOT NULL DEFAULT 0,
    title                   TEXT NOT NULL,
    short_title             TEXT NOT NULL DEFAULT '',
    status                  TEXT NOT NULL,
    lead_organisation_id    INTEGER REFERENCES organisations(id),
    other_actors_government TEXT NOT NULL DEFAULT '',
    other_actors_civil      TEXT NOT NULL DEFAULT '',
    value_access_info       BOOLEAN NOT NULL DEFAULT 0,
    value_civic_participation BOOLEAN NOT NULL DEFAULT 0,
    value_accountability    BOOLEAN NOT NULL DEFAULT 0,
    value_technology        BOOLEAN NOT NULL DEFAULT 0,
    problem                 TEXT NOT NULL DEFAULT '',
    description             TEXT NOT NULL DEFAULT '',
    contribution            TEXT NOT NULL DEFAULT '',
    relevance               TEXT NOT NULL DEFAULT '',
    additional_info         TEXT NOT NULL DEFAULT '',
    start_date              DATE,
    end_date                DATE,
    contacts                TEXT NOT NULL DEFAULT '',
    url                     TEXT NOT NULL DEFAULT '',
    progress_override       REAL,
    progress_override_reason TEXT NOT NULL DEFAULT '',
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX commitments_reference ON commitments (upper(reference));
CREATE INDEX commitments_plan ON commitments (plan_id);

CREATE TABLE commitment_supporters (
    commitment_id   INTEGER NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (commitment_id, organisation_id)
);
CREATE INDEX commitment_supporters_org ON commitment_supporters (organisation_id);

CREATE TABLE commitment_places (
    commitment_id INTEGER NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    place_id      INTEGER NOT NULL REFERENCES places(id),
    PRIMARY KEY (commitment_id, place_id)
);

CREATE TABLE commitment_programs (
    commitment_id INTEGER NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    program_id    INTEGER NOT NULL REFERENCES programs(id),
    PRIMARY KEY (commitment_id, program_id)
);

CREATE TABLE milestones (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    activity      TEXT NOT NULL,
    deliverable   TEXT NOT NULL DEFAULT '',
    start_date    DATE,
    end_date      DATE,
    status        TEXT NOT NULL,
    progress      INTEGER NOT NULL DEFAULT 0,
    weight        REAL,
    evidence      TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX milestones_commitment ON milestones (commitment_id, position);

CREATE TABLE progress_updates (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id),
    milestone_id  INTEGER REFERENCES milestones(id),
    reported_on   DATE NOT NULL,
    author_id     INTEGER REFERENCES users(id),
    author        TEXT NOT NULL,
    body          TEXT NOT NULL,
    evidence      TEXT NOT NULL DEFAULT '',
    progress      INTEGER,
    status        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX progress_updates_commitment ON progress_updates (commitment_id, reported_on);

CREATE TABLE assessments (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    commitment_id       INTEGER NOT NULL REFERENCES commitments(id),
    kind                TEXT NOT NULL,          -- independent, self
    assessor_id         INTEGER REFERENCES users(id),
    assessor            TEXT NOT NULL,
    assessed_on         DATE NOT NULL,
    verifiable          BOOLEAN,
    rel_access_info     BOOLEAN NOT NULL DEFAULT 0,
    rel_civic_participation BOOLEAN NOT NULL DEFAULT 0,
    rel_accountability  BOOLEAN NOT NULL DEFAULT 0,
    rel_technology      BOOLEAN NOT NULL DEFAULT 0,
    potential_impact    TEXT NOT NULL DEFAULT '',
    potential_results   TEXT NOT NULL DEFAULT '',
    completion          TEXT NOT NULL DEFAULT '',
    otg_overall         TEXT NOT NULL DEFAULT '',
    otg_access_info     TEXT NOT NULL DEFAULT '',
    otg_civic_participation TEXT NOT NULL DEFAULT '',
    otg_accountability  TEXT NOT NULL DEFAULT '',
    otg_technology      TEXT NOT NULL DEFAULT '',
    summary             TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX assessments_commitment ON assessments (commitment_id, assessed_on);

-- +goose StatementBegin
CREATE TRIGGER progress_updates_append_only_u BEFORE UPDATE ON progress_updates
BEGIN SELECT RAISE(ABORT, 'progress updates are append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER progress_updates_append_only_d BEFORE DELETE ON progress_updates
BEGIN SELECT RAISE(ABORT, 'progress updates are append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER assessments_append_only_u BEFORE UPDATE ON assessments
BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER assessments_append_only_d BEFORE DELETE ON assessments
BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE assessments;
DROP TABLE progress_updates;
DROP TABLE milestones;
DROP TABLE commitment_programs;
DROP TABLE commitment_places;
DROP TABLE commitment_supporters;
DROP TABLE commitments;
DROP TABLE action_plans;
