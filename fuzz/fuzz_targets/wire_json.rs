//! Every wire-JSON decoder of latchkey-protocol on arbitrary bytes. The first byte picks the
//! type; whatever decodes must encode again and decode to the same value (nothing is lost or
//! invented on the way through), and `Debug` must not panic.
#![no_main]

use latchkey_protocol::*;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

fn roundtrip<T: DeserializeOwned + Serialize + PartialEq + Debug>(json: &[u8]) {
    let Ok(v) = serde_json::from_slice::<T>(json) else {
        return;
    };
    let _ = format!("{v:?}");
    let again = serde_json::to_vec(&v).expect("a decoded value encodes");
    let back: T = serde_json::from_slice(&again).expect("an encoded value decodes");
    assert_eq!(back, v, "round trip changed the value");
}

/// Types without `PartialEq`: decode and encode must not panic.
fn decode_only<T: DeserializeOwned + Serialize>(json: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(json) {
        let _ = serde_json::to_vec(&v).expect("a decoded value encodes");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    match which % 38 {
        0 => roundtrip::<User>(json),
        1 => roundtrip::<Challenge>(json),
        2 => roundtrip::<ErrorBody>(json),
        3 => roundtrip::<ChallengeDescriptor>(json),
        4 => roundtrip::<StepSubmission>(json),
        5 => roundtrip::<StepResult>(json),
        6 => roundtrip::<StepPayload>(json),
        7 => roundtrip::<Notification>(json),
        8 => roundtrip::<ChallengeNotification>(json),
        9 => roundtrip::<Subscription>(json),
        10 => roundtrip::<UserTokenResponse>(json),
        11 => roundtrip::<CreateUserRequest>(json),
        12 => roundtrip::<UserTokenRequest>(json),
        13 => roundtrip::<IdempotentRequest>(json),
        14 => roundtrip::<SignMessageRequest>(json),
        15 => roundtrip::<ChallengeIdResponse>(json),
        16 => roundtrip::<CreateSubscriptionRequest>(json),
        17 => roundtrip::<NotificationPublicKey>(json),
        18 => roundtrip::<CredentialDetails>(json),
        19 => roundtrip::<AnswerEntry>(json),
        20 => roundtrip::<Question>(json),
        21 => roundtrip::<QuestionPolicy>(json),
        22 => roundtrip::<PinPolicy>(json),
        23 => roundtrip::<ErrorCode>(json),
        24 => roundtrip::<Step>(json),
        25 => {
            roundtrip::<ChallengeType>(json);
            roundtrip::<ChallengeStatus>(json);
            roundtrip::<CredentialStatus>(json);
            roundtrip::<QuestionKind>(json);
        }
        26 => {
            roundtrip::<DataEnvelope<User>>(json);
            roundtrip::<DataEnvelope<ChallengeDescriptor>>(json);
            roundtrip::<DataEnvelope<StepResult>>(json);
            roundtrip::<DataEnvelope<Challenge>>(json);
        }
        27 => roundtrip::<Wallet>(json),
        28 => roundtrip::<WalletRef>(json),
        29 => roundtrip::<WalletList>(json),
        30 => roundtrip::<ChallengeResult>(json),
        31 => roundtrip::<InitializeRequest>(json),
        32 => roundtrip::<CreateWalletRequest>(json),
        33 => roundtrip::<SignTypedDataRequest>(json),
        34 => roundtrip::<SignTransactionRequest>(json),
        35 => roundtrip::<CancelChallengeRequest>(json),
        36 => {
            roundtrip::<Blockchain>(json);
            roundtrip::<AccountType>(json);
            roundtrip::<WalletState>(json);
            roundtrip::<CancelReason>(json);
        }
        _ => decode_only::<Secret>(json),
    }
});
