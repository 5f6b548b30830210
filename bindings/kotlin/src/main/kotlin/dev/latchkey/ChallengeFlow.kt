package dev.latchkey

import java.io.Closeable
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/**
 * Idiomatic Kotlin face of a [ChallengeRun]: the screens as a [StateFlow], `suspend` inputs,
 * and [Closeable] so `use {}` releases the run and its listener.
 *
 * ```kotlin
 * session.start(challengeId).use { flow ->
 *     flow.screen.collect { screen -> render(screen) }   // in the UI scope
 *     flow.submitPin("135790")                           // from a click handler
 * }
 * ```
 *
 * [screen] is fed by the SDK's listener (current screen first, then every new one, in order);
 * the value returned by each `suspend` call is the same screen the flow will show.
 */
class ChallengeFlow(val run: ChallengeRun) : Closeable {
    private val state = MutableStateFlow(run.screen())

    /** What to draw now; updated on every new screen (including `Working`). */
    val screen: StateFlow<Screen> = state.asStateFlow()

    private val handle: ListenerHandle = run.subscribe(object : ScreenListener {
        override fun onScreen(screen: Screen) {
            state.value = screen
        }
    })

    /** The challenge id. */
    val challengeId: String get() = run.challengeId()

    /** The challenge type. */
    val challengeType: ChallengeType get() = run.challengeType()

    /** Gives the current screen an input; returns the next screen (see [ChallengeRun.submit]). */
    suspend fun submit(input: Input): Screen = run.submit(input)

    /** A PIN for [Screen.EnterPin]. */
    suspend fun submitPin(pin: String): Screen = submit(Input.Pin(pin))

    /** A question for [Screen.ChooseQuestion]. */
    suspend fun chooseQuestion(questionId: String): Screen = submit(Input.ChooseQuestion(questionId))

    /** An answer (and optional hint) for [Screen.AnswerQuestion]. */
    suspend fun answer(answer: String, hint: String? = null): Screen = submit(Input.Answer(answer, hint))

    /** Acknowledges the warning on [Screen.Review]. */
    suspend fun acknowledge(): Screen = submit(Input.Acknowledge)

    /**
     * Approves the request shown on [Screen.ReviewSignature]; the next screen asks for the PIN
     * ([Screen.EnterPin], [PinPurpose.CURRENT]).
     */
    suspend fun approve(): Screen = submit(Input.Acknowledge)

    /**
     * Rejects the request shown on [Screen.ReviewSignature]: nothing is signed, the server is
     * told, and the run ends [Screen.Failed] with code 155826.
     */
    suspend fun reject(): Screen = submit(Input.Reject)

    /**
     * The user wrote down the code shown on [Screen.ShowRecoveryCode]; the next screen asks to
     * retype some of its groups ([Screen.ConfirmRecoveryCode]).
     */
    suspend fun codeWrittenDown(): Screen = submit(Input.Acknowledge)

    /**
     * The recovery code typed on [Screen.EnterRecoveryCode], or the groups asked for on
     * [Screen.ConfirmRecoveryCode] (in order; separators and case are free). A secret: it is
     * checked on the device and never sent; drop your references to it afterwards.
     */
    suspend fun enterRecoveryCode(code: String): Screen = submit(Input.RecoveryCode(code))

    /** The blockchains whose wallets this challenge creates (INITIALIZE with wallets, CREATE_WALLET). */
    val blockchains: List<Blockchain> get() = run.blockchains()

    /** The number of digits a PIN has in this challenge (draw that many dots; the SDK checks every PIN rule). */
    val pinLength: Int get() = run.pinLength().toInt()

    /**
     * Whether [back] would return an earlier screen now. Where it is false (the first screen, after a
     * step the server verified, while a call is in flight), a back button should [cancel] instead.
     */
    val canGoBack: Boolean get() = run.canGoBack()

    /** The previous screen. */
    suspend fun back(): Screen = run.back()

    /**
     * Resends the interrupted step; on [Screen.CloudStorageFailed] repeats the storage call; on
     * [Screen.NoCloudBackup] reads the backup again.
     */
    suspend fun retry(): Screen = run.retry()

    /** Cancels the run. */
    suspend fun cancel(): Screen = run.cancel()

    /** The server's final word on the challenge (throws [LatchkeyException.Timeout]). */
    suspend fun awaitResult(timeout: Duration = 10.seconds): Challenge =
        run.waitForResult(timeout.inWholeMilliseconds.coerceIn(0L, UInt.MAX_VALUE.toLong()).toUInt())

    /** Stops the listener and releases the run. */
    override fun close() {
        handle.cancel()
        handle.close()
        run.close()
    }
}

/** Starts walking through a challenge as a [ChallengeFlow]. */
suspend fun Session.start(challengeId: String): ChallengeFlow = ChallengeFlow(runChallenge(challengeId))

