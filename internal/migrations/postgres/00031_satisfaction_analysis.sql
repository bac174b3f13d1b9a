-- +goose Up
-- survey_counts_month sums survey_counts over channel and place: per survey, question, month
-- and value. Triggers keep it in step in the same transaction, so it is never stale; the
-- dashboard without a channel or place filter reads it (a few thousand rows for a million
-- responses) instead of survey_counts.
--
-- Several committers write at once on PostgreSQL. They lock survey_counts rows in key order,
-- but the month sums they touch follow a different order (value varies within a channel and
-- place), which could deadlock two writers of the same survey. So a BEFORE trigger takes a
-- transaction-scoped advisory lock on the survey before the first of its counts is written:
-- writers of one survey take turns for their counts (they already queue on the same hot
-- rows), writers of different surveys do not wait for each other, and since every writer
-- goes through surveys in increasing order no cycle can form.
CREATE TABLE survey_counts_month (
    survey_id BIGINT NOT NULL,
    question  TEXT NOT NULL,
    period    TEXT NOT NULL,
    value     BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (survey_id, question, period, value)
);
INSERT INTO survey_counts_month (survey_id, question, period, value, n)
    SELECT survey_id, question, period, value, SUM(n) FROM survey_counts GROUP BY survey_id, question, period, value;

-- +goose StatementBegin
CREATE FUNCTION survey_counts_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_advisory_xact_lock(30031, OLD.survey_id::integer);
        RETURN OLD;
    END IF;
    PERFORM pg_advisory_xact_lock(30031, NEW.survey_id::integer);
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION survey_counts_month_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.survey_id = OLD.survey_id AND NEW.question = OLD.question
        AND NEW.period = OLD.period AND NEW.value = OLD.value THEN
        UPDATE survey_counts_month SET n = n + NEW.n - OLD.n
        WHERE survey_id = NEW.survey_id AND question = NEW.question AND period = NEW.period AND value = NEW.value;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE survey_counts_month SET n = n - OLD.n
        WHERE survey_id = OLD.survey_id AND question = OLD.question AND period = OLD.period AND value = OLD.value;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO survey_counts_month AS m (survey_id, question, period, value, n)
        VALUES (NEW.survey_id, NEW.question, NEW.period, NEW.value, NEW.n)
        ON CONFLICT (survey_id, question, period, value) DO UPDATE SET n = m.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER survey_counts_lock BEFORE INSERT OR UPDATE OR DELETE ON survey_counts
    FOR EACH ROW EXECUTE FUNCTION survey_counts_lock();
CREATE TRIGGER survey_counts_month_sync AFTER INSERT OR UPDATE OR DELETE ON survey_counts
    FOR EACH ROW EXECUTE FUNCTION survey_counts_month_sync();

-- +goose Down
DROP TRIGGER survey_counts_month_sync ON survey_counts;
DROP TRIGGER survey_counts_lock ON survey_counts;
DROP FUNCTION survey_counts_month_sync();
DROP FUNCTION survey_counts_lock();
DROP TABLE survey_counts_month;
