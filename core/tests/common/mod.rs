//! Shared test helpers: descriptors, keys, envelope opening, the `docs/flows.md` parser.
#![allow(dead_code)]

use latchkey_core::{Effect, Event, Flow, Screen};
use latchkey_protocol::envelope::open_json;
use latchkey_protocol::{
    default_catalogue, Blockchain, ChallengeDescriptor, ChallengeStatus, ChallengeType,
    EnvelopeContext, ErrorCode, PinPolicy, Question, QuestionKind, QuestionPolicy, Secret,
    SessionKey, Step, StepPayload, StepResult, StepSubmission, WalletRef, PROTOCOL_VERSION,
};
use ring::rand::SystemRandom;
use std::collections::{BTreeMap, BTreeSet};

/// 2030-01-01T00:00:00Z.
pub const EXPIRES: i64 = 1_893_456_000;
pub const EXPIRES_STR: &str = "2030-01-01T00:00:00Z";
/// Well before expiry.
pub const NOW: i64 = EXPIRES - 3600;
pub const LOCK_UNTIL: &str = "2031-05-06T07:08:09Z";
pub const LOCK_UNTIL_UNIX: i64 = 1_935_817_689;

pub const PIN: &str = "135790";
pub const PIN2: &str = "246801";
pub const CHALLENGE_ID: &str = "c-0001";

pub fn key() -> SessionKey {
    SessionKey::from_bytes([42; 32])
}

pub fn rng() -> SystemRandom {
    SystemRandom::new()
}

pub fn recovery_questions() -> Vec<Question> {
    vec![
        Question {
            id: "q01".into(),
            text: "What was the name of your first pet?".into(),
            kind: QuestionKind::Text,
        },
        Question {
            id: "q10".into(),
            text: "On what date did you first travel abroad?".into(),
            kind: QuestionKind::Date,
        },
    ]
}

pub const WALLET_ADDRESS: &str = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826";

/// SIGN_MESSAGE's request: a text message with a memo.
pub const MESSAGE_REQUEST: &str =
    r#"{"kind":"MESSAGE","message":"Send 5 USDC to 0xabc","encodedByHex":false,"memo":"login"}"#;

/// SIGN_TYPEDDATA's request: the "Mail" example of the EIP-712 text.
pub const TYPED_DATA_REQUEST: &str = r#"{"kind":"TYPED_DATA","data":{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},"message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}},"memo":null}"#;

/// SIGN_TRANSACTION's request: 0.01 ETH on Sepolia.
pub const TRANSACTION_REQUEST: &str = r#"{"kind":"TRANSACTION","transaction":{"chainId":11155111,"nonce":"0","to":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB","value":"10000000000000000","data":"0x","gas":"21000","maxFeePerGas":"30000000000","maxPriorityFeePerGas":"1000000000","accessList":[]},"memo":null}"#;

/// The signing request a descriptor of type `t` carries (`None` for non-signing types).
pub fn sign_request(t: &ChallengeType) -> Option<&'static str> {
    match t {
        ChallengeType::SignMessage => Some(MESSAGE_REQUEST),
        ChallengeType::SignTypedData => Some(TYPED_DATA_REQUEST),
        ChallengeType::SignTransaction => Some(TRANSACTION_REQUEST),
        _ => None,
    }
}

pub fn descriptor(t: ChallengeType) -> ChallengeDescriptor {
    let sign_request = sign_request(&t).map(str::to_owned);
    let wallet = sign_request.as_ref().map(|_| WalletRef {
        id: "w-1".into(),
        address: WALLET_ADDRESS.into(),
        blockchain: Blockchain::EthSepolia,
    });
    let blockchains = match t {
        ChallengeType::CreateWallet => vec![Blockchain::Base, Blockchain::EvmTestnet],
        _ => vec![],
    };
    let (catalogue, questions, hints, message) = match t {
        ChallengeType::Initialize | ChallengeType::SetSecurityQuestions => {
            (default_catalogue(), vec![], vec![], None)
        }
        ChallengeType::RestorePin => (
            vec![],
            recovery_questions(),
            vec![Some("furry".to_owned()), None],
            None,
        ),
        _ => (vec![], vec![], vec![], None),
    };
    let recovery = match t {
        ChallengeType::SetRecoveryCode => Some(setup_binding()),
        ChallengeType::SetCloudBackup => Some(cloud_binding(Some(1))),
        _ => None,
    };
    ChallengeDescriptor {
        challenge_id: CHALLENGE_ID.into(),
        challenge_type: t,
        status: ChallengeStatus::InProgress,
        protocol_version: PROTOCOL_VERSION,
        expires_at: EXPIRES_STR.into(),
        pin_policy: PinPolicy::default(),
        question_policy: QuestionPolicy::default(),
        catalogue,
        questions,
        hints,
        message,
        wallet,
        sign_request,
        blockchains,
        pin_attempts_left: 5,
        answer_attempts_left: 3,
        verified_steps: vec![],
        recovery,
    }
}

pub const RECOVERY_USER: &str = "user-0001";
/// base64 of 32 bytes 0x11.
pub const RECOVERY_NONCE: &str = "ERERERERERERERERERERERERERERERERERERERERERE=";

