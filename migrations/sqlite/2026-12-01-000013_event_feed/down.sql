DROP TRIGGER domain_events_sequence;
DROP INDEX domain_events_position_idx;
ALTER TABLE domain_events DROP COLUMN seq;
ALTER TABLE domain_events DROP COLUMN tx;
