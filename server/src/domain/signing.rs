//! PIN-gated signing: validating a signing request into its canonical `signRequest` (stored
//! with the challenge), the "what you see is what you sign" digest check at completion, and
//! the signature itself, made only after the PIN verified.

use super::bad_request;
use super::wallets::{self, load_owned_row};
use crate::error::{ApiError, ApiResult};
use crate::eth::{self, EthError};
use crate::state::AppState;
use crate::store::challenges::{ChallengeExtra, ChallengeRow};
use crate::store::wallets as wallet_store;
use latchkey_protocol::{Blockchain, ChallengeResult, ChallengeType, ErrorCode, WalletRef};
use serde_json::Value;

/// The API error for an [`EthError`]: its 155xxx code and text (which names the offending field
/// and may echo the caller's own request, never key material); server-side failures are
/// logged and answer 155811.
pub fn eth_error(e: EthError) -> ApiError {
    if e.is_client_error() {
        ApiError::new(ErrorCode::from_code(e.code())).with_message(e.to_string())
    } else {
        ApiError::internal(e)
    }
}

fn opt_str<'a>(body: &'a Value, field: &str) -> ApiResult<Option<&'a str>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_request(&format!("{field} must be a string."))),
    }
}

/// Validates the body of a SIGN_* creation request for the session's user: the wallet must be
/// theirs (else 404 155819), the request valid (else its 155820-155824 code). Returns what the
/// challenge stores: the wallet id and the canonical `signRequest` text.
pub async fn prepare(
    state: &AppState,
    user_id: &str,
    kind: &ChallengeType,
    body: &Value,
) -> ApiResult<ChallengeExtra> {
    let wallet_id =
        opt_str(body, "walletId")?.ok_or_else(|| bad_request("walletId is required."))?;
    let wallet = load_owned_row(state, user_id, wallet_id).await?;
    let memo = opt_str(body, "memo")?;
    let req = match kind {
        ChallengeType::SignMessage => {
            let message =
                opt_str(body, "message")?.ok_or_else(|| bad_request("message is required."))?;
            let by_hex = match body.get("encodedByHex") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(bad_request("encodedByHex must be a boolean.")),
            };
            eth::canonical_message(message, by_hex, memo)
        }
        ChallengeType::SignTypedData => {
            let data = body
                .get("data")
                .filter(|v| !v.is_null())
                .ok_or_else(|| bad_request("data is required."))?;
            eth::canonical_typed_data(data, memo)
        }
        ChallengeType::SignTransaction => {
            let tx = body
                .get("transaction")
                .filter(|v| !v.is_null())
                .ok_or_else(|| bad_request("transaction is required."))?;
            let address = wallet
                .address
                .parse()
                .map_err(|_| ApiError::internal("stored wallet address unreadable"))?;
            let chain = Blockchain::parse(&wallet.blockchain).chain_id();
            eth::canonical_transaction(tx, memo, chain, &address)
        }
        _ => return Err(ApiError::internal("not a signing challenge")),
    }
    .map_err(eth_error)?;
    Ok(ChallengeExtra {
        wallet_id: Some(wallet.id),
        sign_request: Some(req.into_string()),
        ..ChallengeExtra::default()
    })
}

/// The wallet a signing challenge signs with, as the review screen names it.
pub async fn wallet_ref(state: &AppState, ch: &ChallengeRow) -> ApiResult<Option<WalletRef>> {
    let Some(id) = &ch.wallet_id else {
        return Ok(None);
    };
    let w = load_owned_row(state, &ch.user_id, id).await?;
    Ok(Some(WalletRef {
        id: w.id,
        address: w.address,
        blockchain: Blockchain::parse(&w.blockchain),
    }))
}

/// "What you see is what you sign": the client's `reviewDigest` must equal the digest of the
/// stored `signRequest` (constant-time compare). Otherwise 409 155825: nothing is signed and,
/// since this runs before the PIN is checked, no guess is counted.
pub fn check_review_digest(ch: &ChallengeRow, given: Option<&str>) -> ApiResult<()> {
    let stored = ch
        .sign_request
        .as_deref()
        .ok_or_else(|| ApiError::internal("signing challenge without a stored request"))?;
    let expected = latchkey_protocol::review_digest(stored);
    match given {
        Some(g) if latchkey_protocol::secret::ct_eq(g.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(ApiError::new(ErrorCode::ReviewDigestMismatch)),
    }
}

/// Signs a signing challenge's stored request with its wallet's key. Call only after the PIN
/// verified. The key is opened for this one signature and wiped when it goes out of scope.
pub async fn sign(state: &AppState, ch: &ChallengeRow) -> ApiResult<ChallengeResult> {
    let wallet_id = ch
        .wallet_id
        .as_deref()
        .ok_or_else(|| ApiError::internal("signing challenge without a wallet"))?;
    let text = ch
        .sign_request
        .as_deref()
        .ok_or_else(|| ApiError::internal("signing challenge without a stored request"))?;
    let wallet = load_owned_row(state, &ch.user_id, wallet_id).await?;
    if wallet.state != "LIVE" {
        return Err(wallets::not_found().with_message("The wallet cannot sign (frozen)."));
    }
    let key_row = wallet_store::load_key_of_user(&mut *state.pool.acquire().await?, &ch.user_id)
        .await?
        .filter(|k| k.id == wallet.key_id)
        .ok_or_else(|| ApiError::internal("wallet key missing"))?;
    let key = state
        .wallet_kek
        .open(&key_row.sealed_key, &key_row.id, &key_row.user_id)
        .map_err(ApiError::internal)?;
    if key.address_checksummed() != wallet.address {
        return Err(ApiError::internal("wallet key does not match its address"));
    }
    let chain = Blockchain::parse(&wallet.blockchain).chain_id();
    let signed = eth::sign_request(&key, text, chain).map_err(eth_error)?;
    drop(key);
    Ok(match signed {
        eth::SignatureResult::Signature { signature } => ChallengeResult {
            signature: Some(signature),
            ..ChallengeResult::default()
        },
        eth::SignatureResult::Transaction {
            signed_transaction,
            tx_hash,
        } => ChallengeResult {
            signed_transaction: Some(signed_transaction),
            tx_hash: Some(tx_hash),
            ..ChallengeResult::default()
        },
    })
}

/// Whether a challenge type signs with a wallet.
pub fn is_signing(kind: &ChallengeType) -> bool {
    matches!(
        kind,
        ChallengeType::SignMessage | ChallengeType::SignTypedData | ChallengeType::SignTransaction
    )
}
