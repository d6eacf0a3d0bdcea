-- Back to text ids (the periods' former `initial-` ids are not restored).
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

ALTER TABLE access_log
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN professional_id TYPE TEXT,
    ALTER COLUMN organisation_id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN resource_id TYPE TEXT;
ALTER TABLE assessments
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN team_id TYPE TEXT,
    ALTER COLUMN referral_id TYPE TEXT,
    ALTER COLUMN opened_by TYPE TEXT,
    ALTER COLUMN decided_by TYPE TEXT,
    ALTER COLUMN feedback_handover_id TYPE TEXT;
ALTER TABLE client_relationships
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN organisation_id TYPE TEXT,
    ALTER COLUMN created_by TYPE TEXT;
ALTER TABLE clients
    ALTER COLUMN id TYPE TEXT;
ALTER TABLE consent_organisations
    ALTER COLUMN consent_id TYPE TEXT,
    ALTER COLUMN organisation_id TYPE TEXT;
ALTER TABLE consents
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN recorded_by TYPE TEXT,
    ALTER COLUMN withdrawn_by TYPE TEXT;
ALTER TABLE contact_requests
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN team_id TYPE TEXT,
    ALTER COLUMN received_by TYPE TEXT,
    ALTER COLUMN triaged_by TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN assessment_id TYPE TEXT;
ALTER TABLE disclosure_log
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN from_organisation_id TYPE TEXT,
    ALTER COLUMN to_organisation_id TYPE TEXT,
    ALTER COLUMN subject_id TYPE TEXT,
    ALTER COLUMN consent_id TYPE TEXT,
    ALTER COLUMN professional_id TYPE TEXT;
ALTER TABLE domain_events
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN subject_id TYPE TEXT,
    ALTER COLUMN actor_id TYPE TEXT;
ALTER TABLE external_ids
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN organisation_id TYPE TEXT,
    ALTER COLUMN subject_id TYPE TEXT,
    ALTER COLUMN set_by TYPE TEXT;
ALTER TABLE fact_stamps
    ALTER COLUMN subject TYPE TEXT;
ALTER TABLE follow_up_moves
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN follow_up_id TYPE TEXT,
    ALTER COLUMN from_owner_id TYPE TEXT,
    ALTER COLUMN to_owner_id TYPE TEXT,
    ALTER COLUMN handover_id TYPE TEXT,
    ALTER COLUMN moved_by TYPE TEXT;
ALTER TABLE follow_ups
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN plan_id TYPE TEXT,
    ALTER COLUMN responsibility_id TYPE TEXT,
    ALTER COLUMN owner_id TYPE TEXT,
    ALTER COLUMN created_by TYPE TEXT,
    ALTER COLUMN closed_by TYPE TEXT;
ALTER TABLE handover_package_items
    ALTER COLUMN handover_id TYPE TEXT;
ALTER TABLE handovers
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN from_professional_id TYPE TEXT,
    ALTER COLUMN proposed_by TYPE TEXT,
    ALTER COLUMN to_professional_id TYPE TEXT,
    ALTER COLUMN to_organisation_id TYPE TEXT,
    ALTER COLUMN proposed_work_pair_id TYPE TEXT,
    ALTER COLUMN decided_by TYPE TEXT,
    ALTER COLUMN to_team_id TYPE TEXT;
ALTER TABLE idempotency_keys
    ALTER COLUMN caller_id TYPE TEXT;
ALTER TABLE organisation_external_refs
    ALTER COLUMN organisation_id TYPE TEXT;
ALTER TABLE organisations
    ALTER COLUMN id TYPE TEXT;
ALTER TABLE plans
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN based_on TYPE TEXT,
    ALTER COLUMN created_by TYPE TEXT,
    ALTER COLUMN updated_by TYPE TEXT,
    ALTER COLUMN published_by TYPE TEXT,
    ALTER COLUMN superseded_by TYPE TEXT;
ALTER TABLE professionals
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN organisation_id TYPE TEXT;
ALTER TABLE referrals
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN team_id TYPE TEXT,
    ALTER COLUMN referred_by TYPE TEXT,
    ALTER COLUMN decided_by TYPE TEXT;
ALTER TABLE responsibility_periods
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN professional_id TYPE TEXT,
    ALTER COLUMN handover_id TYPE TEXT;
ALTER TABLE responsibility_requests
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN requested_by TYPE TEXT,
    ALTER COLUMN answered_by TYPE TEXT,
    ALTER COLUMN handover_id TYPE TEXT;
ALTER TABLE sign_in_identities
    ALTER COLUMN professional_id TYPE TEXT;
ALTER TABLE team_members
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN team_id TYPE TEXT,
    ALTER COLUMN professional_id TYPE TEXT;
ALTER TABLE teams
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN hosting_organisation_id TYPE TEXT;
ALTER TABLE webhook_attempts
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN delivery_id TYPE TEXT;
ALTER TABLE webhook_deliveries
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN subscription_id TYPE TEXT,
    ALTER COLUMN event_id TYPE TEXT;
ALTER TABLE webhook_subscriptions
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN organisation_id TYPE TEXT,
    ALTER COLUMN account_id TYPE TEXT,
    ALTER COLUMN created_by TYPE TEXT;
ALTER TABLE work_pair_periods
    ALTER COLUMN id TYPE TEXT,
    ALTER COLUMN client_id TYPE TEXT,
    ALTER COLUMN professional_id TYPE TEXT,
    ALTER COLUMN set_by TYPE TEXT;

DO $$
DECLARE
    key RECORD;
BEGIN
    FOR key IN SELECT * FROM uuid_ids_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', key.on_table, key.name, key.definition);
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION fact_stamps_move() RETURNS trigger LANGUAGE plpgsql AS $$
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
