//! The OpenAPI 3.1 document, generated with `utoipa` and served at `/v1/openapi.json`.
//! `docs/openapi.json` holds the same document (a test keeps them equal).
//!
//! The wire types live in `latchkey-protocol` (with hand-written serde for forward-compatible
//! enums), so this module describes them with schema-only mirrors; a unit test checks that each
//! mirror has exactly the fields the real type serialises.

#![allow(dead_code)]

use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Status of a PIN or of the security questions.
#[derive(ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CredentialStatus {
    /// Set and usable.
    Enabled,
    /// Not set.
    Unset,
    /// Locked until `lockedExpiryDate`.
    Locked,
}

/// Kind of challenge.
#[derive(ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChallengeType {
    /// PIN and security questions, first time.
    Initialize,
    /// Set a PIN.
    SetPin,
    /// Change the PIN (verify the current one first).
    ChangePin,
    /// Set security questions (verify the PIN first).
    SetSecurityQuestions,
    /// New PIN after answering the questions.
    RestorePin,
    /// Authorise a message with the PIN.
    SignMessage,
}

/// Status of a challenge.
#[derive(ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChallengeStatus {
    /// Created, not fetched yet.
    Pending,
    /// The SDK is working on it.
    InProgress,
    /// Finished successfully.
    Complete,
    /// Finished unsuccessfully (see errorCode).
    Failed,
    /// Not finished within its time to live.
    Expired,
}

/// A challenge step.
#[derive(ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Step {
    /// Verify the current PIN.
    CurrentPin,
    /// Verify the answers.
    Answers,
    /// Finish the challenge.
    Complete,
}

/// Kind of answer a question expects.
#[derive(ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
}

/// Error reply. `attemptsLeft` comes with 155112/155115, `lockedExpiryDate` with 155119/155120.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// 155xxx code.
    #[schema(example = 155112)]
    pub code: u32,
    /// Secret-free text.
    pub message: String,
    /// Wrong guesses still allowed.
    pub attempts_left: Option<u32>,
    /// Lock end, RFC 3339.
    pub locked_expiry_date: Option<String>,
}

/// Guess-limit details.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialDetails {
    /// Consecutive wrong attempts.
    pub failed_attempts: u32,
    /// Lock start, RFC 3339.
    pub locked_date: Option<String>,
    /// Lock end, RFC 3339.
    pub locked_expiry_date: Option<String>,
}

/// A user.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The app's user id.
    pub id: String,
    /// RFC 3339.
    pub create_date: String,
    /// PIN status.
    pub pin_status: CredentialStatus,
    /// PIN guess limits.
    pub pin_details: CredentialDetails,
    /// Security-question status.
    pub security_question_status: CredentialStatus,
    /// Security-question guess limits.
    pub security_question_details: CredentialDetails,
}

/// A challenge.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// UUID.
    pub id: String,
    /// Kind.
    #[serde(rename = "type")]
    pub challenge_type: ChallengeType,
    /// Status.
    pub status: ChallengeStatus,
    /// Related ids.
    pub correlation_ids: Vec<String>,
    /// Failure code.
    pub error_code: Option<u32>,
    /// Failure text.
    pub error_message: Option<String>,
}

/// `{"challenges": [...]}`.
#[derive(ToSchema)]
pub struct ChallengeList {
    /// The challenges, newest first.
    pub challenges: Vec<Challenge>,
}

/// `POST /v1/users` body.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserRequest {
    /// 5 to 50 characters.
    pub user_id: String,
}

/// `POST /v1/users/token` body.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserTokenRequest {
    /// The user.
    pub user_id: String,
}

/// A session: both fields are secrets.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserTokenResponse {
    /// For `X-User-Token`; 256 random bits, base64url.
    pub user_token: String,
    /// Base64 of 32 bytes: the envelope key.
    pub encryption_key: String,
}

/// Body of challenge-creating calls.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdempotentRequest {
    /// A UUID; a repeat returns the original reply.
    pub idempotency_key: String,
}

/// Body of `POST /v1/user/sign/message`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignMessageRequest {
    /// A UUID.
    pub idempotency_key: String,
    /// The signing wallet.
    pub wallet_id: String,
    /// What the user signs (1 to 2000 characters).
    pub message: String,
    /// Whether `message` is `0x`-hex bytes.
    pub encoded_by_hex: bool,
}

/// Reply of challenge-creating calls.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeIdResponse {
    /// The new challenge.
    pub challenge_id: String,
}

/// PIN rules.
#[derive(ToSchema)]
pub struct PinPolicy {
    /// Digits (6).
    pub length: u32,
}

