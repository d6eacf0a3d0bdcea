-- Non-disclosure for personal safety (turvakielto).
ALTER TABLE clients ADD COLUMN non_disclosure BOOLEAN NOT NULL DEFAULT FALSE;
