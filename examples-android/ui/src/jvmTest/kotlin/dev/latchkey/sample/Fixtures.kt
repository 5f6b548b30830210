package dev.latchkey.sample

import dev.latchkey.ChallengeType
import dev.latchkey.CredentialStatus
import dev.latchkey.InputError
import dev.latchkey.InputErrorKind
import dev.latchkey.PinPurpose
import dev.latchkey.Progress
import dev.latchkey.Question
import dev.latchkey.QuestionKind
import dev.latchkey.ReviewEntry
import dev.latchkey.Screen
import dev.latchkey.Slot
import dev.latchkey.acknowledgementText
import dev.latchkey.sample.backend.AccountStatus
import dev.latchkey.sample.backend.BackendSettings
import dev.latchkey.sample.backend.CredentialState

/**
 * One example of every state the app draws, for the screenshot test: each SDK `Screen` (several
 * of EnterPin and AnswerQuestion), the backend screen, the home in its states and the error banner.
 * Texts are the reference server's catalogue and the SDK's own messages (the acknowledgement comes
 * from the library itself).
 */
object Fixtures {
    /** "Now" for the locked screen's countdown: 14 min 59 s before [LOCK_EXPIRY]. */
    const val NOW_UNIX = 1_796_216_401L
    const val LOCK_EXPIRY = NOW_UNIX + 899

    private val catalogue = listOf(
        Question("q01", "What was the name of your first pet?", QuestionKind.TEXT),
        Question("q02", "In which city did your parents meet?", QuestionKind.TEXT),
        Question("q03", "What was the first concert you went to?", QuestionKind.TEXT),
        Question("q04", "What is the name of the street you grew up on?", QuestionKind.TEXT),
        Question("q05", "What was the make of your first car?", QuestionKind.TEXT),
        Question("q06", "What was the name of your favourite teacher?", QuestionKind.TEXT),
        Question("q09", "What was your childhood nickname?", QuestionKind.TEXT),
        Question("q10", "On what date did you first travel abroad?", QuestionKind.DATE),
        Question("q11", "On what date did you meet your best friend?", QuestionKind.DATE),
    )

    private fun p(step: Int, of: Int) = Progress(step.toUInt(), of.toUInt())
    private fun err(kind: InputErrorKind, code: Int, detail: String) = InputError(kind, code.toUInt(), detail)

    private val setup = ChallengeType.INITIALIZE

    /** name -> (challenge type, screen). */
    val screens: List<Triple<String, ChallengeType, Screen>> = listOf(
        Triple("pin-new", setup, Screen.EnterPin(PinPurpose.NEW, p(1, 7), null, null)),
        Triple("pin-insecure", setup, Screen.EnterPin(PinPurpose.NEW, p(1, 7), err(InputErrorKind.INSECURE_PIN, 155704, "The PIN is not allowed: use 6 digits, not all the same and not consecutive."), null)),
        Triple("pin-confirm", setup, Screen.EnterPin(PinPurpose.CONFIRM, p(2, 7), null, null)),
        Triple("pin-mismatch", setup, Screen.EnterPin(PinPurpose.NEW, p(1, 7), err(InputErrorKind.PIN_MISMATCH, 155703, "The PIN confirmation does not match."), null)),
        Triple("pin-current-wrong", ChallengeType.CHANGE_PIN, Screen.EnterPin(PinPurpose.CURRENT, p(1, 3), err(InputErrorKind.INCORRECT_PIN, 155112, "The PIN is incorrect."), 2u)),
        Triple("choose-question", setup, Screen.ChooseQuestion(p(3, 7), Slot(1u, 2u), catalogue, null)),
        Triple("answer-setup", setup, Screen.AnswerQuestion(p(4, 7), Slot(1u, 2u), catalogue[0], true, null, null, null)),
        Triple("answer-date", setup, Screen.AnswerQuestion(p(6, 7), Slot(2u, 2u), catalogue[7], true, null, null, null)),
        Triple("answer-invalid", setup, Screen.AnswerQuestion(p(4, 7), Slot(1u, 2u), catalogue[0], true, null, err(InputErrorKind.INVALID_ANSWER, 155705, "The hint must not contain the answer."), null)),
        Triple("answer-recovery-wrong", ChallengeType.RESTORE_PIN, Screen.AnswerQuestion(p(1, 4), Slot(1u, 2u), catalogue[0], false, "think of home", err(InputErrorKind.INCORRECT_ANSWERS, 155115, "The security answers are incorrect."), 4u)),
        Triple("review", setup, Screen.Review(p(7, 7), listOf(ReviewEntry(catalogue[0], "think of home"), ReviewEntry(catalogue[7], null)), acknowledgementText())),
        Triple("authorize-message", ChallengeType.SIGN_MESSAGE, Screen.AuthorizeMessage(p(1, 2), "Send 5 USDC to 0x52908400098527886E0F7030069857D2E4169EE7")),
        Triple("working", ChallengeType.CHANGE_PIN, Screen.Working(p(1, 3), "CURRENT_PIN")),
        Triple("interrupted", ChallengeType.CHANGE_PIN, Screen.Interrupted(p(3, 3), 155706u, "Network error; try again.")),
        Triple("done", setup, Screen.Done(p(7, 7))),
        Triple("failed", ChallengeType.CHANGE_PIN, Screen.Failed(p(1, 3), 155104u, "User token has expired; start a new session.")),
        Triple("locked", ChallengeType.CHANGE_PIN, Screen.Locked(p(1, 3), 155119u, "2026-12-02T10:26:40Z", LOCK_EXPIRY)),
        Triple("cancelled", setup, Screen.Cancelled(p(1, 7))),
    )

    val settings = BackendSettings(serverUrl = "https://wallet.example", apiKey = "lk_demo_key", userId = "alice-0001")

    private fun cred(status: CredentialStatus, failed: UInt = 0u, until: String? = null) = CredentialState(status, failed, until)

    /** name -> app state without a challenge. */
    val appStates: List<Pair<String, WalletUiState>> = listOf(
        "backend" to WalletUiState(settings = settings),
        "home-new-user" to WalletUiState(settings = settings, account = AccountStatus("alice-0001", cred(CredentialStatus.UNSET), cred(CredentialStatus.UNSET))),
        "home-ready" to WalletUiState(settings = settings, account = AccountStatus("alice-0001", cred(CredentialStatus.ENABLED, 1u), cred(CredentialStatus.ENABLED))),
        "home-pin-locked" to WalletUiState(settings = settings, account = AccountStatus("alice-0001", cred(CredentialStatus.LOCKED, 3u, "2026-12-02T10:26:40Z"), cred(CredentialStatus.ENABLED))),
        "error-banner" to WalletUiState(
            settings = settings,
            account = AccountStatus("alice-0001", cred(CredentialStatus.ENABLED), cred(CredentialStatus.ENABLED)),
            error = ErrorBanner(155104u, "User token has expired; start a new session.", signInAgain = true),
        ),
    )
}
