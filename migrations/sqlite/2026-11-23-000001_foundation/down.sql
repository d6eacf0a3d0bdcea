DROP TRIGGER access_log_no_delete;
DROP TRIGGER access_log_no_update;
DROP TABLE access_log;
DROP TABLE client_relationships;
DROP TABLE clients;
DROP TABLE professionals;
DROP TABLE organisation_external_refs;
DROP TABLE organisations;
