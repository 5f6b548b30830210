// =================================================================================================
//  BACKEND: DEMO ONLY. In a real app this file is your own server: it signs the user in, asks the
//  Latchkey developer API (with the API key, which never leaves your server) for a user token +
//  encryption key and for challenges, and hands only those to the device. The sample calls the
//  developer API from the device through the SDK's AdminClient so it runs without a backend.
//  Replace `DemoBackend` with HTTP calls to your backend; nothing else in the app changes.
// =================================================================================================
package dev.latchkey.sample.backend

import dev.latchkey.AdminClient
import dev.latchkey.Blockchain
import dev.latchkey.ChallengeType
import dev.latchkey.ClientConfig
import dev.latchkey.LatchkeyException
import java.io.Closeable

/** What the backend settings screen asks for. */
data class BackendSettings(
    /** The Latchkey server (the device SDK talks to it too). */
    val serverUrl: String = "http://10.0.2.2:8080",
    /** Developer API key: DEMO ONLY, a real app never has it on the device. */
    val apiKey: String = "",
    /** The app's id for the signed-in user. */
    val userId: String = "demo-user-1",
)

/** What the app's backend gives the device after sign-in. */
data class DeviceSession(val userToken: String, val encryptionKey: String)

/** The calls the app makes to its backend. */
interface WalletBackend : Closeable {
    /** Signs [userId] in (the demo creates the user on first use) and returns a session. */
    suspend fun signIn(userId: String): DeviceSession

    /** A new challenge of [type] for the user of [session]; returns its id. */
    suspend fun createChallenge(session: DeviceSession, type: ChallengeType): String

    /**
     * A new INITIALIZE challenge (PIN + security questions) that also creates the user's wallets on
     * [blockchains] (one key, one address on every EVM chain); returns its id.
     */
    suspend fun createSetUp(session: DeviceSession, blockchains: List<Blockchain>): String

    /** A new CREATE_WALLET challenge (the PIN, then wallets on [blockchains]); returns its id. */
    suspend fun createWallet(session: DeviceSession, blockchains: List<Blockchain>): String

    /**
     * A new SIGN_MESSAGE challenge: [message] (EIP-191) signed by the wallet [walletId] once the user
     * has reviewed it and entered the PIN. [memo] is shown to the user, not signed. Returns its id.
     */
    suspend fun createSignMessage(session: DeviceSession, walletId: String, message: String, memo: String?): String

    /** A new RESTORE_PIN challenge the user completes with their recovery code; returns its id. */
    suspend fun createRestorePinWithCode(session: DeviceSession): String
}

/** The demo backend: the developer API called from the device (DEMO ONLY, see above). */
class DemoBackend(settings: BackendSettings, config: ClientConfig = ClientConfig(baseUrl = settings.serverUrl)) :
    WalletBackend {
    private val admin = AdminClient(config, settings.apiKey)

    override suspend fun signIn(userId: String): DeviceSession {
        try {
            admin.createUser(userId)
        } catch (e: LatchkeyException.Server) {
            if (e.code != USER_EXISTS) throw e
        }
        val t = admin.createUserToken(userId)
        return DeviceSession(t.userToken, t.encryptionKey)
    }

    override suspend fun createChallenge(session: DeviceSession, type: ChallengeType): String =
        admin.createChallenge(session.userToken, type, null)

    override suspend fun createSetUp(session: DeviceSession, blockchains: List<Blockchain>): String =
        admin.createInitializeWithWallets(session.userToken, blockchains, null, null)

    override suspend fun createWallet(session: DeviceSession, blockchains: List<Blockchain>): String =
        admin.createWalletChallenge(session.userToken, blockchains, null, null)

    override suspend fun createSignMessage(session: DeviceSession, walletId: String, message: String, memo: String?): String =
        admin.createSignMessage(session.userToken, walletId, message, false, memo, null)

    override suspend fun createRestorePinWithCode(session: DeviceSession): String =
        admin.createRestorePinWithCode(session.userToken, null)

    override fun close() = admin.close()

    private companion object {
        /** 155101: the user id exists already (a returning user). */
        const val USER_EXISTS = 155101u
    }
}
