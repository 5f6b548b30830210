//! The session's user as the server reports it (`Session.user()` on the device; the
//! developer API's `AdminClient.get_user` returns the same record): PIN and security-question
//! status, wrong attempts since the last success, and when a lock ends.

use latchkey_core as lk;

/// Status of a user's PIN or security questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialStatus {
    /// Set and usable.
    Enabled,
    /// Not set yet.
    Unset,
    /// Locked after too many wrong attempts, until `locked_expiry_date`.
    Locked,
    /// A status this SDK build does not know.
    Unknown,
}

impl From<lk::CredentialStatus> for CredentialStatus {
    fn from(s: lk::CredentialStatus) -> Self {
        match s {
            lk::CredentialStatus::Enabled => CredentialStatus::Enabled,
            lk::CredentialStatus::Unset => CredentialStatus::Unset,
            lk::CredentialStatus::Locked => CredentialStatus::Locked,
            _ => CredentialStatus::Unknown,
        }
    }
}

/// Guess-limit details of one credential (PIN or security questions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialDetails {
    /// Consecutive wrong attempts since the last success.
    pub failed_attempts: u32,
    /// When the credential was locked, RFC 3339.
    pub locked_date: Option<String>,
    /// When the lock ends, RFC 3339.
    pub locked_expiry_date: Option<String>,
    /// Locks in a row since the last success (each one lasts longer than the one before).
    pub lock_level: u32,
    /// Consecutive wrong attempts across locks since the last success; at the server's
    /// lifetime cap the credential is disabled (`recovery_required`).
    pub failed_attempts_total: u32,
    /// Disabled after too many wrong attempts in total: the PIN needs a recovery
    /// (RESTORE_PIN); the answers need new questions set with the PIN (SET_SECURITY_QUESTIONS)
    /// or an operator reset (`POST /v1/users/{userId}/securityQuestions/reset`).
    pub recovery_required: bool,
}

impl From<latchkey_protocol::CredentialDetails> for CredentialDetails {
    fn from(d: latchkey_protocol::CredentialDetails) -> Self {
        CredentialDetails {
            failed_attempts: d.failed_attempts,
            locked_date: d.locked_date,
            locked_expiry_date: d.locked_expiry_date,
            lock_level: d.lock_level,
            failed_attempts_total: d.failed_attempts_total,
            recovery_required: d.recovery_required,
        }
    }
}

/// A user as the developer API reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The app's id for the user (5 to 50 characters).
    pub id: String,
    /// Creation time, RFC 3339.
    pub create_date: String,
    /// PIN status.
    pub pin_status: CredentialStatus,
    /// PIN guess-limit details.
    pub pin_details: CredentialDetails,
    /// Security-question status.
    pub security_question_status: CredentialStatus,
    /// Security-question guess-limit details.
    pub security_question_details: CredentialDetails,
    /// Recovery-code status (UNSET when none is set up or the last one was used).
    pub recovery_code_status: CredentialStatus,
    /// Cloud-backup status (ENABLED when a cloud backup is set up).
    pub cloud_backup_status: CredentialStatus,
}

impl From<lk::User> for User {
    fn from(u: lk::User) -> Self {
        User {
            id: u.id,
            create_date: u.create_date,
            pin_status: u.pin_status.into(),
            pin_details: u.pin_details.into(),
            security_question_status: u.security_question_status.into(),
            security_question_details: u.security_question_details.into(),
            recovery_code_status: u.recovery_code_status.into(),
            cloud_backup_status: u.cloud_backup_status.into(),
        }
    }
}
