-- Low-threshold entry: contact requests to a team without a referral.
CREATE TABLE contact_requests (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id),
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    preferred_time TEXT,
    message TEXT,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    received_by TEXT NOT NULL REFERENCES professionals (id),
    received_at TIMESTAMP NOT NULL,
    triaged_by TEXT REFERENCES professionals (id),
    triaged_at TIMESTAMP,
    close_reason TEXT,
    client_id TEXT REFERENCES clients (id),
    assessment_id TEXT REFERENCES assessments (id)
);
CREATE INDEX contact_requests_team_idx ON contact_requests (team_id, status, id);
