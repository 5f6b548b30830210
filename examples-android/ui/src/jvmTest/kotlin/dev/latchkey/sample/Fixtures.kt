package dev.latchkey.sample

import dev.latchkey.AccountType
import dev.latchkey.Blockchain
import dev.latchkey.ChallengeResult
import dev.latchkey.ChallengeType
import dev.latchkey.CloudAction
import dev.latchkey.CredentialDetails
import dev.latchkey.CredentialStatus
import dev.latchkey.InputError
import dev.latchkey.InputErrorKind
import dev.latchkey.PinPurpose
import dev.latchkey.Progress
import dev.latchkey.Question
import dev.latchkey.QuestionKind
import dev.latchkey.ReviewEntry
import dev.latchkey.Screen
import dev.latchkey.SignatureDetails
import dev.latchkey.SignatureReview
import dev.latchkey.Slot
import dev.latchkey.User
import dev.latchkey.TransactionReview
import dev.latchkey.TypedDataDomain
import dev.latchkey.TypedDataRow
import dev.latchkey.Wallet
import dev.latchkey.WalletRef
import dev.latchkey.WalletState
import dev.latchkey.acknowledgementText
import dev.latchkey.sample.backend.BackendSettings

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

    /** The user's wallet (the EIP-55 example address). */
    const val ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"
    private val walletRef = WalletRef("7d0a1d5e-3c52-4b8e-9a51-2f0c8e6b1a40", ADDRESS, Blockchain.ETH_SEPOLIA)

    /** EIP-191: readable text (the SDK also gives the exact bytes as hex). */
    private val message = SignatureDetails.Message(
        "Sign in to Latchkey Demo\nNonce: 8f3a61c2",
        "0x5369676e20696e20746f204c617463686b65792044656d6f0a4e6f6e63653a203866336136316332",
        40uL,
    )

    /** EIP-712: the "Mail" example of the EIP, as the SDK flattens it (pre-order, with depth). */
    private val typedData = SignatureDetails.TypedData(
        TypedDataDomain("Ether Mail", "1", "11155111", "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC", null),
        "Mail",
        listOf(
            TypedDataRow("from", 0u, "from", "Person", null),
            TypedDataRow("from.name", 1u, "name", "string", "Cow"),
            TypedDataRow("from.wallet", 1u, "wallet", "address", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"),
            TypedDataRow("to", 0u, "to", "Person", null),
            TypedDataRow("to.name", 1u, "name", "string", "Bob"),
            TypedDataRow("to.wallet", 1u, "wallet", "address", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"),
            TypedDataRow("contents", 0u, "contents", "string", "Hello, Bob!"),
        ),
    )

    /** EIP-1559: 0.01 ETH into WETH's `deposit()` on Sepolia. */
    private val transaction = SignatureDetails.Transaction(
        TransactionReview(
            blockchain = Blockchain.ETH_SEPOLIA,
            chainId = 11_155_111uL,
            to = "0xfFf9976782d46CC05630D1f6eBAb18b2324d6B14",
            valueWei = "10000000000000000",
            value = "0.01 ETH",
            nonce = "7",
            gasLimit = "45000",
            maxFeePerGasWei = "30000000000",
            maxPriorityFeePerGasWei = "1500000000",
            maxFeeWei = "1350000000000000",
            maxFee = "0.00135 ETH",
            data = "0xd0e30db0",
            dataLength = 4uL,
            selector = "0xd0e30db0",
            accessListEntries = 0u,
        ),
    )

    private fun review(details: SignatureDetails, memo: String?) = Screen.ReviewSignature(p(1, 2), SignatureReview(walletRef, memo, details))

    private const val SIGNATURE =
        "0x0519f5c781ccde5f0e25670b42ca4201938633b2c1178f94938b78fc5975eee5c4d03d4582c748cabecb6c8c287770ea2857725a2aa9fe67863c8462f428e4b91c"

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
        Triple("review-message", ChallengeType.SIGN_MESSAGE, review(message, "Latchkey Demo asks you to prove you own this wallet.")),
        Triple("review-typed-data", ChallengeType.SIGN_TYPED_DATA, review(typedData, null)),
        Triple("review-transaction", ChallengeType.SIGN_TRANSACTION, review(transaction, "Wrap 0.01 ETH")),
        Triple("working", ChallengeType.CHANGE_PIN, Screen.Working(p(1, 3), "CURRENT_PIN")),
        Triple("interrupted", ChallengeType.CHANGE_PIN, Screen.Interrupted(p(3, 3), 155706u, "Network error; try again.")),
        Triple("done", setup, Screen.Done(p(7, 7), ChallengeResult(null, null, null, listOf(walletRef.id)))),
        Triple("done-signature", ChallengeType.SIGN_MESSAGE, Screen.Done(p(2, 2), ChallengeResult(SIGNATURE, null, null, emptyList()))),
        Triple("failed-rejected", ChallengeType.SIGN_MESSAGE, Screen.Failed(p(1, 2), 155826u, "The user rejected the signature request.")),
        Triple("failed", ChallengeType.CHANGE_PIN, Screen.Failed(p(1, 3), 155104u, "User token has expired; start a new session.")),
        Triple("locked", ChallengeType.CHANGE_PIN, Screen.Locked(p(1, 3), 155119u, "2026-12-02T10:26:40Z", LOCK_EXPIRY, false)),
        Triple("cancelled", setup, Screen.Cancelled(p(1, 7))),
        // Recovery codes (made-up groups: never a real user's code).
        Triple("recovery-code-show", ChallengeType.SET_RECOVERY_CODE, Screen.ShowRecoveryCode(p(2, 3), listOf("HWX5P", "R3MHY", "7KQ2D", "N8VTA", "0CJ4G", "SBE6W", "M1ZRF"), recoveryCodeWarning)),
        Triple("recovery-code-confirm-wrong", ChallengeType.SET_RECOVERY_CODE, Screen.ConfirmRecoveryCode(p(3, 3), listOf(2u, 6u), err(InputErrorKind.RECOVERY_CODE_MISMATCH, 155869, "the typed groups do not match the recovery code; check it and type them again"))),
        Triple("recovery-code-enter-typo", ChallengeType.RESTORE_PIN, Screen.EnterRecoveryCode(p(1, 3), 7u, 5u, InputError(InputErrorKind.RECOVERY_CODE_TYPO, 155864u, "the recovery code has a typo in group 4", 4u), 3u)),
        // Cloud backup.
        Triple("cloud-working", ChallengeType.SET_CLOUD_BACKUP, Screen.CloudWorking(p(2, 3), CloudAction.CHECKING)),
        Triple("cloud-storage-failed", ChallengeType.SET_CLOUD_BACKUP, Screen.CloudStorageFailed(p(2, 3), 155875u, "Block Store: not signed in", "The cloud storage failed; the previous backup is untouched.")),
        Triple("cloud-restore-start", ChallengeType.RESTORE_PIN, Screen.StartCloudRestore(p(1, 3), null, 3u)),
        Triple("cloud-no-backup", ChallengeType.RESTORE_PIN, Screen.NoCloudBackup(p(1, 3))),
    )

    private const val recoveryCodeWarning = "Write this recovery code down and keep it somewhere safe. With it you can set a new PIN if you " +
        "forget yours. Nobody, including the wallet provider, can see it or recover it for you; it is shown only now."

    val settings = BackendSettings(serverUrl = "https://wallet.example", apiKey = "lk_demo_key", userId = "alice-0001")

    private fun wallet(id: String, chain: Blockchain) = Wallet(
        id, ADDRESS, chain, AccountType.EOA, "ENDUSER", WalletState.LIVE, "0b5e7f3a-9d21-4c68-b4e0-6a1f2c3d4e5f", "alice-0001",
        "2026-12-02T10:00:00Z", "2026-12-02T10:00:00Z",
    )

    private fun cred(failed: UInt = 0u, until: String? = null) =
        CredentialDetails(failed, null, until, lockLevel = if (until == null) 0u else 1u, failedAttemptsTotal = failed, recoveryRequired = false)

    /** The user as `Session.user()` reports it. */
    private fun user(pin: CredentialStatus, questions: CredentialStatus, pinDetails: CredentialDetails = cred()) =
        User("alice-0001", "2026-12-02T10:00:00Z", pin, pinDetails, questions, cred(), CredentialStatus.UNSET, CredentialStatus.UNSET)

    /** name -> app state without a challenge. */
    val appStates: List<Pair<String, WalletUiState>> = listOf(
        "backend" to WalletUiState(settings = settings),
        "home-new-user" to WalletUiState(settings = settings, account = user(CredentialStatus.UNSET, CredentialStatus.UNSET)),
        "home-ready" to WalletUiState(settings = settings, account = user(CredentialStatus.ENABLED, CredentialStatus.ENABLED, cred(1u))),
        "home-pin-locked" to WalletUiState(settings = settings, account = user(CredentialStatus.LOCKED, CredentialStatus.ENABLED, cred(3u, "2026-12-02T10:26:40Z"))),
        "home-wallets" to WalletUiState(
            settings = settings,
            account = user(CredentialStatus.ENABLED, CredentialStatus.ENABLED),
            wallets = listOf(wallet("7d0a1d5e-3c52-4b8e-9a51-2f0c8e6b1a40", Blockchain.ETH_SEPOLIA), wallet("c1f4e2a9-8b3d-4e6f-a0c7-5d9e1b2f3a84", Blockchain.BASE_SEPOLIA)),
        ),
        "error-banner" to WalletUiState(
            settings = settings,
            account = user(CredentialStatus.ENABLED, CredentialStatus.ENABLED),
            error = ErrorBanner(155104u, "User token has expired; start a new session.", signInAgain = true),
        ),
    )
}
