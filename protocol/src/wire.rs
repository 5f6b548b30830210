//! Developer-API wire types, shaped like Circle's user-controlled-wallet API.
//!
//! JSON is camelCase. Enumerations decode values they do not know (from a newer server) to an
//! `Unknown` variant instead of failing.

use crate::codes::ErrorCode;
use crate::wallet::ChallengeResult;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! wire_enum {
    ($(#[doc = $doc:literal])* $name:ident { $( $(#[doc = $vdoc:literal])* $variant:ident = $wire:literal ),* $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[doc = $vdoc])* $variant, )*
            /// A value this build does not know (from a newer peer), kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// Parses the wire spelling; unknown spellings become `Unknown`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }

        /// A string schema listing the known values (with their docs) as its `enum`.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::string_enum(
                    &[$($doc),*],
                    &[$( ($wire, &[$($vdoc),*]) ),*],
                )
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

wire_enum! {
    /// Status of a user's PIN or security questions.
    CredentialStatus {
        /// Set and usable.
        Enabled = "ENABLED",
        /// Not set yet.
        Unset = "UNSET",
        /// Locked after too many wrong attempts, until `lockedExpiryDate`.
        Locked = "LOCKED",
    }
}

wire_enum! {
    /// The kind of a challenge.
    ChallengeType {
        /// First-time setup: PIN and security questions.
        Initialize = "INITIALIZE",
        /// Set a PIN for a user who has none.
        SetPin = "SET_PIN",
        /// Change the PIN, knowing the current one.
        ChangePin = "CHANGE_PIN",
        /// Set security questions for a user who has a PIN but no questions.
        SetSecurityQuestions = "SET_SECURITY_QUESTIONS",
        /// Set a new PIN after answering the security questions.
        RestorePin = "RESTORE_PIN",
        /// Sign a message (EIP-191 `personal_sign`) with a wallet, after review and the PIN.
        SignMessage = "SIGN_MESSAGE",
        /// Create wallets on more blockchains, after the PIN.
        CreateWallet = "CREATE_WALLET",
        /// Sign EIP-712 typed data with a wallet, after review and the PIN.
        SignTypedData = "SIGN_TYPEDDATA",
        /// Sign an EIP-1559 transaction with a wallet (not broadcast), after review and the PIN.
        SignTransaction = "SIGN_TRANSACTION",
        /// Set up (or replace) a recovery code, after the PIN.
        SetRecoveryCode = "SET_RECOVERY_CODE",
        /// Set up (or replace) a cloud backup, after the PIN: register a pending version, then
        /// acknowledge it once the key is in the user's cloud.
        SetCloudBackup = "SET_CLOUD_BACKUP",
    }
}

wire_enum! {
    /// Status of a challenge. The wire spelling of the success status is `COMPLETE`.
    ChallengeStatus {
        /// Created; the SDK has not fetched it yet.
        Pending = "PENDING",
        /// The SDK is working on it.
        InProgress = "IN_PROGRESS",
        /// Finished successfully.
        Complete = "COMPLETE",
        /// Finished unsuccessfully (see `errorCode`).
        Failed = "FAILED",
        /// Not finished within its time to live.
        Expired = "EXPIRED",
    }
}

impl ChallengeStatus {
    /// Whether the status is final (COMPLETE, FAILED or EXPIRED).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ChallengeStatus::Complete | ChallengeStatus::Failed | ChallengeStatus::Expired
        )
    }
}

wire_enum! {
    /// The kind of answer a security question expects.
    QuestionKind {
        /// Free text.
        Text = "TEXT",
        /// A calendar date, answered as `YYYY-MM-DD`.
        Date = "DATE",
    }
}

/// The `{"data": ...}` envelope every successful reply is wrapped in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataEnvelope<T> {
    /// The payload.
    pub data: T,
}

/// The body of every error reply: `{"code": n, "message": "..."}` plus optional guess-limit details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The 155xxx code.
    pub code: ErrorCode,
    /// Human-readable, secret-free text.
    pub message: String,
    /// Wrong guesses still allowed before a lock (for 155112 / 155115).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// When a lock ends, RFC 3339 (for 155119 / 155120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_expiry_date: Option<String>,
}

impl ErrorBody {
    /// An error body with the code's standard description.
    pub fn new(code: ErrorCode) -> Self {
        ErrorBody {
            code,
            message: code.description().to_owned(),
            attempts_left: None,
            locked_expiry_date: None,
        }
    }
}

