-- Consent (suostumus) and the disclosure log (luovutusloki).

CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    -- comma-separated consent-purposes codes
    purposes TEXT NOT NULL,
    method TEXT NOT NULL,
    document_reference TEXT,
    given_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    recorded_by TEXT NOT NULL REFERENCES professionals (id),
    recorded_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    withdrawn_by TEXT REFERENCES professionals (id),
    withdrawal_method TEXT
);
CREATE INDEX consents_client_idx ON consents (client_id, id);

CREATE TABLE consent_organisations (
    consent_id TEXT NOT NULL REFERENCES consents (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (consent_id, organisation_id)
);

-- Every movement of client data to another organisation, with the consent
-- (or statutory basis) that allowed it. Append-only.
CREATE TABLE disclosure_log (
    id TEXT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    client_id TEXT NOT NULL,
    from_organisation_id TEXT NOT NULL,
    to_organisation_id TEXT NOT NULL,
    what TEXT NOT NULL,
    subject_id TEXT,
    basis TEXT NOT NULL,
    consent_id TEXT,
    legal_basis TEXT,
    reason TEXT,
    professional_id TEXT NOT NULL,
    flagged_for_review BOOLEAN NOT NULL,
    request_id TEXT
);
CREATE INDEX disclosure_log_client_idx ON disclosure_log (client_id, at);
CREATE INDEX disclosure_log_flagged_idx ON disclosure_log (flagged_for_review, at);

CREATE TRIGGER disclosure_log_no_update BEFORE UPDATE ON disclosure_log
BEGIN
    SELECT RAISE(ABORT, 'disclosure_log is append-only');
END;
CREATE TRIGGER disclosure_log_no_delete BEFORE DELETE ON disclosure_log
BEGIN
    SELECT RAISE(ABORT, 'disclosure_log is append-only');
END;
