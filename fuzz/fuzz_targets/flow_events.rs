//! The sans-IO challenge flows (`latchkey_core::Flow`) under arbitrary event sequences, for
//! every challenge type: never panic; a refused event changes nothing visible; every
//! `SubmitStep` envelope opens with the session key for exactly its step and holds a step
//! payload; no PIN or answer the user typed shows in any screen, effect or `Debug` output.
#![no_main]

use arbitrary::Arbitrary;
use latchkey_core::{Effect, Event, Flow};
use latchkey_protocol::envelope::{open_json, EnvelopeContext};
use latchkey_protocol::{
    default_catalogue, Blockchain, ChallengeDescriptor, ChallengeResult, WalletRef, ChallengeStatus, ChallengeType, ErrorCode, PinPolicy,
    QuestionPolicy, Secret, SessionKey, Step, StepPayload, StepResult,
};
use libfuzzer_sys::fuzz_target;
use ring::rand::SystemRandom;

const ID: &str = "5b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";
const NOW: i64 = 1_900_000_000;
/// PINs and answers the fuzzer may type; distinctive enough to search for in outputs.
const PINS: &[&str] = &[
    "135790", "246801", "975310", "864213", "123456", "12a456", "1357900", "",
];
const ANSWERS: &[&str] = &[
    "zebrafinch",
    "2004-07-14",
    "  ZebraFinch ",
    "x",
    "qwertyuiopasdf",
];

#[derive(Arbitrary, Debug)]
enum Ev {
    Pin(u8),
    Choose(u8),
    Answer {
        answer: u8,
        hint: Option<u8>,
    },
    Ack,
    Reject,
    Back,
    Cancel,
    Retry,
    Accepted {
        status: u8,
        step: u8,
        verified: Vec<u8>,
        result: bool,
    },
    Rejected {
        code: u16,
        attempts: Option<u8>,
        locked: bool,
    },
    Transport(u16),
    Later(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    kind: u8,
    verified: Vec<u8>,
    attempts: (u8, u8),
    hints: bool,
    events: Vec<Ev>,
}

fn step(i: u8) -> Step {
    match i % 4 {
        0 => Step::CurrentPin,
        1 => Step::Answers,
        2 => Step::Complete,
        _ => Step::Unknown("X".into()),
    }
}

/// The `signRequest` the server stores for a signing challenge type.
fn sign_request(ty: &ChallengeType) -> Option<&'static str> {
    Some(match ty {
        ChallengeType::SignMessage => {
            r#"{"kind":"MESSAGE","message":"Send 5 USDC","encodedByHex":false,"memo":null}"#
        }
        ChallengeType::SignTypedData => {
            r#"{"kind":"TYPED_DATA","data":{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"chainId","type":"uint256"}],"Mail":[{"name":"to","type":"address"},{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Ether Mail","chainId":1},"message":{"to":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB","contents":"Hello, Bob!"}},"memo":"m"}"#
        }
        ChallengeType::SignTransaction => {
            r#"{"kind":"TRANSACTION","transaction":{"chainId":11155111,"nonce":"0","to":"0x3535353535353535353535353535353535353535","value":"1000000000000000","data":"0x","gas":"21000","maxFeePerGas":"2000000000","maxPriorityFeePerGas":"1000000000","accessList":[]},"memo":null}"#
        }
        _ => return None,
    })
}

fn code(n: u16) -> ErrorCode {
    const CODES: &[u32] = &[
        155112, 155115, 155119, 155120, 155121, 155104, 155103, 155105, 155804, 155805, 155806,
        155808, 155706, 155811, 155116, 155704, 155705, 155807, 155813, 155816,
    ];
    let i = usize::from(n);
    if i < CODES.len() * 100 {
        ErrorCode::from_code(CODES[i % CODES.len()])
    } else {
        ErrorCode::from_code(155_000 + u32::from(n % 1000))
    }
}