/// Guess-limit details of one credential (PIN or security questions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CredentialDetails {
    /// Consecutive wrong attempts since the last success.
    pub failed_attempts: u32,
    /// When the credential was locked, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_date: Option<String>,
    /// When the lock ends, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_expiry_date: Option<String>,
    /// Locks in a row since the last success (each lock lasts longer). Latchkey extension.
    #[serde(default)]
    pub lock_level: u32,
    /// Consecutive wrong attempts across locks since the last success; at the server's cap the
    /// credential is disabled. Latchkey extension.
    #[serde(default)]
    pub failed_attempts_total: u32,
    /// The credential is disabled after too many wrong attempts in total: the PIN needs a
    /// recovery (RESTORE_PIN); the answers need new ones set with the PIN
    /// (SET_SECURITY_QUESTIONS) or the operator's reset. Latchkey extension.
    #[serde(default)]
    pub recovery_required: bool,
}

/// A user as the developer API reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The app's id for the user (5 to 50 characters).
    pub id: String,
    /// Creation time, RFC 3339.
    pub create_date: String,
    /// PIN status.
    pub pin_status: CredentialStatus,
    /// PIN guess-limit details.
    pub pin_details: CredentialDetails,
    /// Security-question status.
    pub security_question_status: CredentialStatus,
    /// Security-question guess-limit details.
    pub security_question_details: CredentialDetails,
    /// Recovery-code status (UNSET when none is set up or the last one was used; LOCKED while
    /// recovery is locked; the guess count is shared with the security questions).
    #[serde(default = "unset")]
    pub recovery_code_status: CredentialStatus,
    /// Cloud-backup status (ENABLED while an acknowledged backup is active, UNSET otherwise;
    /// LOCKED while recovery is locked; the guess count is shared with the security questions).
    #[serde(default = "unset")]
    pub cloud_backup_status: CredentialStatus,
}

fn unset() -> CredentialStatus {
    CredentialStatus::Unset
}

/// A challenge: one user-facing operation the SDK walks the user through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// Challenge id (UUID).
    pub id: String,
    /// Kind of challenge.
    #[serde(rename = "type")]
    pub challenge_type: ChallengeType,
    /// Current status.
    pub status: ChallengeStatus,
    /// Ids of what the challenge produced or relates to.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub correlation_ids: Vec<String>,
    /// Error code when FAILED or EXPIRED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    /// Error text when FAILED or EXPIRED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What the challenge produced, once COMPLETE (signature, signed transaction, wallet ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ChallengeResult>,
    /// RESTORE_PIN: the recovery method (`SECURITY_QUESTIONS`, `RECOVERY_CODE` or
    /// `CLOUD_BACKUP`); the COMPLETE webhook thus says which method recovered the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_method: Option<String>,
}

/// `POST /v1/users` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateUserRequest {
    /// The app's id for the user (5 to 50 characters).
    pub user_id: String,
}

/// `POST /v1/users/token` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserTokenRequest {
    /// The user to open a session for.
    pub user_id: String,
}

/// `POST /v1/users/token` reply: a session. Both fields are secrets; `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserTokenResponse {
    /// Bearer token for the client API (`X-User-Token`).
    pub user_token: String,
    /// Base64 of the 32-byte session key the SDK seals inputs with.
    pub encryption_key: String,
}

impl fmt::Debug for UserTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserTokenResponse { user_token: <redacted>, encryption_key: <redacted> }")
    }
}

/// Body of every challenge-creating call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdempotentRequest {
    /// A UUID chosen by the caller; a repeated key returns the original reply.
    pub idempotency_key: String,
}

/// `POST /v1/user/pin/restore` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestorePinRequest {
    /// A UUID chosen by the caller; a repeated key returns the original reply.
    pub idempotency_key: String,
    /// `SECURITY_QUESTIONS` (the default), `RECOVERY_CODE` or `CLOUD_BACKUP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// Reply of every challenge-creating call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChallengeIdResponse {
    /// The new challenge's id.
    pub challenge_id: String,
}

/// `POST /v1/notifications/subscriptions` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateSubscriptionRequest {
    /// The URL notifications are POSTed to.
    pub endpoint: String,
    /// Which notification types to send (`["*"]` or e.g. `["challenges.*"]`).
    #[serde(default)]
    pub notification_types: Vec<String>,
}

/// A webhook subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Subscription id (UUID).
    pub id: String,
    /// The URL notifications are POSTed to.
    pub endpoint: String,
    /// Which notification types are sent.
    pub notification_types: Vec<String>,
    /// Creation time, RFC 3339.
    pub create_date: String,
}

/// The challenge part of a webhook notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChallengeNotification {
    /// Challenge id.
    pub id: String,
    /// The user the challenge belongs to.
    pub user_id: String,
    /// Kind of challenge.
    #[serde(rename = "type")]
    pub challenge_type: ChallengeType,
    /// The new status.
    pub status: ChallengeStatus,
    /// Ids of what the challenge produced or relates to.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub correlation_ids: Vec<String>,
    /// Error code when FAILED or EXPIRED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    /// Error text when FAILED or EXPIRED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// What the challenge produced, once COMPLETE (signature, signed transaction, wallet ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ChallengeResult>,
}

