//! The OpenAPI 3.1 document, generated with `utoipa` and served at `/v1/openapi.json`.
//! `docs/openapi.json` holds the same document (a test keeps them equal).
//!
//! The schemas come from the wire types themselves (`latchkey-protocol` with its `openapi`
//! feature); this module adds only the `{"data": ...}` wrappers, the operations and the
//! security schemes.

#![allow(dead_code)]

use axum::response::{IntoResponse, Response};
use latchkey_protocol::{
    CancelChallengeRequest, Challenge, ChallengeDescriptor, ChallengeIdResponse,
    ChallengeNotification, ChallengeStatus, CreateSubscriptionRequest, CreateUserRequest,
    CreateWalletRequest, ErrorBody, IdempotentRequest, InitializeRequest, Notification,
    NotificationPublicKey, RestorePinRequest, SignMessageRequest, SignTransactionRequest,
    SignTypedDataRequest, StepResult, StepSubmission, Subscription, User, UserEvent,
    UserNotification, UserTokenRequest, UserTokenResponse, WalletList, WalletReply,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// `{"challenges": [...]}`.
#[derive(ToSchema)]
pub struct ChallengeList {
    /// The challenges, oldest first (at most 200).
    pub challenges: Vec<Challenge>,
}

/// `{"challenge": {...}}`: Circle's shape for one challenge (`GET /v1/user/challenges/{id}`).
#[derive(ToSchema)]
pub struct ChallengeObject {
    /// The challenge.
    pub challenge: Challenge,
}

macro_rules! data_wrappers {
    ($($name:ident => $inner:ty),* $(,)?) => {$(
        #[doc = concat!("`{\"data\": ", stringify!($inner), "}`.")]
        #[derive(ToSchema)]
        pub struct $name {
            /// The payload.
            pub data: $inner,
        }
    )*};
}

data_wrappers! {
    UserData => User,
    UserTokenData => UserTokenResponse,
    ChallengeIdData => ChallengeIdResponse,
    ChallengeData => Challenge,
    ChallengeObjectData => ChallengeObject,
    ChallengeListData => ChallengeList,
    DescriptorData => ChallengeDescriptor,
    StepResultData => StepResult,
    SubscriptionData => Subscription,
    SubscriptionListData => Vec<Subscription>,
    PublicKeyData => NotificationPublicKey,
    RevokedTokensData => super::users::RevokedTokens,
    DeadLetterListData => Vec<crate::domain::subscriptions::DeadLetter>,
    WalletListData => WalletList,
    WalletData => WalletReply,
}

#[utoipa::path(post, path = "/v1/users", tag = "developer", request_body = CreateUserRequest,
    security(("apiKey" = [])),
    responses((status = 201, body = UserData), (status = 409, body = ErrorBody, description = "155101 user exists"),
        (status = 400, body = ErrorBody, description = "155801 bad userId"), (status = 401, body = ErrorBody, description = "155802")))]
fn create_user() {}

#[utoipa::path(get, path = "/v1/users/{userId}", tag = "developer", security(("apiKey" = [])),
    params(("userId" = String, Path, description = "The user")),
    responses((status = 200, body = UserData), (status = 404, body = ErrorBody, description = "155102")))]
fn get_user() {}

#[utoipa::path(post, path = "/v1/users/token", tag = "developer", request_body = UserTokenRequest,
    security(("apiKey" = [])),
    responses((status = 200, body = UserTokenData), (status = 404, body = ErrorBody, description = "155102")))]
fn create_token() {}

#[utoipa::path(post, path = "/v1/users/token/revoke", tag = "developer", request_body = super::users::RevokeTokenRequest,
    security(("apiKey" = [])),
    responses((status = 204, description = "Revoked: the token answers 401 155104 from now on, on every instance"),
        (status = 401, body = ErrorBody, description = "155802 API key; 155103 unknown token; 155105 malformed token")))]
fn revoke_token() {}

#[utoipa::path(post, path = "/v1/users/{userId}/tokens/revoke", tag = "developer", security(("apiKey" = [])),
    params(("userId" = String, Path, description = "The user")),
    responses((status = 200, body = RevokedTokensData, description = "Every live token of the user revoked (log out everywhere)"),
        (status = 404, body = ErrorBody, description = "155102")))]
fn revoke_user_tokens() {}

#[utoipa::path(post, path = "/v1/users/{userId}/securityQuestions/reset", tag = "developer", security(("apiKey" = [])),
    params(("userId" = String, Path, description = "The user")),
    responses((status = 200, body = UserData, description = "The user after the reset: the security answers' counts, lock and the lifetime cap's disabled mark (155833) cleared, the answers kept. Idempotent: a repeat changes nothing and sends no second users.securityQuestionsReset notification"),
        (status = 409, body = ErrorBody, description = "155111 no security answers set"),
        (status = 404, body = ErrorBody, description = "155102")))]
