-- +goose Up
-- On SQLite the group committer writes responses without their running counts (deferred = 1);
-- a counter adds them to survey_counts in its own transaction about twice a second and
-- records here the highest such response it has counted. After a crash the deferred
-- responses above the mark are counted again from their stored answers.
ALTER TABLE survey_responses ADD COLUMN deferred BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE survey_count_mark (
    id         BIGINT PRIMARY KEY,            -- always 1
    counted_to BIGINT NOT NULL
);
INSERT INTO survey_count_mark (id, counted_to) VALUES (1, 0);

-- +goose Down
DROP TABLE survey_count_mark;
ALTER TABLE survey_responses DROP COLUMN deferred;
