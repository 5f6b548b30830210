//! Property tests: random event sequences with random PINs and answers never panic, only take
//! arrows drawn in `docs/flows.md`, seal every step so it opens into the expected payload, and
//! never print an entered PIN or answer.

mod common;

use common::*;
use latchkey_core::{Effect, Event, Flow, Screen};
use latchkey_protocol::{
    ChallengeStatus, ChallengeType, ErrorCode, PinPolicy, QuestionKind, Secret, Step, StepResult,
};
use proptest::prelude::*;

const TYPES: [&str; 9] = [
    "INITIALIZE",
    "SET_PIN",
    "CHANGE_PIN",
    "SET_SECURITY_QUESTIONS",
    "RESTORE_PIN",
    "SIGN_MESSAGE",
    "SIGN_TYPEDDATA",
    "SIGN_TRANSACTION",
    "CREATE_WALLET",
];

/// Digits that appear in non-secret output (the lock expiry in unix seconds); a PIN that is a
/// substring would be found there without having leaked.
const NUMERIC_NOISE: &str = "1935817689";

/// All non-secret output that may hold digits: the lock expiry and the review screens (amounts,
/// chain ids, addresses). A PIN found in it would be found in the output without having leaked.
fn noise() -> &'static str {
    static NOISE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NOISE.get_or_init(|| {
        let mut n = NUMERIC_NOISE.to_owned();
        for t in TYPES {
            let f = start(ChallengeType::parse(t));
            n.push_str(&format!("{:?} {:?}", f.screen(), f));
        }
        n.to_lowercase()
    })
}

#[derive(Clone, Debug)]
enum Op {
    Pin(usize),
    BadPin(String),
    Choose(usize),
    Answer {
        idx: usize,
        upper: bool,
        hint: Option<String>,
    },
    DateAnswer(usize),
    Ack,
    RejectReview,
    Back,
    Cancel,
    Retry,
    Accept {
        right_step: bool,
        complete: bool,
    },
    Reject {
        code: usize,
        attempts: Option<u32>,
        locked: bool,
    },
    Transport,
    Late,
    /// Whatever the current screen asks for (so sequences reach deep states).
    Fit(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..3).prop_map(Op::Pin),
        1 => "[0-9a-z]{0,8}".prop_map(Op::BadPin),
        3 => (0usize..14).prop_map(Op::Choose),
        5 => (0usize..3, any::<bool>(), proptest::option::of("[A-IK-PR-Y ]{0,8}"))
            .prop_map(|(idx, upper, hint)| Op::Answer { idx, upper, hint }),
        3 => (0usize..3).prop_map(Op::DateAnswer),
        2 => Just(Op::Ack),
        1 => Just(Op::RejectReview),
        2 => Just(Op::Back),
        1 => Just(Op::Cancel),
        1 => Just(Op::Retry),
        4 => (prop::bool::weighted(0.9), prop::bool::weighted(0.9))
            .prop_map(|(right_step, complete)| Op::Accept { right_step, complete }),
        2 => (0usize..9, proptest::option::of(0u32..4), any::<bool>())
            .prop_map(|(code, attempts, locked)| Op::Reject { code, attempts, locked }),
        1 => Just(Op::Transport),
        1 => Just(Op::Late),
        30 => (0usize..1000).prop_map(Op::Fit),
    ]
}

fn valid_pin() -> impl Strategy<Value = String> {
    "[0-9]{6}".prop_filter("valid and not noise", |p| {
        PinPolicy::default().check(p).is_ok() && !noise().contains(p.as_str())
    })
}

struct Case {
    pins: Vec<String>,
    answers: Vec<String>,
    dates: Vec<String>,
}

impl Case {
    /// Every secret this case may enter, lower-cased (outputs are searched lower-cased).
    fn secrets(&self) -> Vec<String> {
        self.pins
            .iter()
            .chain(&self.answers)
            .chain(&self.dates)
            .map(|s| s.to_lowercase())
            .collect()
    }

