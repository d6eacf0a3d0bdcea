DROP TABLE instance_secrets;
ALTER TABLE client_relationships DROP COLUMN entered_details;
ALTER TABLE client_relationships DROP COLUMN shares_record;
ALTER TABLE client_relationships DROP COLUMN reason;
ALTER TABLE client_relationships DROP COLUMN basis;
DROP TRIGGER disclosure_log_no_truncate ON disclosure_log;
DROP TRIGGER access_log_no_truncate ON access_log;
