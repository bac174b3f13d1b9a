-- +goose Up
-- Search over every capability: who may find a document beyond "public or one organisation",
-- and the facets its results are counted and filtered by.
--
-- visibility: public (everyone), members (anyone signed in), community (the members of
-- community_id), org (the staff of org_id only). Staff of org_id and site admins always find
-- a document. public stays in step (public = visibility 'public').
--
-- tags holds one word per visibility rule and facet value (written by search.Index: kind,
-- owner, organisations, places, themes). They are lexemes of tsv and title_tsv too, with a
-- leading '#' that no searched word can have, so that one GIN index scan answers "the
-- matches this person may see, with these filters". title_tsv (without positions: it is only
-- matched) finds the documents whose title holds every word searched for (they come first).
-- '#b' || id / 8192 puts each document in a block of ids, so that "the newest matches" can be
-- read block by block from the newest rather than by sorting every match.
ALTER TABLE search_documents ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE search_documents ADD COLUMN community_id BIGINT;
ALTER TABLE search_documents ADD COLUMN tags TEXT NOT NULL DEFAULT '';
-- Bodies and word vectors are stored out of line: the rows a search reads stay narrow.
ALTER TABLE search_documents SET (toast_tuple_target = 512);

-- The words of existing documents (their places and themes come when they are indexed again).
UPDATE search_documents SET visibility = CASE WHEN public THEN 'public' ELSE 'org' END,
    tags = 'zk' || encode(convert_to(kind, 'UTF8'), 'hex') || 'x' || CASE WHEN public THEN '' ELSE ' zhax zhsx' END
        || CASE WHEN org_id IS NOT NULL THEN ' zo' || org_id || 'x zf' || org_id || 'x' ELSE '' END;

DROP INDEX search_documents_tsv;
ALTER TABLE search_documents DROP COLUMN tsv;
ALTER TABLE search_documents
    ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
        || array_to_tsvector(string_to_array(regexp_replace(tags, '(\S+)', '#\1', 'g'), ' '))
        || array_to_tsvector(ARRAY['#b' || (id / 8192)::text])
    ) STORED,
    ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (
        strip(to_tsvector('english', title))
        || array_to_tsvector(string_to_array(regexp_replace(tags, '(\S+)', '#\1', 'g'), ' '))
        || array_to_tsvector(ARRAY['#b' || (id / 8192)::text])
    ) STORED;
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);
CREATE INDEX search_documents_title_tsv ON search_documents USING GIN (title_tsv);

-- +goose Down
DROP INDEX search_documents_title_tsv;
DROP INDEX search_documents_tsv;
ALTER TABLE search_documents DROP COLUMN title_tsv;
ALTER TABLE search_documents DROP COLUMN tsv;
ALTER TABLE search_documents RESET (toast_tuple_target);
ALTER TABLE search_documents DROP COLUMN tags;
ALTER TABLE search_documents DROP COLUMN community_id;
ALTER TABLE search_documents DROP COLUMN visibility;
ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
) STORED;
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);
