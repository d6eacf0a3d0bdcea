-- A worker's day: follow-ups that move with responsibility, denials on
-- record with their reason, and what each access-log entry touched.

-- Follow-ups belong to the responsibility: when a handover is accepted, the
-- open follow-ups the previous responsible worker owned move to the
-- receiver. Each move is kept, so a follow-up's history says who had it.
CREATE TABLE follow_up_moves (
    id TEXT PRIMARY KEY,
    follow_up_id TEXT NOT NULL REFERENCES follow_ups (id),
    from_owner_id TEXT NOT NULL REFERENCES professionals (id),
    to_owner_id TEXT NOT NULL REFERENCES professionals (id),
    handover_id TEXT REFERENCES handovers (id),
    moved_by TEXT NOT NULL REFERENCES professionals (id),
    moved_at TIMESTAMP NOT NULL
);
CREATE INDEX follow_up_moves_follow_up_idx ON follow_up_moves (follow_up_id, moved_at);
CREATE INDEX follow_up_moves_handover_idx ON follow_up_moves (handover_id);

-- The caller's own follow-ups across clients, by due date (GET /follow-ups).
CREATE INDEX follow_ups_owner_idx ON follow_ups (owner_id, due_on, id);

-- One word for one thing: a follow-up is completed, like an assessment.
UPDATE follow_ups SET status = 'completed' WHERE status = 'done';

-- What an entry touched (a plan, a handover...) and, for a denial, why.
ALTER TABLE access_log ADD COLUMN resource_type TEXT;
ALTER TABLE access_log ADD COLUMN resource_id TEXT;
ALTER TABLE access_log ADD COLUMN reason TEXT;
