-- Responsible worker (vastuutyöntekijä), work pair (työpari), escorted
-- handovers (saattaen vaihtaen), requests for responsibility and the domain
-- events later published to integrators.

CREATE TABLE responsibility_periods (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    professional_id TEXT NOT NULL REFERENCES professionals (id),
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    origin TEXT NOT NULL,
    handover_id TEXT
);
-- Exactly one open period per client: never two responsible workers.
CREATE UNIQUE INDEX responsibility_periods_open_key ON responsibility_periods (client_id) WHERE ended_at IS NULL;
CREATE INDEX responsibility_periods_professional_open_idx
    ON responsibility_periods (professional_id, client_id) WHERE ended_at IS NULL;
CREATE INDEX responsibility_periods_client_idx ON responsibility_periods (client_id, started_at);

CREATE TABLE work_pair_periods (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    professional_id TEXT NOT NULL REFERENCES professionals (id),
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    set_by TEXT NOT NULL REFERENCES professionals (id)
);
CREATE UNIQUE INDEX work_pair_periods_open_key ON work_pair_periods (client_id) WHERE ended_at IS NULL;
CREATE INDEX work_pair_periods_professional_open_idx
    ON work_pair_periods (professional_id, client_id) WHERE ended_at IS NULL;

CREATE TABLE handovers (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    status TEXT NOT NULL,
    from_professional_id TEXT NOT NULL REFERENCES professionals (id),
    proposed_by TEXT NOT NULL REFERENCES professionals (id),
    to_professional_id TEXT REFERENCES professionals (id),
    to_organisation_id TEXT REFERENCES organisations (id),
    summary TEXT NOT NULL,
    reason TEXT NOT NULL,
    return_to_referrer BOOLEAN NOT NULL,
    network_meeting_id TEXT,
    proposed_work_pair_id TEXT REFERENCES professionals (id),
    proposed_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    decided_at TIMESTAMP,
    decided_by TEXT REFERENCES professionals (id),
    decline_reason TEXT,
    cancel_reason TEXT,
    CONSTRAINT handovers_one_receiver CHECK ((to_professional_id IS NULL) <> (to_organisation_id IS NULL))
);
-- At most one pending handover per client; also the last guard against races.
CREATE UNIQUE INDEX handovers_one_pending_key ON handovers (client_id) WHERE status = 'pending';
CREATE INDEX handovers_to_professional_idx ON handovers (to_professional_id, id);
CREATE INDEX handovers_to_organisation_idx ON handovers (to_organisation_id, id);
CREATE INDEX handovers_proposed_by_idx ON handovers (proposed_by, id);
CREATE INDEX handovers_from_professional_idx ON handovers (from_professional_id, id);
CREATE INDEX handovers_client_idx ON handovers (client_id, id);

-- The information package: what travels with the responsibility.
CREATE TABLE handover_package_items (
    handover_id TEXT NOT NULL REFERENCES handovers (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (handover_id, position)
);

CREATE TABLE responsibility_requests (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    requested_by TEXT NOT NULL REFERENCES professionals (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    answered_by TEXT REFERENCES professionals (id),
    answered_at TIMESTAMP,
    refusal_reason TEXT,
    handover_id TEXT REFERENCES handovers (id)
);
CREATE UNIQUE INDEX responsibility_requests_one_pending_key ON responsibility_requests (client_id) WHERE status = 'pending';
CREATE INDEX responsibility_requests_client_idx ON responsibility_requests (client_id, id);

-- Domain events, kept for publishing to integrators.
CREATE TABLE domain_events (
    id TEXT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    client_id TEXT,
    subject_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX domain_events_client_idx ON domain_events (client_id, id);

-- Clients created before this migration: whoever recorded the primary
-- relationship becomes responsible, so that no client is without one.
INSERT INTO responsibility_periods (id, client_id, professional_id, started_at, origin)
SELECT 'initial-' || r.client_id, r.client_id, r.created_by, r.created_at, 'initial'
FROM client_relationships r
WHERE r.is_primary AND r.ended_on IS NULL;
