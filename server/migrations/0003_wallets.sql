-- Wallets behind the PIN (issue 9). Portable SQL: runs unchanged on SQLite and PostgreSQL.
--
-- One secp256k1 key per user (`wallet_keys`): the 32-byte scalar sealed with AES-256-GCM under
-- the wallet key-encryption key (not the pepper), with the key id and the user id in the
-- associated data. One wallet row per (user, blockchain), all sharing the key's address.
CREATE TABLE wallet_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    sealed_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE wallets (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    blockchain TEXT NOT NULL,
    account_type TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, blockchain)
);
CREATE INDEX wallets_user ON wallets (user_id, created_at);

-- Signing challenges remember their wallet and the canonical request text (what the user
-- reviews, what the review digest covers, what is signed); wallet-creating challenges remember
-- the blockchains (comma-separated) and account type; a completed challenge keeps its result
-- (ChallengeResult JSON: signature, signed transaction, wallet ids).
ALTER TABLE challenges ADD COLUMN wallet_id TEXT;
ALTER TABLE challenges ADD COLUMN sign_request TEXT;
ALTER TABLE challenges ADD COLUMN blockchains TEXT;
ALTER TABLE challenges ADD COLUMN account_type TEXT;
ALTER TABLE challenges ADD COLUMN result TEXT;
