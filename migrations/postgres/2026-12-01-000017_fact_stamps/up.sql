-- A stamp per client, professional and organisation that moves whenever a
-- row a request's access facts are read from changes (by trigger, so no
-- write path can forget it). A process keeps the facts it read with their
-- stamps and re-reads them only when a stamp has moved: one primary-key
-- read instead of the facts, and a change made by any process counts on
-- the very next request. A subject without a row has stamp 0.
CREATE TABLE fact_stamps (
    subject TEXT PRIMARY KEY NOT NULL,
    stamp BIGINT NOT NULL
);

-- Moves the stamp of the subject the column named by the trigger's argument
-- holds, in the row before and after the change (once when they agree).
CREATE FUNCTION fact_stamps_move() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before TEXT;
    after TEXT;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        before := to_jsonb(OLD) ->> TG_ARGV[0];
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after := to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
    INSERT INTO fact_stamps (subject, stamp)
    SELECT DISTINCT subject, 1 FROM (VALUES (before), (after)) AS changed (subject)
    WHERE subject IS NOT NULL
    ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    RETURN NULL;
END $$;

-- An organisation a consent covers changes its client's facts.
CREATE FUNCTION fact_stamps_move_consent_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fact_stamps (subject, stamp)
    SELECT DISTINCT client_id, 1 FROM consents
    WHERE id IN (
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.consent_id END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.consent_id END
    )
    ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER responsibility_periods_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON responsibility_periods
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('client_id');
CREATE TRIGGER work_pair_periods_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON work_pair_periods
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('client_id');
CREATE TRIGGER client_relationships_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON client_relationships
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('client_id');
CREATE TRIGGER consents_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON consents
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('client_id');
CREATE TRIGGER consent_organisations_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON consent_organisations
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_consent_client();
CREATE TRIGGER team_members_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON team_members
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('professional_id');
CREATE TRIGGER clients_fact_stamp AFTER UPDATE ON clients
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('id');
CREATE TRIGGER professionals_fact_stamp AFTER UPDATE ON professionals
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('id');
CREATE TRIGGER organisations_fact_stamp AFTER UPDATE ON organisations
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('id');