/// Question rules.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionPolicy {
    /// Questions to answer.
    pub required_count: u32,
    /// Minimum answer characters.
    pub min_answer_chars: u32,
    /// Maximum answer characters.
    pub max_answer_chars: u32,
    /// Maximum hint characters.
    pub max_hint_chars: u32,
}

/// A security question.
#[derive(ToSchema)]
pub struct Question {
    /// Id, e.g. `q01`.
    pub id: String,
    /// Text.
    pub text: String,
    /// TEXT or DATE.
    pub kind: QuestionKind,
}

/// Everything the SDK needs to run a challenge.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeDescriptor {
    /// Challenge id.
    pub challenge_id: String,
    /// Kind.
    #[serde(rename = "type")]
    pub challenge_type: ChallengeType,
    /// Status.
    pub status: ChallengeStatus,
    /// Client protocol version (1).
    pub protocol_version: u32,
    /// RFC 3339.
    pub expires_at: String,
    /// PIN rules.
    pub pin_policy: PinPolicy,
    /// Question rules.
    pub question_policy: QuestionPolicy,
    /// Questions to choose from (INITIALIZE, SET_SECURITY_QUESTIONS).
    pub catalogue: Vec<Question>,
    /// The user's questions in order (RESTORE_PIN); never answers.
    pub questions: Vec<Question>,
    /// Hints parallel to `questions`.
    pub hints: Vec<Option<String>>,
    /// SIGN_MESSAGE text.
    pub message: Option<String>,
    /// Wrong PINs still allowed.
    pub pin_attempts_left: u32,
    /// Wrong answer sets still allowed.
    pub answer_attempts_left: u32,
    /// Steps already verified.
    pub verified_steps: Vec<Step>,
}

/// One sealed input.
#[derive(ToSchema)]
pub struct StepSubmission {
    /// The step.
    pub step: Step,
    /// Base64 envelope (see docs/protocol.md).
    pub envelope: String,
}

/// Reply to a step.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// Challenge id.
    pub challenge_id: String,
    /// The accepted step.
    pub step: Step,
    /// Status after the step.
    pub status: ChallengeStatus,
    /// Steps verified so far.
    pub verified_steps: Vec<Step>,
}

/// `POST /v1/notifications/subscriptions` body.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateSubscriptionRequest {
    /// http(s) URL receiving POSTs.
    pub endpoint: String,
    /// e.g. `["*"]`, `["challenges.*"]`, `["challenges.changePin"]`.
    pub notification_types: Vec<String>,
}

/// A webhook subscription.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// UUID.
    pub id: String,
    /// URL.
    pub endpoint: String,
    /// Selected types.
    pub notification_types: Vec<String>,
    /// RFC 3339.
    pub create_date: String,
}

/// Webhook signing public key.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPublicKey {
    /// Key id (`X-Latchkey-Key-Id`).
    pub id: String,
    /// `ECDSA_SHA_256`.
    pub algorithm: String,
    /// Base64 DER SubjectPublicKeyInfo (P-256).
    pub public_key: String,
    /// RFC 3339.
    pub create_date: String,
}

/// The challenge inside a notification.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeNotification {
    /// Challenge id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Kind.
    #[serde(rename = "type")]
    pub challenge_type: ChallengeType,
    /// New status.
    pub status: ChallengeStatus,
    /// Related ids.
    pub correlation_ids: Vec<String>,
    /// Failure code.
    pub error_code: Option<u32>,
    /// Failure text.
    pub error_message: Option<String>,
}

/// Webhook body, POSTed with `X-Latchkey-Signature` (base64 DER ECDSA P-256/SHA-256 over the
/// raw body) and `X-Latchkey-Key-Id`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Subscription.
    pub subscription_id: String,
    /// Same on every retry.
    pub notification_id: String,
    /// e.g. `challenges.initialize`.
    pub notification_type: String,
    /// The challenge after the change.
    pub notification: ChallengeNotification,
    /// RFC 3339.
    pub timestamp: String,
    /// 1.
    pub version: u32,
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
    ChallengeListData => ChallengeList,
    DescriptorData => ChallengeDescriptor,
    StepResultData => StepResult,
    SubscriptionData => Subscription,
    SubscriptionListData => Vec<Subscription>,
    PublicKeyData => NotificationPublicKey,
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

#[utoipa::path(get, path = "/v1/user", tag = "developer", security(("userToken" = []), ("apiKey" = [], "userToken" = [])),
    responses((status = 200, body = UserData), (status = 401, body = ErrorBody, description = "155103/155104/155105")))]
