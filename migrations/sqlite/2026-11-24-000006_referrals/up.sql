-- Referrals (lähete) to work-ability teams. The times are kept so that
-- statistics can report waiting times.
CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    referred_by TEXT NOT NULL REFERENCES professionals (id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    health_factors TEXT,
    social_factors TEXT,
    -- JSON arrays
    questions TEXT NOT NULL,
    attachments TEXT NOT NULL,
    urgency TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    decided_at TIMESTAMP,
    decided_by TEXT REFERENCES professionals (id),
    return_reason TEXT,
    withdrawn_at TIMESTAMP
);
CREATE INDEX referrals_team_idx ON referrals (team_id, status, id);
CREATE INDEX referrals_client_idx ON referrals (client_id, id);
