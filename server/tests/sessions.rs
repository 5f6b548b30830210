//! Session revocation (issue 12): the developer API revokes one token or every token of a user,
//! a recovery (RESTORE_PIN completion) revokes the user's other tokens, and a revoked token
//! answers 401 155104 at once, also through a second server instance on the same database
//! whose session cache had already resolved it.

mod common;

use common::*;
use latchkey_protocol::{ChallengeType, Step};
use reqwest::Method;
use serde_json::json;

const PEPPER: &str = "c2hhcmVkIHRlc3QgcGVwcGVyIGZvciBwb3N0Z3Jlcy4=";

async fn me(api: &Api, s: &Session) -> Reply {
    api.send(api.client(Method::GET, "/v1/user", s)).await
}

async fn revoke_token(api: &Api, token: &str) -> Reply {
    api.send(
        api.dev(Method::POST, "/v1/users/token/revoke")
            .json(&json!({ "userToken": token })),
    )
    .await
}

async fn revoke_all(api: &Api, user: &str) -> Reply {
    api.send(api.dev(Method::POST, &format!("/v1/users/{user}/tokens/revoke")))
        .await
}

/// Two instances on one database; tokens resolved (cached) on both, revoked through one.
async fn revocation(b: Backend) {
    let a = TestServer::start(&b, |c| c.pepper = Some(PEPPER.into())).await;
    let db = a.config.effective_database_url();
    let other = TestServer::start(&b, |c| {
        c.pepper = Some(PEPPER.into());
        c.database_url = Some(db);
    })
    .await;
    let (api, api2) = (&a.api, &other.api);
    let s1 = api.new_user("rev-user-1").await;
    let s2 = api.session("rev-user-1").await;
    for s in [&s1, &s2] {
        me(api, s).await.expect_ok(200);
        me(api2, s).await.expect_ok(200);
    }

    // One token, revoked through the first instance: 401 155104 on both at once.
    assert_eq!(revoke_token(api, &s1.token).await.status, 204);
    me(api, &s1).await.expect_code(401, 155104);
    me(api2, &s1).await.expect_code(401, 155104);
    api2.send(api2.client(Method::GET, "/v1/user/challenges", &s1))
        .await
        .expect_code(401, 155104);
    me(api2, &s2).await.expect_ok(200);
    // Again: nothing changes. Unknown and malformed tokens.
    assert_eq!(revoke_token(api, &s1.token).await.status, 204);
    revoke_token(api, &"A".repeat(43))
        .await
        .expect_code(401, 155103);
    revoke_token(api, "nope").await.expect_code(401, 155105);
    // The API key is required.
    api.send(
        api.http
            .post(api.url("/v1/users/token/revoke"))
            .json(&json!({ "userToken": s2.token })),
    )
    .await
    .expect_code(401, 155802);

    // Every token of the user (log out everywhere), through the second instance.
    let s3 = api.session("rev-user-1").await;
    me(api, &s3).await.expect_ok(200);
    let r = revoke_all(api2, "rev-user-1").await;
    assert_eq!(r.expect_ok(200)["revokedTokens"], 2, "s2 and s3");
    me(api, &s2).await.expect_code(401, 155104);
    me(api, &s3).await.expect_code(401, 155104);
    me(api2, &s3).await.expect_code(401, 155104);
    revoke_all(api, "no-such-user")
        .await
        .expect_code(404, 155102);
    // A new token works.
    let s4 = api.session("rev-user-1").await;
    me(api2, &s4).await.expect_ok(200);
    other.stop().await;
    a.stop().await;
}
both_backends!(revoke_tokens, revocation);

/// Completing a RESTORE_PIN revokes every other token of the user, not the one that completed
/// it; with `revoke_sessions_on_recovery = false` nothing is revoked.
async fn recovery(b: Backend, revoke: bool) {
    let t = TestServer::start(&b, |c| c.revoke_sessions_on_recovery = revoke).await;
    let api = &t.api;
    let s = api.new_user("rec-user-1").await;
    api.initialize(&s, "135790").await;
    let older = api.session("rec-user-1").await;
    me(api, &older).await.expect_ok(200);
    let rt = ChallengeType::RestorePin;
    let id = api.challenge(&s, rt.clone()).await;
    api.descriptor(&s, &id).await.expect_ok(200);
    api.step(
        &s,
        &id,
        &rt,
        Step::Answers,
        answers_payload(setup_answers()),
    )
    .await
    .expect_ok(200);
    let r = api
        .step(&s, &id, &rt, Step::Complete, new_pin("864209"))
        .await;
    assert_eq!(r.expect_ok(200)["status"], "COMPLETE");
    me(api, &s).await.expect_ok(200);
    if revoke {
        me(api, &older).await.expect_code(401, 155104);
    } else {
        me(api, &older).await.expect_ok(200);
    }
    t.stop().await;
}

async fn recovery_revokes(b: Backend) {
    recovery(b, true).await
}
async fn recovery_keeps_when_configured(b: Backend) {
    recovery(b, false).await
}
both_backends!(recovery_revokes_other_tokens, recovery_revokes);
both_backends!(
    recovery_keeps_tokens_when_off,
    recovery_keeps_when_configured
);
