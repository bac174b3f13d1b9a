-- +goose Up
-- Search over every capability: who may find a document beyond "public or one organisation",
-- and the facets its results are counted and filtered by.
--
-- visibility: public (everyone), members (anyone signed in), community (the members of
-- community_id), org (the staff of org_id only). Staff of org_id and site admins always find
-- a document. public stays in step (public = visibility 'public').
--
-- tags holds one word per visibility rule and facet value (written by search.Index: kind,
-- owner, organisations, places, themes); tags_tsv indexes them, so that visibility and
-- filters are answered by a GIN index beside the words' own. title_tsv finds the documents
-- whose title holds every word searched for (they come first).
ALTER TABLE search_documents ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE search_documents ADD COLUMN community_id BIGINT;
ALTER TABLE search_documents ADD COLUMN tags TEXT NOT NULL DEFAULT '';

-- The words of existing documents (their places and themes come when they are indexed again).
UPDATE search_documents SET visibility = CASE WHEN public THEN 'public' ELSE 'org' END,
    tags = 'zk' || encode(convert_to(kind, 'UTF8'), 'hex') || 'x' || CASE WHEN public THEN '' ELSE ' zhax zhsx' END
        || CASE WHEN org_id IS NOT NULL THEN ' zo' || org_id || 'x zf' || org_id || 'x' ELSE '' END;

ALTER TABLE search_documents ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED;
ALTER TABLE search_documents ADD COLUMN tags_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', tags)) STORED;
CREATE INDEX search_documents_title_tsv ON search_documents USING GIN (title_tsv);
CREATE INDEX search_documents_tags_tsv ON search_documents USING GIN (tags_tsv);

-- +goose Down
DROP INDEX search_documents_tags_tsv;
DROP INDEX search_documents_title_tsv;
ALTER TABLE search_documents DROP COLUMN tags_tsv;
ALTER TABLE search_documents DROP COLUMN title_tsv;
ALTER TABLE search_documents DROP COLUMN tags;
ALTER TABLE search_documents DROP COLUMN community_id;
ALTER TABLE search_documents DROP COLUMN visibility;
