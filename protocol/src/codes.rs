//! The one table of Latchkey error codes.
//!
//! Numbers Circle publishes for user-controlled wallets are reused where the meaning is the
//! same (1551xx, 1557xx). Conditions of Latchkey's own get numbers from 1558xx. A number is never
//! reused for another meaning.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $name:ident = $num:literal, $status:literal, $text:literal; )*) => {
        /// Every error condition Latchkey reports, client- or server-side.
        ///
        /// Codes from a newer server that this build does not know decode to
        /// [`ErrorCode::Unknown`] carrying the raw number.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $name, )*
            /// A code this build does not know (from a newer server).
            Unknown(u32),
        }

        impl ErrorCode {
            /// Every known code, in table order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$name, )* ];

            /// The numeric code sent on the wire.
            pub fn code(self) -> u32 {
                match self {
                    $( ErrorCode::$name => $num, )*
                    ErrorCode::Unknown(n) => n,
                }
            }

            /// Maps a wire number to a code ([`ErrorCode::Unknown`] when not in the table).
            pub fn from_code(code: u32) -> Self {
                match code {
                    $( $num => ErrorCode::$name, )*
                    n => ErrorCode::Unknown(n),
                }
            }

            /// The HTTP status the reference server answers this code with.
            pub fn http_status(self) -> u16 {
                match self {
                    $( ErrorCode::$name => $status, )*
                    ErrorCode::Unknown(_) => 500,
                }
            }

            /// A short, secret-free English description, safe to show or log.
            pub fn description(self) -> &'static str {
                match self {
                    $( ErrorCode::$name => $text, )*
                    ErrorCode::Unknown(_) => "Unknown error code.",
                }
            }

            /// The variant name (for docs and logs), e.g. `IncorrectPin`.
            pub fn name(self) -> &'static str {
                match self {
                    $( ErrorCode::$name => stringify!($name), )*
                    ErrorCode::Unknown(_) => "Unknown",
                }
            }
        }
    };
}

