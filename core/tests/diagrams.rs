//! `docs/flows.md` cannot drift from the code: every state drawn exists and every state exists
//! in some diagram; each flow's diagram starts where the code starts.

mod common;

use common::*;
use latchkey_core::STATE_NAMES;
use latchkey_protocol::{ChallengeType, Step};
use std::collections::BTreeSet;

const TYPES: [&str; 11] = [
    "INITIALIZE",
    "SET_PIN",
    "CHANGE_PIN",
    "SET_SECURITY_QUESTIONS",
    "RESTORE_PIN",
    "SIGN_MESSAGE",
    "SIGN_TYPEDDATA",
    "SIGN_TRANSACTION",
    "CREATE_WALLET",
    "SET_RECOVERY_CODE",
    "SET_CLOUD_BACKUP",
];

#[test]
fn every_flow_has_one_diagram() {
    let d = diagrams();
    let have: BTreeSet<&str> = d.keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = TYPES.into_iter().collect();
    assert_eq!(have, want);
}

#[test]
fn diagram_states_and_code_states_are_the_same_set() {
    let drawn: BTreeSet<String> = diagrams().values().flat_map(|d| d.states.clone()).collect();
    let coded: BTreeSet<String> = STATE_NAMES.iter().map(|s| (*s).to_owned()).collect();
    let only_drawn: Vec<_> = drawn.difference(&coded).collect();
    let only_coded: Vec<_> = coded.difference(&drawn).collect();
    assert!(
        only_drawn.is_empty(),
        "drawn but not in the code: {only_drawn:?}"
    );
    assert!(
        only_coded.is_empty(),
        "in the code but not drawn: {only_coded:?}"
    );
}

#[test]
fn diagram_start_arrows_match_flow_start() {
    let d = diagrams();
    for t in TYPES {
        let ct = ChallengeType::parse(t);
        let dia = &d[t];
        let first = start(ct.clone()).state_name();
        assert!(
            dia.edges.contains(&(None, Some(first.to_owned()))),
            "{t}: [*] --> {first}"
        );
        let expired = latchkey_core::Flow::start(descriptor(ct.clone()), key(), EXPIRES).unwrap();
        assert!(
            dia.edges
                .contains(&(None, Some(expired.state_name().to_owned()))),
            "{t}"
        );
        for step in [Step::CurrentPin, Step::Answers] {
            let mut desc = descriptor(ct.clone());
            desc.verified_steps = vec![step];
            let f = latchkey_core::Flow::start(desc, key(), NOW).unwrap();
            assert!(
                dia.edges.contains(&(None, Some(f.state_name().to_owned()))),
                "{t}: resumed start {}",
                f.state_name()
            );
        }
    }
}

#[test]
fn every_final_state_drawn_ends_the_diagram() {
    for (t, dia) in diagrams() {
        for s in ["Done", "Failed", "Locked", "Cancelled"] {
            if dia.states.contains(s) {
                assert!(
                    dia.edges.contains(&(Some(s.to_owned()), None)),
                    "{t}: {s} --> [*]"
                );
            }
        }
    }
}