fn get_current_user() {}

#[utoipa::path(post, path = "/v1/user/initialize", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155106 already initialized; 155803 idempotency key reused")))]
fn initialize() {}

#[utoipa::path(post, path = "/v1/user/pin", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155107 PIN already set; 155803")))]
fn set_pin() {}

#[utoipa::path(put, path = "/v1/user/pin", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn change_pin() {}

#[utoipa::path(post, path = "/v1/user/pin/restore", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155111 no questions; 155803")))]
fn restore_pin() {}

#[utoipa::path(post, path = "/v1/user/securityQuestions", tag = "challenges", request_body = IdempotentRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155108 already set; 155803")))]
fn set_security_questions() {}

#[utoipa::path(post, path = "/v1/user/sign/message", tag = "challenges", request_body = SignMessageRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn sign_message() {}

#[utoipa::path(get, path = "/v1/user/challenges", tag = "client", security(("userToken" = [])),
    params(("status" = Option<ChallengeStatus>, Query, description = "Only challenges with this status")),
    responses((status = 200, body = ChallengeListData)))]
fn list_challenges() {}

#[utoipa::path(get, path = "/v1/user/challenges/{id}", tag = "client", security(("userToken" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ChallengeData), (status = 404, body = ErrorBody, description = "155116 not found or another user's")))]
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
        (status = 409, body = ErrorBody, description = "155804 finished; 155805 out of order (final); 155816 the identical envelope is still being processed: resend it after Retry-After",
            headers(("Retry-After" = u32, description = "Seconds to wait before resending (155816 only)"))),
        (status = 410, body = ErrorBody, description = "155121 expired"),
        (status = 423, body = ErrorBody, description = "155119 PIN locked / 155120 answers locked (lockedExpiryDate)")))]
fn submit_step() {}

#[utoipa::path(post, path = "/v1/user/challenges/{id}/cancel", tag = "client", security(("userToken" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ChallengeData), (status = 409, body = ErrorBody, description = "155804")))]
fn cancel() {}

#[utoipa::path(post, path = "/v1/notifications/subscriptions", tag = "webhooks", request_body = CreateSubscriptionRequest,
    security(("apiKey" = [])), responses((status = 201, body = SubscriptionData)))]
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

struct Security;

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
struct CommonErrors;

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
                        "Not found (155116 challenge, 155102 user, 155812 subscription or key)",
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
    paths(create_user, get_user, create_token, get_current_user, initialize, set_pin, change_pin,
        restore_pin, set_security_questions, sign_message, list_challenges, get_challenge,
        descriptor, submit_step, cancel, create_subscription, list_subscriptions,
        delete_subscription, public_key),
    components(schemas(Notification, ChallengeNotification, ErrorBody)),
    modifiers(&Security, &CommonErrors)
)]
pub struct ApiDoc;

/// The OpenAPI document as pretty JSON (what `docs/openapi.json` holds).
pub fn document_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

