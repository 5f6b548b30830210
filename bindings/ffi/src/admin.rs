//! The developer API (`AdminClient`, API key): server-side use only. Compiled only with the
//! `admin` cargo feature, so the device library (default build) has neither the type nor its
//! symbols. The UDL cannot be conditional, so these items are exported with uniffi's
//! proc-macros (mixed with the UDL scaffolding) instead of being declared in
//! `udl/latchkey.udl`.

use crate::runtime::{on_runtime, runtime};
use crate::{ChallengeType, ClientConfig, LatchkeyError};
use latchkey_core as lk;
use tokio::runtime::Runtime;
use zeroize::Zeroizing;

/// Status of a user's PIN or security questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CredentialStatus {
    /// Set and usable.
    Enabled,
    /// Not set yet.
    Unset,
    /// Locked after too many wrong attempts, until `locked_expiry_date`.
    Locked,
    /// A status this SDK build does not know.
    Unknown,
}

impl From<lk::CredentialStatus> for CredentialStatus {
    fn from(s: lk::CredentialStatus) -> Self {
        match s {
            lk::CredentialStatus::Enabled => CredentialStatus::Enabled,
            lk::CredentialStatus::Unset => CredentialStatus::Unset,
            lk::CredentialStatus::Locked => CredentialStatus::Locked,
            _ => CredentialStatus::Unknown,
        }
    }
}

/// Guess-limit details of one credential (PIN or security questions).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CredentialDetails {
    /// Consecutive wrong attempts since the last success.
    pub failed_attempts: u32,
    /// When the credential was locked, RFC 3339.
    pub locked_date: Option<String>,
    /// When the lock ends, RFC 3339.
    pub locked_expiry_date: Option<String>,
}

impl From<latchkey_protocol::CredentialDetails> for CredentialDetails {
    fn from(d: latchkey_protocol::CredentialDetails) -> Self {
        CredentialDetails {
            failed_attempts: d.failed_attempts,
            locked_date: d.locked_date,
            locked_expiry_date: d.locked_expiry_date,
        }
    }
}

/// A user as the developer API reports it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
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
}

impl From<lk::User> for User {
    fn from(u: lk::User) -> Self {
        User {
            id: u.id,
            create_date: u.create_date,
            pin_status: u.pin_status.into(),
            pin_details: u.pin_details.into(),
            security_question_status: u.security_question_status.into(),
            security_question_details: u.security_question_details.into(),
        }
    }
}

/// A new session for a user: hand both values to the device, which passes them to
/// `Client.session`.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserToken {
    /// The user token (60 minutes).
    pub user_token: String,
    /// The session encryption key (base64 of 32 bytes).
    pub encryption_key: String,
}

impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserToken { user_token: <redacted>, encryption_key: <redacted> }")
    }
}

/// The developer API (API key). SERVER-SIDE USE ONLY: for app backends, tools, sample apps
/// and tests. Never ship the API key in a device app; a device gets a user token and key from
/// its backend and uses `Client.session`. Only in builds with the `admin` cargo feature.
#[derive(uniffi::Object)]
pub struct AdminClient {
    inner: lk::AdminClient,
    rt: &'static Runtime,
}

#[uniffi::export]
impl AdminClient {
    /// A developer-API client for `config.base_url` with `api_key`. Throws `InvalidInput` for a
    /// bad URL. Sends nothing.
    #[uniffi::constructor]
    pub fn new(config: ClientConfig, api_key: String) -> Result<Self, LatchkeyError> {
        let rt = runtime()?;
        let api_key = Zeroizing::new(api_key);
        let inner = lk::AdminClient::new(config.to_core(), &api_key)?;
        Ok(AdminClient { inner, rt })
    }

    /// Creates a user (`POST /v1/users`; 155101 if the id exists).
    pub async fn create_user(&self, user_id: String) -> Result<User, LatchkeyError> {
        let a = self.inner.clone();
        on_runtime(
            self.rt,
            async move { Ok(a.create_user(&user_id).await?.into()) },
        )
        .await
    }

    /// A user's PIN and question status, failed attempts and locks.
    pub async fn get_user(&self, user_id: String) -> Result<User, LatchkeyError> {
        let a = self.inner.clone();
        on_runtime(
            self.rt,
            async move { Ok(a.get_user(&user_id).await?.into()) },
        )
        .await
    }

    /// A new session (user token + encryption key) for a user.
    pub async fn create_user_token(&self, user_id: String) -> Result<UserToken, LatchkeyError> {
        let a = self.inner.clone();
        on_runtime(self.rt, async move {
            let t = a.create_user_token(&user_id).await?;
            Ok(UserToken {
                user_token: t.user_token,
                encryption_key: t.encryption_key,
            })
        })
        .await
    }

    /// Creates a challenge of `challenge_type` (not SIGN_MESSAGE) for the user of `user_token`
    /// and returns its id. The same `idempotency_key` returns the same challenge; null picks a
    /// new random key.
    pub async fn create_challenge(
        &self,
        user_token: String,
        challenge_type: ChallengeType,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let Some(t) = challenge_type.to_core() else {
            return Err(LatchkeyError::InvalidInput {
                code: lk::ErrorCode::InvalidRequest.code(),
                detail: "an Unknown challenge type cannot be created".into(),
                attempts_left: None,
                lock_expiry: None,
            });
        };
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
            Ok(a.create_challenge(&token, t, &key).await?)
        })
        .await
    }

    /// Creates a SIGN_MESSAGE challenge (the user authorises `message` with the PIN) and returns
    /// its id.
    pub async fn create_sign_message(
        &self,
        user_token: String,
        message: String,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
            Ok(a.create_sign_message(&token, &message, &key).await?)
        })
        .await
    }
}
