-- Webhook subscriptions (Standard Webhooks 1.0): an organisation's system
-- is sent the events its integration account may read. `after_tx` and
-- `after_seq` are how far through the event feed the subscription has been
-- given its deliveries.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    account_id TEXT NOT NULL REFERENCES professionals (id),
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    description TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    status TEXT NOT NULL,
    disabled_reason TEXT,
    after_tx BIGINT NOT NULL,
    after_seq BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES professionals (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_subscriptions_organisation_idx ON webhook_subscriptions (organisation_id, id);
CREATE INDEX webhook_subscriptions_account_idx ON webhook_subscriptions (account_id);
CREATE INDEX webhook_subscriptions_created_by_idx ON webhook_subscriptions (created_by);

-- One event for one subscription. A process claims a due delivery until
-- `claimed_until` (several processes on one database attempt each once).
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id),
    event_id TEXT NOT NULL REFERENCES domain_events (id),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    failures_in_row INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- Every attempt, for the delivery log.
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at TIMESTAMP NOT NULL,
    response_status INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
