//! The developer API (`AdminClient`, API key): server-side use only. Compiled only with the
//! `admin` cargo feature, so the device library (default build) has neither the type nor its
//! symbols. The UDL cannot be conditional, so these items are exported with uniffi's
//! proc-macros (mixed with the UDL scaffolding) instead of being declared in
//! `udl/latchkey.udl`.

use crate::runtime::{on_runtime, runtime};
use crate::{AccountType, Blockchain, ChallengeType, ClientConfig, LatchkeyError, User, Wallet};
use latchkey_core as lk;
use latchkey_protocol as proto;
use tokio::runtime::Runtime;
use zeroize::Zeroizing;

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
    pub(crate) inner: lk::AdminClient,
    pub(crate) rt: &'static Runtime,
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

    /// A new random idempotency key (UUID v4) for the `create_*` calls. Keep it with the
    /// request and pass the same key again if you retry the whole call after an error: the
    /// server then returns the challenge the first attempt created instead of a second one.
    pub fn new_idempotency_key(&self) -> String {
        lk::new_idempotency_key()
    }

    /// Creates a user (`POST /v1/users`; 155101 if the id exists). No idempotency key: after
    /// a lost reply it is not resent (throws `Network`); check with `get_user` first when
    /// retrying.
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

    /// A new session (user token + encryption key) for a user. Not resent after a lost reply
    /// (throws `Network`); calling again makes another token.
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

    /// Creates a challenge of `challenge_type` (INITIALIZE without wallets, SET_PIN,
    /// CHANGE_PIN, SET_SECURITY_QUESTIONS, RESTORE_PIN with the security questions,
    /// SET_RECOVERY_CODE; the others have their own calls, e.g.
    /// `create_restore_pin_with_code`) for the user of `user_token` and returns its id.
    ///
    /// `idempotency_key`: the SDK's automatic retries within one call always resend the same
    /// key, so they never create a second challenge. To retry the whole call after it threw
    /// (e.g. `Network` after a lost reply), pass a key you keep (from `new_idempotency_key`)
    /// and pass it again: the same key returns the same challenge. Null picks a fresh random
    /// key for this call alone, so a retried null-key call may create a second challenge. The
    /// same applies to every `create_*` call below.
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

    /// Creates an INITIALIZE challenge that, when it completes, also creates one wallet per
    /// blockchain (one key, the same address on every EVM chain) and returns its id.
    /// `account_type` null means EOA. Throws `Server` with 155106 (already initialized), 155817
    /// (unknown blockchain) or 155818 (account type not EOA).
    /// `idempotency_key`: as for `create_challenge` (keep one to retry the whole call safely).
    pub async fn create_initialize_with_wallets(
        &self,
        user_token: String,
        blockchains: Vec<Blockchain>,
        account_type: Option<AccountType>,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let chains = blockchains_to_core(blockchains)?;
        let account_type = account_type_to_core(account_type)?;
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
            Ok(
                a.create_initialize_with_wallets(&token, &chains, account_type, &key)
                    .await?,
            )
        })
        .await
    }

    /// Creates a CREATE_WALLET challenge (the user enters the PIN; then one wallet per
    /// blockchain is created with the user's key) and returns its id. Throws `Server` with
    /// 155110 (no PIN), 155817 or 155818.
    /// `idempotency_key`: as for `create_challenge` (keep one to retry the whole call safely).
    pub async fn create_wallet_challenge(
        &self,
        user_token: String,
        blockchains: Vec<Blockchain>,
        account_type: Option<AccountType>,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let chains = blockchains_to_core(blockchains)?;
        let account_type = account_type_to_core(account_type)?;
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
            Ok(
                a.create_wallet_challenge(&token, &chains, account_type, &key)
                    .await?,
            )
        })
        .await
    }

    /// Creates a SIGN_MESSAGE challenge (EIP-191 `personal_sign` by `wallet_id`; the user
    /// reviews the message, then enters the PIN) and returns its id. With `encoded_by_hex`,
    /// `message` is `0x`-hex bytes. `memo` is shown, not signed. Throws `Server` with 155819
    /// (unknown wallet), 155820 (bad hex), 155824 (too large) or 155110 (no PIN).
    /// `idempotency_key`: as for `create_challenge` (keep one to retry the whole call safely).
    pub async fn create_sign_message(
        &self,
        user_token: String,
        wallet_id: String,
        message: String,
        encoded_by_hex: bool,
        memo: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let req = proto::SignMessageRequest {
                idempotency_key: idempotency_key.unwrap_or_else(lk::new_idempotency_key),
                wallet_id,
                message,
                encoded_by_hex,
                memo,
            };
            Ok(a.create_sign_message(&token, &req).await?)
        })
        .await
    }

    /// Creates a SIGN_TYPEDDATA challenge (EIP-712; `data` is the typed data as a JSON string)
    /// and returns its id. Throws `Server` with 155819 or 155821 (not valid EIP-712).
    /// `idempotency_key`: as for `create_challenge` (keep one to retry the whole call safely).
    pub async fn create_sign_typed_data(
        &self,
        user_token: String,
        wallet_id: String,
        data: String,
        memo: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let req = proto::SignTypedDataRequest {
                idempotency_key: idempotency_key.unwrap_or_else(lk::new_idempotency_key),
                wallet_id,
                data,
                memo,
            };
            Ok(a.create_sign_typed_data(&token, &req).await?)
        })
        .await
    }

    /// Creates a SIGN_TRANSACTION challenge (EIP-1559, signed but not broadcast) and returns
    /// its id. `transaction` is a JSON string with chainId, nonce, to, value, data, gas,
    /// maxFeePerGas, maxPriorityFeePerGas, accessList (numbers as JSON numbers, decimal or
    /// `0x`-hex strings). Throws `Server` with 155819, 155822 (chain id not the wallet's),
    /// 155823 (missing or invalid field) or 155820.
    /// `idempotency_key`: as for `create_challenge` (keep one to retry the whole call safely).
    pub async fn create_sign_transaction(
        &self,
        user_token: String,
        wallet_id: String,
        transaction: String,
        memo: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let req = proto::SignTransactionRequest {
                idempotency_key: idempotency_key.unwrap_or_else(lk::new_idempotency_key),
                wallet_id,
                transaction: proto::TransactionInput::Json(transaction),
                memo,
            };
            Ok(a.create_sign_transaction(&token, &req).await?)
        })
        .await
    }

    /// A user's wallets (developer API `GET /v1/users/{userId}/wallets`), oldest first.
    pub async fn list_user_wallets(&self, user_id: String) -> Result<Vec<Wallet>, LatchkeyError> {
        let a = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(a.list_user_wallets(&user_id)
                .await?
                .into_iter()
                .map(Wallet::from)
                .collect())
        })
        .await
    }
}

fn unknown_input(what: &str) -> LatchkeyError {
    LatchkeyError::InvalidInput {
        code: lk::ErrorCode::InvalidRequest.code(),
        detail: format!("an Unknown {what} cannot be sent"),
        attempts_left: None,
        lock_expiry: None,
    }
}

pub(crate) fn blockchains_to_core(
    chains: Vec<Blockchain>,
) -> Result<Vec<lk::Blockchain>, LatchkeyError> {
    chains
        .into_iter()
        .map(|b| b.to_core().ok_or_else(|| unknown_input("blockchain")))
        .collect()
}

pub(crate) fn account_type_to_core(
    t: Option<AccountType>,
) -> Result<Option<lk::AccountType>, LatchkeyError> {
    t.map(|t| t.to_core().ok_or_else(|| unknown_input("account type")))
        .transpose()
}
