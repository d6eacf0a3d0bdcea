-- Ids as a DBA expects them on PostgreSQL: `uuid`, not text. Every id Kyky
-- makes is a UUID but the responsibility periods the responsibility
-- migration opened for clients already there (`initial-<client id>`): such a
-- period takes its client's id, unique among periods (one each), as SQLite's
-- version of this migration does. Anything else that is not a UUID stops the
-- migration, and nothing of it stays (it runs in one transaction).
UPDATE responsibility_periods SET id = substr(id, 9) WHERE id LIKE 'initial-%';

-- Foreign keys hold between columns of one type: they are kept aside while
-- the columns change and made again, as they were, after.
CREATE TEMPORARY TABLE uuid_ids_foreign_keys ON COMMIT DROP AS
SELECT conrelid::regclass AS on_table, conname AS name, pg_get_constraintdef(oid) AS definition
FROM pg_constraint
WHERE contype = 'f' AND connamespace = current_schema()::regnamespace;

DO $$
DECLARE
    key RECORD;
BEGIN
    FOR key IN SELECT * FROM uuid_ids_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', key.on_table, key.name);
    END LOOP;
END $$;

-- One rewrite per table.
ALTER TABLE access_log
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN professional_id TYPE uuid USING professional_id::uuid,
    ALTER COLUMN organisation_id TYPE uuid USING organisation_id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN resource_id TYPE uuid USING resource_id::uuid;
ALTER TABLE assessments
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN team_id TYPE uuid USING team_id::uuid,
    ALTER COLUMN referral_id TYPE uuid USING referral_id::uuid,
    ALTER COLUMN opened_by TYPE uuid USING opened_by::uuid,
    ALTER COLUMN decided_by TYPE uuid USING decided_by::uuid,
    ALTER COLUMN feedback_handover_id TYPE uuid USING feedback_handover_id::uuid;
ALTER TABLE client_relationships
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN organisation_id TYPE uuid USING organisation_id::uuid,
    ALTER COLUMN created_by TYPE uuid USING created_by::uuid;
ALTER TABLE clients
    ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE consent_organisations
    ALTER COLUMN consent_id TYPE uuid USING consent_id::uuid,
    ALTER COLUMN organisation_id TYPE uuid USING organisation_id::uuid;
ALTER TABLE consents
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN recorded_by TYPE uuid USING recorded_by::uuid,
    ALTER COLUMN withdrawn_by TYPE uuid USING withdrawn_by::uuid;
ALTER TABLE contact_requests
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN team_id TYPE uuid USING team_id::uuid,
    ALTER COLUMN received_by TYPE uuid USING received_by::uuid,
    ALTER COLUMN triaged_by TYPE uuid USING triaged_by::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN assessment_id TYPE uuid USING assessment_id::uuid;
ALTER TABLE disclosure_log
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN from_organisation_id TYPE uuid USING from_organisation_id::uuid,
    ALTER COLUMN to_organisation_id TYPE uuid USING to_organisation_id::uuid,
    ALTER COLUMN subject_id TYPE uuid USING subject_id::uuid,
    ALTER COLUMN consent_id TYPE uuid USING consent_id::uuid,
    ALTER COLUMN professional_id TYPE uuid USING professional_id::uuid;
ALTER TABLE domain_events
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN subject_id TYPE uuid USING subject_id::uuid,
    ALTER COLUMN actor_id TYPE uuid USING actor_id::uuid;
ALTER TABLE external_ids
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN organisation_id TYPE uuid USING organisation_id::uuid,
    ALTER COLUMN subject_id TYPE uuid USING subject_id::uuid,
    ALTER COLUMN set_by TYPE uuid USING set_by::uuid;
ALTER TABLE fact_stamps
    ALTER COLUMN subject TYPE uuid USING subject::uuid;
ALTER TABLE follow_up_moves
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN follow_up_id TYPE uuid USING follow_up_id::uuid,
    ALTER COLUMN from_owner_id TYPE uuid USING from_owner_id::uuid,
    ALTER COLUMN to_owner_id TYPE uuid USING to_owner_id::uuid,
    ALTER COLUMN handover_id TYPE uuid USING handover_id::uuid,
    ALTER COLUMN moved_by TYPE uuid USING moved_by::uuid;
