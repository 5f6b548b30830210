//! Recovery codes (issue 10): the FFI half of SET_RECOVERY_CODE and RESTORE_PIN with method
//! RECOVERY_CODE. Kept in its own module (the screens, input and errors are declared in
//! `screens`, whose enums must stay single types) so the recovery additions stay together:
//!
//! * the conversion of the core's recovery screens (`ShowRecoveryCode`, `ConfirmRecoveryCode`,
//!   `EnterRecoveryCode`; a proof in flight is the core's `Working` with `RECOVERY_PROOF`);
//! * the recovery kinds of `InputError` and the group a typo is in;
//! * with the `admin` feature, the `AdminClient` calls that create the recovery challenges.
//!
//! No logic: every rule (code format, checksum, confirmation, proof) is the core's.

use crate::screens::{InputError, InputErrorKind, SecretString};
use crate::Screen;
use latchkey_core as lk;

/// The FFI screen for a core recovery screen; `Err(progress)` for a screen this build does not
/// know (the caller shows the "update the SDK" failure).
pub(crate) fn screen_from_core(s: lk::Screen) -> Result<Screen, lk::Progress> {
    Ok(match s {
        lk::Screen::ShowRecoveryCode {
            progress,
            groups,
            warning,
        } => Screen::ShowRecoveryCode {
            progress: progress.into(),
            // Moved, not copied: each group stays in its zeroizing `Secret`.
            groups: groups.into_iter().map(SecretString).collect(),
            warning: warning.to_owned(),
        },
        lk::Screen::ConfirmRecoveryCode {
            progress,
            groups,
            error,
        } => Screen::ConfirmRecoveryCode {
            progress: progress.into(),
            groups,
            error: error.map(InputError::from),
        },
        lk::Screen::EnterRecoveryCode {
            progress,
            groups,
            group_length,
            error,
            attempts_left,
        } => Screen::EnterRecoveryCode {
            progress: progress.into(),
            groups,
            group_length,
            error: error.map(InputError::from),
            attempts_left,
        },
        other => return Err(other.progress()),
    })
}

/// The recovery kinds of an input error; `None` for the others.
pub(crate) fn input_error_kind(e: &lk::InputError) -> Option<InputErrorKind> {
    Some(match e {
        lk::InputError::RecoveryCode(_) => InputErrorKind::RecoveryCodeTypo,
        lk::InputError::WrongRecoveryCode => InputErrorKind::WrongRecoveryCode,
        lk::InputError::IncorrectRecoveryCode => InputErrorKind::IncorrectRecoveryCode,
        lk::InputError::RecoveryCodeConfirmation => InputErrorKind::RecoveryCodeMismatch,
        lk::InputError::RefusedByServer(lk::ErrorCode::IncorrectRecoveryCode) => {
            InputErrorKind::IncorrectRecoveryCode
        }
        _ => return None,
    })
}

/// The group (from 1) a recovery-code typo is in, when the core knows it.
pub(crate) fn typo_group(e: &lk::InputError) -> Option<u32> {
    match e {
        lk::InputError::RecoveryCode(r) => r.group(),
        _ => None,
    }
}

#[cfg(feature = "admin")]
mod admin {
    use crate::runtime::on_runtime;
    use crate::{AccountType, AdminClient, Blockchain, LatchkeyError};
    use latchkey_core as lk;
    use zeroize::Zeroizing;

    #[uniffi::export]
    impl AdminClient {
        /// Creates a RESTORE_PIN challenge the user completes with the recovery code set up
        /// earlier (`create_challenge` with `SetRecoveryCode`), instead of the security
        /// questions, and returns its id (`POST /v1/user/pin/restore` with
        /// `method: RECOVERY_CODE`). The run shows `Screen.EnterRecoveryCode`, then the new
        /// PIN twice. When it completes the code is burnt (the user's `recovery_code_status`
        /// becomes UNSET: ask the user to set up a new one) and every other session token of
        /// the user is revoked. Throws `Server` with 155860 when no recovery code is set up.
        /// `idempotency_key`: as for `create_challenge` (keep one to retry the whole call
        /// safely).
        pub async fn create_restore_pin_with_code(
            &self,
            user_token: String,
            idempotency_key: Option<String>,
        ) -> Result<String, LatchkeyError> {
            let a = self.inner.clone();
            let token = Zeroizing::new(user_token);
            on_runtime(self.rt, async move {
                let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
                Ok(a.create_restore_pin_with_code(&token, &key).await?)
            })
            .await
        }

