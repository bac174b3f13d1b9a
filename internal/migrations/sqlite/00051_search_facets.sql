-- +goose Up
-- Search over every capability: who may find a document (visibility beyond public / one
-- organisation) and the facets the results are counted and filtered by.
--
-- visibility: public (everyone), members (anyone signed in), community (the members of
-- community_id), org (staff of org_id). Staff of org_id and site admins always find a
-- document. public stays in step (public = visibility 'public') for older readers.
ALTER TABLE search_documents ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE search_documents ADD COLUMN community_id INTEGER;
UPDATE search_documents SET visibility = 'org' WHERE NOT public;

-- One row per facet value of a document: kind (the document's kind), organisation, place and
-- theme (ids, as text). Written by search.Index with the document.
CREATE TABLE search_facets (
    doc_id INTEGER NOT NULL REFERENCES search_documents(id) ON DELETE CASCADE,
    facet  TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (doc_id, facet, value)
) WITHOUT ROWID;
CREATE INDEX search_facets_value ON search_facets (facet, value, doc_id);
INSERT INTO search_facets (doc_id, facet, value) SELECT id, 'kind', kind FROM search_documents;
INSERT INTO search_facets (doc_id, facet, value) SELECT id, 'organisation', CAST(org_id AS TEXT) FROM search_documents WHERE org_id IS NOT NULL;

-- +goose Down
DROP TABLE search_facets;
ALTER TABLE search_documents DROP COLUMN community_id;
ALTER TABLE search_documents DROP COLUMN visibility;
