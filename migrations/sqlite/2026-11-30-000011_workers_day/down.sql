ALTER TABLE access_log DROP COLUMN reason;
ALTER TABLE access_log DROP COLUMN resource_id;
ALTER TABLE access_log DROP COLUMN resource_type;
UPDATE follow_ups SET status = 'done' WHERE status = 'completed';
DROP INDEX follow_ups_owner_idx;
DROP TABLE follow_up_moves;
