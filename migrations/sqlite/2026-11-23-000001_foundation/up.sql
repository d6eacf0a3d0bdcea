-- Foundation: organisations, professionals, clients, client relationships
-- (asiakkuus) and the access log (käyttöloki). Ids are UUIDv7 stored as text
-- so that one diesel code path serves SQLite and PostgreSQL.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    business_id TEXT,
    municipality TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE organisation_external_refs (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, system),
    CONSTRAINT organisation_external_refs_system_external_id_key UNIQUE (system, external_id)
);

CREATE TABLE professionals (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    title TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    roles TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    deactivated_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX professionals_organisation_id_idx ON professionals (organisation_id, id);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    -- henkilötunnus: never in a URL or a log line
    hetu TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    street_address TEXT,
    postal_code TEXT,
    city TEXT,
    preferred_language TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT clients_hetu_key UNIQUE (hetu)
);

CREATE TABLE client_relationships (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    is_primary BOOLEAN NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    created_by TEXT NOT NULL REFERENCES professionals (id),
    created_at TIMESTAMP NOT NULL
);
-- One active relationship per organisation, one active primary per client.
CREATE UNIQUE INDEX client_relationships_active_org_key
    ON client_relationships (client_id, organisation_id) WHERE ended_on IS NULL;
CREATE UNIQUE INDEX client_relationships_active_primary_key
    ON client_relationships (client_id) WHERE is_primary AND ended_on IS NULL;
CREATE INDEX client_relationships_org_active_idx
    ON client_relationships (organisation_id, client_id) WHERE ended_on IS NULL;

-- Access log (käyttöloki): who touched which client's data, when, why, and
-- the outcome. Append-only; client_id has no foreign key so that denied
-- attempts on ids that do not exist are logged too.
CREATE TABLE access_log (
    id TEXT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    professional_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    client_id TEXT,
    operation TEXT NOT NULL,
    basis TEXT,
    outcome TEXT NOT NULL,
    request_id TEXT
);
CREATE INDEX access_log_client_idx ON access_log (client_id, at);
CREATE INDEX access_log_professional_idx ON access_log (professional_id, at);

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
