package dev.latchkey.sample

import dev.latchkey.Blockchain
import dev.latchkey.ChallengeFlow
import dev.latchkey.ChallengeType
import dev.latchkey.Client
import dev.latchkey.ClientConfig
import dev.latchkey.Input
import dev.latchkey.LatchkeyException
import dev.latchkey.Screen
import dev.latchkey.Session
import dev.latchkey.User
import dev.latchkey.Wallet
import dev.latchkey.detail
import dev.latchkey.errorCode
import dev.latchkey.sample.backend.BackendSettings
import dev.latchkey.sample.backend.DemoBackend
import dev.latchkey.sample.backend.DeviceSession
import dev.latchkey.sample.backend.WalletBackend
import dev.latchkey.start
import java.io.Closeable
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** What the wallet home offers; each starts one challenge. */
enum class WalletAction(val challengeType: ChallengeType) {
    /** First-time setup: PIN, security questions and the user's wallet. */
    SET_UP(ChallengeType.INITIALIZE),

    /** A wallet for a user who has a PIN but no wallet yet. */
    CREATE_WALLET(ChallengeType.CREATE_WALLET),

    /** Security questions for a user who has a PIN but none. */
    SET_QUESTIONS(ChallengeType.SET_SECURITY_QUESTIONS),

    /** Change the PIN, knowing the current one. */
    CHANGE_PIN(ChallengeType.CHANGE_PIN),

    /** Forgot PIN: answer the questions, set a new PIN. */
    FORGOT_PIN(ChallengeType.RESTORE_PIN),

    /** Sign a message with the user's wallet: review, then the PIN. */
    SIGN_MESSAGE(ChallengeType.SIGN_MESSAGE),

    /** Set up (or replace) a recovery code: the PIN, then the code shown and two groups retyped. */
    SET_RECOVERY_CODE(ChallengeType.SET_RECOVERY_CODE),

    /** Forgot PIN: type the recovery code, set a new PIN (the code is then used up). */
    FORGOT_PIN_WITH_CODE(ChallengeType.RESTORE_PIN),
}

/** A failed call, as the app shows it: the SDK's code and text, and whether to sign in again. */
data class ErrorBanner(val code: UInt, val text: String, val signInAgain: Boolean)

/**
 * The challenge being walked through: the SDK's current [screen], whether a call is in flight, and
 * the run's PIN length (`ChallengeFlow.pinLength`) for the PIN pad.
 */
data class ChallengeUi(
    val type: ChallengeType,
    val screen: Screen,
    val busy: Boolean = false,
    val pinLength: Int = dev.latchkey.pinLength().toInt(),
)

/** Everything the UI draws. */
data class WalletUiState(
    val settings: BackendSettings = BackendSettings(),
    /** A backend call is in flight (sign-in, status, creating a challenge). */
    val loading: Boolean = false,
    /** Null until signed in: the backend screen is shown. The user's PIN and question status (`Session.user()`). */
    val account: User? = null,
    /** The user's wallets (`Session.wallets()`), oldest first; empty before set-up. */
    val wallets: List<Wallet> = emptyList(),
    /** Non-null while a challenge runs: its screen is shown. */
    val challenge: ChallengeUi? = null,
    val error: ErrorBanner? = null,
)

/**
 * The sample's view model: plain Kotlin over [ChallengeFlow], exposing one [StateFlow] of
 * [WalletUiState]. On Android it lives inside an `androidx.lifecycle.ViewModel` (see the app
 * module) whose `viewModelScope` is [scope]; on the JVM tests pass their own scope.
 *
 * It holds no flow logic: which screen comes next, PIN rules, attempts and locks all come from the
 * SDK's [Screen]s. Every action returns its [Job] (tests join it; the UI ignores it).
 */