fuzz_target!(|input: Input| {
    let types = [
        ChallengeType::Initialize,
        ChallengeType::SetPin,
        ChallengeType::ChangePin,
        ChallengeType::SetSecurityQuestions,
        ChallengeType::RestorePin,
        ChallengeType::SignMessage,
        ChallengeType::CreateWallet,
        ChallengeType::SignTypedData,
        ChallengeType::SignTransaction,
    ];
    let ty = types[usize::from(input.kind) % types.len()].clone();
    let cat = default_catalogue();
    let d = ChallengeDescriptor {
        challenge_id: ID.into(),
        challenge_type: ty.clone(),
        status: ChallengeStatus::InProgress,
        protocol_version: 1,
        expires_at: "2030-03-17T17:46:40Z".into(),
        pin_policy: PinPolicy::default(),
        question_policy: QuestionPolicy::default(),
        catalogue: if matches!(
            ty,
            ChallengeType::Initialize | ChallengeType::SetSecurityQuestions
        ) {
            cat.clone()
        } else {
            vec![]
        },
        questions: if ty == ChallengeType::RestorePin {
            vec![cat[0].clone(), cat[9].clone()]
        } else {
            vec![]
        },
        hints: if ty == ChallengeType::RestorePin && input.hints {
            vec![None, Some("summer".into())]
        } else {
            vec![]
        },
        message: None,
        wallet: sign_request(&ty).map(|_| WalletRef {
            id: "w-1".into(),
            address: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826".into(),
            blockchain: Blockchain::EthSepolia,
        }),
        sign_request: sign_request(&ty).map(str::to_owned),
        blockchains: if ty == ChallengeType::CreateWallet {
            vec![Blockchain::EthSepolia, Blockchain::Base]
        } else {
            vec![]
        },
        pin_attempts_left: u32::from(input.attempts.0 % 5),
        answer_attempts_left: u32::from(input.attempts.1 % 5),
        verified_steps: input.verified.iter().take(3).map(|&v| step(v)).collect(),
        recovery: None,
    };
    let key = SessionKey::from_bytes([7u8; 32]);
    let Ok(mut flow) = Flow::start(d, key.clone(), NOW) else {
        return;
    };
    let rng = SystemRandom::new();
    let mut now = NOW;
    let mut typed: Vec<&str> = Vec::new();
    for ev in input.events.into_iter().take(64) {
        let event = match ev {
            Ev::Pin(i) => {
                let p = PINS[usize::from(i) % PINS.len()];
                typed.push(p);
                Event::PinEntered(Secret::from_str_copy(p))
            }
            Ev::Choose(i) => Event::QuestionChosen(
                cat.get(usize::from(i) % 14)
                    .map_or("nope".into(), |q| q.id.clone()),
            ),
            Ev::Answer { answer, hint } => {
                let a = ANSWERS[usize::from(answer) % ANSWERS.len()];
                typed.push(a);
                Event::AnswerGiven {
                    answer: Secret::from_str_copy(a),
                    hint: hint.map(|h| {
                        ["a hint", "", "ZEBRA finch!", "zebra-finch"][usize::from(h) % 4].to_owned()
                    }),
                }
            }
            Ev::Ack => Event::Acknowledged,
            Ev::Reject => Event::Rejected,
            Ev::Back => Event::Back,
            Ev::Cancel => Event::Cancel,
            Ev::Retry => Event::Retry,
            Ev::Accepted {
                status,
                step: s,
                verified,
                result,
            } => {
                let statuses = [
                    ChallengeStatus::InProgress,
                    ChallengeStatus::Complete,
                    ChallengeStatus::Failed,
                    ChallengeStatus::Expired,
                    ChallengeStatus::Pending,
                    ChallengeStatus::Unknown("ODD".into()),
                ];
                let submitted = flow.pending().map(|p| p.step.clone());
                Event::StepAccepted(StepResult {
                    challenge_id: if s % 7 == 6 {
                        "other".into()
                    } else {
                        ID.into()
                    },
                    step: if s % 2 == 0 {
                        submitted.unwrap_or(step(s))
                    } else {
                        step(s)
                    },
                    status: statuses[usize::from(status) % statuses.len()].clone(),
                    verified_steps: verified.iter().take(3).map(|&v| step(v)).collect(),
                    result: result.then(|| ChallengeResult {
                        signature: Some(format!("0x{}1b", "ab".repeat(64))),
                        ..Default::default()
                    }),
                })
            }
            Ev::Rejected {
                code: c,
                attempts,
                locked,
            } => Event::ServerRejected {
                code: code(c),
                attempts_left: attempts.map(|a| u32::from(a % 5)),
                locked_expiry: locked.then(|| "2030-03-17T18:16:40Z".into()),
            },
            Ev::Transport(c) => Event::TransportFailed(code(c)),
            Ev::Later(secs) => {
                now += i64::from(secs);
                continue;
            }
        };
        let before = format!("{:?} {:?} {:?}", flow, flow.screen(), flow.pending());
        let name = event.name();
        let _ = format!("{event:?}");
        match flow.process_event(event, now, &rng) {
            Ok(effects) => {
                for e in &effects {
                    let shown = format!("{e:?}");
                    for t in &typed {
                        if t.len() >= 6 {
                            assert!(!shown.contains(t), "an effect shows what was typed");
                        }
                    }
                    if let Effect::SubmitStep(sub) = e {
                        let ctx = EnvelopeContext {
                            challenge_id: ID,
                            challenge_type: &ty,
                            step: &sub.step,
                        };
                        open_json::<StepPayload>(&key, &ctx, &sub.envelope)
                            .expect("a submitted envelope opens for its step");
                    }
                }
            }
            Err(e) => {
                let after = format!("{:?} {:?} {:?}", flow, flow.screen(), flow.pending());
                assert_eq!(before, after, "refused {name} changed the flow: {e}");
            }
        }
        let shown = format!("{:?} {:?} {:?}", flow, flow.screen(), flow.pending());
        for t in &typed {
            if t.len() >= 6 {
                assert!(!shown.contains(t), "the flow shows what was typed");
            }
        }
        let _ = flow.is_finished();
    }
});
