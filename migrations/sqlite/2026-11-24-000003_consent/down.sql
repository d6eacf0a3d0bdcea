DROP TRIGGER disclosure_log_no_delete;
DROP TRIGGER disclosure_log_no_update;
DROP TABLE disclosure_log;
DROP TABLE consent_organisations;
DROP TABLE consents;