/// `GET /v1/openapi.json`.
pub async fn serve() -> Response {
    ([("content-type", "application/json")], document_json()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_protocol as p;
    use std::collections::BTreeSet;
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    use utoipa::PartialSchema;

    fn props<T: PartialSchema>() -> BTreeSet<String> {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o.properties.keys().cloned().collect(),
            _ => panic!("not an object schema"),
        }
    }

    fn keys(v: serde_json::Value) -> BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    /// Each mirror has exactly the fields the real wire type serialises (all optional fields set).
    #[test]
    fn mirrors_match_wire_types() {
        let ts = "2026-01-01T00:00:00Z".to_string();
        let details = p::CredentialDetails {
            failed_attempts: 1,
            locked_date: Some(ts.clone()),
            locked_expiry_date: Some(ts.clone()),
        };
        let user = p::User {
            id: "u".into(),
            create_date: ts.clone(),
            pin_status: p::CredentialStatus::Enabled,
            pin_details: details.clone(),
            security_question_status: p::CredentialStatus::Unset,
            security_question_details: details.clone(),
        };
        assert_eq!(props::<User>(), keys(serde_json::to_value(&user).unwrap()));
        assert_eq!(
            props::<CredentialDetails>(),
            keys(serde_json::to_value(&details).unwrap())
        );
        let ch = p::Challenge {
            id: "c".into(),
            challenge_type: p::ChallengeType::SetPin,
            status: p::ChallengeStatus::Failed,
            correlation_ids: vec![],
            error_code: Some(p::ErrorCode::CancelledByUser),
            error_message: Some("x".into()),
            result: None,
        };
        assert_eq!(
            props::<Challenge>(),
            keys(serde_json::to_value(&ch).unwrap())
        );
        let mut e = p::ErrorBody::new(p::ErrorCode::PinLocked);
        e.attempts_left = Some(1);
        e.locked_expiry_date = Some(ts.clone());
        assert_eq!(
            props::<ErrorBody>(),
            keys(serde_json::to_value(&e).unwrap())
        );
        let d = p::ChallengeDescriptor {
            challenge_id: "c".into(),
            challenge_type: p::ChallengeType::SignMessage,
            status: p::ChallengeStatus::InProgress,
            protocol_version: 1,
            expires_at: ts.clone(),
            pin_policy: p::PinPolicy::default(),
            question_policy: p::QuestionPolicy::default(),
            catalogue: vec![],
            questions: vec![],
            hints: vec![],
            message: Some("m".into()),
            wallet: None,
            sign_request: None,
            blockchains: vec![],
            pin_attempts_left: 3,
            answer_attempts_left: 3,
            verified_steps: vec![],
        };
        let dv = serde_json::to_value(&d).unwrap();
        assert_eq!(props::<ChallengeDescriptor>(), keys(dv.clone()));
        assert_eq!(
            props::<QuestionPolicy>(),
            keys(dv["questionPolicy"].clone())
        );
        assert_eq!(props::<PinPolicy>(), keys(dv["pinPolicy"].clone()));
        let q = &p::default_catalogue()[0];
        assert_eq!(props::<Question>(), keys(serde_json::to_value(q).unwrap()));
        let sr = p::StepResult {
            challenge_id: "c".into(),
            step: p::Step::Complete,
            status: p::ChallengeStatus::Complete,
            verified_steps: vec![],
            result: None,
        };
        assert_eq!(
            props::<StepResult>(),
            keys(serde_json::to_value(&sr).unwrap())
        );
        let sub = p::StepSubmission {
            step: p::Step::Answers,
            envelope: "e".into(),
        };
        assert_eq!(
            props::<StepSubmission>(),
            keys(serde_json::to_value(&sub).unwrap())
        );
        let n = p::Notification {
            subscription_id: "s".into(),
            notification_id: "n".into(),
            notification_type: "t".into(),
            notification: p::ChallengeNotification {
                id: "c".into(),
                user_id: "u".into(),
                challenge_type: p::ChallengeType::SetPin,
                status: p::ChallengeStatus::Failed,
                correlation_ids: vec![],
                error_code: Some(p::ErrorCode::PinLocked),
                error_message: Some("x".into()),
                result: None,
            },
            timestamp: ts.clone(),
            version: 1,
        };
        let nv = serde_json::to_value(&n).unwrap();
        assert_eq!(props::<Notification>(), keys(nv.clone()));
        assert_eq!(
            props::<ChallengeNotification>(),
            keys(nv["notification"].clone())
        );
        let k = p::NotificationPublicKey {
            id: "k".into(),
            algorithm: "a".into(),
            public_key: "p".into(),
            create_date: ts.clone(),
        };
        assert_eq!(
            props::<NotificationPublicKey>(),
            keys(serde_json::to_value(&k).unwrap())
        );
        let s = p::Subscription {
            id: "s".into(),
            endpoint: "e".into(),
            notification_types: vec![],
            create_date: ts,
        };
        assert_eq!(
            props::<Subscription>(),
            keys(serde_json::to_value(&s).unwrap())
        );
        for (mirror, wire) in [
            (
                props::<UserTokenResponse>(),
                keys(
                    serde_json::to_value(p::UserTokenResponse {
                        user_token: "t".into(),
                        encryption_key: "k".into(),
                    })
                    .unwrap(),
                ),
            ),
            (
                props::<SignMessageRequest>(),
                keys(
                    serde_json::to_value(p::SignMessageRequest {
                        idempotency_key: "k".into(),
                        wallet_id: "w".into(),
                        message: "m".into(),
                        encoded_by_hex: false,
                        memo: None,
                    })
                    .unwrap(),
                ),
            ),
            (
                props::<CreateSubscriptionRequest>(),
                keys(
                    serde_json::to_value(p::CreateSubscriptionRequest {
                        endpoint: "e".into(),
                        notification_types: vec![],
                    })
                    .unwrap(),
                ),
            ),
        ] {
            assert_eq!(mirror, wire);
        }
    }

    #[test]
    fn document_is_openapi_3_1() {
        let v: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(v["paths"]["/v1/user/challenges/{id}/steps"]["post"].is_object());
    }
}
