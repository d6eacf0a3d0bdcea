-- Work-ability support plans (työkyvyn tuen suunnitelma), versioned per
-- client, and their follow-ups (seuranta). A version's content is one JSON
-- document: it is written and read whole and never changes once published.
-- What lists and the caseload query by are columns.
CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    -- 1, 2, 3 … per client, in order of creation
    number INTEGER NOT NULL,
    status TEXT NOT NULL,
    -- JSON document: goals, client's view, services, responsibilities, participants
    content TEXT NOT NULL,
    -- copied out of the content for lists; warnings are computed from it
    follow_up_on DATE,
    warnings_acknowledged BOOLEAN NOT NULL DEFAULT FALSE,
    based_on TEXT REFERENCES plans (id),
    created_by TEXT NOT NULL REFERENCES professionals (id),
    created_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL REFERENCES professionals (id),
    updated_at TIMESTAMP NOT NULL,
    published_by TEXT REFERENCES professionals (id),
    published_at TIMESTAMP,
    superseded_at TIMESTAMP,
    superseded_by TEXT REFERENCES plans (id),
    -- the row version behind ETag / If-Match
    revision BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX plans_number_key ON plans (client_id, number);
-- One draft and one plan in force per client at a time.
CREATE UNIQUE INDEX plans_one_draft_key ON plans (client_id) WHERE status = 'draft';
CREATE UNIQUE INDEX plans_one_published_key ON plans (client_id) WHERE status = 'published';

CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    plan_id TEXT REFERENCES plans (id),
    source TEXT NOT NULL,
    responsibility_id TEXT,
    owner_id TEXT NOT NULL REFERENCES professionals (id),
    description TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    created_by TEXT NOT NULL REFERENCES professionals (id),
    created_at TIMESTAMP NOT NULL,
    closed_by TEXT REFERENCES professionals (id),
    closed_at TIMESTAMP
);
CREATE INDEX follow_ups_client_idx ON follow_ups (client_id, due_on, id);
-- The caseload's "next follow-up" per client reads only open ones.
CREATE INDEX follow_ups_open_idx ON follow_ups (client_id, due_on) WHERE status = 'open';
CREATE INDEX follow_ups_owner_open_idx ON follow_ups (owner_id, due_on) WHERE status = 'open';
