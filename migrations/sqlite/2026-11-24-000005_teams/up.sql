-- Work-ability teams (työkyvyn tuen tiimi) and their members across
-- organisations. A team is also a handover queue: a handover to a team names
-- the team and, for the one-receiver check, its hosting organisation.

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hosting_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    description TEXT,
    kind TEXT NOT NULL,
    frequency TEXT NOT NULL,
    weekday TEXT NOT NULL,
    week_of_month INTEGER,
    anchor_date DATE,
    start_time TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE team_members (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id),
    professional_id TEXT NOT NULL REFERENCES professionals (id),
    role TEXT NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    left_at TIMESTAMP
);
CREATE UNIQUE INDEX team_members_active_key ON team_members (team_id, professional_id) WHERE left_at IS NULL;
CREATE INDEX team_members_professional_idx ON team_members (professional_id) WHERE left_at IS NULL;

ALTER TABLE handovers ADD COLUMN to_team_id TEXT REFERENCES teams (id);
CREATE INDEX handovers_to_team_idx ON handovers (to_team_id, id);