/**
 * Starts a cloud-backup challenge (SET_CLOUD_BACKUP, or a RESTORE_PIN created with
 * `AdminClient.createRestorePinWithBackup`) as a [ChallengeFlow], with the app's [CloudStorage].
 * The app implements it over the user's own cloud (Block Store, Drive's app-data folder), with
 * `suspend` methods that throw [CloudStorageException.Failed] with a reason:
 *
 * ```kotlin
 * class BlockStoreBackup(private val client: BlockstoreClient) : CloudStorage {
 *     override suspend fun put(name: String, data: ByteArray) { ... }
 *     override suspend fun get(name: String): ByteArray? { ... }
 *     override suspend fun remove(name: String) { ... }
 * }
 * session.startWithStorage(challengeId, BlockStoreBackup(client)).use { flow -> ... }
 * ```
 *
 * The SDK calls the storage from its own threads; uniffi runs each call in a coroutine.
 * On [Screen.CloudStorageFailed] offer [ChallengeFlow.retry] or [ChallengeFlow.cancel]; the
 * previous backup stays usable either way.
 */
suspend fun Session.startWithStorage(challengeId: String, storage: CloudStorage): ChallengeFlow =
    ChallengeFlow(runChallengeWithStorage(challengeId, storage))

/** Whether the screen ends the run (Done, Failed, Locked or Cancelled). */
val Screen.isTerminal: Boolean
    get() = this is Screen.Done || this is Screen.Failed || this is Screen.Locked || this is Screen.Cancelled

/** What a [Screen.Done] produced (signature, signed transaction, wallet ids); null otherwise. */
val Screen.result: ChallengeResult?
    get() = (this as? Screen.Done)?.result

/** The review a [Screen.ReviewSignature] shows; null on other screens. */
val Screen.signatureReview: SignatureReview?
    get() = (this as? Screen.ReviewSignature)?.review

/**
 * The groups of the recovery code a [Screen.ShowRecoveryCode] shows; null on other screens.
 * SECRET: draw them, never log or persist them. The generated `toString()` of that screen prints
 * them too, so never log screens.
 */
val Screen.recoveryCodeGroups: List<String>?
    get() = (this as? Screen.ShowRecoveryCode)?.groups

/**
 * The app's reason on a [Screen.CloudStorageFailed] (what its [CloudStorage] threw; empty when the
 * read-back differed, 155876); null on other screens.
 */
val Screen.cloudFailureReason: String?
    get() = (this as? Screen.CloudStorageFailed)?.reason

/** Where in the flow this screen is ("step n of m"); every variant has one. */
val Screen.progress: Progress
    get() = screenProgress(this)

/**
 * A readable sentence for the screens that report a code (Interrupted, CloudStorageFailed,
 * NoCloudBackup, Failed, Locked, Cancelled);
 * null on the others (an [InputError] carries its own `detail`).
 */
val Screen.message: String?
    get() = screenMessage(this)

/**
 * Which credential a [Screen.Locked] is about (PIN, or recovery: security answers and recovery codes
 * share one count); null on other screens.
 */
val Screen.lockedCredential: LockedCredential?
    get() = lockedCredential(this)

/** The blockchain's id as the server spells it, e.g. "ETH-SEPOLIA". */
val Blockchain.id: String
    get() = blockchainId(this)

/** A human name for the blockchain, e.g. "Ethereum Sepolia". */
val Blockchain.displayName: String
    get() = blockchainName(this)

/** The secret-free explanation of any [LatchkeyException] variant (without the "code=…" prefix of `message`). */
val LatchkeyException.detail: String
    get() = when (this) {
        is LatchkeyException.InvalidInput -> detail
        is LatchkeyException.Busy -> detail
        is LatchkeyException.Network -> detail
        is LatchkeyException.Timeout -> detail
        is LatchkeyException.SessionExpired -> detail
        is LatchkeyException.ChallengeExpired -> detail
        is LatchkeyException.Locked -> detail
        is LatchkeyException.InvalidKey -> detail
        is LatchkeyException.Unsupported -> detail
        is LatchkeyException.Server -> detail
        is LatchkeyException.Internal -> detail
    }

/** The 155xxx code of any [LatchkeyException] variant. */
val LatchkeyException.errorCode: UInt
    get() = when (this) {
        is LatchkeyException.InvalidInput -> code
        is LatchkeyException.Busy -> code
        is LatchkeyException.Network -> code
        is LatchkeyException.Timeout -> code
        is LatchkeyException.SessionExpired -> code
        is LatchkeyException.ChallengeExpired -> code
        is LatchkeyException.Locked -> code
        is LatchkeyException.InvalidKey -> code
        is LatchkeyException.Unsupported -> code
        is LatchkeyException.Server -> code
        is LatchkeyException.Internal -> code
    }
