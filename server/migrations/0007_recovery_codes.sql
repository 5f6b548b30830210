-- Recovery codes (issue 10). Portable SQL: runs unchanged on SQLite and PostgreSQL.
--
-- A recovery credential is what the server keeps of a recovery key: the P-256 public key and the
-- private key wrapped (AES-256-GCM) under a key derived on the device from a code the server
-- never sees. Nothing here lets the code or the private key be recovered without the code.
-- `method` is RECOVERY_CODE (a later CLOUD_BACKUP uses the same rows, with a PENDING status until
-- the device acknowledges the cloud write). `status`: ACTIVE (usable), REPLACED (a newer version
-- became active), BURNT (used for a recovery). At most one ACTIVE row per (user, method).
CREATE TABLE recovery_credentials (
    user_id TEXT NOT NULL,
    method TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    public_key TEXT NOT NULL,
    wrapped_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, method, version)
);
CREATE INDEX recovery_credentials_status ON recovery_credentials (user_id, method, status);

-- What a SET_RECOVERY_CODE or RESTORE_PIN-by-code challenge is bound to: the credential version
-- (the new one, or the active one at creation) and its single-use server nonce (marked used when
-- a proof with it verifies).
CREATE TABLE recovery_challenges (
    challenge_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    method TEXT NOT NULL,
    version BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    nonce_used_at BIGINT
);

-- RESTORE_PIN: which method recovers (NULL = security questions); reported on the challenge and
-- in its webhooks.
ALTER TABLE challenges ADD COLUMN recovery_method TEXT;