/// The recovery binding of a SET_RECOVERY_CODE descriptor (version 1).
pub fn setup_binding() -> latchkey_protocol::RecoveryDescriptor {
    latchkey_protocol::RecoveryDescriptor {
        method: "RECOVERY_CODE".into(),
        user_id: RECOVERY_USER.into(),
        version: 1,
        nonce: RECOVERY_NONCE.into(),
        wrapped_key: None,
        previous_version: None,
    }
}

/// The recovery binding of a SET_CLOUD_BACKUP descriptor (version 2, `previous` active).
pub fn cloud_binding(previous: Option<u32>) -> latchkey_protocol::RecoveryDescriptor {
    latchkey_protocol::RecoveryDescriptor {
        method: "CLOUD_BACKUP".into(),
        user_id: RECOVERY_USER.into(),
        version: 2,
        nonce: RECOVERY_NONCE.into(),
        wrapped_key: None,
        previous_version: previous,
    }
}

pub fn start(t: ChallengeType) -> Flow {
    Flow::start(descriptor(t), key(), NOW).expect("descriptor is valid")
}

pub fn secret(s: &str) -> Secret {
    Secret::from_str_copy(s)
}

pub fn pin(s: &str) -> Event {
    Event::PinEntered(secret(s))
}

pub fn answer(a: &str, hint: Option<&str>) -> Event {
    Event::AnswerGiven {
        answer: secret(a),
        hint: hint.map(str::to_owned),
    }
}

pub fn choose(id: &str) -> Event {
    Event::QuestionChosen(id.to_owned())
}

pub fn accepted(step: Step, status: ChallengeStatus) -> Event {
    Event::StepAccepted(StepResult {
        challenge_id: CHALLENGE_ID.into(),
        step: step.clone(),
        status,
        verified_steps: vec![step],
        result: None,
    })
}

pub fn rejected(code: ErrorCode, attempts_left: Option<u32>, locked: Option<&str>) -> Event {
    Event::ServerRejected {
        code,
        attempts_left,
        locked_expiry: locked.map(str::to_owned),
    }
}

/// Feeds an event that must be accepted, returning its effects.
pub fn feed(flow: &mut Flow, e: Event) -> Vec<Effect> {
    let name = e.name();
    let from = flow.state_name();
    flow.process_event(e, NOW, &rng())
        .unwrap_or_else(|err| panic!("{name} in {from} refused: {err}"))
}

/// The one submission in `effects`.
pub fn submission(effects: &[Effect]) -> &StepSubmission {
    match effects {
        [Effect::SubmitStep(s)] => s,
        other => panic!("expected one SubmitStep, got {other:?}"),
    }
}

/// Opens a submission with the session key and the flow's context.
pub fn open(t: &ChallengeType, sub: &StepSubmission) -> StepPayload {
    let ctx = EnvelopeContext {
        challenge_id: CHALLENGE_ID,
        challenge_type: t,
        step: &sub.step,
    };
    open_json(&key(), &ctx, &sub.envelope).expect("envelope opens with the session key")
}

pub fn expose(s: &Option<Secret>) -> Option<&str> {
    s.as_ref().map(Secret::expose)
}

/// Drives a flow to the state whose name is `target` by the happy path.
pub fn error_of(flow: &Flow) -> Option<ErrorCode> {
    flow.screen().error().map(|e| e.code())
}

pub fn is_working(s: &Screen, step: Step) -> bool {
    matches!(s, Screen::Working { step: st, .. } if *st == step)
}

/// One flow's diagram: the states drawn and the arrows (`None` = `[*]`).
#[derive(Debug, Default)]
pub struct Diagram {
    pub states: BTreeSet<String>,
    pub edges: BTreeSet<(Option<String>, Option<String>)>,
}

/// Parses `docs/flows.md`: `## TYPE` headings, each followed by one mermaid block.
pub fn diagrams() -> BTreeMap<String, Diagram> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/flows.md"))
        .expect("docs/flows.md exists");
    let mut out: BTreeMap<String, Diagram> = BTreeMap::new();
    let mut section: Option<String> = None;
    let mut in_block = false;
    for line in text.lines() {
        let l = line.trim();
        if let Some(h) = l.strip_prefix("## ") {
            section = Some(h.trim().to_owned());
            continue;
        }
        if l.starts_with("```mermaid") {
            in_block = true;
            continue;
        }
        if l.starts_with("```") {
            in_block = false;
            continue;
        }
        if !in_block || l.starts_with("stateDiagram") || l.is_empty() {
            continue;
        }
        let sec = section.clone().expect("diagram under a heading");
        let Some((from, rest)) = l.split_once("-->") else {
            panic!("unparsed diagram line: {l}");
        };
        let to = rest.split(':').next().unwrap_or("");
        let node = |s: &str| -> Option<String> {
            let s = s.trim();
            assert!(
                !s.is_empty() && !s.contains(' '),
                "bad state name {s:?} in {l}"
            );
            (s != "[*]").then(|| s.to_owned())
        };
        let (f, t) = (node(from), node(to));
        let d = out.entry(sec).or_default();
        d.states.extend(f.iter().cloned());
        d.states.extend(t.iter().cloned());
        d.edges.insert((f, t));
    }
    out
}
