-- +goose Up
-- The analysis pages read the running counts. Two changes make a dashboard over a million
-- responses cheap:
--
-- 1. survey_counts becomes a WITHOUT ROWID table keyed in the order the analysis groups by
--    (question, month, value, then channel and place): the key is the table, so a read
--    needs no second lookup, and a write touches one b-tree instead of two. The upsert of
--    the committer names the same key columns, so it is unchanged.
-- 2. survey_counts_month sums survey_counts over channel and place: per survey, question,
--    month and value. Triggers keep it in step in the same transaction, so it is never
--    stale; the dashboard without a channel or place filter reads it (a few thousand rows
--    for a million responses) instead of survey_counts (a hundred thousand and more).
CREATE TABLE survey_counts_new (
    survey_id INTEGER NOT NULL,
    question  TEXT NOT NULL,
    period    TEXT NOT NULL,
    channel   TEXT NOT NULL,
    place_id  INTEGER NOT NULL,
    value     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (survey_id, question, period, value, channel, place_id)
) WITHOUT ROWID;
INSERT INTO survey_counts_new (survey_id, question, period, channel, place_id, value, n)
    SELECT survey_id, question, period, channel, place_id, value, n FROM survey_counts;
DROP TABLE survey_counts;
ALTER TABLE survey_counts_new RENAME TO survey_counts;

CREATE TABLE survey_counts_month (
    survey_id INTEGER NOT NULL,
    question  TEXT NOT NULL,
    period    TEXT NOT NULL,
    value     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (survey_id, question, period, value)
) WITHOUT ROWID;
INSERT INTO survey_counts_month (survey_id, question, period, value, n)
    SELECT survey_id, question, period, value, SUM(n) FROM survey_counts GROUP BY survey_id, question, period, value;

-- +goose StatementBegin
CREATE TRIGGER survey_counts_month_insert AFTER INSERT ON survey_counts BEGIN
    INSERT INTO survey_counts_month (survey_id, question, period, value, n)
    VALUES (NEW.survey_id, NEW.question, NEW.period, NEW.value, NEW.n)
    ON CONFLICT (survey_id, question, period, value) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER survey_counts_month_update AFTER UPDATE ON survey_counts
WHEN NEW.survey_id = OLD.survey_id AND NEW.question = OLD.question AND NEW.period = OLD.period AND NEW.value = OLD.value
BEGIN
    UPDATE survey_counts_month SET n = n + NEW.n - OLD.n
    WHERE survey_id = NEW.survey_id AND question = NEW.question AND period = NEW.period AND value = NEW.value;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER survey_counts_month_move AFTER UPDATE ON survey_counts
WHEN NOT (NEW.survey_id = OLD.survey_id AND NEW.question = OLD.question AND NEW.period = OLD.period AND NEW.value = OLD.value)
BEGIN
    UPDATE survey_counts_month SET n = n - OLD.n
    WHERE survey_id = OLD.survey_id AND question = OLD.question AND period = OLD.period AND value = OLD.value;
    INSERT INTO survey_counts_month (survey_id, question, period, value, n)
    VALUES (NEW.survey_id, NEW.question, NEW.period, NEW.value, NEW.n)
    ON CONFLICT (survey_id, question, period, value) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER survey_counts_month_delete AFTER DELETE ON survey_counts BEGIN
    UPDATE survey_counts_month SET n = n - OLD.n
    WHERE survey_id = OLD.survey_id AND question = OLD.question AND period = OLD.period AND value = OLD.value;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER survey_counts_month_delete;
DROP TRIGGER survey_counts_month_move;
DROP TRIGGER survey_counts_month_update;
DROP TRIGGER survey_counts_month_insert;
DROP TABLE survey_counts_month;
CREATE TABLE survey_counts_old (
    survey_id INTEGER NOT NULL,
    question  TEXT NOT NULL,
    period    TEXT NOT NULL,
    channel   TEXT NOT NULL,
    place_id  INTEGER NOT NULL,
    value     INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (survey_id, question, period, channel, place_id, value)
);
INSERT INTO survey_counts_old (survey_id, question, period, channel, place_id, value, n)
    SELECT survey_id, question, period, channel, place_id, value, n FROM survey_counts;
DROP TABLE survey_counts;
ALTER TABLE survey_counts_old RENAME TO survey_counts;
