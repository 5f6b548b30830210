-- Hardening (issue 12): revocable sessions, dead-lettered webhook deliveries, signing-key rotation.

-- A revoked session keeps its row (so a revoked token answers 155104, not 155103) until the
-- sweep deletes it with the expired ones. Every request re-reads `revoked_at` (the cache never
-- outlives a revocation, also with several instances on one database).
ALTER TABLE sessions ADD COLUMN revoked_at BIGINT;
CREATE INDEX sessions_user ON sessions (user_id);

-- A delivery that ran out of attempts (or age) is dead: `dead_at` set, no longer retried, listed
-- by the developer API and replayable. `key_id` is the signing key of the latest attempt.
ALTER TABLE outbox ADD COLUMN dead_at BIGINT;
ALTER TABLE outbox ADD COLUMN key_id TEXT;
CREATE INDEX outbox_subscription ON outbox (subscription_id);

-- Signing-key rotation: the newest key signs; an older key is `retired_at` its replacement and
-- still published until no delivery signed with it is pending (then for the retention period).
ALTER TABLE signing_keys ADD COLUMN retired_at BIGINT;
