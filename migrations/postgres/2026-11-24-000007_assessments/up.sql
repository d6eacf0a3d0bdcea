-- Health and work-ability assessments (terveydentilan ja työkyvyn arvio) and
-- their feedback (palaute). Times are kept for waiting-time statistics.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    referral_id TEXT REFERENCES referrals (id),
    status TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    opened_by TEXT NOT NULL REFERENCES professionals (id),
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    decided_by TEXT REFERENCES professionals (id),
    health_factors TEXT,
    recommended_path TEXT,
    physician_statement BOOLEAN,
    summary TEXT,
    cancel_reason TEXT,
    feedback_handover_id TEXT REFERENCES handovers (id)
);
CREATE INDEX assessments_client_idx ON assessments (client_id, id);
CREATE UNIQUE INDEX assessments_referral_key ON assessments (referral_id);
