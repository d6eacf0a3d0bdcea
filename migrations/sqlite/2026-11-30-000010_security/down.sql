DROP TABLE instance_secrets;
ALTER TABLE client_relationships DROP COLUMN entered_details;
ALTER TABLE client_relationships DROP COLUMN shares_record;
ALTER TABLE client_relationships DROP COLUMN reason;
ALTER TABLE client_relationships DROP COLUMN basis;
