DROP TRIGGER access_log_append_only ON access_log;
DROP FUNCTION access_log_is_append_only();
DROP TABLE access_log;
DROP TABLE client_relationships;
DROP TABLE clients;
DROP TABLE professionals;
DROP TABLE organisation_external_refs;
DROP TABLE organisations;
