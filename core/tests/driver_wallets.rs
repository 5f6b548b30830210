//! Wallets and PIN-gated signing (issue 9) against the real server over loopback: INITIALIZE
//! with wallets, listing, SIGN_MESSAGE / SIGN_TYPEDDATA / SIGN_TRANSACTION through the review
//! screen, a rejection, CREATE_WALLET, and the 4xx codes for bad requests.
//!
//! Written to the wire contract (notes/wallet-contract.md) before the server side existed;
//! they run against the server's wallet endpoints since those landed.
//! (That the signatures recover to the wallet address is checked by the server's tests with
//! Ethereum libraries; the core has none on purpose.)

mod net;

use latchkey_core::{
    new_idempotency_key, Blockchain, ChallengeStatus, ChallengeType, ErrorCode, Input, PinPurpose,
    ReviewDetails, Screen,
};
use latchkey_protocol::{
    SignMessageRequest, SignTransactionRequest, SignTypedDataRequest, TransactionInput,
};
use net::*;
use std::time::Duration;

const PIN1: &str = "135790";
const WRONG: &str = "112358";

const MAIL: &str = r#"{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":11155111,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},"message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}"#;

fn is_hex(s: &str, bytes: usize) -> bool {
    s.len() == 2 + 2 * bytes && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A user initialised with a PIN, two questions and wallets on Sepolia and EVM-TESTNET.
async fn user_with_wallets(world: &World, user_id: &str) -> (latchkey_core::Session, String) {
    let (session, token) = new_user(world, user_id, &world.server.base_url()).await;
    let id = world
        .admin
        .create_initialize_with_wallets(
            &token,
            &[Blockchain::EthSepolia, Blockchain::EvmTestnet],
            None,
            &new_idempotency_key(),
        )
        .await
        .expect("initialize with wallets");
    let run = session.run_challenge(&id).await.expect("run");
    assert_eq!(
        run.blockchains(),
        [Blockchain::EthSepolia, Blockchain::EvmTestnet]
    );
    let s = initialize(&run, PIN1).await;
    match s {
        Screen::Done {
            result: Some(r), ..
        } => assert_eq!(r.wallet_ids.len(), 2, "{r:?}"),
        other => panic!("expected Done with wallet ids, got {other:?}"),
    }
    (session, token)
}

#[tokio::test]
async fn wallets_are_created_and_listed() {
    let world = start_server(|_| {}).await;
    let (session, _token) = user_with_wallets(&world, "wallet-user-1").await;
    let ws = session.wallets().await.expect("list");
    assert_eq!(ws.len(), 2);
    assert_eq!(ws[0].address, ws[1].address, "one key, one address on EVM");
    assert!(is_hex(&ws[0].address, 20));
    let chains: Vec<_> = ws.iter().map(|w| w.blockchain.clone()).collect();
    assert!(chains.contains(&Blockchain::EthSepolia) && chains.contains(&Blockchain::EvmTestnet));
    assert_eq!(session.wallet(&ws[0].id).await.unwrap(), ws[0]);
    assert_eq!(
        world
            .admin
            .list_user_wallets("wallet-user-1")
            .await
            .unwrap(),
        ws
    );
    let e = session
        .wallet("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WalletNotFound);
    world.server.shutdown().await;
}

#[tokio::test]
async fn sign_message_typed_data_and_transaction_through_the_review() {
    let world = start_server(|_| {}).await;
    let (session, token) = user_with_wallets(&world, "wallet-user-2").await;
    let w = session
        .wallets()
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.blockchain == Blockchain::EthSepolia)
        .expect("sepolia wallet");

    // ---- SIGN_MESSAGE: review -> approve -> wrong PIN -> right PIN -> Done with a signature.
    let req = SignMessageRequest {
        idempotency_key: new_idempotency_key(),
        wallet_id: w.id.clone(),
        message: "Sign in to Example".into(),
        encoded_by_hex: false,
        memo: Some("login".into()),
    };
    let id = world.admin.create_sign_message(&token, &req).await.unwrap();
    let run = session.run_challenge(&id).await.unwrap();
    match run.screen() {
        Screen::ReviewSignature { review, .. } => {
            assert_eq!(review.wallet.address, w.address);
            assert_eq!(review.memo.as_deref(), Some("login"));
            match review.details {
                ReviewDetails::Message(m) => {
                    assert_eq!(m.text.as_deref(), Some("Sign in to Example"))
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("expected the review, got {other:?}"),
    }
    let s = run.submit(Input::Acknowledge).await.unwrap();
    assert!(matches!(
        s,
        Screen::EnterPin {
            purpose: PinPurpose::Current,
            attempts_left: Some(3),
            ..
        }
    ));
    let s = run.submit(pin(WRONG)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::EnterPin {
                attempts_left: Some(2),
                ..
            }
        ),
        "{s:?}"
    );
    let s = run.submit(pin(PIN1)).await.unwrap();
    let sig = match s {
        Screen::Done {
            result: Some(r), ..
        } => r.signature.expect("signature"),
        other => panic!("{other:?}"),
    };
    assert!(is_hex(&sig, 65), "{sig}");
    assert!(
        sig.ends_with("1b") || sig.ends_with("1c"),
        "v = 27/28: {sig}"
    );
    let c = run.wait_for_result(Duration::from_secs(5)).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::Complete);
    assert_eq!(c.result.and_then(|r| r.signature), Some(sig));

    // ---- SIGN_TYPEDDATA: the Mail example.
    let req = SignTypedDataRequest {
        idempotency_key: new_idempotency_key(),
        wallet_id: w.id.clone(),
        data: MAIL.into(),
        memo: None,
    };
    let id = world
        .admin
        .create_sign_typed_data(&token, &req)
        .await
        .unwrap();
    let run = session.run_challenge(&id).await.unwrap();
    match run.screen() {
        Screen::ReviewSignature { review, .. } => match review.details {
            ReviewDetails::TypedData(t) => {
                assert_eq!(t.primary_type, "Mail");
                assert_eq!(t.rows.len(), 7);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    run.submit(Input::Acknowledge).await.unwrap();
    let s = run.submit(pin(PIN1)).await.unwrap();
    assert!(
        matches!(&s, Screen::Done { result: Some(r), .. } if r.signature.as_deref().is_some_and(|x| is_hex(x, 65))),
        "{s:?}"
    );

    // ---- SIGN_TRANSACTION: 0.01 ETH on Sepolia.
    let tx = serde_json::json!({
        "chainId": 11155111, "nonce": 0, "to": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
        "value": "10000000000000000", "data": "0x", "gas": 21000,
        "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000", "accessList": []
    });
    let req = SignTransactionRequest {
        idempotency_key: new_idempotency_key(),
        wallet_id: w.id.clone(),
        transaction: TransactionInput::Json(tx.to_string()),
        memo: Some("rent".into()),
    };
    let id = world
        .admin
        .create_sign_transaction(&token, &req)
        .await
        .unwrap();
    let run = session.run_challenge(&id).await.unwrap();
    match run.screen() {
        Screen::ReviewSignature { review, .. } => match review.details {
            ReviewDetails::Transaction(t) => {
                assert_eq!(t.value, "0.01 ETH");
                assert_eq!(t.max_fee, "0.00063 ETH");
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    run.submit(Input::Acknowledge).await.unwrap();
    match run.submit(pin(PIN1)).await.unwrap() {
        Screen::Done {
            result: Some(r), ..
        } => {
            assert!(r.signed_transaction.unwrap().starts_with("0x02"));
            assert!(is_hex(&r.tx_hash.unwrap(), 32));
        }
        other => panic!("{other:?}"),
    }

    // ---- A chain id that is not the wallet's is refused at creation.
    let mut bad = tx.clone();
    bad["chainId"] = 1.into();
    let req = SignTransactionRequest {
        idempotency_key: new_idempotency_key(),
        wallet_id: w.id.clone(),
        transaction: TransactionInput::Json(bad.to_string()),
        memo: None,
    };
    let e = world
        .admin
        .create_sign_transaction(&token, &req)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ChainIdMismatch);
    world.server.shutdown().await;
}

#[tokio::test]
async fn rejecting_the_review_fails_the_challenge_and_signs_nothing() {
    let world = start_server(|_| {}).await;
    let (session, token) = user_with_wallets(&world, "wallet-user-3").await;
    let w = session.wallets().await.unwrap().remove(0);
    let req = SignMessageRequest {
        idempotency_key: new_idempotency_key(),
        wallet_id: w.id,
        message: "0xdeadbeef".into(),
        encoded_by_hex: true,
        memo: None,
    };
    let id = world.admin.create_sign_message(&token, &req).await.unwrap();
    let run = session.run_challenge(&id).await.unwrap();
    let s = run.submit(Input::Reject).await.unwrap();
    assert_eq!(s.outcome_code(), Some(ErrorCode::UserRejected), "{s:?}");
    let c = run.wait_for_result(Duration::from_secs(5)).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::Failed);
    assert_eq!(c.error_code, Some(ErrorCode::UserRejected));
    assert!(c.result.is_none(), "nothing signed");
    world.server.shutdown().await;
}

#[tokio::test]
async fn create_wallet_asks_for_the_pin_and_returns_the_ids() {
    let world = start_server(|_| {}).await;
    let (session, token) = user_with_wallets(&world, "wallet-user-4").await;
    let id = world
        .admin
        .create_wallet_challenge(
            &token,
            &[Blockchain::BaseSepolia],
            None,
            &new_idempotency_key(),
        )
        .await
        .unwrap();
    let run = session.run_challenge(&id).await.unwrap();
    assert_eq!(run.challenge_type(), ChallengeType::CreateWallet);
    assert_eq!(run.blockchains(), [Blockchain::BaseSepolia]);
    assert!(matches!(
        run.screen(),
        Screen::EnterPin {
            purpose: PinPurpose::Current,
            ..
        }
    ));
    let ids = match run.submit(pin(PIN1)).await.unwrap() {
        Screen::Done {
            result: Some(r), ..
        } => r.wallet_ids,
        other => panic!("{other:?}"),
    };
    assert_eq!(ids.len(), 1);
    let ws = session.wallets().await.unwrap();
    assert_eq!(ws.len(), 3);
    let new = session.wallet(&ids[0]).await.unwrap();
    assert_eq!(new.blockchain, Blockchain::BaseSepolia);
    assert_eq!(new.address, ws[0].address, "same key, same address");
    // Unknown blockchain: 400 155817 at creation.
    let e = world
        .admin
        .create_wallet_challenge(
            &token,
            &[Blockchain::Unknown("DOGE".into())],
            None,
            &new_idempotency_key(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownBlockchain);
    world.server.shutdown().await;
}
