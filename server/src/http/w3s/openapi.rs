//! The OpenAPI operations of the Circle-compatible routes (`/v1/w3s/...`,
//! `/v2/notifications/...`), merged into the served document by [`super::super::openapi`].
//! Request schemas are Circle's (`W3s*`); replies reuse Circle's shapes from
//! [`crate::domain::w3s`] and the wire types.

#![allow(dead_code)]

use super::super::openapi::{
    ChallengeIdData, ChallengeListData, ChallengeObjectData, CommonErrors, PublicKeyData, Security,
    UserTokenData,
};
use crate::domain::w3s::{
    CircleSubscription, CircleWallet, EndUser, UpdateSubscriptionRequest, UpdateWalletRequest,
};
use latchkey_protocol::{
    AccountType, Blockchain, ChallengeStatus, CreateSubscriptionRequest, CreateUserRequest,
    CredentialStatus, ErrorBody, UserTokenRequest,
};
use utoipa::{OpenApi, ToSchema};

/// Circle's `WalletMetadata`: the name and reference id of one wallet.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sWalletMetadata {
    /// Name (at most 256 characters).
    pub name: Option<String>,
    /// Reference id (at most 256 characters).
    pub ref_id: Option<String>,
}

/// Circle's `SetPinAndInitWalletRequest` (`POST /v1/w3s/user/initialize`).
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sInitializeRequest {
    /// UUID; a repeat returns the original reply (Latchkey generates one when absent).
    pub idempotency_key: Option<String>,
    /// `EOA` (default); `SCA` answers 155818.
    pub account_type: Option<AccountType>,
    /// Wallets to create when the challenge completes.
    pub blockchains: Option<Vec<Blockchain>>,
    /// One entry per blockchain, in order.
    pub metadata: Option<Vec<W3sWalletMetadata>>,
}

/// Circle's `CreateEndUserWalletRequest` (`POST /v1/w3s/user/wallets`).
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sCreateWalletRequest {
    /// UUID; a repeat returns the original reply (Latchkey generates one when absent).
    pub idempotency_key: Option<String>,
    /// `EOA` (default); `SCA` answers 155818.
    pub account_type: Option<AccountType>,
    /// Wallets to create (at least one).
    pub blockchains: Vec<Blockchain>,
    /// One entry per blockchain, in order.
    pub metadata: Option<Vec<W3sWalletMetadata>>,
}

/// Circle's `SetPinRequest` (PIN challenges).
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sSetPinRequest {
    /// UUID; a repeat returns the original reply (Latchkey generates one when absent).
    pub idempotency_key: Option<String>,
}

/// Circle's `SignMessageRequest`.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sSignMessageRequest {
    /// The signing wallet (or `blockchain` + `walletAddress`).
    pub wallet_id: Option<String>,
    /// With `walletAddress`, names the wallet.
    pub blockchain: Option<Blockchain>,
    /// With `blockchain`, names the wallet.
    pub wallet_address: Option<String>,
    /// Whether `message` is `0x`-hex bytes.
    pub encoded_by_hex: Option<bool>,
    /// The message.
    pub message: String,
    /// Shown to the user on the review screen.
    pub memo: Option<String>,
    /// Latchkey extension: an idempotency key (Circle's request has none).
    pub idempotency_key: Option<String>,
}

/// Circle's `SignTypedDataRequest`.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sSignTypedDataRequest {
    /// The signing wallet (or `blockchain` + `walletAddress`).
    pub wallet_id: Option<String>,
    /// With `walletAddress`, names the wallet.
    pub blockchain: Option<Blockchain>,
    /// With `blockchain`, names the wallet.
    pub wallet_address: Option<String>,
    /// The EIP-712 typed data as a JSON string.
    pub data: String,
    /// Shown to the user on the review screen.
    pub memo: Option<String>,
    /// Latchkey extension: an idempotency key (Circle's request has none).
    pub idempotency_key: Option<String>,
}

