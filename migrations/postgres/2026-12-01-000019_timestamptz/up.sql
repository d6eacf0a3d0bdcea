-- Times as a DBA expects them on PostgreSQL: instants (`timestamptz`), not
-- wall-clock readings. Kyky has always stored UTC, so each value is read as
-- UTC. One rewrite per table.
ALTER TABLE access_log
    ALTER COLUMN at TYPE timestamptz USING at AT TIME ZONE 'UTC';
ALTER TABLE assessments
    ALTER COLUMN opened_at TYPE timestamptz USING opened_at AT TIME ZONE 'UTC',
    ALTER COLUMN started_at TYPE timestamptz USING started_at AT TIME ZONE 'UTC',
    ALTER COLUMN completed_at TYPE timestamptz USING completed_at AT TIME ZONE 'UTC',
    ALTER COLUMN cancelled_at TYPE timestamptz USING cancelled_at AT TIME ZONE 'UTC';
ALTER TABLE client_relationships
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
ALTER TABLE clients
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
ALTER TABLE consents
    ALTER COLUMN given_at TYPE timestamptz USING given_at AT TIME ZONE 'UTC',
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at AT TIME ZONE 'UTC',
    ALTER COLUMN recorded_at TYPE timestamptz USING recorded_at AT TIME ZONE 'UTC',
    ALTER COLUMN withdrawn_at TYPE timestamptz USING withdrawn_at AT TIME ZONE 'UTC';
ALTER TABLE contact_requests
    ALTER COLUMN received_at TYPE timestamptz USING received_at AT TIME ZONE 'UTC',
    ALTER COLUMN triaged_at TYPE timestamptz USING triaged_at AT TIME ZONE 'UTC';
ALTER TABLE disclosure_log
    ALTER COLUMN at TYPE timestamptz USING at AT TIME ZONE 'UTC';
ALTER TABLE domain_events
    ALTER COLUMN occurred_at TYPE timestamptz USING occurred_at AT TIME ZONE 'UTC';
ALTER TABLE external_ids
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
ALTER TABLE follow_up_moves
    ALTER COLUMN moved_at TYPE timestamptz USING moved_at AT TIME ZONE 'UTC';
ALTER TABLE follow_ups
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN closed_at TYPE timestamptz USING closed_at AT TIME ZONE 'UTC';
ALTER TABLE handovers
    ALTER COLUMN proposed_at TYPE timestamptz USING proposed_at AT TIME ZONE 'UTC',
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at AT TIME ZONE 'UTC',
    ALTER COLUMN decided_at TYPE timestamptz USING decided_at AT TIME ZONE 'UTC';
ALTER TABLE idempotency_keys
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
ALTER TABLE instance_secrets
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
ALTER TABLE organisations
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
ALTER TABLE plans
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC',
    ALTER COLUMN published_at TYPE timestamptz USING published_at AT TIME ZONE 'UTC',
    ALTER COLUMN superseded_at TYPE timestamptz USING superseded_at AT TIME ZONE 'UTC';
ALTER TABLE professionals
    ALTER COLUMN deactivated_at TYPE timestamptz USING deactivated_at AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
ALTER TABLE referrals
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN sent_at TYPE timestamptz USING sent_at AT TIME ZONE 'UTC',
    ALTER COLUMN decided_at TYPE timestamptz USING decided_at AT TIME ZONE 'UTC',
    ALTER COLUMN withdrawn_at TYPE timestamptz USING withdrawn_at AT TIME ZONE 'UTC';
ALTER TABLE responsibility_periods
    ALTER COLUMN started_at TYPE timestamptz USING started_at AT TIME ZONE 'UTC',
    ALTER COLUMN ended_at TYPE timestamptz USING ended_at AT TIME ZONE 'UTC';
ALTER TABLE responsibility_requests
    ALTER COLUMN requested_at TYPE timestamptz USING requested_at AT TIME ZONE 'UTC',
    ALTER COLUMN answered_at TYPE timestamptz USING answered_at AT TIME ZONE 'UTC';
ALTER TABLE sign_in_identities
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
ALTER TABLE team_members
    ALTER COLUMN joined_at TYPE timestamptz USING joined_at AT TIME ZONE 'UTC',
    ALTER COLUMN left_at TYPE timestamptz USING left_at AT TIME ZONE 'UTC';
ALTER TABLE teams
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
ALTER TABLE webhook_attempts
    ALTER COLUMN attempted_at TYPE timestamptz USING attempted_at AT TIME ZONE 'UTC';
ALTER TABLE webhook_deliveries
    ALTER COLUMN next_attempt_at TYPE timestamptz USING next_attempt_at AT TIME ZONE 'UTC',
    ALTER COLUMN claimed_until TYPE timestamptz USING claimed_until AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';
ALTER TABLE webhook_subscriptions
    ALTER COLUMN previous_secret_until TYPE timestamptz USING previous_secret_until AT TIME ZONE 'UTC',
    ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC',
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at AT TIME ZONE 'UTC';
ALTER TABLE work_pair_periods
    ALTER COLUMN started_at TYPE timestamptz USING started_at AT TIME ZONE 'UTC',
    ALTER COLUMN ended_at TYPE timestamptz USING ended_at AT TIME ZONE 'UTC';