    fn event(&self, op: &Op, flow: &Flow) -> (Event, i64) {
        let codes = [
            ErrorCode::IncorrectPin,
            ErrorCode::IncorrectAnswers,
            ErrorCode::PinLocked,
            ErrorCode::SecurityQuestionsLocked,
            ErrorCode::TokenExpired,
            ErrorCode::ChallengeExpired,
            ErrorCode::InternalError,
            ErrorCode::InsecurePin,
            ErrorCode::InvalidAnswer,
        ];
        let e = match op {
            Op::Pin(i) => Event::PinEntered(Secret::from_str_copy(&self.pins[*i])),
            Op::BadPin(p) => Event::PinEntered(Secret::from_str_copy(p)),
            Op::Choose(i) => Event::QuestionChosen(format!("q{:02}", i + 1)),
            Op::Answer { idx, upper, hint } => {
                let a = &self.answers[*idx];
                let raw = if *upper {
                    format!("  {}  ", a.to_uppercase())
                } else {
                    a.clone()
                };
                Event::AnswerGiven {
                    answer: Secret::new(raw),
                    hint: hint.clone(),
                }
            }
            Op::DateAnswer(i) => Event::AnswerGiven {
                answer: Secret::from_str_copy(&self.dates[*i]),
                hint: None,
            },
            Op::Ack => Event::Acknowledged,
            Op::RejectReview => Event::Rejected,
            Op::Back => Event::Back,
            Op::Cancel => Event::Cancel,
            Op::Retry => Event::Retry,
            Op::Accept {
                right_step,
                complete,
            } => {
                let step = match (flow.pending(), right_step) {
                    (Some(p), true) => p.step.clone(),
                    _ => Step::Answers,
                };
                Event::StepAccepted(StepResult {
                    challenge_id: CHALLENGE_ID.into(),
                    step: step.clone(),
                    status: if *complete && step == Step::Complete {
                        ChallengeStatus::Complete
                    } else {
                        ChallengeStatus::InProgress
                    },
                    verified_steps: vec![step],
                    result: None,
                })
            }
            Op::Reject {
                code,
                attempts,
                locked,
            } => Event::ServerRejected {
                code: codes[*code],
                attempts_left: *attempts,
                locked_expiry: locked.then(|| LOCK_UNTIL.to_owned()),
            },
            Op::Transport => Event::TransportFailed(ErrorCode::NetworkError),
            Op::Late => Event::Acknowledged,
            Op::Fit(seed) => return (self.fitting(*seed, flow), NOW),
        };
        (
            e,
            if matches!(op, Op::Late) {
                EXPIRES + 1
            } else {
                NOW
            },
        )
    }
}

impl Case {
    /// The input the current screen asks for, valid most of the time.
    fn fitting(&self, seed: usize, flow: &Flow) -> Event {
        let pick = |n: usize| if seed % 5 == 0 { seed % n } else { 0 };
        match flow.screen() {
            Screen::EnterPin { .. } => {
                Event::PinEntered(Secret::from_str_copy(&self.pins[pick(self.pins.len())]))
            }
            Screen::ChooseQuestion { options, .. } => {
                Event::QuestionChosen(options[seed % options.len()].id.clone())
            }
            Screen::AnswerQuestion {
                question,
                hint_allowed,
                ..
            } => {
                let answer = match question.kind {
                    QuestionKind::Date => &self.dates[pick(self.dates.len())],
                    _ => &self.answers[pick(self.answers.len())],
                };
                let hint = (hint_allowed && seed % 2 == 0).then(|| "BIRTHDAY".to_owned());
                Event::AnswerGiven {
                    answer: Secret::from_str_copy(answer),
                    hint,
                }
            }
            Screen::ReviewSignature { .. } if seed % 7 == 0 => Event::Rejected,
            Screen::Review { .. } | Screen::ReviewSignature { .. } => Event::Acknowledged,
            Screen::Interrupted { .. } => Event::Retry,
            Screen::Working { step, .. } => match seed % 10 {
                0 => Event::ServerRejected {
                    code: ErrorCode::IncorrectPin,
                    attempts_left: Some(2),
                    locked_expiry: None,
                },
                1 => Event::ServerRejected {
                    code: ErrorCode::IncorrectAnswers,
                    attempts_left: Some(2),
                    locked_expiry: None,
                },
                2 => Event::ServerRejected {
                    code: if step == Step::Answers {
                        ErrorCode::SecurityQuestionsLocked
                    } else {
                        ErrorCode::PinLocked
                    },
                    attempts_left: Some(0),
                    locked_expiry: Some(LOCK_UNTIL.to_owned()),
                },
                3 => Event::TransportFailed(ErrorCode::NetworkError),
                _ => Event::StepAccepted(StepResult {
                    challenge_id: CHALLENGE_ID.into(),
                    status: if step == Step::Complete {
                        ChallengeStatus::Complete
                    } else {
                        ChallengeStatus::InProgress
                    },
                    verified_steps: vec![step.clone()],
                    step,
                    result: None,
                }),
            },
            _ => Event::Cancel,
        }
    }
}

/// Checks that `text` (already lower-cased) contains none of the secrets.
fn assert_clean(text: &str, secrets: &[String], what: &str) -> Result<(), TestCaseError> {
    for s in secrets {
        prop_assert!(!text.contains(s.as_str()), "{what} shows a secret: {text}");
    }
    Ok(())
}