/// Circle's `SignUserTransactionRequest` (EVM; `transaction` only).
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sSignTransactionRequest {
    /// The signing wallet (or `blockchain` + `walletAddress`).
    pub wallet_id: Option<String>,
    /// With `walletAddress`, names the wallet.
    pub blockchain: Option<Blockchain>,
    /// With `blockchain`, names the wallet.
    pub wallet_address: Option<String>,
    /// Not supported: answers 155852.
    pub raw_transaction: Option<String>,
    /// The EIP-1559 transaction as a JSON string.
    pub transaction: Option<String>,
    /// Shown to the user on the review screen.
    pub memo: Option<String>,
    /// Latchkey extension: an idempotency key (Circle's request has none).
    pub idempotency_key: Option<String>,
}

/// `{"user": EndUser}`.
#[derive(ToSchema)]
pub struct W3sUserObject {
    /// The user.
    pub user: EndUser,
}

/// `{"users": [EndUser]}`.
#[derive(ToSchema)]
pub struct W3sUserList {
    /// The users (newest first unless `order=ASC`).
    pub users: Vec<EndUser>,
}

/// `{"wallets": [...]}`.
#[derive(ToSchema)]
pub struct W3sWalletList {
    /// The wallets (newest first unless `order=ASC`).
    pub wallets: Vec<CircleWallet>,
}

/// `{"wallet": {...}}`.
#[derive(ToSchema)]
pub struct W3sWalletObject {
    /// The wallet.
    pub wallet: CircleWallet,
}

/// `{"appId"}`.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct W3sEntityConfig {
    /// A stable id of this installation.
    pub app_id: String,
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
    W3sUserData => EndUser,
    W3sUserObjectData => W3sUserObject,
    W3sUserListData => W3sUserList,
    W3sWalletListData => W3sWalletList,
    W3sWalletData => W3sWalletObject,
    W3sEntityConfigData => W3sEntityConfig,
    W3sSubscriptionData => CircleSubscription,
    W3sSubscriptionListData => Vec<CircleSubscription>,
}

const PAGE: &str = "Circle's paging: pageBefore/pageAfter (an id), pageSize 1-50 (default 50), order DESC (default) or ASC, from/to (ISO 8601, inclusive)";

#[utoipa::path(post, path = "/v1/w3s/users", tag = "circle", request_body = CreateUserRequest,
    security(("apiKey" = [])),
    responses((status = 201, body = W3sUserData), (status = 409, body = ErrorBody, description = "155101 user exists")))]
fn create_user() {}

#[utoipa::path(get, path = "/v1/w3s/users", tag = "circle", security(("apiKey" = [])),
    params(("pinStatus" = Option<CredentialStatus>, Query), ("securityQuestionStatus" = Option<CredentialStatus>, Query),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query), ("pageBefore" = Option<String>, Query),
        ("pageAfter" = Option<String>, Query), ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 50),
        ("order" = Option<String>, Query, description = "ASC or DESC")),
    responses((status = 200, body = W3sUserListData, description = PAGE)))]
fn list_users() {}

#[utoipa::path(get, path = "/v1/w3s/users/{id}", tag = "circle", security(("apiKey" = [])),
    params(("id" = String, Path, description = "The user")),
    responses((status = 200, body = W3sUserObjectData), (status = 404, body = ErrorBody, description = "155102")))]
fn get_user() {}

#[utoipa::path(post, path = "/v1/w3s/users/token", tag = "circle", request_body = UserTokenRequest,
    security(("apiKey" = [])),
    responses((status = 200, body = UserTokenData), (status = 404, body = ErrorBody, description = "155102")))]
fn create_token() {}

#[utoipa::path(get, path = "/v1/w3s/user", tag = "circle", security(("apiKey" = [], "userToken" = [])),
    responses((status = 200, body = W3sUserData)))]
fn get_current_user() {}

#[utoipa::path(post, path = "/v1/w3s/user/initialize", tag = "circle", request_body = W3sInitializeRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData),
        (status = 400, body = ErrorBody, description = "155817 unknown blockchain; 155818 account type not EOA"),
        (status = 409, body = ErrorBody, description = "155106 already initialized; 155803 idempotency key reused")))]
fn initialize() {}

#[utoipa::path(post, path = "/v1/w3s/user/pin", tag = "circle", request_body = W3sSetPinRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155107 PIN already set; 155803")))]
fn set_pin() {}

#[utoipa::path(put, path = "/v1/w3s/user/pin", tag = "circle", request_body = W3sSetPinRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn change_pin() {}

