-- Envelope claims get a lease. A claim (`http_status = 0`) records when it was taken
-- (`claimed_at`); a claim older than the server's `--claim-lease` was left by a process that
-- died mid-request and may be taken over by a resend of the identical envelope (one
-- conditional UPDATE, so exactly one resend takes it over). `guess_reserved` is set in the same
-- transaction that reserves a guess for this envelope, so a takeover never reserves a second
-- guess for it (and the dead attempt's reserved guess stays counted).
ALTER TABLE envelope_replies ADD COLUMN claimed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE envelope_replies ADD COLUMN guess_reserved BIGINT NOT NULL DEFAULT 0;
-- Claims older than this migration are treated as unknown: not reserved (a takeover may then
-- count one more guess, never one less).
UPDATE envelope_replies SET claimed_at = created_at;