error_codes! {
    /// A user with this id already exists.
    UserAlreadyExists = 155101, 409, "A user with this id already exists.";
    /// No user with this id.
    UserNotFound = 155102, 404, "User not found.";
    /// The user token is unknown (never issued or revoked).
    TokenNotFound = 155103, 401, "User token not found.";
    /// The user token is older than its time to live; request a new session.
    TokenExpired = 155104, 401, "User token has expired; start a new session.";
    /// The user token is malformed or missing.
    InvalidToken = 155105, 401, "User token is invalid.";
    /// The user has already been initialized (PIN set).
    UserAlreadyInitialized = 155106, 409, "User is already initialized.";
    /// The user already has a PIN.
    PinAlreadySet = 155107, 409, "PIN is already set.";
    /// The user already has security questions.
    SecurityQuestionsAlreadySet = 155108, 409, "Security questions are already set.";
    /// The operation needs a PIN and the user has none.
    PinNotSet = 155110, 409, "PIN is not set.";
    /// The operation needs security questions and the user has none.
    SecurityQuestionsNotSet = 155111, 409, "Security questions are not set.";
    /// The PIN entered is wrong; attempts left are reported with it.
    IncorrectPin = 155112, 400, "The PIN is incorrect.";
    /// One or more answers are wrong; attempts left are reported with it.
    IncorrectAnswers = 155115, 400, "The security answers are incorrect.";
    /// The challenge does not exist, belongs to another user, or cannot take this request.
    InvalidChallenge = 155116, 404, "The challenge is invalid for this request.";
    /// The session encryption key is not base64 of 32 bytes.
    InvalidEncryptionKey = 155118, 400, "The encryption key is invalid.";
    /// PIN use is locked after too many wrong PINs; see the lock expiry.
    PinLocked = 155119, 423, "PIN is locked after too many wrong attempts.";
    /// Answering is locked after too many wrong answers; see the lock expiry.
    SecurityQuestionsLocked = 155120, 423, "Security questions are locked after too many wrong attempts.";
    /// The challenge is past its time to live; start a new one.
    ChallengeExpired = 155121, 410, "The challenge has expired.";
    /// The user cancelled the challenge.
    CancelledByUser = 155701, 400, "Cancelled by the user.";
    /// The PIN confirmation does not match the new PIN.
    PinConfirmationMismatch = 155703, 400, "The PIN confirmation does not match.";
    /// The PIN breaks the PIN rules (repeated or consecutive digits, wrong length).
    InsecurePin = 155704, 400, "The PIN is not allowed: use 6 digits, not all the same and not consecutive.";
    /// The hint contains the answer.
    HintEqualsAnswer = 155705, 400, "The hint must not contain the answer.";
    /// The server could not be reached; retrying later may succeed.
    NetworkError = 155706, 503, "Network error; try again.";
    /// Sealing or opening an envelope failed on this device.
    EncryptionFailed = 155707, 500, "Encryption failed.";
    /// The request body or parameters are malformed.
    InvalidRequest = 155801, 400, "The request is malformed.";
    /// The developer API key is missing or wrong.
    Unauthorized = 155802, 401, "API key missing or invalid.";
    /// The idempotency key was used before with a different request body.
    IdempotencyKeyReused = 155803, 409, "The idempotency key was already used with a different request.";
    /// The challenge already reached a final status (COMPLETE, FAILED or EXPIRED).
    ChallengeNotActive = 155804, 409, "The challenge is already finished.";
    /// A step was submitted out of order (e.g. completion before verification, or another
    /// envelope for a step already verified). Final: resending does not help.
    StepOutOfOrder = 155805, 409, "This step is not allowed at this point of the challenge.";
    /// An answer breaks the answer rules (too short, too long, not a valid date).
    InvalidAnswer = 155806, 400, "The answer is not valid.";
    /// The question selection is wrong (count, duplicates, unknown ids).
    InvalidQuestionSelection = 155807, 400, "The question selection is not valid.";
    /// The envelope could not be opened (tampered, truncated, wrong key, other challenge or step).
    EnvelopeRejected = 155808, 400, "The encrypted payload was rejected.";
    /// Another challenge is already running in this SDK instance.
    ChallengeAlreadyRunning = 155809, 409, "Another challenge is still executing.";
    /// The request body is larger than the server accepts.
    PayloadTooLarge = 155810, 413, "The request is too large.";
    /// The server failed; retrying may succeed.
    InternalError = 155811, 500, "Internal server error.";
    /// The resource or route does not exist.
    NotFound = 155812, 404, "Not found.";
    /// The user has not acknowledged that a lost PIN and answers mean a lost wallet.
    AcknowledgementRequired = 155813, 400, "The recovery warning must be acknowledged.";
    /// The peer speaks a protocol version this build does not support; update the SDK.
    UnsupportedProtocolVersion = 155814, 400, "Unsupported protocol version; update the SDK.";
    /// The input does not fit the current screen (e.g. a PIN on a question screen).
    UnexpectedInput = 155815, 400, "This input does not fit the current screen.";
    /// The identical envelope is still being processed (a resend overtook the first copy);
    /// resend the same envelope after a short wait (the reply carries `Retry-After`).
    StepInProgress = 155816, 409, "This step is still being processed; retry shortly.";
    /// The blockchain is not one Latchkey supports (see `Blockchain`).
    UnknownBlockchain = 155817, 400, "The blockchain is not supported.";
    /// Only `EOA` wallets are supported (`SCA` is known but refused).
    UnsupportedAccountType = 155818, 400, "The account type is not supported; use EOA.";
    /// No such wallet for this user (also for another user's wallet: nothing tells it exists).
    WalletNotFound = 155819, 404, "Wallet not found.";
    /// A hex string is malformed (no `0x`, odd length, not hex digits).
    MalformedHex = 155820, 400, "The hex string is malformed.";
    /// The typed data is not valid EIP-712 (types, primary type, domain or message).
    InvalidTypedData = 155821, 400, "The typed data is not valid EIP-712.";
    /// The transaction's chain id does not belong to the wallet's blockchain.
    ChainIdMismatch = 155822, 400, "The chain id does not match the wallet's blockchain.";
    /// A transaction field is missing or invalid.
    InvalidTransaction = 155823, 400, "A transaction field is missing or invalid.";
    /// The message to sign is larger than the server accepts.
    MessageTooLarge = 155824, 400, "The message to sign is too large.";
    /// The review digest sent with the PIN does not match the request stored with the
    /// challenge ("what you see is what you sign"); nothing was signed.
    ReviewDigestMismatch = 155825, 409, "What was reviewed differs from what would be signed; nothing was signed.";
    /// The user rejected the signature request on the review screen; nothing was signed.
    UserRejected = 155826, 400, "The user rejected the signature request.";
    /// The webhook endpoint resolves to a loopback, private, link-local, multicast,
    /// unspecified or cloud-metadata address (or does not resolve), and the operator has not
    /// allowed private targets.
    WebhookTargetForbidden = 155840, 400, "The webhook endpoint must resolve to a public address.";
    /// The server is at capacity (the queue for PIN/answer checks is full, or this user has
    /// too many checks running): nothing was counted or changed; retry after `Retry-After`.
    ServerBusy = 155830, 503, "The server is busy; retry after the time in Retry-After.";
    /// The PIN or the security answers changed after this challenge verified them (another
    /// challenge changed or restored them): the challenge failed; start a new one.
    CredentialChanged = 155831, 409, "The PIN or security answers changed since this challenge verified them; start a new challenge.";
    /// Too many consecutive wrong PINs in total: the PIN is disabled and only a recovery
    /// (RESTORE_PIN with the security answers) can set a new one.
    PinRecoveryRequired = 155832, 423, "The PIN is disabled after too many wrong attempts; restore it with the security answers.";
    /// Too many consecutive wrong answer sets in total: answering is disabled. Two ways back:
    /// the user sets new questions and answers with the PIN (a SET_SECURITY_QUESTIONS
    /// challenge: CURRENT_PIN, then COMPLETE; this resets the answers' counts), or the operator,
    /// having verified the user's identity, calls
    /// `POST /v1/users/{userId}/securityQuestions/reset` (fresh budget for the same answers).
    AnswersDisabled = 155833, 423, "Security answers are disabled after too many wrong attempts; set new ones with your PIN, or contact support.";
    /// Too many requests from this address or user: retry after `Retry-After`.
    RateLimited = 155834, 429, "Too many requests; retry after the time in Retry-After.";
    /// Circle-compatible API (`/v1/w3s`): the endpoint needs a blockchain connection
    /// (transfers, contract execution, balances, NFTs, fees, nonces, token lookup, address
    /// validation), which Latchkey does not have. Use your own node or indexer.
    CircleNeedsChain = 155850, 400, "Not supported by Latchkey: this Circle endpoint needs a blockchain connection.";
    /// Circle-compatible API: social or email login (device tokens, OTP, token refresh) is not
    /// offered; Latchkey users authenticate with a PIN.
    CircleLoginUnsupported = 155851, 400, "Not supported by Latchkey: social and email login; use PIN users.";
    /// Circle-compatible API: a request field or value Latchkey cannot act on (e.g.
    /// `rawTransaction`, `scaCore`); the message names it.
    CircleFieldUnsupported = 155852, 400, "Not supported by Latchkey: a request field or value cannot be acted on.";
    /// Circle-compatible API: a Circle endpoint Latchkey does not offer (monitored tokens,
    /// entity secret public key, faucet, wallet upgrade).
    CircleEndpointUnsupported = 155853, 400, "Not supported by Latchkey: this Circle endpoint is not offered.";
    /// RESTORE_PIN with `method: RECOVERY_CODE` (or a proof) for a user without an active
    /// recovery code.
    RecoveryCodeNotSet = 155860, 409, "No recovery code is set up for this user.";
    /// The recovery proof (signature over the server nonce) does not verify; counts as a wrong
    /// recovery attempt (`attemptsLeft`).
    IncorrectRecoveryCode = 155861, 400, "The recovery proof does not verify.";
    /// The challenge's recovery nonce was already used by a verified proof.
    RecoveryNonceUsed = 155862, 409, "This recovery nonce was already used; start a new recovery.";
    /// Recovery (questions and codes share the count) is locked after too many wrong attempts.
    RecoveryLocked = 155863, 423, "Recovery is locked after too many wrong attempts.";
    /// Client: the typed recovery code has a typo (the screen names the group).
    RecoveryCodeMalformed = 155864, 400, "The recovery code has a typo.";
    /// Client: the recovery code does not open this account's recovery key. Nothing was sent.
    RecoveryCodeWrong = 155865, 400, "This recovery code does not belong to this account.";
    /// A recovery public key, wrapped key or signature is not in the documented format.
    InvalidRecoveryKey = 155866, 400, "The recovery key material is malformed.";
    /// Another recovery code was set up or used since this challenge began; start again.
    RecoveryCodeChanged = 155867, 409, "The recovery code changed meanwhile; start again.";
    /// The `method` of a RESTORE_PIN request is not one this server knows.
    UnknownRecoveryMethod = 155868, 400, "The recovery method is not supported.";
    /// Client: the retyped group does not match the code shown.
    RecoveryCodeConfirmationMismatch = 155869, 400, "The typed group does not match the recovery code.";
    /// Client: a SET_RECOVERY_CODE challenge resumed after its PIN step; the code shown then
    /// was never stored. Start a new challenge.
    RecoveryCodeSetupInterrupted = 155870, 409, "The recovery-code set-up was interrupted; start it again.";
    /// RESTORE_PIN with `method: CLOUD_BACKUP` for a user without an active cloud backup.
    CloudBackupNotSet = 155871, 409, "No cloud backup is set up for this user.";
    /// Another cloud backup was registered, activated or replaced since this challenge began;
    /// start again (the previous backup is untouched).
    CloudBackupChanged = 155872, 409, "The cloud backup changed meanwhile; start again.";
    /// SET_CLOUD_BACKUP / `COMPLETE` acknowledged a version other than the pending one this
    /// challenge registered.
    CloudBackupVersionMismatch = 155873, 400, "The acknowledged cloud-backup version is not the pending one.";
    /// Client: the app's cloud has no backup entry for the active version (another cloud
    /// account, or the entry was deleted). Nothing was sent.
    CloudBackupNotFound = 155874, 404, "No backup was found in this account's cloud.";
    /// Client: the app's storage adapter failed (its own reason is reported with this code).
    /// The previous backup stays usable; try again.
    CloudStorageFailed = 155875, 503, "The cloud storage failed; the previous backup is untouched.";
    /// Client: the entry read back from the cloud differs from what was written; the new
    /// backup is not acknowledged and the previous one stays active.
    CloudBackupReadBackMismatch = 155876, 409, "The cloud backup read back does not match what was written.";
    /// Client: the cloud entry does not open this account's backup (altered, or another
    /// account's). Nothing was sent.
    CloudBackupWrongKey = 155877, 400, "The cloud backup does not open this account's recovery key.";
    /// Client: a SET_CLOUD_BACKUP challenge resumed after its pending version was registered,
    /// and that version's cloud entry is missing or does not open: the set-up was rolled back
    /// (the challenge cancelled, the previous backup still active). Start again.
    CloudBackupSetupInterrupted = 155878, 409, "The cloud-backup set-up was interrupted and rolled back; start it again.";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.name())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.code())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ErrorCode::from_code(u32::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.code()), "duplicate number {}", c.code());
            assert_eq!(ErrorCode::from_code(c.code()), *c);
            assert!((155000..156000).contains(&c.code()));
        }
    }

    #[test]
    fn circle_numbers_are_kept() {
        assert_eq!(ErrorCode::UserAlreadyExists.code(), 155101);
        assert_eq!(ErrorCode::IncorrectPin.code(), 155112);
        assert_eq!(ErrorCode::PinLocked.code(), 155119);
        assert_eq!(ErrorCode::ChallengeExpired.code(), 155121);
        assert_eq!(ErrorCode::CancelledByUser.code(), 155701);
        assert_eq!(ErrorCode::EncryptionFailed.code(), 155707);
    }

    #[test]
    fn unknown_code_decodes() {
        let c: ErrorCode = serde_json::from_str("155999").unwrap();
        assert_eq!(c, ErrorCode::Unknown(155999));
        assert_eq!(serde_json::to_string(&c).unwrap(), "155999");
    }
}
