-- Closing the holes an outside probe found.

-- The logs are append-only against TRUNCATE too: a statement-level trigger,
-- since row triggers never fire for TRUNCATE.
CREATE TRIGGER access_log_no_truncate
    BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_is_append_only();
CREATE TRIGGER disclosure_log_no_truncate
    BEFORE TRUNCATE ON disclosure_log
    FOR EACH STATEMENT EXECUTE FUNCTION disclosure_log_is_append_only();

-- Why an organisation is the client's: the basis (relationship-bases) and a
-- reason. A relationship an organisation declared itself on a client another
-- organisation registered does not share the client record
-- (shares_record = FALSE): the organisation sees only what it entered
-- (entered_details, JSON) until consent or an escorted path brings it in.
ALTER TABLE client_relationships ADD COLUMN basis TEXT NOT NULL DEFAULT 'client_contact';
ALTER TABLE client_relationships ADD COLUMN reason TEXT;
ALTER TABLE client_relationships ADD COLUMN shares_record BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE client_relationships ADD COLUMN entered_details TEXT;

-- Keys the processes of one deployment share, e.g. for signing list cursors.
-- Made once by whichever process starts first.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