fn reset_security_questions() {}

#[utoipa::path(get, path = "/v1/user", tag = "developer", security(("userToken" = []), ("apiKey" = [], "userToken" = [])),
    responses((status = 200, body = UserData), (status = 401, body = ErrorBody, description = "155103/155104/155105")))]
fn get_current_user() {}

#[utoipa::path(post, path = "/v1/user/initialize", tag = "challenges", request_body = InitializeRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData),
        (status = 400, body = ErrorBody, description = "155817 unknown blockchain; 155818 account type not EOA"),
        (status = 409, body = ErrorBody, description = "155106 already initialized; 155803 idempotency key reused")))]
fn initialize() {}

#[utoipa::path(post, path = "/v1/user/pin", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155107 PIN already set; 155803")))]
fn set_pin() {}

#[utoipa::path(put, path = "/v1/user/pin", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn change_pin() {}

#[utoipa::path(post, path = "/v1/user/pin/restore", tag = "challenges", request_body = RestorePinRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData),
        (status = 400, body = ErrorBody, description = "155868 unknown method"),
        (status = 409, body = ErrorBody, description = "155111 no questions; 155860 no recovery code (method RECOVERY_CODE); 155871 no cloud backup (method CLOUD_BACKUP); 155803")))]
fn restore_pin() {}

#[utoipa::path(post, path = "/v1/user/recoveryCode", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn set_recovery_code() {}

#[utoipa::path(post, path = "/v1/user/cloudBackup", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn set_cloud_backup() {}

#[utoipa::path(post, path = "/v1/user/securityQuestions", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155108 already set (and not disabled: answers disabled by the lifetime cap, 155833, may be replaced: CURRENT_PIN then COMPLETE with new questions and answers); 155803")))]
fn set_security_questions() {}

#[utoipa::path(post, path = "/v1/user/wallets", tag = "wallets", request_body = CreateWalletRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData, description = "A CREATE_WALLET challenge (PIN-gated); its result carries walletIds"),
        (status = 400, body = ErrorBody, description = "155817 unknown blockchain; 155818 account type not EOA"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn create_wallet() {}

#[utoipa::path(post, path = "/v1/user/sign/message", tag = "wallets", request_body = SignMessageRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData, description = "A SIGN_MESSAGE challenge (EIP-191 personal_sign); its result carries the signature"),
        (status = 400, body = ErrorBody, description = "155820 malformed hex; 155824 message over 8 KiB or memo over 1 KiB"),
        (status = 404, body = ErrorBody, description = "155819 unknown wallet or another user's"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn sign_message() {}

#[utoipa::path(post, path = "/v1/user/sign/typedData", tag = "wallets", request_body = SignTypedDataRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData, description = "A SIGN_TYPEDDATA challenge (EIP-712); its result carries the signature"),
        (status = 400, body = ErrorBody, description = "155821 not valid EIP-712; 155824 typed data over 32 KiB"),
        (status = 404, body = ErrorBody, description = "155819 unknown wallet or another user's"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn sign_typed_data() {}

#[utoipa::path(post, path = "/v1/user/sign/transaction", tag = "wallets", request_body = SignTransactionRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData, description = "A SIGN_TRANSACTION challenge (EIP-1559, not broadcast); its result carries signedTransaction and txHash"),
        (status = 400, body = ErrorBody, description = "155820 malformed hex; 155822 chain id not the wallet's blockchain; 155823 missing or invalid field; 155824 call data over 24 KiB"),
        (status = 404, body = ErrorBody, description = "155819 unknown wallet or another user's"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn sign_transaction() {}

#[utoipa::path(get, path = "/v1/wallets", tag = "wallets", security(("userToken" = [])),
    responses((status = 200, body = WalletListData)))]
fn list_wallets() {}

#[utoipa::path(get, path = "/v1/wallets/{id}", tag = "wallets", security(("userToken" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = WalletData), (status = 404, body = ErrorBody, description = "155819 unknown wallet or another user's")))]
fn get_wallet() {}

#[utoipa::path(get, path = "/v1/users/{userId}/wallets", tag = "developer", security(("apiKey" = [])),
    params(("userId" = String, Path, description = "The user")),
    responses((status = 200, body = WalletListData), (status = 404, body = ErrorBody, description = "155102")))]
fn list_user_wallets() {}

#[utoipa::path(get, path = "/v1/user/challenges", tag = "client", security(("userToken" = [])),
    params(("status" = Option<ChallengeStatus>, Query, description = "Only challenges with this status")),
    responses((status = 200, body = ChallengeListData)))]
