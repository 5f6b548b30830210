-- Hardening (issue 12): admission control, a guess budget that runs out, and verified steps
-- bound to the credential version they checked.
--
-- One step at a time per challenge: `step_lock` holds the digest of the envelope being
-- processed (taken before any Argon2 work, released when its reply is recorded). Another
-- envelope for the same challenge meanwhile gets 409 155816; a lock older than the claim
-- lease was left by a dead process and may be taken over.
ALTER TABLE challenges ADD COLUMN step_lock TEXT;
ALTER TABLE challenges ADD COLUMN step_lock_at BIGINT NOT NULL DEFAULT 0;
-- The credential versions the challenge's verified steps were checked against (NULL: none).
ALTER TABLE challenges ADD COLUMN pin_version BIGINT;
ALTER TABLE challenges ADD COLUMN answers_version BIGINT;
-- Credential versions, bumped on every change of the PIN / the answers.
ALTER TABLE users ADD COLUMN pin_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN answers_version BIGINT NOT NULL DEFAULT 0;
-- Growing locks and the lifetime cap: locks in a row (no correct guess in between), the
-- consecutive wrong guesses across locks, and whether the credential is disabled.
ALTER TABLE users ADD COLUMN pin_lock_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pin_failed_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pin_disabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN q_lock_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN q_failed_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN q_disabled BIGINT NOT NULL DEFAULT 0;
