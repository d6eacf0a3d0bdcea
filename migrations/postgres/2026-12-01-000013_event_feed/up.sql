-- The event feed's order: the writing transaction's id, then the event's
-- sequence number. A reader is served only events of transactions older
-- than every transaction still running (the snapshot's xmin), so an event
-- that commits late is never skipped by a cursor that has moved on: the
-- feed is gap-free whatever order concurrent transactions commit in.
ALTER TABLE domain_events ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE domain_events ADD COLUMN seq BIGINT;
CREATE SEQUENCE domain_events_seq OWNED BY domain_events.seq;
-- Events already stored: all older than any running transaction (tx 0), in
-- the order they were recorded.
UPDATE domain_events e SET seq = numbered.n
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM domain_events) numbered
WHERE e.id = numbered.id;
SELECT setval('domain_events_seq', (SELECT coalesce(max(seq), 0) + 1 FROM domain_events), false);
ALTER TABLE domain_events
    ALTER COLUMN seq SET DEFAULT nextval('domain_events_seq'),
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN tx SET DEFAULT pg_current_xact_id()::text::bigint;
CREATE UNIQUE INDEX domain_events_position_idx ON domain_events (tx, seq);