ALTER TABLE follow_ups
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN plan_id TYPE uuid USING plan_id::uuid,
    ALTER COLUMN responsibility_id TYPE uuid USING responsibility_id::uuid,
    ALTER COLUMN owner_id TYPE uuid USING owner_id::uuid,
    ALTER COLUMN created_by TYPE uuid USING created_by::uuid,
    ALTER COLUMN closed_by TYPE uuid USING closed_by::uuid;
ALTER TABLE handover_package_items
    ALTER COLUMN handover_id TYPE uuid USING handover_id::uuid;
ALTER TABLE handovers
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN from_professional_id TYPE uuid USING from_professional_id::uuid,
    ALTER COLUMN proposed_by TYPE uuid USING proposed_by::uuid,
    ALTER COLUMN to_professional_id TYPE uuid USING to_professional_id::uuid,
    ALTER COLUMN to_organisation_id TYPE uuid USING to_organisation_id::uuid,
    ALTER COLUMN proposed_work_pair_id TYPE uuid USING proposed_work_pair_id::uuid,
    ALTER COLUMN decided_by TYPE uuid USING decided_by::uuid,
    ALTER COLUMN to_team_id TYPE uuid USING to_team_id::uuid;
ALTER TABLE idempotency_keys
    ALTER COLUMN caller_id TYPE uuid USING caller_id::uuid;
ALTER TABLE organisation_external_refs
    ALTER COLUMN organisation_id TYPE uuid USING organisation_id::uuid;
ALTER TABLE organisations
    ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE plans
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN based_on TYPE uuid USING based_on::uuid,
    ALTER COLUMN created_by TYPE uuid USING created_by::uuid,
    ALTER COLUMN updated_by TYPE uuid USING updated_by::uuid,
    ALTER COLUMN published_by TYPE uuid USING published_by::uuid,
    ALTER COLUMN superseded_by TYPE uuid USING superseded_by::uuid;
ALTER TABLE professionals
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN organisation_id TYPE uuid USING organisation_id::uuid;
ALTER TABLE referrals
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN team_id TYPE uuid USING team_id::uuid,
    ALTER COLUMN referred_by TYPE uuid USING referred_by::uuid,
    ALTER COLUMN decided_by TYPE uuid USING decided_by::uuid;
ALTER TABLE responsibility_periods
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN professional_id TYPE uuid USING professional_id::uuid,
    ALTER COLUMN handover_id TYPE uuid USING handover_id::uuid;
ALTER TABLE responsibility_requests
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN requested_by TYPE uuid USING requested_by::uuid,
    ALTER COLUMN answered_by TYPE uuid USING answered_by::uuid,
    ALTER COLUMN handover_id TYPE uuid USING handover_id::uuid;
ALTER TABLE sign_in_identities
    ALTER COLUMN professional_id TYPE uuid USING professional_id::uuid;
ALTER TABLE team_members
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN team_id TYPE uuid USING team_id::uuid,
    ALTER COLUMN professional_id TYPE uuid USING professional_id::uuid;
ALTER TABLE teams
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN hosting_organisation_id TYPE uuid USING hosting_organisation_id::uuid;
ALTER TABLE webhook_attempts
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN delivery_id TYPE uuid USING delivery_id::uuid;
ALTER TABLE webhook_deliveries
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN subscription_id TYPE uuid USING subscription_id::uuid,
    ALTER COLUMN event_id TYPE uuid USING event_id::uuid;
ALTER TABLE webhook_subscriptions
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN organisation_id TYPE uuid USING organisation_id::uuid,
    ALTER COLUMN account_id TYPE uuid USING account_id::uuid,
    ALTER COLUMN created_by TYPE uuid USING created_by::uuid;
ALTER TABLE work_pair_periods
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN client_id TYPE uuid USING client_id::uuid,
    ALTER COLUMN professional_id TYPE uuid USING professional_id::uuid,
    ALTER COLUMN set_by TYPE uuid USING set_by::uuid;

DO $$
DECLARE
    key RECORD;
BEGIN
    FOR key IN SELECT * FROM uuid_ids_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', key.on_table, key.name, key.definition);
    END LOOP;
END $$;

-- The stamp a trigger moves names its subject by id, now a uuid.
CREATE OR REPLACE FUNCTION fact_stamps_move() RETURNS trigger LANGUAGE plpgsql AS $$
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
