//! Circle user-controlled-wallets endpoints Latchkey does not serve. Each answers a clear
//! 1558[5x] error naming the reason (docs/circle-compat.md), never a bare 404 that looks like a
//! typo in the path.

use crate::error::ApiError;
use crate::state::AppState;
use axum::routing::{get, MethodRouter};
use axum::Router;
use latchkey_protocol::ErrorCode;
use std::sync::Arc;

/// Circle endpoints that need a blockchain connection (155850).
pub const NEEDS_CHAIN: &[(&str, &str)] = &[
    ("GET", "/wallets/{id}/balances"),
    ("GET", "/wallets/{id}/nfts"),
    ("POST", "/user/transactions/transfer"),
    ("POST", "/user/transactions/contractExecution"),
    ("POST", "/user/transactions/{id}/accelerate"),
    ("POST", "/user/transactions/{id}/cancel"),
    ("POST", "/transactions/transfer/estimateFee"),
    ("POST", "/transactions/contractExecution/estimateFee"),
    ("POST", "/transactions/validateAddress"),
    ("GET", "/transactions/lowestNonceTransaction"),
    ("GET", "/transactions"),
    ("GET", "/transactions/{id}"),
    ("GET", "/tokens/{id}"),
];

/// Circle's social and email login endpoints (155851).
pub const LOGIN: &[(&str, &str)] = &[
    ("POST", "/users/social/token"),
    ("POST", "/users/email/token"),
    ("POST", "/users/email/resendOTP"),
    ("POST", "/users/token/refresh"),
];

/// Other Circle endpoints Latchkey does not offer (155853).
pub const NOT_OFFERED: &[(&str, &str)] = &[
    ("POST", "/user/transactions/walletUpgrade"),
    ("GET", "/config/entity/publicKey"),
    ("GET", "/config/entity/monitoredTokens"),
    ("POST", "/config/entity/monitoredTokens"),
    ("PUT", "/config/entity/monitoredTokens"),
    ("POST", "/config/entity/monitoredTokens/delete"),
    ("PUT", "/config/entity/monitoredTokens/scope"),
];

fn handler(code: ErrorCode, what: &'static str) -> MethodRouter<Arc<AppState>> {
    let f = move || async move {
        ApiError::new(code).with_message(format!(
            "Not supported by Latchkey: {what} (see docs/circle-compat.md)."
        ))
    };
    get(f).post(f).put(f).patch(f).delete(f)
}

/// The unsupported Circle routes under `/v1/w3s` (any method on a known path answers its
/// code; the method list above is what Circle defines).
pub fn w3s_routes() -> Router<Arc<AppState>> {
    let mut r = Router::new();
    let mut seen = std::collections::HashSet::new();
    for (list, code, what) in [
        (
            NEEDS_CHAIN,
            ErrorCode::CircleNeedsChain,
            "this endpoint needs a blockchain connection (transactions, balances, NFTs, fees, tokens)",
        ),
        (
            LOGIN,
            ErrorCode::CircleLoginUnsupported,
            "social and email login; create PIN users with POST /v1/w3s/users",
        ),
        (
            NOT_OFFERED,
            ErrorCode::CircleEndpointUnsupported,
            "this Circle endpoint is not offered",
        ),
    ] {
        for (_, path) in list {
            if seen.insert(*path) {
                r = r.route(path, handler(code, what));
            }
        }
    }
    r
}
