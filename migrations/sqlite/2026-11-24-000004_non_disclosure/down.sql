ALTER TABLE clients DROP COLUMN non_disclosure;
