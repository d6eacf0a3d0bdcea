-- SQLite keeps ids as their hyphenated text (PostgreSQL's version of this
-- migration makes them `uuid`). The responsibility periods the
-- responsibility migration opened for clients already there
-- (`initial-<client id>`) take their client's id, unique among periods (one
-- each), so that every stored id is a UUID on both backends.
UPDATE responsibility_periods SET id = substr(id, 9) WHERE id LIKE 'initial-%';
