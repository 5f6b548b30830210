//! docs/protocol.md and the server agree (issue 12, "Docs vs server"): envelope base64 padding,
//! `verifiedSteps` after COMPLETE, the 155805 message, and the order of challenge lists.

mod common;

use common::*;
use latchkey_protocol::{ChallengeType, ErrorCode, Step};
use reqwest::Method;
use std::time::Duration;

/// protocol.md: "Base64 is the standard alphabet with padding". An envelope without its
/// padding is refused like any other malformed envelope (400 155808) and counts nothing.
async fn padding(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("pad-user-1").await;
    let ty = ChallengeType::Initialize;
    // Find an envelope whose encoding ends in padding (its length is not a multiple of 3).
    let id = api.challenge(&s, ty.clone()).await;
    api.descriptor(&s, &id).await.expect_ok(200);
    let mut env = String::new();
    for i in 0..50 {
        let p = init_payload(&format!("13579{}", i % 10));
        env = api.seal(&s, &id, &ty, &Step::Complete, &p);
        if env.ends_with('=') {
            break;
        }
    }
    assert!(env.ends_with('='), "no padded envelope found");
    let unpadded = env.trim_end_matches('=');
    api.post_envelope(&s, &id, &Step::Complete, unpadded)
        .await
        .expect_code(400, 155808);
    assert_eq!(api.get_user("pad-user-1").await["pinStatus"], "UNSET");
    // The padded one completes.
    api.post_envelope(&s, &id, &Step::Complete, &env)
        .await
        .expect_ok(200);
    t.stop().await;
}
both_backends!(unpadded_envelope_refused, padding);

/// protocol.md: `verifiedSteps` lists the steps verified so far, and the COMPLETE reply lists
/// COMPLETE last (the completion is the final verified step); 155805 carries the table's
/// message, the same for every cause, so clients match one text.
async fn verified_steps_and_155805(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("steps-user-1").await;
    api.initialize(&s, "135790").await;
    let rt = ChallengeType::RestorePin;
    let id = api.challenge(&s, rt.clone()).await;
    api.descriptor(&s, &id).await.expect_ok(200);
    let early = api
        .step(&s, &id, &rt, Step::Complete, new_pin("864209"))
        .await;
    early.expect_code(409, 155805);
    assert_eq!(
        early.body["message"],
        ErrorCode::StepOutOfOrder.description(),
        "155805 carries the table's message"
    );
    let r = api
        .step(
            &s,
            &id,
            &rt,
            Step::Answers,
            answers_payload(setup_answers()),
        )
        .await;
    assert_eq!(
        r.expect_ok(200)["verifiedSteps"],
        serde_json::json!(["ANSWERS"])
    );
    let again = api
        .step(
            &s,
            &id,
            &rt,
            Step::Answers,
            answers_payload(setup_answers()),
        )
        .await;
    again.expect_code(409, 155805);
    assert_eq!(
        again.body["message"],
        ErrorCode::StepOutOfOrder.description()
    );
    let r = api
        .step(&s, &id, &rt, Step::Complete, new_pin("864209"))
        .await;
    assert_eq!(
        r.expect_ok(200)["verifiedSteps"],
        serde_json::json!(["ANSWERS", "COMPLETE"])
    );
    t.stop().await;
}
both_backends!(
    verified_steps_and_step_out_of_order,
    verified_steps_and_155805
);

/// protocol.md and sdk.md: `GET /v1/user/challenges[?status=]` lists oldest first (the order
/// the app created them in, which `pending_challenges()` hands on).
async fn list_order(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("order-user-1").await;
    let mut ids = vec![];
    for _ in 0..3 {
        ids.push(api.challenge(&s, ChallengeType::Initialize).await);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for path in ["/v1/user/challenges?status=PENDING", "/v1/user/challenges"] {
        let l = api.send(api.client(Method::GET, path, &s)).await;
        let got: Vec<String> = l.expect_ok(200)["challenges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, ids, "{path} lists oldest first");
    }
    t.stop().await;
}
both_backends!(challenge_lists_oldest_first, list_order);
