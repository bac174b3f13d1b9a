-- +goose Up
-- Files: case-study attachments and community library items, kept in the database so a
-- backup holds everything. Size and type are checked before they get here.
CREATE TABLE learning_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL
);

-- Communities of practice come first: other records may be visible to one community only.
CREATE TABLE communities (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    join_policy     TEXT NOT NULL DEFAULT 'open',      -- open, request
    organisation_id INTEGER REFERENCES organisations(id), -- the host, if any
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    archived_at     TIMESTAMP
);
CREATE TABLE community_members (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT NOT NULL DEFAULT 'member',      -- member, host
    status       TEXT NOT NULL DEFAULT 'active',      -- active, requested
    digest       BOOLEAN NOT NULL DEFAULT 1,          -- wants the email digest
    joined_at    TIMESTAMP NOT NULL,
    digest_sent_at TIMESTAMP,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX community_members_user ON community_members (user_id);
CREATE TABLE workgroups (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (community_id, name)
);
CREATE TABLE workgroup_members (
    workgroup_id INTEGER NOT NULL REFERENCES workgroups(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (workgroup_id, user_id)
);
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    workgroup_id INTEGER REFERENCES workgroups(id) ON DELETE SET NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    starts_at    TIMESTAMP NOT NULL,                  -- UTC
    ends_at      TIMESTAMP NOT NULL,                  -- UTC
    time_zone    TEXT NOT NULL,                       -- IANA name, e.g. Australia/Adelaide
    online       BOOLEAN NOT NULL DEFAULT 0,
    online_url   TEXT NOT NULL DEFAULT '',
    place_id     INTEGER REFERENCES places(id),
    venue        TEXT NOT NULL DEFAULT '',
    capacity     INTEGER NOT NULL DEFAULT 0,          -- 0: no limit
    created_by   INTEGER REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP
);
CREATE INDEX events_community ON events (community_id, starts_at);
CREATE TABLE event_registrations (
    event_id      INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status        TEXT NOT NULL,                      -- registered, waitlisted
    registered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE TABLE threads (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    workgroup_id  INTEGER REFERENCES workgroups(id) ON DELETE SET NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    user_id       INTEGER REFERENCES users(id),
    created_at    TIMESTAMP NOT NULL,
    last_reply_at TIMESTAMP NOT NULL,
    replies       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX threads_community ON threads (community_id, last_reply_at);
CREATE TABLE thread_replies (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id  INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX thread_replies_thread ON thread_replies (thread_id, id);
CREATE TABLE library_items (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT 'tool',        -- tool, template, guide, other
    file_id      INTEGER REFERENCES learning_files(id),
    url          TEXT NOT NULL DEFAULT '',
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL
);

-- Case studies. visibility: public, members (signed-in members of any organisation), community.
CREATE TABLE case_studies (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    title           TEXT NOT NULL,
    initiative      TEXT NOT NULL DEFAULT '',
    program_id      INTEGER REFERENCES programs(id),
    period_start    DATE,
    period_end      DATE,
    approach        TEXT NOT NULL DEFAULT '',
    influence       TEXT NOT NULL DEFAULT '',          -- inform … empower
    summary         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',          -- Markdown, raw HTML off
    authors         TEXT NOT NULL DEFAULT '',          -- as credited
    visibility      TEXT NOT NULL DEFAULT 'public',
    community_id    INTEGER REFERENCES communities(id),
    revision        INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    archived_at     TIMESTAMP
);
CREATE TABLE case_study_places (
    case_study_id INTEGER NOT NULL REFERENCES case_studies(id) ON DELETE CASCADE,
    place_id      INTEGER NOT NULL REFERENCES places(id),
    PRIMARY KEY (case_study_id, place_id)
);
CREATE TABLE case_study_partners (
    case_study_id   INTEGER NOT NULL REFERENCES case_studies(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (case_study_id, organisation_id)
);
CREATE TABLE case_study_files (
    case_study_id INTEGER NOT NULL REFERENCES case_studies(id) ON DELETE CASCADE,
    file_id       INTEGER NOT NULL REFERENCES learning_files(id),
    PRIMARY KEY (case_study_id, file_id)
);

-- Every edit of a case study, learning or evidence record: who, when, what, and the record
-- as it was after the edit (JSON), for the history and diff views.
CREATE TABLE revisions (
    kind       TEXT NOT NULL,                          -- case_study, learning, evidence
    record_id  INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    summary    TEXT NOT NULL DEFAULT '',
    snapshot   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, record_id, revision)
);

-- Learnings: what worked, what did not, improvements, observations.
CREATE TABLE learnings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    type            TEXT NOT NULL,                     -- worked, did_not_work, improvement, observation
    title           TEXT NOT NULL,
    situation       TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL DEFAULT '',
    result          TEXT NOT NULL DEFAULT '',
    insight         TEXT NOT NULL DEFAULT '',
    context         TEXT NOT NULL DEFAULT '',          -- where it applies
    confidence      TEXT NOT NULL DEFAULT 'medium',    -- low, medium, high
    visibility      TEXT NOT NULL DEFAULT 'public',
    community_id    INTEGER REFERENCES communities(id),
    revision        INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    archived_at     TIMESTAMP
);
CREATE TABLE learning_case_studies (
    learning_id   INTEGER NOT NULL REFERENCES learnings(id) ON DELETE CASCADE,
    case_study_id INTEGER NOT NULL REFERENCES case_studies(id) ON DELETE CASCADE,
    PRIMARY KEY (learning_id, case_study_id)
);
CREATE TABLE endorsements (
    learning_id INTEGER NOT NULL REFERENCES learnings(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (learning_id, user_id)
);

-- Evidence behind learnings. Consent and cultural sensitivity restrict who may see it.
CREATE TABLE evidence (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id      INTEGER NOT NULL REFERENCES organisations(id),
    kind                 TEXT NOT NULL,                -- evaluation, outcome_harvest, dataset, survey, lived_experience
    title                TEXT NOT NULL,
    source               TEXT NOT NULL DEFAULT '',
    source_url           TEXT NOT NULL DEFAULT '',
    dated                DATE,
    summary              TEXT NOT NULL DEFAULT '',
    outcome              TEXT NOT NULL DEFAULT '',     -- outcome harvest: the outcome
    significance         TEXT NOT NULL DEFAULT '',
    contribution         TEXT NOT NULL DEFAULT '',
    substantiation       TEXT NOT NULL DEFAULT '',
    consent              BOOLEAN NOT NULL DEFAULT 1,   -- people in it agreed to it being shared
    culturally_sensitive BOOLEAN NOT NULL DEFAULT 0,
    visibility           TEXT NOT NULL DEFAULT 'public',
    community_id         INTEGER REFERENCES communities(id),
    revision             INTEGER NOT NULL DEFAULT 1,
    created_by           INTEGER REFERENCES users(id),
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    archived_at          TIMESTAMP
);
CREATE TABLE learning_evidence (
    learning_id INTEGER NOT NULL REFERENCES learnings(id) ON DELETE CASCADE,
    evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    PRIMARY KEY (learning_id, evidence_id)
);

-- Learning reports and recommendations.
CREATE TABLE learning_reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    title           TEXT NOT NULL,
    introduction    TEXT NOT NULL DEFAULT '',          -- Markdown
    status          TEXT NOT NULL DEFAULT 'draft',     -- draft, published
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    published_at    TIMESTAMP
);
CREATE TABLE learning_report_sections (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES learning_reports(id) ON DELETE CASCADE,
    title     TEXT NOT NULL,
    intro     TEXT NOT NULL DEFAULT '',
    position  INTEGER NOT NULL
);
CREATE TABLE learning_report_items (
    section_id  INTEGER NOT NULL REFERENCES learning_report_sections(id) ON DELETE CASCADE,
    learning_id INTEGER NOT NULL REFERENCES learnings(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (section_id, learning_id)
);
CREATE TABLE recommendations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    report_id       INTEGER REFERENCES learning_reports(id) ON DELETE SET NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL DEFAULT '',
    audience        TEXT NOT NULL DEFAULT '',
    priority        TEXT NOT NULL DEFAULT 'medium',    -- high, medium, low
    status          TEXT NOT NULL DEFAULT 'proposed',  -- proposed, accepted, in_progress, implemented, not_accepted
    position        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE TABLE recommendation_learnings (
    recommendation_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
    learning_id       INTEGER NOT NULL REFERENCES learnings(id),
    PRIMARY KEY (recommendation_id, learning_id)
);

-- Place outcomes (results-based accountability). A result is a condition of well-being for
-- a place's population; indicators measure it (kind population) or a program's performance
-- (kind performance, in the three questions).
CREATE TABLE outcome_results (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    place_id        INTEGER NOT NULL REFERENCES places(id),
    title           TEXT NOT NULL,
    story           TEXT NOT NULL DEFAULT '',          -- the story behind the curve (Markdown)
    partners        TEXT NOT NULL DEFAULT '',          -- partners with a role to play
    organisation_id INTEGER REFERENCES organisations(id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE TABLE indicators (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    result_id       INTEGER REFERENCES outcome_results(id) ON DELETE CASCADE,
    program_id      INTEGER REFERENCES programs(id),
    kind            TEXT NOT NULL DEFAULT 'population', -- population, performance
    question        TEXT NOT NULL DEFAULT '',           -- performance: how_much, how_well, better_off
    name            TEXT NOT NULL,
    definition      TEXT NOT NULL DEFAULT '',
    unit            TEXT NOT NULL DEFAULT '',
    good_direction  TEXT NOT NULL DEFAULT 'up',         -- up, down
    source          TEXT NOT NULL DEFAULT '',
    geography_level TEXT NOT NULL DEFAULT '',
    target_value    REAL,
    target_period   TEXT NOT NULL DEFAULT '',
    period_format   TEXT NOT NULL DEFAULT 'year',       -- year, quarter, month, financial_year: one per series
    baseline_end    TEXT NOT NULL DEFAULT '',           -- last period of the baseline ('': every final figure)
    illustrative    BOOLEAN NOT NULL DEFAULT 0,         -- invented figures (demo): said wherever shown
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE TABLE indicator_observations (
    indicator_id INTEGER NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
    place_id     INTEGER NOT NULL REFERENCES places(id),
    period       TEXT NOT NULL,                         -- e.g. 2021, 2021-Q3, 2021-07, 2021-22
    value        REAL NOT NULL,
    provisional  BOOLEAN NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (indicator_id, place_id, period)
);

-- +goose Down
DROP TABLE indicator_observations;
DROP TABLE indicators;
DROP TABLE outcome_results;
DROP TABLE recommendation_learnings;
DROP TABLE recommendations;
DROP TABLE learning_report_items;
DROP TABLE learning_report_sections;
DROP TABLE learning_reports;
DROP TABLE learning_evidence;
DROP TABLE evidence;
DROP TABLE endorsements;
DROP TABLE learning_case_studies;
DROP TABLE learnings;
DROP TABLE revisions;
DROP TABLE case_study_files;
DROP TABLE case_study_partners;
DROP TABLE case_study_places;
DROP TABLE case_studies;
DROP TABLE library_items;
DROP TABLE thread_replies;
DROP TABLE threads;
DROP TABLE event_registrations;
DROP TABLE events;
DROP TABLE workgroup_members;
DROP TABLE workgroups;
DROP TABLE community_members;
DROP TABLE communities;
DROP TABLE learning_files;
