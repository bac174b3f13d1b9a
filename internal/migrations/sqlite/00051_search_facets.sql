-- +goose Up
-- Search over every capability: who may find a document beyond "public or one organisation",
-- and the facets its results are counted and filtered by.
--
-- visibility: public (everyone), members (anyone signed in), community (the members of
-- community_id), org (the staff of org_id only). Staff of org_id and site admins always find
-- a document. public stays in step (public = visibility 'public').
--
-- tags holds one word per visibility rule and facet value (written by search.Index: kind,
-- owner, organisations, places, themes), indexed in its own column of search_fts, so that
-- visibility and filters are answered by the full-text index itself without reading a row
-- per match.
ALTER TABLE search_documents ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE search_documents ADD COLUMN community_id INTEGER;
ALTER TABLE search_documents ADD COLUMN tags TEXT NOT NULL DEFAULT '';

DROP TRIGGER search_documents_ai;
DROP TRIGGER search_documents_ad;
DROP TRIGGER search_documents_au;
DROP TABLE search_fts;

-- The words of existing documents (their places and themes come when they are indexed again).
UPDATE search_documents SET visibility = CASE WHEN public THEN 'public' ELSE 'org' END,
    tags = 'zk' || lower(hex(kind)) || 'x' || CASE WHEN public THEN '' ELSE ' zhax zhsx' END
        || CASE WHEN org_id IS NOT NULL THEN ' zo' || org_id || 'x zf' || org_id || 'x' ELSE '' END;

-- The tags of a document by id, for the facet counts of the best matches (narrower than the
-- table's rows, so that a thousand of them are read from few pages).
CREATE INDEX search_documents_tags ON search_documents (id, tags);

CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, tags, content='search_documents', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO search_fts (search_fts) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
    INSERT INTO search_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;
-- +goose StatementEnd

-- +goose Down
DROP INDEX search_documents_tags;
DROP TRIGGER search_documents_ai;
DROP TRIGGER search_documents_ad;
DROP TRIGGER search_documents_au;
DROP TABLE search_fts;
ALTER TABLE search_documents DROP COLUMN tags;
ALTER TABLE search_documents DROP COLUMN community_id;
ALTER TABLE search_documents DROP COLUMN visibility;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, body, content='search_documents', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO search_fts (search_fts) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd
