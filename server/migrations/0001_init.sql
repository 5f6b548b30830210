-- Latchkey reference server schema. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Times are Unix milliseconds (BIGINT); secrets are never stored in clear: tokens and API keys
-- as SHA-256 digests, PINs and answers as Argon2id verifiers, keys wrapped with the pepper.

CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    pin_verifier TEXT,
    pin_failed BIGINT NOT NULL DEFAULT 0,
    pin_locked_at BIGINT,
    pin_locked_until BIGINT,
    questions TEXT,
    answers_verifier TEXT,
    q_failed BIGINT NOT NULL DEFAULT 0,
    q_locked_at BIGINT,
    q_locked_until BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    wrapped_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE challenges (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    verified_steps TEXT NOT NULL,
    error_code BIGINT,
    error_message TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_user ON challenges (user_id, status);
CREATE INDEX challenges_expiry ON challenges (status, expires_at);

CREATE TABLE envelope_replies (
    challenge_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    http_status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (challenge_id, digest)
);

CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    http_status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    notification_types TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE outbox (
    notification_id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_status BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (delivered_at, next_attempt_at);

CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    wrapped_pkcs8 TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
