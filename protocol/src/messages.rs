//! Messages of Latchkey's client protocol: what the SDK on the device exchanges with the server
//! under `X-User-Token` (see `docs/protocol.md`).

use crate::pin::PinPolicy;
use crate::questions::{Question, QuestionPolicy};
use crate::secret::Secret;
use crate::wallet::{Blockchain, ChallengeResult, WalletRef};
use crate::wire::{ChallengeStatus, ChallengeType};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Version of the client protocol this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// A step of a challenge: the unit the server verifies and records.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Verify the user's current PIN (CHANGE_PIN, SET_SECURITY_QUESTIONS).
    CurrentPin,
    /// Verify the answers to the user's security questions (RESTORE_PIN).
    Answers,
    /// Verify a recovery proof: the server nonce signed with the recovery key (RESTORE_PIN
    /// with `method: RECOVERY_CODE`).
    RecoveryProof,
    /// SET_CLOUD_BACKUP: register the new backup version as *pending* (public key, wrapped
    /// key, proof of possession); `COMPLETE` then acknowledges it.
    RegisterCloudBackup,
    /// Finish the challenge with its final inputs.
    Complete,
    /// A step this build does not know.
    Unknown(String),
}

impl Step {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Step::CurrentPin => "CURRENT_PIN",
            Step::Answers => "ANSWERS",
            Step::RecoveryProof => "RECOVERY_PROOF",
            Step::RegisterCloudBackup => "REGISTER_CLOUD_BACKUP",
            Step::Complete => "COMPLETE",
            Step::Unknown(s) => s,
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Self {
        match s {
            "CURRENT_PIN" => Step::CurrentPin,
            "ANSWERS" => Step::Answers,
            "RECOVERY_PROOF" => Step::RecoveryProof,
            "REGISTER_CLOUD_BACKUP" => Step::RegisterCloudBackup,
            "COMPLETE" => Step::Complete,
            o => Step::Unknown(o.to_owned()),
        }
    }

    /// The steps that must be verified, in order, before `COMPLETE` for a challenge type
    /// (RESTORE_PIN with the default method, security questions).
    pub fn required_before_completion(t: &ChallengeType) -> &'static [Step] {
        Step::required_for(t, None)
    }

    /// The steps that must be verified, in order, before `COMPLETE` for a challenge type and
    /// recovery method (`None`: security questions).
    pub fn required_for(t: &ChallengeType, recovery_method: Option<&str>) -> &'static [Step] {
        match t {
            ChallengeType::ChangePin
            | ChallengeType::SetSecurityQuestions
            | ChallengeType::SetRecoveryCode => &[Step::CurrentPin],
            ChallengeType::SetCloudBackup => &[Step::CurrentPin, Step::RegisterCloudBackup],
            ChallengeType::RestorePin
                if recovery_method == Some(crate::recovery::method::RECOVERY_CODE)
                    || recovery_method == Some(crate::recovery::method::CLOUD_BACKUP) =>
            {
                &[Step::RecoveryProof]
            }
            ChallengeType::RestorePin => &[Step::Answers],
            _ => &[],
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A string schema listing the known steps.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Step {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::string_enum(
            &[" A step of a challenge: the unit the server verifies and records."],
            &[
                (
                    "CURRENT_PIN",
                    &[" Verify the user's current PIN (CHANGE_PIN, SET_SECURITY_QUESTIONS)."],
                ),
                (
                    "ANSWERS",
                    &[" Verify the answers to the user's security questions (RESTORE_PIN)."],
                ),
                (
                    "RECOVERY_PROOF",
                    &[" Verify a recovery proof (RESTORE_PIN with method RECOVERY_CODE or CLOUD_BACKUP)."],
                ),
                (
                    "REGISTER_CLOUD_BACKUP",
                    &[" SET_CLOUD_BACKUP: register the new backup version as pending."],
                ),
                (
                    "COMPLETE",
                    &[" Finish the challenge with its final inputs."],
                ),
            ],
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Step {}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Step::parse(&String::deserialize(d)?))
    }
}

