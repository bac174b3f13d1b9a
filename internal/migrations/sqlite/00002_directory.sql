-- +goose Up
CREATE TABLE organisations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    short_name   TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL,
    jurisdiction TEXT NOT NULL DEFAULT '',
    parent_id    INTEGER REFERENCES organisations(id),
    description  TEXT NOT NULL DEFAULT '',
    website      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    archived_at  TIMESTAMP
);
CREATE UNIQUE INDEX organisations_name ON organisations (lower(name));
CREATE INDEX organisations_parent ON organisations (parent_id);

CREATE TABLE memberships (
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX memberships_org ON memberships (organisation_id);

CREATE TABLE places (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL DEFAULT '',
    parent_id   INTEGER REFERENCES places(id),
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX places_parent ON places (parent_id);
CREATE UNIQUE INDEX places_code ON places (kind, code) WHERE code <> '';

CREATE TABLE services (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    archived_at     TIMESTAMP
);
CREATE UNIQUE INDEX services_name ON services (organisation_id, lower(name));

CREATE TABLE service_channels (
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    PRIMARY KEY (service_id, channel)
);

CREATE TABLE service_places (
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    place_id   INTEGER NOT NULL REFERENCES places(id),
    PRIMARY KEY (service_id, place_id)
);

CREATE TABLE programs (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    lead_organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    start_date           DATE,
    end_date             DATE,
    website              TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    archived_at          TIMESTAMP
);
CREATE UNIQUE INDEX programs_name ON programs (lower(name));

CREATE TABLE program_partners (
    program_id      INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (program_id, organisation_id)
);

CREATE TABLE program_places (
    program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    place_id   INTEGER NOT NULL REFERENCES places(id),
    PRIMARY KEY (program_id, place_id)
);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scheme      TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES tags(id),
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE UNIQUE INDEX tags_name ON tags (scheme, lower(name));

-- Tags on any record: kind names the record's table ("service", "commitment", …).
CREATE TABLE taggings (
    tag_id    INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (tag_id, kind, record_id)
);
CREATE INDEX taggings_record ON taggings (kind, record_id);

-- Typed links between any two records.
CREATE TABLE links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    from_kind  TEXT NOT NULL,
    from_id    INTEGER NOT NULL,
    relation   TEXT NOT NULL,
    to_kind    TEXT NOT NULL,
    to_id      INTEGER NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (from_kind, from_id, relation, to_kind, to_id)
);
CREATE INDEX links_to ON links (to_kind, to_id);

-- +goose Down
DROP TABLE links;
DROP TABLE taggings;
DROP TABLE tags;
DROP TABLE program_places;
DROP TABLE program_partners;
DROP TABLE programs;
DROP TABLE service_places;
DROP TABLE service_channels;
DROP TABLE services;
DROP TABLE places;
DROP TABLE memberships;
DROP TABLE organisations;
