-- The event feed's order. SQLite has one writer at a time, so the order
-- events are written in is the order they commit in: a number one past the
-- largest, given as each row is inserted, is gap-free. `tx` is always 0
-- here; on PostgreSQL it is the writing transaction's id.
ALTER TABLE domain_events ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE domain_events ADD COLUMN seq BIGINT;
UPDATE domain_events SET seq = (SELECT count(*) FROM domain_events older WHERE older.id <= domain_events.id);
CREATE UNIQUE INDEX domain_events_position_idx ON domain_events (tx, seq);
CREATE TRIGGER domain_events_sequence AFTER INSERT ON domain_events
WHEN NEW.seq IS NULL
BEGIN
    UPDATE domain_events
    SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM domain_events WHERE tx = 0)
    WHERE id = NEW.id;
END;
