-- Circle drop-in (issue 14): what Circle's user-controlled-wallets API carries that Latchkey did
-- not store yet. Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Wallet metadata (Circle's `name` and `refId`): set by `metadata` on POST /v1/w3s/user/wallets
-- and /v1/w3s/user/initialize (applied when the challenge completes) and by
-- PUT /v1/w3s/wallets/{id}; `refId` is also a filter of GET /v1/w3s/wallets.
ALTER TABLE wallets ADD COLUMN name TEXT;
ALTER TABLE wallets ADD COLUMN ref_id TEXT;

-- The `metadata` list of a wallet-creating challenge (JSON `[{"name", "refId"}]`, one entry per
-- blockchain in the request's order), applied to the wallets the completion creates.
ALTER TABLE challenges ADD COLUMN wallet_metadata TEXT;

-- Circle's subscription fields: a name and an on/off switch (a disabled subscription gets no
-- new notifications), and when either last changed.
ALTER TABLE subscriptions ADD COLUMN name TEXT;
ALTER TABLE subscriptions ADD COLUMN disabled_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN updated_at BIGINT;
