-- +goose Up
-- A citizen service survey. The questions live in survey_versions; surveys.version is the one
-- collected now. A version that has responses is never changed: editing makes a new one.
CREATE TABLE surveys (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    code                TEXT NOT NULL UNIQUE,          -- the public address /s/{code}
    organisation_id     INTEGER NOT NULL REFERENCES organisations(id),
    service_id          INTEGER REFERENCES services(id),
    title               TEXT NOT NULL,
    intro               TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'draft', -- draft, open, closed
    modules             TEXT NOT NULL DEFAULT '',      -- comma list: recommend, effort, trust
    mode                TEXT NOT NULL DEFAULT '',      -- how it is fielded: online, phone, in_person, mixed…
    field_start         DATE,
    field_end           DATE,
    target_population   TEXT NOT NULL DEFAULT '',
    unit                TEXT NOT NULL DEFAULT 'interaction', -- respondent or interaction
    require_token       BOOLEAN NOT NULL DEFAULT 0,
    publish_results     BOOLEAN NOT NULL DEFAULT 0,
    published_questions TEXT NOT NULL DEFAULT '',      -- comma list of question ids on the public results page
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    archived_at         TIMESTAMP
);
CREATE INDEX surveys_org ON surveys (organisation_id);
CREATE INDEX surveys_service ON surveys (service_id);

CREATE TABLE survey_versions (
    survey_id     INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    questionnaire TEXT NOT NULL,                       -- forms.Questionnaire as JSON
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, version)
);

-- A link (and its printable poster) records the service's channel and place of a response.
CREATE TABLE survey_links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    code       TEXT NOT NULL UNIQUE,                   -- ?via={code}
    label      TEXT NOT NULL DEFAULT '',
    channel    TEXT NOT NULL DEFAULT '',
    place_id   INTEGER REFERENCES places(id),
    created_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX survey_links_survey ON survey_links (survey_id);

-- Optional single-use tokens; only the SHA-256 of the token is kept.
CREATE TABLE survey_tokens (
    token_hash TEXT PRIMARY KEY,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    link_id    INTEGER REFERENCES survey_links(id),
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX survey_tokens_survey ON survey_tokens (survey_id);

-- Responses. Anonymous: no address, no account. The id is assigned by the writer.
CREATE TABLE survey_responses (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys(id),
    version      INTEGER NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    period       TEXT NOT NULL,                        -- YYYY-MM (UTC) of submitted_at
    channel      TEXT NOT NULL DEFAULT '',
    place_id     INTEGER,
    link_id      INTEGER,
    answers      TEXT NOT NULL,                        -- JSON object {question id: value}
    comment      TEXT NOT NULL DEFAULT '',             -- the core open comment, for the comment list
    idem_key     TEXT
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, id);
CREATE UNIQUE INDEX survey_responses_idem ON survey_responses (survey_id, idem_key) WHERE idem_key IS NOT NULL;

-- Running counts kept in the same transaction as the responses: per survey, question,
-- month, channel and place, how many answered each scale point (value -1: not applicable).
-- question '' counts responses (value 0).
CREATE TABLE survey_counts (
    survey_id INTEGER NOT NULL,
    question  TEXT NOT NULL,
    period    TEXT NOT NULL,
    channel   TEXT NOT NULL,
    place_id  INTEGER NOT NULL,                        -- 0: no place
    value     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (survey_id, question, period, channel, place_id, value)
);

-- Staff theme tags on comments.
CREATE TABLE survey_comment_themes (
    response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    theme       TEXT NOT NULL,
    tagged_by   INTEGER REFERENCES users(id),
    tagged_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (response_id, theme)
);
CREATE INDEX survey_comment_themes_theme ON survey_comment_themes (theme);

-- Targets: metric of a question, baseline, target value and date.
CREATE TABLE survey_targets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    metric     TEXT NOT NULL,                          -- index, top2, nps, effort
    question   TEXT NOT NULL,
    baseline   REAL NOT NULL,
    baseline_period TEXT NOT NULL DEFAULT '',          -- YYYY-MM
    target     REAL NOT NULL,
    due        DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX survey_targets_survey ON survey_targets (survey_id);

-- Known population margins for weighting, and cached results of slow analyses (key-driver
-- analysis, weighted figures), recomputed in the background.
CREATE TABLE survey_weighting (
    survey_id  INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
    margins    TEXT NOT NULL,                          -- JSON
    trim       REAL NOT NULL DEFAULT 5,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE survey_analyses (
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    responses   INTEGER NOT NULL,                      -- how many responses it was computed on
    computed_at TIMESTAMP NOT NULL,
    result      TEXT NOT NULL,                         -- JSON
    PRIMARY KEY (survey_id, kind)
);

-- +goose Down
DROP TABLE survey_analyses;
DROP TABLE survey_weighting;
DROP TABLE survey_targets;
DROP TABLE survey_comment_themes;
DROP TABLE survey_counts;
DROP TABLE survey_responses;
DROP TABLE survey_tokens;
DROP TABLE survey_links;
DROP TABLE survey_versions;
DROP TABLE surveys;
