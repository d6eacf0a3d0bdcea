DROP TRIGGER disclosure_log_append_only ON disclosure_log;
DROP FUNCTION disclosure_log_is_append_only();
DROP TABLE disclosure_log;
DROP TABLE consent_organisations;
DROP TABLE consents;