        /// Creates an INITIALIZE challenge that ends by setting up a recovery code: after the
        /// PIN, the questions and the review, the run shows `Screen.ShowRecoveryCode` and
        /// `Screen.ConfirmRecoveryCode`, and the code is stored with the PIN and the answers
        /// when the challenge completes (all or nothing). `blockchains` (may be empty) and
        /// `account_type` (null: EOA) as for `create_initialize_with_wallets`. Throws `Server`
        /// with 155106 (already initialized), 155817 or 155818. `idempotency_key`: as for
        /// `create_challenge`.
        pub async fn create_initialize_with_recovery_code(
            &self,
            user_token: String,
            blockchains: Vec<Blockchain>,
            account_type: Option<AccountType>,
            idempotency_key: Option<String>,
        ) -> Result<String, LatchkeyError> {
            let a = self.inner.clone();
            let chains = crate::admin::blockchains_to_core(blockchains)?;
            let account_type = crate::admin::account_type_to_core(account_type)?;
            let token = Zeroizing::new(user_token);
            on_runtime(self.rt, async move {
                let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
                Ok(
                    a.create_initialize_with_recovery_code(&token, &chains, account_type, &key)
                        .await?,
                )
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::Progress;
    use latchkey_protocol::recovery::CodeRejection;
    use latchkey_protocol::Secret;

    const P: lk::Progress = lk::Progress { step: 2, of: 3 };

    #[test]
    fn recovery_screens_convert_and_keep_the_groups_secret() {
        let s: Screen = lk::Screen::ShowRecoveryCode {
            progress: P,
            groups: vec![
                Secret::from_str_copy("HWX5P"),
                Secret::from_str_copy("R3MHY"),
            ],
            warning: lk::RECOVERY_CODE_WARNING,
        }
        .into();
        let Screen::ShowRecoveryCode {
            progress,
            groups,
            warning,
        } = &s
        else {
            panic!("not ShowRecoveryCode");
        };
        assert_eq!(*progress, Progress { step: 2, of: 3 });
        assert_eq!(groups[1].0.expose(), "R3MHY");
        assert_eq!(warning, lk::RECOVERY_CODE_WARNING);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("HWX5P") && !dbg.contains("R3MHY"), "{dbg}");

        let typo = lk::InputError::RecoveryCode(CodeRejection::Typo { group: 4 });
        let s: Screen = lk::Screen::EnterRecoveryCode {
            progress: P,
            groups: 7,
            group_length: 5,
            error: Some(typo),
            attempts_left: Some(2),
        }
        .into();
        match s {
            Screen::EnterRecoveryCode {
                groups: 7,
                group_length: 5,
                error: Some(e),
                attempts_left: Some(2),
                ..
            } => {
                assert_eq!(e.kind, InputErrorKind::RecoveryCodeTypo);
                assert_eq!((e.code, e.group), (155864, Some(4)));
                assert!(e.detail.contains("group 4"), "{}", e.detail);
            }
            other => panic!("{other:?}"),
        }

        let s: Screen = lk::Screen::ConfirmRecoveryCode {
            progress: P,
            groups: vec![2, 6],
            error: Some(lk::InputError::RecoveryCodeConfirmation),
        }
        .into();
        match s {
            Screen::ConfirmRecoveryCode {
                groups,
                error: Some(e),
                ..
            } => {
                assert_eq!(groups, vec![2, 6]);
                assert_eq!(e.kind, InputErrorKind::RecoveryCodeMismatch);
                assert_eq!((e.code, e.group), (155869, None));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn recovery_input_errors_have_their_kinds() {
        for (e, kind, code) in [
            (
                lk::InputError::WrongRecoveryCode,
                InputErrorKind::WrongRecoveryCode,
                155865,
            ),
            (
                lk::InputError::IncorrectRecoveryCode,
                InputErrorKind::IncorrectRecoveryCode,
                155861,
            ),
            (
                lk::InputError::RecoveryCode(CodeRejection::Length { got: 3 }),
                InputErrorKind::RecoveryCodeTypo,
                155864,
            ),
        ] {
            let f = InputError::from(e);
            assert_eq!((f.kind, f.code, f.group), (kind, code, None));
        }
        assert_eq!(
            InputError::from(lk::InputError::IncorrectPin).kind,
            InputErrorKind::IncorrectPin
        );
    }

    #[test]
    fn a_typed_code_moves_into_the_core_as_a_secret() {
        let i = crate::Input::RecoveryCode {
            code: SecretString(Secret::from_str_copy("HWX5P-R3MHY")),
        };
        assert!(!format!("{i:?}").contains("HWX5P"));
        assert!(matches!(i.into_core(), lk::Input::RecoveryCode(c) if c.expose() == "HWX5P-R3MHY"));
    }
}
