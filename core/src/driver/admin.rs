//! [`AdminClient`]: the developer API (`Authorization: Bearer <api key>`), for app backends,
//! tools, the terminal sample app and tests. A device app never holds the API key; it gets
//! a user token and `encryptionKey` from its backend and uses [`Session`](super::Session).

use super::http::Auth;
use super::{outcome, path_segment, Client, ClientConfig, LatchkeyError};
use crate::retry::RequestKind;
use latchkey_protocol::{
    AccountType, Blockchain, ChallengeIdResponse, ChallengeType, CreateUserRequest,
    CreateWalletRequest, ErrorCode, IdempotentRequest, InitializeRequest, SignMessageRequest,
    SignTransactionRequest, SignTypedDataRequest, User, UserTokenRequest, UserTokenResponse,
    Wallet, WalletList,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use zeroize::Zeroizing;

/// A developer-API client. Cheap to clone. `Debug` hides the API key.
///
/// Calls are retried on connection errors, timeouts, 5xx and load shedding (503/429 with
/// `Retry-After`) like the client API; challenge creation resends the same idempotency key, so
/// a retry never creates a second challenge. [`AdminClient::create_user`] and
/// [`AdminClient::create_user_token`] carry no idempotency key: they are resent only when the
/// connection could not be made, never after a lost reply (that fails with
/// [`LatchkeyError::Network`]; check with [`AdminClient::get_user`] before creating again).
#[derive(Clone)]
pub struct AdminClient {
    client: Client,
    api_key: std::sync::Arc<Zeroizing<String>>,
}

impl fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminClient")
            .field("client", &self.client)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// A new random idempotency key (UUID v4).
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl AdminClient {
    /// A developer-API client with its own connection pool.
    pub fn new(config: ClientConfig, api_key: &str) -> Result<AdminClient, LatchkeyError> {
        Ok(AdminClient::with_client(Client::new(config)?, api_key))
    }

    pub(crate) fn with_client(client: Client, api_key: &str) -> AdminClient {
        AdminClient {
            client,
            api_key: std::sync::Arc::new(Zeroizing::new(api_key.trim().to_owned())),
        }
    }

    /// The underlying client (for [`Client::session`]).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `POST /v1/users`: creates a user (155101 if the id exists, 155801 if not 5 to 50
    /// characters). Not resent after a lost reply (see the type's docs).
    pub async fn create_user(&self, user_id: &str) -> Result<User, LatchkeyError> {
        let body = CreateUserRequest {
            user_id: user_id.to_owned(),
        };
        self.send_once(Method::POST, "/v1/users", Some(&body)).await
    }

    /// `GET /v1/users/{userId}`: PIN and question status, failed attempts, locks.
    pub async fn get_user(&self, user_id: &str) -> Result<User, LatchkeyError> {
        let path = format!("/v1/users/{}", encode_segment(user_id));
        self.send::<(), User>(Method::GET, &path, None, None).await
    }

    /// `POST /v1/users/token`: a new session (user token + `encryptionKey`) for a user. Not
    /// resent after a lost reply (see the type's docs); calling again makes another token.
    pub async fn create_user_token(
        &self,
        user_id: &str,
    ) -> Result<UserTokenResponse, LatchkeyError> {
        let body = UserTokenRequest {
            user_id: user_id.to_owned(),
        };
        self.send_once(Method::POST, "/v1/users/token", Some(&body))
            .await
    }

    /// Creates a challenge of `challenge_type` for the user of `user_token` and returns its
    /// id. The same `idempotency_key` (see [`new_idempotency_key`]) returns the same challenge.
    /// Signing challenges, CREATE_WALLET and INITIALIZE with wallets have their own calls
    /// ([`AdminClient::create_sign_message`], [`AdminClient::create_wallet_challenge`],
    /// [`AdminClient::create_initialize_with_wallets`], ...).
    pub async fn create_challenge(
        &self,
        user_token: &str,
        challenge_type: ChallengeType,
        idempotency_key: &str,
    ) -> Result<String, LatchkeyError> {
        let (method, path) = match challenge_type {
            ChallengeType::Initialize => (Method::POST, PATH_INITIALIZE),
            ChallengeType::SetPin => (Method::POST, "/v1/user/pin"),
            ChallengeType::ChangePin => (Method::PUT, "/v1/user/pin"),
            ChallengeType::RestorePin => (Method::POST, "/v1/user/pin/restore"),
            ChallengeType::SetSecurityQuestions => (Method::POST, "/v1/user/securityQuestions"),
            ChallengeType::SetRecoveryCode => (Method::POST, "/v1/user/recoveryCode"),
            ChallengeType::SetCloudBackup => (Method::POST, "/v1/user/cloudBackup"),
            other => {
                return Err(LatchkeyError::invalid_input(
                    ErrorCode::InvalidRequest,
                    format!("{other} challenges are created with their own call"),
                ))
            }
        };
        let body = IdempotentRequest {
            idempotency_key: idempotency_key.to_owned(),
        };
        let r: ChallengeIdResponse = self
            .send(method, path, Some(user_token), Some(&body))
            .await?;
        Ok(r.challenge_id)
    }

    /// `POST /v1/user/pin/restore` with a recovery `method` (the two public calls below).
    async fn create_restore_pin_by(
        &self,
        user_token: &str,
        idempotency_key: &str,
        method: &str,
    ) -> Result<String, LatchkeyError> {
        let body = latchkey_protocol::RestorePinRequest {
            idempotency_key: idempotency_key.to_owned(),
            method: Some(method.to_owned()),
        };
        let r: ChallengeIdResponse = self
            .send(
                Method::POST,
                "/v1/user/pin/restore",
                Some(user_token),
                Some(&body),
            )
            .await?;
        Ok(r.challenge_id)
    }

    /// `POST /v1/user/pin/restore` with `method: RECOVERY_CODE`: a RESTORE_PIN the user
    /// completes with the recovery code set up earlier (SET_RECOVERY_CODE, created with
    /// [`AdminClient::create_challenge`]). Errors: 155860 no recovery code set up.
    pub async fn create_restore_pin_with_code(
        &self,
        user_token: &str,
        idempotency_key: &str,
    ) -> Result<String, LatchkeyError> {
        self.create_restore_pin_by(
            user_token,
            idempotency_key,
            latchkey_protocol::recovery::method::RECOVERY_CODE,
        )
        .await
    }

    /// `POST /v1/user/pin/restore` with `method: CLOUD_BACKUP`: a RESTORE_PIN the user
    /// completes with the cloud backup set up earlier (SET_CLOUD_BACKUP, created with
    /// [`AdminClient::create_challenge`]); run it with
    /// [`Session::run_challenge_with_storage`](crate::Session::run_challenge_with_storage).
    /// Errors: 155871 no cloud backup set up.
    pub async fn create_restore_pin_with_backup(
        &self,
        user_token: &str,
        idempotency_key: &str,
    ) -> Result<String, LatchkeyError> {
        self.create_restore_pin_by(
            user_token,
            idempotency_key,
            latchkey_protocol::recovery::method::CLOUD_BACKUP,
        )
        .await
    }

    /// `POST /v1/user/initialize` with wallets: an INITIALIZE challenge that, when it
    /// completes, creates one key for the user and one wallet per blockchain (same address on
    /// every EVM chain). `account_type` `None` means EOA. Errors: 155106 already initialized,
    /// 155817 unknown blockchain, 155818 account type other than EOA.
    pub async fn create_initialize_with_wallets(
        &self,
        user_token: &str,
        blockchains: &[Blockchain],
        account_type: Option<AccountType>,
        idempotency_key: &str,
    ) -> Result<String, LatchkeyError> {
        let body = InitializeRequest {
            idempotency_key: idempotency_key.to_owned(),
            blockchains: blockchains.to_vec(),
            account_type,
            recovery_code: false,
        };
        self.create_with(PATH_INITIALIZE, user_token, &body).await
    }

    /// `POST /v1/user/initialize` with `recoveryCode: true`: an INITIALIZE challenge that ends
    /// by setting up a recovery code (shown, then two groups retyped), stored with the PIN and
    /// the answers when the challenge completes. `blockchains` may be empty (no wallets).
    /// Errors as for [`AdminClient::create_initialize_with_wallets`].
    pub async fn create_initialize_with_recovery_code(
        &self,
        user_token: &str,
        blockchains: &[Blockchain],
        account_type: Option<AccountType>,
        idempotency_key: &str,
    ) -> Result<String, LatchkeyError> {
        let body = InitializeRequest {
            idempotency_key: idempotency_key.to_owned(),
            blockchains: blockchains.to_vec(),
            account_type,
            recovery_code: true,
        };
        self.create_with(PATH_INITIALIZE, user_token, &body).await
    }

    /// `POST /v1/user/wallets`: a CREATE_WALLET challenge (the user enters the PIN; the
    /// server then creates one wallet per blockchain with the user's key). Errors: 155110 no
    /// PIN, 155817, 155818.
    pub async fn create_wallet_challenge(
        &self,
        user_token: &str,
        blockchains: &[Blockchain],
        account_type: Option<AccountType>,
        idempotency_key: &str,
    ) -> Result<String, LatchkeyError> {
        let body = CreateWalletRequest {
            idempotency_key: idempotency_key.to_owned(),
            blockchains: blockchains.to_vec(),
            account_type,
        };
        self.create_with(PATH_CREATE_WALLET, user_token, &body)
            .await
    }

    /// `POST /v1/user/sign/message`: a SIGN_MESSAGE challenge (EIP-191 `personal_sign`; the
    /// user reviews the message, then enters the PIN). Errors: 155819 unknown wallet (also
    /// another user's), 155820 bad hex, 155824 too large, 155110 no PIN.
    pub async fn create_sign_message(
        &self,
        user_token: &str,
        request: &SignMessageRequest,
    ) -> Result<String, LatchkeyError> {
        self.create_with(PATH_SIGN_MESSAGE, user_token, request)
            .await
    }

    /// `POST /v1/user/sign/typedData`: a SIGN_TYPEDDATA challenge (EIP-712). Errors: 155819,
    /// 155821 not valid EIP-712, 155110.
    pub async fn create_sign_typed_data(
        &self,
        user_token: &str,
        request: &SignTypedDataRequest,
    ) -> Result<String, LatchkeyError> {
        self.create_with(PATH_SIGN_TYPED_DATA, user_token, request)
            .await
    }

    /// `POST /v1/user/sign/transaction`: a SIGN_TRANSACTION challenge (EIP-1559, signed but
    /// not broadcast). Errors: 155819, 155822 chain id not the wallet's, 155823 missing or
    /// invalid field, 155820 bad hex, 155110.
    pub async fn create_sign_transaction(
        &self,
        user_token: &str,
        request: &SignTransactionRequest,
    ) -> Result<String, LatchkeyError> {
        self.create_with(PATH_SIGN_TRANSACTION, user_token, request)
            .await
    }

    /// `GET /v1/users/{userId}/wallets`: a user's wallets (developer API).
    pub async fn list_user_wallets(&self, user_id: &str) -> Result<Vec<Wallet>, LatchkeyError> {
        let path = format!("/v1/users/{}/wallets", encode_segment(user_id));
        let l: WalletList = self.send::<(), _>(Method::GET, &path, None, None).await?;
        Ok(l.wallets)
    }

    async fn create_with<B: Serialize>(
        &self,
        path: &str,
        user_token: &str,
        body: &B,
    ) -> Result<String, LatchkeyError> {
        let r: ChallengeIdResponse = self
            .send(Method::POST, path, Some(user_token), Some(body))
            .await?;
        Ok(r.challenge_id)
    }

    /// A developer-API request without an idempotency key (`POST /v1/users`, `POST
    /// /v1/users/token`): sent again only when it surely never reached the server (connection
    /// refused); a lost reply is reported as [`LatchkeyError::Network`] instead of being
    /// resent, since the first attempt may have taken effect.
    async fn send_once<B: Serialize, T: DeserializeOwned + Send>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, LatchkeyError> {
        self.send_as(method, path, None, body, RequestKind::NotIdempotent)
            .await
    }

    async fn send<B: Serialize, T: DeserializeOwned + Send>(
        &self,
        method: Method,
        path: &str,
        user_token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T, LatchkeyError> {
        self.send_as(method, path, user_token, body, RequestKind::Idempotent)
            .await
    }

    async fn send_as<B: Serialize, T: DeserializeOwned + Send>(
        &self,
        method: Method,
        path: &str,
        user_token: Option<&str>,
        body: Option<&B>,
        kind: RequestKind,
    ) -> Result<T, LatchkeyError> {
        let bytes = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|_| {
                LatchkeyError::invalid_input(ErrorCode::InvalidRequest, "body not encodable")
            })?),
            None => None,
        };
        let auth = match user_token {
            Some(t) => Auth::Both {
                api_key: &self.api_key,
                user_token: t,
            },
            None => Auth::ApiKey(&self.api_key),
        };
        let out = self
            .client
            .transport()
            .call(method, path, auth, bytes.as_deref(), kind)
            .await;
        outcome(out)
    }
}

const PATH_INITIALIZE: &str = "/v1/user/initialize";
const PATH_CREATE_WALLET: &str = "/v1/user/wallets";
const PATH_SIGN_MESSAGE: &str = "/v1/user/sign/message";
const PATH_SIGN_TYPED_DATA: &str = "/v1/user/sign/typedData";
const PATH_SIGN_TRANSACTION: &str = "/v1/user/sign/transaction";

/// Percent-encodes a path segment (user ids may hold any printable character).
fn encode_segment(s: &str) -> String {
    if path_segment(s).is_ok() {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_segments() {
        assert_eq!(super::encode_segment("user-1"), "user-1");
        assert_eq!(super::encode_segment("a b/c"), "a%20b%2Fc");
    }
}