/// Which payload fields each (type, step) must carry.
fn check_payload(t: &ChallengeType, effect: &Effect) -> Result<(), TestCaseError> {
    let Effect::SubmitStep(sub) = effect else {
        return Ok(());
    };
    let p = open(t, sub);
    let shape = (
        p.pin.is_some(),
        p.new_pin.is_some(),
        p.answers.is_some(),
        p.acknowledged,
        p.review_digest.clone(),
    );
    let signing = matches!(
        t,
        ChallengeType::SignMessage | ChallengeType::SignTypedData | ChallengeType::SignTransaction
    );
    let want = match (t, &sub.step) {
        (_, Step::CurrentPin) => (true, false, false, None, None),
        (ChallengeType::RestorePin, Step::Answers) => (false, false, true, None, None),
        (ChallengeType::Initialize, Step::Complete) => (false, true, true, Some(true), None),
        (ChallengeType::SetSecurityQuestions, Step::Complete) => {
            (false, false, true, Some(true), None)
        }
        // The digest of exactly the request the descriptor carried.
        (_, Step::Complete) if signing => (
            true,
            false,
            false,
            None,
            sign_request(t).map(latchkey_protocol::review_digest),
        ),
        (ChallengeType::CreateWallet, Step::Complete) => (true, false, false, None, None),
        (_, Step::Complete) => (false, true, false, None, None),
        other => return Err(TestCaseError::fail(format!("unexpected step {other:?}"))),
    };
    prop_assert_eq!(shape, want, "{} {}", t, sub.step);
    if let Some(pin) = p.pin.as_ref().or(p.new_pin.as_ref()) {
        prop_assert!(PinPolicy::default().check(pin.expose()).is_ok() || p.pin.is_some());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn random_event_sequences_follow_the_diagrams_and_never_leak(
        type_idx in 0usize..TYPES.len(),
        resume in any::<bool>(),
        pins in proptest::collection::vec(valid_pin(), 3),
        answers in proptest::collection::vec("zqj[a-x]{4,8}", 3),
        dates in proptest::collection::vec(
            (1900u32..2000, 1u32..13, 1u32..29)
                .prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
            3,
        ),
        ops in proptest::collection::vec(op(), 0..60),
    ) {
        let diagrams = diagrams();
        let tname = TYPES[type_idx];
        let dia = &diagrams[tname];
        let t = ChallengeType::parse(tname);
        let mut desc = descriptor(t.clone());
        if resume {
            desc.verified_steps = vec![Step::CurrentPin, Step::Answers];
        }
        let case = Case { pins, answers, dates };
        let secrets = case.secrets();
        let rng = rng();
        let mut flow = Flow::start(desc, key(), NOW).expect("valid descriptor");
        prop_assert!(dia.edges.contains(&(None, Some(flow.state_name().to_owned()))));

        for op in &ops {
            let (event, now) = case.event(op, &flow);
            assert_clean(&format!("{event:?}").to_lowercase(), &secrets, "event Debug")?;
            let from = flow.state_name();
            let result = flow.process_event(event, now, &rng);
            let to = flow.state_name();
            prop_assert!(dia.states.contains(to), "{tname}: state {to} not drawn");
            if from != to {
                prop_assert!(
                    dia.edges.contains(&(Some(from.to_owned()), Some(to.to_owned()))),
                    "{tname}: arrow {from} --> {to} not drawn (after {op:?})"
                );
            }
            match &result {
                Ok(effects) => {
                    for e in effects {
                        check_payload(&t, e)?;
                        let mut text = format!("{e:?}");
                        if let Effect::SubmitStep(s) = e {
                            // The ciphertext is opened above; only the rest is searched.
                            text = text.replace(&s.envelope, "<envelope>");
                        }
                        assert_clean(&text.to_lowercase(), &secrets, "effect Debug")?;
                    }
                    if !effects.is_empty() {
                        let cancel = effects == &[Effect::Cancel];
                        let rejected = effects
                            == &[Effect::CancelWithReason(latchkey_protocol::CancelReason::UserRejected)];
                        prop_assert!(!rejected || (from == "ReviewSignature" && to == "Failed"));
                        prop_assert!(cancel || rejected || matches!(to, "VerifyingCurrentPin" | "VerifyingAnswers" | "Submitting"));
                    }
                }
                Err(e) => {
                    prop_assert_eq!(from, to, "a refused event changed the state");
                    assert_clean(&format!("{e:?} {e}").to_lowercase(), &secrets, "error")?;
                }
            }
            let screen = flow.screen();
            assert_clean(&format!("{screen:?}").to_lowercase(), &secrets, "screen Debug")?;
            if let Some(err) = screen.error() {
                assert_clean(&format!("{err:?} {err}").to_lowercase(), &secrets, "input error")?;
            }
            assert_clean(&format!("{flow:?}").to_lowercase(), &secrets, "flow Debug")?;
            prop_assert_eq!(flow.is_finished(), screen.is_terminal());
        }
    }
}
