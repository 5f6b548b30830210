//! Challenges as the server reports them (`Challenge`, `ChallengeType`, `ChallengeStatus`).

use crate::wallet::ChallengeResult;
use latchkey_core as lk;

/// The kind of a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeType {
    /// INITIALIZE.
    Initialize,
    /// SET_PIN.
    SetPin,
    /// CHANGE_PIN.
    ChangePin,
    /// SET_SECURITY_QUESTIONS.
    SetSecurityQuestions,
    /// RESTORE_PIN.
    RestorePin,
    /// SIGN_MESSAGE.
    SignMessage,
    /// CREATE_WALLET.
    CreateWallet,
    /// SIGN_TYPEDDATA.
    SignTypedData,
    /// SIGN_TRANSACTION.
    SignTransaction,
    /// Unknown to this build.
    Unknown,
    /// SET_RECOVERY_CODE (issue 10).
    SetRecoveryCode,
    /// SET_CLOUD_BACKUP (issue 10).
    SetCloudBackup,
}

impl From<lk::ChallengeType> for ChallengeType {
    fn from(t: lk::ChallengeType) -> Self {
        match t {
            lk::ChallengeType::Initialize => ChallengeType::Initialize,
            lk::ChallengeType::SetPin => ChallengeType::SetPin,
            lk::ChallengeType::ChangePin => ChallengeType::ChangePin,
            lk::ChallengeType::SetSecurityQuestions => ChallengeType::SetSecurityQuestions,
            lk::ChallengeType::RestorePin => ChallengeType::RestorePin,
            lk::ChallengeType::SignMessage => ChallengeType::SignMessage,
            lk::ChallengeType::CreateWallet => ChallengeType::CreateWallet,
            lk::ChallengeType::SignTypedData => ChallengeType::SignTypedData,
            lk::ChallengeType::SignTransaction => ChallengeType::SignTransaction,
            lk::ChallengeType::SetRecoveryCode => ChallengeType::SetRecoveryCode,
            lk::ChallengeType::SetCloudBackup => ChallengeType::SetCloudBackup,
            _ => ChallengeType::Unknown,
        }
    }
}

impl ChallengeType {
    #[cfg_attr(not(feature = "admin"), allow(dead_code))]
    pub(crate) fn to_core(self) -> Option<lk::ChallengeType> {
        Some(match self {
            ChallengeType::Initialize => lk::ChallengeType::Initialize,
            ChallengeType::SetPin => lk::ChallengeType::SetPin,
            ChallengeType::ChangePin => lk::ChallengeType::ChangePin,
            ChallengeType::SetSecurityQuestions => lk::ChallengeType::SetSecurityQuestions,
            ChallengeType::RestorePin => lk::ChallengeType::RestorePin,
            ChallengeType::SignMessage => lk::ChallengeType::SignMessage,
            ChallengeType::CreateWallet => lk::ChallengeType::CreateWallet,
            ChallengeType::SignTypedData => lk::ChallengeType::SignTypedData,
            ChallengeType::SignTransaction => lk::ChallengeType::SignTransaction,
            ChallengeType::SetRecoveryCode => lk::ChallengeType::SetRecoveryCode,
            ChallengeType::SetCloudBackup => lk::ChallengeType::SetCloudBackup,
            ChallengeType::Unknown => return None,
        })
    }
}

/// Status of a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeStatus {
    /// PENDING.
    Pending,
    /// IN_PROGRESS.
    InProgress,
    /// COMPLETE.
    Complete,
    /// FAILED.
    Failed,
    /// EXPIRED.
    Expired,
    /// Unknown to this build.
    Unknown,
}

impl From<lk::ChallengeStatus> for ChallengeStatus {
    fn from(s: lk::ChallengeStatus) -> Self {
        match s {
            lk::ChallengeStatus::Pending => ChallengeStatus::Pending,
            lk::ChallengeStatus::InProgress => ChallengeStatus::InProgress,
            lk::ChallengeStatus::Complete => ChallengeStatus::Complete,
            lk::ChallengeStatus::Failed => ChallengeStatus::Failed,
            lk::ChallengeStatus::Expired => ChallengeStatus::Expired,
            _ => ChallengeStatus::Unknown,
        }
    }
}

/// A challenge as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Id.
    pub id: String,
    /// Kind.
    pub challenge_type: ChallengeType,
    /// Status.
    pub status: ChallengeStatus,
    /// Related ids.
    pub correlation_ids: Vec<String>,
    /// 155xxx code when FAILED or EXPIRED.
    pub error_code: Option<u32>,
    /// Error text when FAILED or EXPIRED.
    pub error_message: Option<String>,
    /// What it produced, when COMPLETE.
    pub result: Option<ChallengeResult>,
}

impl From<lk::Challenge> for Challenge {
    fn from(c: lk::Challenge) -> Self {
        Challenge {
            id: c.id,
            challenge_type: c.challenge_type.into(),
            status: c.status.into(),
            correlation_ids: c.correlation_ids,
            error_code: c.error_code.map(|e| e.code()),
            error_message: c.error_message,
            result: c.result.map(ChallengeResult::from),
        }
    }
}
