-- Each list's filter and sort behind one index, so that a page reads only
-- its rows: the access log and the disclosure log list by id (their
-- cursor) for a client, a professional or the entries flagged for review,
-- and a subscription's deliveries list newest first. The log indexes on
-- (…, at) served the filter only and made every page sort all of a
-- client's entries; they are replaced, not joined, on the tables every
-- read writes to.
DROP INDEX access_log_client_idx;
CREATE INDEX access_log_client_idx ON access_log (client_id, id);
DROP INDEX access_log_professional_idx;
CREATE INDEX access_log_professional_idx ON access_log (professional_id, id);
DROP INDEX disclosure_log_client_idx;
CREATE INDEX disclosure_log_client_idx ON disclosure_log (client_id, id);
DROP INDEX disclosure_log_flagged_idx;
CREATE INDEX disclosure_log_flagged_idx ON disclosure_log (flagged_for_review, id);
CREATE INDEX disclosure_log_professional_idx ON disclosure_log (professional_id, id);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);