/// A signed webhook notification body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The subscription it was sent for.
    pub subscription_id: String,
    /// Stable across retries of the same notification.
    pub notification_id: String,
    /// e.g. `challenges.initialize`.
    pub notification_type: String,
    /// The challenge after the status change.
    pub notification: ChallengeNotification,
    /// When the status changed, RFC 3339.
    pub timestamp: String,
    /// Notification format version (1).
    pub version: u32,
}

/// A signed webhook notification about a user rather than a challenge. Type
/// `users.securityQuestionsReset`: the operator reset the user's security-answer guess budget
/// (`POST /v1/users/{userId}/securityQuestions/reset`). Same delivery, headers and signature
/// as [`Notification`]. Latchkey extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserNotification {
    /// The subscription it was sent for.
    pub subscription_id: String,
    /// Stable across retries of the same notification.
    pub notification_id: String,
    /// e.g. `users.securityQuestionsReset`.
    pub notification_type: String,
    /// What happened.
    pub notification: UserEvent,
    /// When it happened, RFC 3339.
    pub timestamp: String,
    /// Notification format version (1).
    pub version: u32,
}

/// The body of a [`UserNotification`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserEvent {
    /// The user.
    pub user_id: String,
    /// The security questions' status after the event.
    pub security_question_status: CredentialStatus,
    /// Consecutive wrong answer sets (across locks) before the reset.
    pub previous_failed_attempts_total: u32,
    /// Whether the answers were disabled by the lifetime cap (155833) before the reset.
    pub previous_recovery_required: bool,
}

/// `GET /v1/notifications/publicKey/{keyId}` reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationPublicKey {
    /// Key id, as sent in `X-Latchkey-Key-Id`.
    pub id: String,
    /// `ECDSA_SHA_256`.
    pub algorithm: String,
    /// Base64 of the DER SubjectPublicKeyInfo of the P-256 key.
    pub public_key: String,
    /// Creation time, RFC 3339.
    pub create_date: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_decode() {
        let c: Challenge = serde_json::from_str(
            r#"{"id":"x","type":"TELEPORT","status":"HALF_DONE","correlationIds":[]}"#,
        )
        .unwrap();
        assert_eq!(c.challenge_type, ChallengeType::Unknown("TELEPORT".into()));
        assert_eq!(c.status, ChallengeStatus::Unknown("HALF_DONE".into()));
        let back = serde_json::to_string(&c).unwrap();
        assert!(back.contains("TELEPORT"));
    }

    #[test]
    fn complete_is_spelled_complete() {
        assert_eq!(
            serde_json::to_string(&ChallengeStatus::Complete).unwrap(),
            "\"COMPLETE\""
        );
        assert!(ChallengeStatus::Complete.is_terminal());
        assert!(!ChallengeStatus::InProgress.is_terminal());
    }

    #[test]
    fn user_json_is_camel_case() {
        let u = User {
            id: "user-1".into(),
            create_date: "2026-01-01T00:00:00Z".into(),
            pin_status: CredentialStatus::Locked,
            pin_details: CredentialDetails {
                failed_attempts: 3,
                locked_date: Some("2026-01-01T00:00:00Z".into()),
                locked_expiry_date: Some("2026-01-01T00:30:00Z".into()),
                ..Default::default()
            },
            security_question_status: CredentialStatus::Unset,
            security_question_details: CredentialDetails::default(),
            recovery_code_status: CredentialStatus::Unset,
            cloud_backup_status: CredentialStatus::Unset,
        };
        let v: serde_json::Value = serde_json::to_value(&u).unwrap();
        assert_eq!(v["pinStatus"], "LOCKED");
        assert_eq!(v["pinDetails"]["failedAttempts"], 3);
        assert_eq!(v["pinDetails"]["lockedExpiryDate"], "2026-01-01T00:30:00Z");
        assert_eq!(v["securityQuestionStatus"], "UNSET");
    }

    #[test]
    fn error_body_shape() {
        let mut e = ErrorBody::new(ErrorCode::IncorrectPin);
        e.attempts_left = Some(2);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], 155112);
        assert_eq!(v["attemptsLeft"], 2);
        assert!(v.get("lockedExpiryDate").is_none());
        let e2: ErrorBody = serde_json::from_str(r#"{"code":155104,"message":"x"}"#).unwrap();
        assert_eq!(e2.code, ErrorCode::TokenExpired);
    }

    #[test]
    fn token_response_debug_hides_secrets() {
        let t = UserTokenResponse {
            user_token: "SECRET-TOKEN".into(),
            encryption_key: "SECRET-KEY".into(),
        };
        let d = format!("{t:?}");
        assert!(!d.contains("SECRET"));
    }
}