#[utoipa::path(post, path = "/v1/w3s/user/pin/restore", tag = "circle", request_body = W3sSetPinRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData), (status = 409, body = ErrorBody, description = "155111 no questions; 155803")))]
fn restore_pin() {}

#[utoipa::path(get, path = "/v1/w3s/user/challenges", tag = "circle", security(("apiKey" = [], "userToken" = [])),
    params(("status" = Option<ChallengeStatus>, Query, description = "Only challenges with this status")),
    responses((status = 200, body = ChallengeListData)))]
fn list_challenges() {}

#[utoipa::path(get, path = "/v1/w3s/user/challenges/{id}", tag = "circle", security(("apiKey" = [], "userToken" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ChallengeObjectData), (status = 404, body = ErrorBody, description = "155116")))]
fn get_challenge() {}

#[utoipa::path(get, path = "/v1/w3s/wallets", tag = "circle", security(("apiKey" = [], "userToken" = [])),
    params(("address" = Option<String>, Query), ("blockchain" = Option<Blockchain>, Query),
        ("scaCore" = Option<String>, Query, description = "Latchkey has no SCA wallets: an empty list"),
        ("walletSetId" = Option<String>, Query), ("refId" = Option<String>, Query),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query), ("pageBefore" = Option<String>, Query),
        ("pageAfter" = Option<String>, Query), ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 50),
        ("order" = Option<String>, Query, description = "ASC or DESC")),
    responses((status = 200, body = W3sWalletListData, description = PAGE)))]
fn list_wallets() {}

#[utoipa::path(get, path = "/v1/w3s/wallets/{id}", tag = "circle", security(("apiKey" = [], "userToken" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = W3sWalletData), (status = 404, body = ErrorBody, description = "155819")))]
fn get_wallet() {}

#[utoipa::path(put, path = "/v1/w3s/wallets/{id}", tag = "circle", security(("apiKey" = [], "userToken" = [])),
    params(("id" = String, Path)), request_body = UpdateWalletRequest,
    responses((status = 200, body = W3sWalletData), (status = 404, body = ErrorBody, description = "155819")))]
fn update_wallet() {}

#[utoipa::path(post, path = "/v1/w3s/user/wallets", tag = "circle", request_body = W3sCreateWalletRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData, description = "A CREATE_WALLET challenge; correlationIds carry the wallets once COMPLETE"),
        (status = 400, body = ErrorBody, description = "155817 unknown blockchain; 155818 account type not EOA"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn create_wallet() {}

#[utoipa::path(post, path = "/v1/w3s/user/sign/message", tag = "circle", request_body = W3sSignMessageRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData),
        (status = 400, body = ErrorBody, description = "155820 malformed hex; 155824 too large"),
        (status = 404, body = ErrorBody, description = "155819 unknown wallet"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn sign_message() {}

#[utoipa::path(post, path = "/v1/w3s/user/sign/typedData", tag = "circle", request_body = W3sSignTypedDataRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData),
        (status = 400, body = ErrorBody, description = "155821 not valid EIP-712; 155824 too large"),
        (status = 404, body = ErrorBody, description = "155819 unknown wallet"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn sign_typed_data() {}

#[utoipa::path(post, path = "/v1/w3s/user/sign/transaction", tag = "circle", request_body = W3sSignTransactionRequest,
    security(("apiKey" = [], "userToken" = [])),
    responses((status = 201, body = ChallengeIdData),
        (status = 400, body = ErrorBody, description = "155852 rawTransaction; 155820, 155822, 155823, 155824 transaction rules"),
        (status = 404, body = ErrorBody, description = "155819 unknown wallet"),
        (status = 409, body = ErrorBody, description = "155110 no PIN; 155803")))]
fn sign_transaction() {}

#[utoipa::path(get, path = "/v1/w3s/config/entity", tag = "circle", security(("apiKey" = [])),
    responses((status = 200, body = W3sEntityConfigData)))]
fn entity_config() {}

#[utoipa::path(post, path = "/v2/notifications/subscriptions", tag = "circle", request_body = CreateSubscriptionRequest,
    security(("apiKey" = [])), responses((status = 200, body = W3sSubscriptionData),
        (status = 400, body = ErrorBody, description = "155801 not an http(s) URL; 155840 non-public endpoint")))]
