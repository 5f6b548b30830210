-- Cloud backup (issue 10). Portable SQL: runs unchanged on SQLite and PostgreSQL.
--
-- A cloud backup is a recovery credential with method CLOUD_BACKUP in the same
-- `recovery_credentials` rows as recovery codes (public key + wrapped private key); the key that
-- wraps it lives in the user's own cloud. It is set up in two phases: REGISTER_CLOUD_BACKUP
-- stores the new version as PENDING (not usable), the device writes the key to the cloud and
-- reads it back, then COMPLETE acknowledges it: in one transaction the PENDING row becomes
-- ACTIVE, the previous ACTIVE one REPLACED and any other PENDING one ABANDONED. A set-up that
-- stops between the phases leaves the previous version ACTIVE. Statuses now: PENDING, ACTIVE,
-- REPLACED, BURNT (recovery codes only), ABANDONED (a pending version that never became active).
--
-- `challenge_id`: the SET_CLOUD_BACKUP challenge that registered a PENDING version (only that
-- challenge can acknowledge it; cancelling it abandons the version). `acknowledged_at`: when a
-- cloud backup was acknowledged (NULL for recovery codes, which are active when stored).
ALTER TABLE recovery_credentials ADD COLUMN challenge_id TEXT;
ALTER TABLE recovery_credentials ADD COLUMN acknowledged_at BIGINT;
CREATE INDEX recovery_credentials_challenge ON recovery_credentials (challenge_id);