/// `GET /v1/user/challenges/{id}/descriptor`: everything the SDK needs to run a challenge.
/// Fetching it moves a PENDING challenge to IN_PROGRESS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChallengeDescriptor {
    /// Challenge id.
    pub challenge_id: String,
    /// Challenge type.
    #[serde(rename = "type")]
    pub challenge_type: ChallengeType,
    /// Current status.
    pub status: ChallengeStatus,
    /// Client-protocol version the server speaks.
    pub protocol_version: u32,
    /// When the challenge expires, RFC 3339.
    pub expires_at: String,
    /// The PIN rules.
    pub pin_policy: PinPolicy,
    /// The question rules.
    pub question_policy: QuestionPolicy,
    /// Questions the user may choose from (INITIALIZE, SET_SECURITY_QUESTIONS); empty otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub catalogue: Vec<Question>,
    /// The user's own questions, in order (RESTORE_PIN); never answers. Empty otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub questions: Vec<Question>,
    /// The user's hints, parallel to `questions` (RESTORE_PIN).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hints: Vec<Option<String>>,
    /// Legacy (before wallets): the text a SIGN_MESSAGE "authorised". The SDK no longer reads
    /// it; `signRequest` says what is signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The signing wallet (SIGN_MESSAGE, SIGN_TYPEDDATA, SIGN_TRANSACTION).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<WalletRef>,
    /// What will be signed (SIGN_*): the canonical JSON text the server stored when the
    /// challenge was created, as a string so its bytes are unambiguous. The SDK decodes it for
    /// the review screen and sends [`review_digest`](crate::review_digest) of exactly this
    /// string with the PIN. Shapes: see `docs/wallets.md`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_request: Option<String>,
    /// The blockchains wallets will be created on (CREATE_WALLET, INITIALIZE with wallets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockchains: Vec<Blockchain>,
    /// Wrong PINs still allowed before a lock.
    pub pin_attempts_left: u32,
    /// Wrong answer sets still allowed before a lock.
    pub answer_attempts_left: u32,
    /// Steps already verified on this challenge.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub verified_steps: Vec<Step>,
    /// SET_RECOVERY_CODE, INITIALIZE created with `recoveryCode: true`, SET_CLOUD_BACKUP and
    /// RESTORE_PIN with `method: RECOVERY_CODE` or `CLOUD_BACKUP`: what the device binds the
    /// recovery key and proof to (and, to recover, the wrapped key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoveryDescriptor>,
}

/// The recovery part of a descriptor (`docs/protocol.md` section 8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecoveryDescriptor {
    /// `RECOVERY_CODE` or `CLOUD_BACKUP`.
    pub method: String,
    /// The user id (bound into the wrapped key and the proof).
    pub user_id: String,
    /// The credential version: the new one (setup) or the active one (recovery).
    pub version: u32,
    /// A fresh single-use server nonce, base64 of 32 bytes, to sign.
    pub nonce: String,
    /// Recovery: the wrapped private key stored at setup (base64). SET_CLOUD_BACKUP: the
    /// wrapped key of the pending version once `REGISTER_CLOUD_BACKUP` was verified (a resumed
    /// set-up checks the cloud entry against it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_key: Option<String>,
    /// SET_CLOUD_BACKUP: the version active now (whose cloud entry the device deletes only
    /// after the new one is acknowledged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<u32>,
}

/// `POST /v1/user/challenges/{id}/steps` body: one sealed input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StepSubmission {
    /// Which step this is.
    pub step: Step,
    /// Base64 envelope sealed for (challenge id, type, step) holding a [`StepPayload`].
    pub envelope: String,
}

/// Reply to a [`StepSubmission`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// Challenge id.
    pub challenge_id: String,
    /// The step that was accepted.
    pub step: Step,
    /// The challenge status after the step (COMPLETE after `COMPLETE`).
    pub status: ChallengeStatus,
    /// Steps verified so far.
    pub verified_steps: Vec<Step>,
    /// What the challenge produced, when the step completed it (signature, signed
    /// transaction, wallet ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ChallengeResult>,
}

/// One answered question inside a sealed payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerEntry {
    /// Question id.
    pub question_id: String,
    /// The normalised answer.
    pub answer: Secret,
    /// Optional hint (setup only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The JSON sealed inside every envelope. Which fields a step needs:
