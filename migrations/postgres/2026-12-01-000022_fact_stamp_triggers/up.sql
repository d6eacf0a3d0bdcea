-- One trigger function per column a stamp's subject is read from, naming
-- the column directly: the generic `fact_stamps_move(column)` turned each
-- whole row into jsonb twice to find one value, about half of the cost of
-- a responsibility change's statements. Same stamps move as before: the
-- subject in the row after the change, and the one before when it differs.
CREATE FUNCTION fact_stamps_move_client_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
        ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.client_id <> NEW.client_id) THEN
        INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.client_id, 1)
        ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION fact_stamps_move_professional_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.professional_id, 1)
        ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.professional_id <> NEW.professional_id) THEN
        INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.professional_id, 1)
        ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    END IF;
    RETURN NULL;
END $$;

-- Clients, professionals and organisations stamp themselves on update only.
CREATE FUNCTION fact_stamps_move_own_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    IF OLD.id <> NEW.id THEN
        INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.id, 1)
        ON CONFLICT (subject) DO UPDATE SET stamp = fact_stamps.stamp + 1;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER responsibility_periods_fact_stamp ON responsibility_periods;
DROP TRIGGER work_pair_periods_fact_stamp ON work_pair_periods;
DROP TRIGGER client_relationships_fact_stamp ON client_relationships;
DROP TRIGGER consents_fact_stamp ON consents;
DROP TRIGGER team_members_fact_stamp ON team_members;
DROP TRIGGER clients_fact_stamp ON clients;
DROP TRIGGER professionals_fact_stamp ON professionals;
DROP TRIGGER organisations_fact_stamp ON organisations;
DROP FUNCTION fact_stamps_move();

CREATE TRIGGER responsibility_periods_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON responsibility_periods
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_client_id();
CREATE TRIGGER work_pair_periods_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON work_pair_periods
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_client_id();
CREATE TRIGGER client_relationships_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON client_relationships
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_client_id();
CREATE TRIGGER consents_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON consents
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_client_id();
CREATE TRIGGER team_members_fact_stamp AFTER INSERT OR UPDATE OR DELETE ON team_members
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_professional_id();
CREATE TRIGGER clients_fact_stamp AFTER UPDATE ON clients
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_own_id();
CREATE TRIGGER professionals_fact_stamp AFTER UPDATE ON professionals
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_own_id();
CREATE TRIGGER organisations_fact_stamp AFTER UPDATE ON organisations
    FOR EACH ROW EXECUTE FUNCTION fact_stamps_move_own_id();