class WalletViewModel(
    private val scope: CoroutineScope,
    private val clientConfig: (serverUrl: String) -> ClientConfig = { ClientConfig(baseUrl = it) },
    private val backendFactory: (BackendSettings) -> WalletBackend = { DemoBackend(it, clientConfig(it.serverUrl)) },
    /** The blockchains set-up (and "create wallet") creates wallets on. */
    private val blockchains: List<Blockchain> = listOf(Blockchain.ETH_SEPOLIA),
) : Closeable {
    private val mutableState = MutableStateFlow(WalletUiState())

    /** What to draw now. */
    val state: StateFlow<WalletUiState> = mutableState.asStateFlow()

    private var backend: WalletBackend? = null
    private var client: Client? = null
    private var deviceSession: DeviceSession? = null
    private var session: Session? = null
    private var flow: ChallengeFlow? = null
    private var flowJob: Job? = null

    /** The backend screen's fields changed. */
    fun editSettings(settings: BackendSettings) = mutableState.update { it.copy(settings = settings) }

    /** Signs in with the backend and shows the wallet home. */
    fun signIn(): Job = work {
        val settings = state.value.settings
        closeConnection()
        val b = backendFactory(settings).also { backend = it }
        val c = Client(clientConfig(settings.serverUrl)).also { client = it }
        val ds = b.signIn(settings.userId).also { deviceSession = it }
        val s = c.session(ds.userToken, ds.encryptionKey).also { session = it }
        val account = s.user()
        val wallets = s.wallets()
        mutableState.update { it.copy(account = account, wallets = wallets) }
    }

    /** Reloads the PIN and question status and the wallets. */
    fun refresh(): Job = work {
        val s = session ?: return@work
        val account = s.user()
        val wallets = s.wallets()
        mutableState.update { it.copy(account = account, wallets = wallets) }
    }

    /** Back to the backend screen. */
    fun signOut() {
        closeChallenge()
        closeConnection()
        mutableState.update { it.copy(account = null, wallets = emptyList(), error = null) }
    }

    /**
     * Starts [action]. For [WalletAction.SIGN_MESSAGE] the backend asks for a signature of [message]
     * by the user's first wallet, with [memo] shown next to it; the SDK shows what will be signed.
     */
    fun start(
        action: WalletAction,
        message: String = "Sign in to Latchkey Demo",
        memo: String? = "Latchkey Demo asks you to prove you own this wallet.",
    ): Job = work {
        val b = backend ?: return@work
        val ds = deviceSession ?: return@work
        val s = session ?: return@work
        closeChallenge()
        val id = when (action) {
            WalletAction.SET_UP -> b.createSetUp(ds, blockchains)
            WalletAction.CREATE_WALLET -> b.createWallet(ds, blockchains)
            WalletAction.SIGN_MESSAGE -> {
                val wallet = state.value.wallets.firstOrNull() ?: return@work // the home offers it only with a wallet
                b.createSignMessage(ds, wallet.id, message, memo)
            }
            WalletAction.FORGOT_PIN_WITH_CODE -> b.createRestorePinWithCode(ds)
            else -> b.createChallenge(ds, action.challengeType)
        }
        val f = s.start(id)
        flow = f
        mutableState.update { it.copy(challenge = ChallengeUi(f.challengeType, f.screen.value, pinLength = f.pinLength)) }
        flowJob = scope.launch {
            f.screen.collect { screen -> show(screen) }
        }
    }

    /** Gives the current screen its input (PIN, question, answer, acknowledgement, approve / reject). */
    fun submit(input: Input): Job = challengeCall { it.submit(input) }

    /**
     * Back: the previous screen where the SDK has one (`canGoBack`), else (the first screen, or
     * after a step the server verified) leaves the challenge by cancelling it.
     */
    fun back(): Job = challengeCall { f -> if (f.canGoBack) f.back() else f.cancel() }

    /** Cancels the challenge (allowed at any time, also while a call is in flight). */
    fun cancel(): Job = scope.launch {
        val f = flow ?: return@launch
        guarded { show(f.cancel()) }
    }

    /** On `Screen.Interrupted`: sends the interrupted step again. */
    fun retry(): Job = challengeCall { it.retry() }

    /** Leaves a finished challenge (Done, Failed, Locked, Cancelled) for the refreshed home. */
    fun closeChallenge(): Job? {
        flowJob?.cancel()
        flowJob = null
        flow?.close()
        flow = null
        val had = state.value.challenge != null
        mutableState.update { it.copy(challenge = null) }
        return if (had && backend != null) refresh() else null
    }

    /** Hides the error banner. */
    fun dismissError() = mutableState.update { it.copy(error = null) }

    override fun close() {
        closeChallenge()
        closeConnection()
    }

    private fun closeConnection() {
        session?.close()
        session = null
        deviceSession = null
        client?.close()
        client = null
        backend?.close()
        backend = null
    }

    private fun work(block: suspend () -> Unit): Job = scope.launch {
        mutableState.update { it.copy(loading = true, error = null) }
        try {
            guarded { block() }
        } finally {
            mutableState.update { it.copy(loading = false) }
        }
    }

    private fun challengeCall(call: suspend (ChallengeFlow) -> Screen): Job = scope.launch {
        val f = flow ?: return@launch
        mutableState.update { it.copy(error = null, challenge = it.challenge?.copy(busy = true)) }
        try {
            guarded { show(call(f)) }
        } finally {
            mutableState.update { it.copy(challenge = it.challenge?.copy(busy = false)) }
        }
    }

    /** The screen a call returned (the listener delivers the same one; this avoids waiting for it). */
    private fun show(screen: Screen) = mutableState.update { it.copy(challenge = it.challenge?.copy(screen = screen)) }

    /** Shows a [LatchkeyException] as a banner: the SDK's code and detail; the variant says what to do. */
    private suspend fun guarded(block: suspend () -> Unit) {
        try {
            block()
        } catch (e: LatchkeyException) {
            val signInAgain = e is LatchkeyException.SessionExpired || e is LatchkeyException.InvalidKey
            mutableState.update { it.copy(error = ErrorBanner(e.errorCode, e.detail, signInAgain)) }
        }
    }
}