fn list_challenges() {}

#[utoipa::path(get, path = "/v1/user/challenges/{id}", tag = "client", security(("userToken" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ChallengeObjectData, description = "`{\"data\": {\"challenge\": {...}}}` (Circle's shape)"), (status = 404, body = ErrorBody, description = "155116 not found or another user's")))]
fn get_challenge() {}

#[utoipa::path(get, path = "/v1/user/challenges/{id}/descriptor", tag = "client", security(("userToken" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = DescriptorData), (status = 404, body = ErrorBody, description = "155116"),
        (status = 409, body = ErrorBody, description = "155804 finished"), (status = 410, body = ErrorBody, description = "155121 expired")))]
fn descriptor() {}

#[utoipa::path(post, path = "/v1/user/challenges/{id}/steps", tag = "client", security(("userToken" = [])),
    params(("id" = String, Path)), request_body = StepSubmission,
    responses((status = 200, body = StepResultData),
        (status = 400, body = ErrorBody, description = "155112 wrong PIN / 155115 wrong answers (attemptsLeft); 155808 envelope rejected; 155704, 155705, 155806, 155807, 155813 input rules"),
        (status = 404, body = ErrorBody, description = "155116"),
        (status = 409, body = ErrorBody, description = "155804 finished; 155805 out of order (final); 155825 reviewDigest differs from the stored signRequest (nothing signed, no guess counted); 155816 the identical envelope is still being processed: resend it after Retry-After",
            headers(("Retry-After" = u32, description = "Seconds to wait before resending (155816 only)"))),
        (status = 410, body = ErrorBody, description = "155121 expired"),
        (status = 423, body = ErrorBody, description = "155119 PIN locked / 155120 answers locked (lockedExpiryDate)")))]
fn submit_step() {}

#[utoipa::path(post, path = "/v1/user/challenges/{id}/cancel", tag = "client", security(("userToken" = [])),
    params(("id" = String, Path)), request_body(content = Option<CancelChallengeRequest>,
        description = "Optional: {\"reason\": \"USER_REJECTED\"} makes the challenge FAILED with 155826 instead of 155701"),
    responses((status = 200, body = ChallengeData), (status = 409, body = ErrorBody, description = "155804")))]
fn cancel() {}

#[utoipa::path(post, path = "/v1/notifications/subscriptions", tag = "webhooks", request_body = CreateSubscriptionRequest,
    security(("apiKey" = [])), responses((status = 201, body = SubscriptionData),
        (status = 400, body = ErrorBody, description = "155801 not an http(s) URL; 155840 the endpoint resolves to a non-public address (or does not resolve)")))]
fn create_subscription() {}

#[utoipa::path(get, path = "/v1/notifications/subscriptions", tag = "webhooks",
    security(("apiKey" = [])), responses((status = 200, body = SubscriptionListData)))]
fn list_subscriptions() {}

#[utoipa::path(delete, path = "/v1/notifications/subscriptions/{id}", tag = "webhooks", params(("id" = String, Path)),
    security(("apiKey" = [])), responses((status = 204), (status = 404, body = ErrorBody, description = "155812")))]
fn delete_subscription() {}

#[utoipa::path(get, path = "/v1/notifications/publicKey/{keyId}", tag = "webhooks", params(("keyId" = String, Path)),
    security(("apiKey" = [])), responses((status = 200, body = PublicKeyData), (status = 404, body = ErrorBody, description = "155812")))]
fn public_key() {}

#[utoipa::path(get, path = "/v1/notifications/deadLetters", tag = "webhooks",
    security(("apiKey" = [])), responses((status = 200, body = DeadLetterListData, description = "Deliveries that ran out of attempts or age, most recent first")))]
fn dead_letters() {}

#[utoipa::path(post, path = "/v1/notifications/deadLetters/{notificationId}/replay", tag = "webhooks",
    params(("notificationId" = String, Path)), security(("apiKey" = [])),
    responses((status = 204, description = "Queued again, due now, with a fresh attempt and age budget"), (status = 404, body = ErrorBody, description = "155812 not dead-lettered")))]
fn replay_dead_letter() {}

#[utoipa::path(post, path = "/v1/notifications/signingKeys/rotate", tag = "webhooks",
    security(("apiKey" = [])), responses((status = 201, body = PublicKeyData, description = "The new key; deliveries are signed with it from now on, the old key stays published")))]
fn rotate_signing_key() {}

/// The security schemes (`apiKey`, `userToken`).
pub(crate) struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "userToken",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-User-Token"))),
        );
    }
}

