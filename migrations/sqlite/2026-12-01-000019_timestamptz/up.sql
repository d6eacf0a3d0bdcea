-- SQLite has no time-zone type: its times stay ISO 8601 text in UTC. This
-- version exists on both backends so that their histories stay alike.
SELECT 1;
