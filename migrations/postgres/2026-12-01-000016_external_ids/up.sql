-- Identifiers a client or professional has in an organisation's own system
-- (Sofia CRM, Lifecare, the TYP registry): set by the organisation's
-- integration account, seen only by the organisation. In one organisation a
-- system's value names one subject, and a subject has one value per system.
CREATE TABLE external_ids (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    system TEXT NOT NULL,
    value TEXT NOT NULL,
    set_by TEXT NOT NULL REFERENCES professionals (id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, subject_kind, system, value),
    UNIQUE (organisation_id, subject_kind, subject_id, system)
);
CREATE INDEX external_ids_subject_idx ON external_ids (subject_id);
CREATE INDEX external_ids_set_by_idx ON external_ids (set_by);