/// Error replies every operation can give besides its own: 400 (155801, a body, path or query
/// that does not parse), 401 (155802 API key; 155103/155104/155105 user token), 413 (155810,
/// body over `--max-body-bytes`) where there is a body, and 404 where a path has an id.
pub(crate) struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            for op in [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let has_body = op.request_body.is_some();
                let r = &mut op.responses.responses;
                let mut add = |status: &str, description: &str| {
                    r.entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                add(
                    "400",
                    "155801 malformed request (body, path or query value)",
                );
                add(
                    "401",
                    "155802 API key missing or wrong; 155103/155104/155105 user token unknown, expired or malformed",
                );
                if has_body {
                    add("413", "155810 request body too large");
                }
                if has_id {
                    add(
                        "404",
                        "Not found (155116 challenge, 155102 user, 155819 wallet, 155812 subscription or key)",
                    );
                }
            }
        }
    }
}

/// The generated document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Latchkey reference server", version = "1",
        description = "Developer API (Authorization: Bearer <API key>) and client API (X-User-Token). Successful replies are {\"data\": ...}; errors are ErrorBody with a 155xxx code."),
    paths(create_user, get_user, create_token, revoke_token, revoke_user_tokens, reset_security_questions, get_current_user, initialize, set_pin, change_pin,
        restore_pin, set_recovery_code, set_cloud_backup, set_security_questions, create_wallet, sign_message, sign_typed_data,
        sign_transaction, list_wallets, get_wallet, list_user_wallets, list_challenges, get_challenge,
        descriptor, submit_step, cancel, create_subscription, list_subscriptions,
        delete_subscription, public_key, dead_letters, replay_dead_letter, rotate_signing_key),
    components(schemas(Notification, ChallengeNotification, UserNotification, UserEvent, ErrorBody)),
    modifiers(&Security, &CommonErrors)
)]
pub struct ApiDoc;

/// The OpenAPI document as pretty JSON (what `docs/openapi.json` holds).
pub fn document_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::w3s::openapi::W3sDoc::openapi());
    let mut s = doc.to_pretty_json().unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

/// This resource's routes (paths relative to `/v1`).
pub fn routes() -> axum::Router<std::sync::Arc<crate::state::AppState>> {
    axum::Router::new().route("/openapi.json", axum::routing::get(serve))
}

/// `GET /v1/openapi.json`.
pub async fn serve() -> Response {
    ([("content-type", "application/json")], document_json()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_is_openapi_3_1() {
        let v: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(v["paths"]["/v1/user/challenges/{id}/steps"]["post"].is_object());
    }

    /// Every field the wire types always serialise is `required` in their schema (fields with
    /// `#[serde(default)]` but always sent are marked so in the protocol crate).
    #[test]
    fn always_sent_fields_are_required() {
        let v: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        let s = &v["components"]["schemas"];
        let required = |name: &str| -> Vec<String> {
            s[name]["required"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} has no required list"))
                .iter()
                .map(|f| f.as_str().unwrap().to_owned())
                .collect()
        };
        let ch = serde_json::to_value(Challenge {
            id: "c".into(),
            challenge_type: latchkey_protocol::ChallengeType::SetPin,
            status: ChallengeStatus::Pending,
            correlation_ids: vec![],
            error_code: None,
            error_message: None,
            result: None,
            recovery_method: None,
        })
        .unwrap();
        for k in ch.as_object().unwrap().keys() {
            assert!(required("Challenge").contains(k), "Challenge.{k}");
        }
        let d = serde_json::to_value(ChallengeDescriptor {
            challenge_id: "c".into(),
            challenge_type: latchkey_protocol::ChallengeType::RestorePin,
            status: ChallengeStatus::InProgress,
            protocol_version: 1,
            expires_at: "2026-01-01T00:00:00Z".into(),
            pin_policy: Default::default(),
            question_policy: Default::default(),
            catalogue: vec![],
            questions: vec![],
            hints: vec![],
            message: None,
            wallet: None,
            sign_request: None,
            blockchains: vec![],
            pin_attempts_left: 3,
            answer_attempts_left: 3,
            verified_steps: vec![],
            recovery: None,
        })
        .unwrap();
        for k in d.as_object().unwrap().keys() {
            assert!(
                required("ChallengeDescriptor").contains(k),
                "ChallengeDescriptor.{k}"
            );
        }
        assert_eq!(
            s["ChallengeType"]["enum"].as_array().unwrap().len(),
            latchkey_protocol::ChallengeType::KNOWN.len()
        );
        assert_eq!(
            s["ErrorCode"]["enum"].as_array().unwrap().len(),
            latchkey_protocol::ErrorCode::ALL.len()
        );
    }
}
