-- A stamp per client, professional and organisation that moves whenever a
-- row a request's access facts are read from changes (by trigger, so no
-- write path can forget it). A process keeps the facts it read with their
-- stamps and re-reads them only when a stamp has moved: one primary-key
-- read instead of the facts, and a change made by any process counts on
-- the very next request. A subject without a row has stamp 0.
CREATE TABLE fact_stamps (
    subject TEXT PRIMARY KEY NOT NULL,
    stamp BIGINT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER responsibility_periods_insert_fact_stamp AFTER INSERT ON responsibility_periods
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER responsibility_periods_update_fact_stamp AFTER UPDATE ON responsibility_periods
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER responsibility_periods_delete_fact_stamp AFTER DELETE ON responsibility_periods
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER work_pair_periods_insert_fact_stamp AFTER INSERT ON work_pair_periods
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER work_pair_periods_update_fact_stamp AFTER UPDATE ON work_pair_periods
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER work_pair_periods_delete_fact_stamp AFTER DELETE ON work_pair_periods
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER client_relationships_insert_fact_stamp AFTER INSERT ON client_relationships
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER client_relationships_update_fact_stamp AFTER UPDATE ON client_relationships
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER client_relationships_delete_fact_stamp AFTER DELETE ON client_relationships
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER consents_insert_fact_stamp AFTER INSERT ON consents
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER consents_update_fact_stamp AFTER UPDATE ON consents
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER consents_delete_fact_stamp AFTER DELETE ON consents
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.client_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER consent_organisations_insert_fact_stamp AFTER INSERT ON consent_organisations
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES ((SELECT client_id FROM consents WHERE id = NEW.consent_id), 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER consent_organisations_update_fact_stamp AFTER UPDATE ON consent_organisations
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES ((SELECT client_id FROM consents WHERE id = NEW.consent_id), 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER consent_organisations_delete_fact_stamp AFTER DELETE ON consent_organisations
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES ((SELECT client_id FROM consents WHERE id = OLD.consent_id), 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER team_members_insert_fact_stamp AFTER INSERT ON team_members
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.professional_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER team_members_update_fact_stamp AFTER UPDATE ON team_members
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.professional_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER team_members_delete_fact_stamp AFTER DELETE ON team_members
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (OLD.professional_id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER clients_update_fact_stamp AFTER UPDATE ON clients
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER professionals_update_fact_stamp AFTER UPDATE ON professionals
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;

CREATE TRIGGER organisations_update_fact_stamp AFTER UPDATE ON organisations
BEGIN
    INSERT INTO fact_stamps (subject, stamp) VALUES (NEW.id, 1)
    ON CONFLICT (subject) DO UPDATE SET stamp = stamp + 1;
END;