fn create_subscription() {}

#[utoipa::path(get, path = "/v2/notifications/subscriptions", tag = "circle",
    security(("apiKey" = [])), responses((status = 200, body = W3sSubscriptionListData)))]
fn list_subscriptions() {}

#[utoipa::path(get, path = "/v2/notifications/subscriptions/{id}", tag = "circle", params(("id" = String, Path)),
    security(("apiKey" = [])), responses((status = 200, body = W3sSubscriptionData), (status = 404, body = ErrorBody, description = "155812")))]
fn get_subscription() {}

#[utoipa::path(patch, path = "/v2/notifications/subscriptions/{id}", tag = "circle", params(("id" = String, Path)),
    request_body = UpdateSubscriptionRequest,
    security(("apiKey" = [])), responses((status = 200, body = W3sSubscriptionData), (status = 404, body = ErrorBody, description = "155812")))]
fn update_subscription() {}

#[utoipa::path(delete, path = "/v2/notifications/subscriptions/{id}", tag = "circle", params(("id" = String, Path)),
    security(("apiKey" = [])), responses((status = 204), (status = 404, body = ErrorBody, description = "155812")))]
fn delete_subscription() {}

#[utoipa::path(get, path = "/v2/notifications/publicKey/{id}", tag = "circle", params(("id" = String, Path)),
    security(("apiKey" = [])), responses((status = 200, body = PublicKeyData), (status = 404, body = ErrorBody, description = "155812")))]
fn public_key() {}

/// The Circle-compatible operations.
#[derive(OpenApi)]
#[openapi(
    paths(create_user, list_users, get_user, create_token, get_current_user, initialize, set_pin,
        change_pin, restore_pin, list_challenges, get_challenge, list_wallets, get_wallet,
        update_wallet, create_wallet, sign_message, sign_typed_data, sign_transaction,
        entity_config, create_subscription, list_subscriptions, get_subscription,
        update_subscription, delete_subscription, public_key),
    modifiers(&Unsupported, &Security, &CommonErrors)
)]
pub struct W3sDoc;

/// Documents the Circle endpoints Latchkey does not serve, each with its 1558[5x] answer.
struct Unsupported;

impl utoipa::Modify for Unsupported {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use latchkey_protocol::ErrorCode;
        use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
        for (list, code) in [
            (super::unsupported::NEEDS_CHAIN, ErrorCode::CircleNeedsChain),
            (super::unsupported::LOGIN, ErrorCode::CircleLoginUnsupported),
            (
                super::unsupported::NOT_OFFERED,
                ErrorCode::CircleEndpointUnsupported,
            ),
        ] {
            for (method, path) in list {
                let method = match *method {
                    "GET" => HttpMethod::Get,
                    "PUT" => HttpMethod::Put,
                    "PATCH" => HttpMethod::Patch,
                    "DELETE" => HttpMethod::Delete,
                    _ => HttpMethod::Post,
                };
                let text = format!("{} {}", code.code(), code.description());
                let mut op = OperationBuilder::new()
                    .tag("circle")
                    .summary(Some(format!(
                        "Circle endpoint not supported ({})",
                        code.code()
                    )))
                    .description(Some(format!(
                        "Answers {} {text} See docs/circle-compat.md.",
                        code.http_status()
                    )))
                    .response(
                        code.http_status().to_string(),
                        ResponseBuilder::new()
                            .description(text)
                            .content(
                                "application/json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                                    .build(),
                            )
                            .build(),
                    );
                if path.contains("{id}") {
                    op = op.parameter(
                        ParameterBuilder::new()
                            .name("id")
                            .parameter_in(ParameterIn::Path)
                            .required(Required::True)
                            .schema(Some(utoipa::openapi::schema::Object::with_type(
                                utoipa::openapi::schema::Type::String,
                            )))
                            .build(),
                    );
                }
                let op = op
                    .security(utoipa::openapi::security::SecurityRequirement::new(
                        "apiKey",
                        Vec::<String>::new(),
                    ))
                    .build();
                openapi
                    .paths
                    .add_path_operation(format!("/v1/w3s{path}"), vec![method], op);
            }
        }
    }
}
