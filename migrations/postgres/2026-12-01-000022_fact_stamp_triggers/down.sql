DROP TRIGGER responsibility_periods_fact_stamp ON responsibility_periods;
DROP TRIGGER work_pair_periods_fact_stamp ON work_pair_periods;
DROP TRIGGER client_relationships_fact_stamp ON client_relationships;
DROP TRIGGER consents_fact_stamp ON consents;
DROP TRIGGER team_members_fact_stamp ON team_members;
DROP TRIGGER clients_fact_stamp ON clients;
DROP TRIGGER professionals_fact_stamp ON professionals;
DROP TRIGGER organisations_fact_stamp ON organisations;
DROP FUNCTION fact_stamps_move_client_id();
DROP FUNCTION fact_stamps_move_professional_id();
DROP FUNCTION fact_stamps_move_own_id();

CREATE FUNCTION fact_stamps_move() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before uuid;
    after uuid;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        before := (to_jsonb(OLD) ->> TG_ARGV[0])::uuid;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after := (to_jsonb(NEW) ->> TG_ARGV[0])::uuid;
    END IF;
    INSERT INTO fact_stamps (subject, stamp)
    SELECT DISTINCT subject, 1 FROM (VALUES (before), (after)) AS changed (subject)
    WHERE subject IS NOT NULL
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
CREATE TRIGGER team_members_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON team_members
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('professional_id');
CREATE TRIGGER clients_fact_stamp AFTER UPDATE ON clients
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('id');
CREATE TRIGGER professionals_fact_stamp AFTER UPDATE ON professionals
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('id');
CREATE TRIGGER organisations_fact_stamp AFTER UPDATE ON organisations
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move('id');
