DROP INDEX handovers_to_team_idx;
ALTER TABLE handovers DROP COLUMN to_team_id;
DROP TABLE team_members;
DROP TABLE teams;