///
/// | type / step | fields |
/// |---|---|
/// | any / `CURRENT_PIN` | `pin` |
/// | RESTORE_PIN / `ANSWERS` | `answers` (no hints) |
/// | INITIALIZE / `COMPLETE` | `newPin`, `answers` (with hints), `acknowledged: true`; with `recoveryCode`, also the three `recovery*` fields of SET_RECOVERY_CODE |
/// | SET_PIN, CHANGE_PIN, RESTORE_PIN / `COMPLETE` | `newPin` |
/// | SET_SECURITY_QUESTIONS / `COMPLETE` | `answers` (with hints), `acknowledged: true` |
/// | SIGN_MESSAGE, SIGN_TYPEDDATA, SIGN_TRANSACTION / `COMPLETE` | `pin`, `reviewDigest` |
/// | CREATE_WALLET / `COMPLETE` | `pin` |
/// | SET_RECOVERY_CODE / `COMPLETE` | `recoveryPublicKey`, `recoveryWrappedKey`, `recoverySignature` |
/// | SET_CLOUD_BACKUP / `REGISTER_CLOUD_BACKUP` | `recoveryPublicKey`, `recoveryWrappedKey`, `recoverySignature` |
/// | SET_CLOUD_BACKUP / `COMPLETE` | `cloudBackupVersion` (written and read back) |
/// | RESTORE_PIN / `RECOVERY_PROOF` | `recoverySignature` |
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepPayload {
    /// The current PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Secret>,
    /// The new PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_pin: Option<Secret>,
    /// Answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<AnswerEntry>>,
    /// The user acknowledged that a lost PIN plus lost answers means a lost wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<bool>,
    /// SIGN_*: [`review_digest`](crate::review_digest) of the `signRequest` the user reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_digest: Option<String>,
    /// SET_RECOVERY_CODE / `COMPLETE`: the new recovery public key (base64 SEC1, 65 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_public_key: Option<String>,
    /// SET_RECOVERY_CODE / `COMPLETE`: the wrapped private key (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_wrapped_key: Option<String>,
    /// SET_RECOVERY_CODE / `COMPLETE` (proof of possession) and RESTORE_PIN /
    /// `RECOVERY_PROOF`: the proof signature (base64 of 64 bytes `r || s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_signature: Option<String>,
    /// SET_CLOUD_BACKUP / `COMPLETE`: the version the device wrote to the cloud and read back;
    /// the acknowledgement that makes it active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_backup_version: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_spelling() {
        for s in [
            Step::CurrentPin,
            Step::Answers,
            Step::RecoveryProof,
            Step::RegisterCloudBackup,
            Step::Complete,
        ] {
            assert_eq!(Step::parse(s.as_str()), s);
        }
        assert_eq!(Step::parse("X"), Step::Unknown("X".into()));
    }

    #[test]
    fn payload_json() {
        let p = StepPayload {
            new_pin: Some(Secret::from_str_copy("135790")),
            acknowledged: Some(true),
            ..Default::default()
        };
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(j, r#"{"newPin":"135790","acknowledged":true}"#);
        assert!(!format!("{p:?}").contains("135790"));
        let back: StepPayload = serde_json::from_str(&j).unwrap();
        assert_eq!(back, p);
        let p = StepPayload {
            pin: Some(Secret::from_str_copy("135790")),
            review_digest: Some("ab".repeat(32)),
            ..Default::default()
        };
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(
            j,
            format!(r#"{{"pin":"135790","reviewDigest":"{}"}}"#, "ab".repeat(32))
        );
        assert_eq!(serde_json::from_str::<StepPayload>(&j).unwrap(), p);
    }

    #[test]
    fn descriptor_wallet_fields_round_trip_and_default() {
        let d = ChallengeDescriptor {
            challenge_id: "c".into(),
            challenge_type: ChallengeType::SignTransaction,
            status: ChallengeStatus::InProgress,
            protocol_version: PROTOCOL_VERSION,
            expires_at: "2030-01-01T00:00:00Z".into(),
            pin_policy: PinPolicy::default(),
            question_policy: QuestionPolicy::default(),
            catalogue: vec![],
            questions: vec![],
            hints: vec![],
            message: None,
            wallet: Some(WalletRef {
                id: "w".into(),
                address: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826".into(),
                blockchain: Blockchain::EthSepolia,
            }),
            sign_request: Some(r#"{"kind":"MESSAGE","message":"hi"}"#.into()),
            blockchains: vec![Blockchain::Base, Blockchain::Unknown("FUTURE-CHAIN".into())],
            pin_attempts_left: 3,
            answer_attempts_left: 3,
            verified_steps: vec![],
            recovery: None,
        };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["type"], "SIGN_TRANSACTION");
        assert_eq!(v["wallet"]["blockchain"], "ETH-SEPOLIA");
        assert!(v["signRequest"].is_string());
        assert_eq!(v["blockchains"][1], "FUTURE-CHAIN");
        let back: ChallengeDescriptor = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, d);
        // A descriptor from an older server (no wallet fields) still decodes.
        let mut old = v;
        let o = old.as_object_mut().unwrap();
        o.remove("wallet");
        o.remove("signRequest");
        o.remove("blockchains");
        let back: ChallengeDescriptor = serde_json::from_value(old).unwrap();
        assert!(
            back.wallet.is_none() && back.sign_request.is_none() && back.blockchains.is_empty()
        );
    }

    #[test]
    fn step_result_carries_the_result() {
        let r = StepResult {
            challenge_id: "c".into(),
            step: Step::Complete,
            status: ChallengeStatus::Complete,
            verified_steps: vec![Step::Complete],
            result: Some(ChallengeResult {
                signed_transaction: Some("0x02f8".into()),
                tx_hash: Some(format!("0x{}", "1".repeat(64))),
                ..Default::default()
            }),
        };
        let j = serde_json::to_string(&r).unwrap();
        assert!(j.contains(r#""signedTransaction":"0x02f8""#), "{j}");
        assert_eq!(serde_json::from_str::<StepResult>(&j).unwrap(), r);
        let old: StepResult = serde_json::from_str(
            r#"{"challengeId":"c","step":"COMPLETE","status":"COMPLETE","verifiedSteps":[]}"#,
        )
        .unwrap();
        assert_eq!(old.result, None);
    }
}
