package dev.latchkey

import java.io.File
import java.nio.file.Files
import java.util.UUID
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.web3j.crypto.Keys
import org.web3j.crypto.Sign
import org.web3j.utils.Numeric

/**
 * The full story through the Kotlin bindings against a real `latchkey-server` process on
 * loopback (started here; `LATCHKEY_SERVER_BIN` names the binary): initialize with a PIN, two
 * questions and a wallet, sign a message (web3j recovers the wallet's address from the
 * signature), change the PIN, three wrong PINs lock it, recover with the answers, the new PIN
 * signs with the same wallet. Plus a rejected signature, errors and the StateFlow layer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScenarioTest {
    private val apiKey = "lk_test_kotlin_bindings_api_key"
    private lateinit var process: Process
    private lateinit var baseUrl: String
    private lateinit var admin: AdminClient
    private lateinit var client: Client

    private fun config(url: String) = ClientConfig(
        baseUrl = url,
        requestTimeoutMs = 5000u,
        connectTimeoutMs = 2000u,
        maxRetries = 2u,
        initialBackoffMs = 20u,
        maxBackoffMs = 200u,
        pollIntervalMs = 20u,
    )

    @BeforeAll
    fun startServer() {
        val bin = System.getenv("LATCHKEY_SERVER_BIN")
            ?: error("LATCHKEY_SERVER_BIN is not set (cargo xtask test-bindings sets it)")
        check(File(bin).isFile) { "LATCHKEY_SERVER_BIN=$bin does not exist" }
        val dir = Files.createTempDirectory("latchkey-kotlin").toFile()
        val pb = ProcessBuilder(
            bin, "--listen", "127.0.0.1:0",
            "--database-url", "sqlite://${dir.absolutePath}/latchkey.db",
            "--data-dir", dir.absolutePath,
            "--argon2-memory-kib", "1024", "--argon2-iterations", "1",
            // Every request comes from 127.0.0.1: no per-IP/per-user rate limits in tests.
            "--rate-limit-ip-per-sec", "0", "--rate-limit-user-per-sec", "0",
        ).redirectError(File(dir, "server.log"))
        pb.environment()["LATCHKEY_API_KEY"] = apiKey
        process = pb.start()
        val line = process.inputStream.bufferedReader().readLine() ?: ""
        val prefix = "latchkey-server listening on "
        check(line.startsWith(prefix)) { "server did not start: '$line'\n" + File(dir, "server.log").readText() }
        baseUrl = line.removePrefix(prefix).trim()
        admin = AdminClient(config(baseUrl), apiKey)
        client = Client(config(baseUrl))
    }

    @AfterAll
    fun stopServer() {
        admin.close()
        client.close()
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    private data class Account(val userId: String, val token: String, val session: Session)

    private suspend fun newAccount(prefix: String): Account {
        val id = "$prefix-${UUID.randomUUID().toString().take(12)}"
        admin.createUser(id)
        val t = admin.createUserToken(id)
        return Account(id, t.userToken, client.session(t.userToken, t.encryptionKey))
    }

    private suspend fun Account.start(type: ChallengeType): ChallengeFlow {
        // A key the caller keeps: retrying the whole call returns the same challenge.
        val key = admin.newIdempotencyKey()
        val id = admin.createChallenge(token, type, key)
        assertEquals(id, admin.createChallenge(token, type, key))
        return session.start(id)
    }

    private fun answerFor(q: Question) = when {
        q.kind == QuestionKind.DATE -> "1994-07-15"
        q.id == "q01" -> "Rex"
        else -> "Springfield Elm Street"
    }

    private suspend fun initialize(flow: ChallengeFlow, pin: String): Screen {
        flow.submitPin(pin)
        var s = flow.submitPin(pin)
        while (true) {
            s = when (s) {
                is Screen.ChooseQuestion -> flow.chooseQuestion(s.options.first().id)
                is Screen.AnswerQuestion -> flow.answer(answerFor(s.question), "think of home")
                is Screen.Review -> {
                    assertEquals(2, s.entries.size)
                    flow.acknowledge()
                }
                else -> return s
            }
        }
    }

    @Test
    fun fullScenario() = runBlocking {
        val acct = newAccount("kt-story")

        // ---- INITIALIZE with a wallet: insecure PIN and mismatch are screens, then PIN + 2
        // questions; the wallet is created when it completes.
        val chains = listOf(Blockchain.ETH_SEPOLIA)
        acct.session.start(admin.createInitializeWithWallets(acct.token, chains, null, null)).use { flow ->
            assertEquals(chains, flow.blockchains)
            val first = flow.screen.value
            assertTrue(first is Screen.EnterPin && first.purpose == PinPurpose.NEW, "$first")
            val insecure = flow.submitPin("123456")
            assertTrue(insecure is Screen.EnterPin && insecure.error?.kind == InputErrorKind.INSECURE_PIN, "$insecure")
            flow.submitPin("135790")
            val mismatch = flow.submitPin("246801")
            assertTrue(mismatch is Screen.EnterPin && mismatch.error?.kind == InputErrorKind.PIN_MISMATCH, "$mismatch")
            val done = initialize(flow, "135790")
            assertTrue(done is Screen.Done, "$done")
            assertEquals(1, done.result?.walletIds?.size, "$done")
            // The StateFlow reaches the same final screen.
            assertEquals(done, withTimeout(5.seconds) { flow.screen.first { it.isTerminal } })
            assertEquals(ChallengeStatus.COMPLETE, flow.awaitResult().status)
            val e = assertThrows<LatchkeyException.InvalidInput> { runBlocking { flow.submitPin("135790") } }
            assertEquals(155804u, e.code)
        }
        val u = admin.getUser(acct.userId)
        assertEquals(CredentialStatus.ENABLED, u.pinStatus)
        assertEquals(CredentialStatus.ENABLED, u.securityQuestionStatus)
        val wallet = acct.session.wallets().single()
        assertEquals(Blockchain.ETH_SEPOLIA, wallet.blockchain)
        assertEquals(AccountType.EOA, wallet.accountType)
        assertEquals(wallet, acct.session.wallet(wallet.id))

        // ---- SIGN_MESSAGE: review, approve, PIN; the signature recovers the wallet's address.
        val sig = signMessage(acct, wallet, "Hello from Kotlin", "135790")
        assertEquals(wallet.address.lowercase(), signer("Hello from Kotlin", sig))

        // ---- CHANGE_PIN 135790 -> 246801 (canGoBack: not before the current PIN nor after it
        // was verified; yes from the confirmation).
        acct.start(ChallengeType.CHANGE_PIN).use { flow ->
            val e = assertThrows<LatchkeyException.InvalidInput> { runBlocking { flow.acknowledge() } }
            assertEquals(155815u, e.errorCode)
            val any: LatchkeyException = e
            assertEquals(e.detail, any.detail) // the extension reads every variant's field
            assertEquals(6, flow.pinLength)
            assertFalse(flow.canGoBack)
            val s = flow.submitPin("135790")
            assertTrue(s is Screen.EnterPin && s.purpose == PinPurpose.NEW, "$s")
            assertFalse(flow.canGoBack)
            val generic: Screen = s
            assertEquals((s as Screen.EnterPin).progress, generic.progress)
            flow.submitPin("246801")
            assertTrue(flow.canGoBack)
            assertTrue(flow.submitPin("246801") is Screen.Done)
            assertEquals(ChallengeStatus.COMPLETE, flow.awaitResult().status)
        }

        // ---- three wrong PINs -> locked, with an expiry.
        acct.start(ChallengeType.CHANGE_PIN).use { flow ->
            for (left in listOf(2u, 1u)) {
                val s = flow.submitPin("112358")
                assertTrue(s is Screen.EnterPin && s.error?.kind == InputErrorKind.INCORRECT_PIN, "$s")
                assertEquals(left, (s as Screen.EnterPin).attemptsLeft)
            }
            val locked = flow.submitPin("112358")
            assertTrue(locked is Screen.Locked, "$locked")
            locked as Screen.Locked
            assertEquals(155119u, locked.code)
            assertNotNull(locked.lockExpiry)
            val remaining = locked.lockExpiryUnix!! - System.currentTimeMillis() / 1000
            assertTrue(remaining > 60, "lock lasts ${remaining}s")
            assertEquals(LockedCredential.PIN, locked.lockedCredential)
            assertEquals("PIN is locked after too many wrong attempts.", locked.message)
            assertEquals(locked.message, errorDescription(locked.code))
            // A lock that ends by waiting (the lifetime cap is not reached).
            assertFalse(locked.recoveryRequired)
            val c = flow.awaitResult()
            assertEquals(ChallengeStatus.FAILED, c.status)
            assertEquals(155119u, c.errorCode)
        }
        val locked = admin.getUser(acct.userId)
        assertEquals(CredentialStatus.LOCKED, locked.pinStatus)
        assertEquals(3u, locked.pinDetails.failedAttempts)
        assertNotNull(locked.pinDetails.lockedExpiryDate)
        // The device reads the same status with its session (no API key).
        assertEquals(locked, acct.session.user())
        assertEquals(1u, locked.pinDetails.lockLevel)
        assertEquals(3u, locked.pinDetails.failedAttemptsTotal)
        assertFalse(locked.pinDetails.recoveryRequired)

        // ---- RESTORE_PIN with the answers (saved hint shown), new PIN 975310.
        acct.start(ChallengeType.RESTORE_PIN).use { flow ->
            var s = flow.screen.value
            assertTrue(s is Screen.AnswerQuestion && s.savedHint == "think of home" && !s.hintAllowed, "$s")
            while (s is Screen.AnswerQuestion) s = flow.answer(answerFor(s.question))
            assertTrue(s is Screen.EnterPin && s.purpose == PinPurpose.NEW, "$s")
            flow.submitPin("975310")
            assertTrue(flow.submitPin("975310") is Screen.Done)
            assertEquals(ChallengeStatus.COMPLETE, flow.awaitResult().status)
        }
        val restored = admin.getUser(acct.userId)
        assertEquals(CredentialStatus.ENABLED, restored.pinStatus)
        assertEquals(0u, restored.pinDetails.failedAttempts)

        // ---- the new PIN signs with the same wallet; the old one is refused.
        val cid = admin.createSignMessage(acct.token, wallet.id, "Send 5 USDC", false, "memo", null)
        acct.session.start(cid).use { flow ->
            val review = flow.screen.value.signatureReview
            assertNotNull(review, "${flow.screen.value}")
            review!!
            assertEquals(wallet.address, review.wallet.address)
            assertEquals("memo", review.memo)
            val details = review.details
            assertTrue(details is SignatureDetails.Message && details.text == "Send 5 USDC", "$details")
            flow.approve()
            val old = flow.submitPin("246801")
            assertTrue(old is Screen.EnterPin && old.error?.kind == InputErrorKind.INCORRECT_PIN && old.attemptsLeft == 2u, "$old")
            val done = flow.submitPin("975310")
            val signature = done.result?.signature
            assertNotNull(signature, "$done")
            assertEquals(wallet.address.lowercase(), signer("Send 5 USDC", signature!!))
            val c = flow.awaitResult()
            assertEquals(ChallengeStatus.COMPLETE, c.status)
            assertEquals(signature, c.result?.signature)
        }
        assertTrue(acct.session.pendingChallenges().isEmpty())
        assertEquals(6, acct.session.challenges().size)
    }

    private suspend fun signMessage(acct: Account, wallet: Wallet, text: String, pin: String): String {
        acct.session.start(admin.createSignMessage(acct.token, wallet.id, text, false, null, null)).use { flow ->
            val s = flow.screen.value
            assertTrue(s is Screen.ReviewSignature && (s.review.details as? SignatureDetails.Message)?.text == text, "$s")
            val pinScreen = flow.approve()
            assertTrue(pinScreen is Screen.EnterPin && pinScreen.purpose == PinPurpose.CURRENT, "$pinScreen")
            val done = flow.submitPin(pin)
            return done.result?.signature ?: error("no signature: $done")
        }
    }

    /** The EIP-191 signer of [text] (web3j, independent of the server), lowercase `0x` address. */
    private fun signer(text: String, signature: String): String {
        val b = Numeric.hexStringToByteArray(signature)
        assertEquals(65, b.size)
        val data = Sign.SignatureData(b[64], b.copyOfRange(0, 32), b.copyOfRange(32, 64))
        val key = Sign.signedPrefixedMessageToKey(text.toByteArray(Charsets.UTF_8), data)
        return "0x" + Keys.getAddress(key)
    }

    /**
     * Shows the code (SET_RECOVERY_CODE after [pin], or the end of an INITIALIZE with a code),
     * refuses groups that were not asked for, goes back, then retypes the right ones. Returns the
     * groups the user "wrote down". Never prints the ShowRecoveryCode screen (it holds the code).
     */
    private suspend fun setUpRecoveryCode(flow: ChallengeFlow, pin: String?): List<String> {
        // The run's own screen (the StateFlow is fed by the listener and may lag a call's reply).
        var s = flow.run.screen()
        if (pin != null) {
            assertTrue(s is Screen.EnterPin && s.purpose == PinPurpose.CURRENT, "$s")
            s = flow.submitPin(pin)
        }
        val groups = s.recoveryCodeGroups
        assertNotNull(groups, "expected ShowRecoveryCode, got ${s::class.simpleName}")
        groups!!
        assertEquals(7, groups.size)
        assertTrue(groups.all { it.length == 5 })
        assertTrue((s as Screen.ShowRecoveryCode).warning.contains("Nobody"))
        assertNull(s.message)
        val confirm = flow.codeWrittenDown()
        assertTrue(confirm is Screen.ConfirmRecoveryCode, "$confirm")
        val asked = (confirm as Screen.ConfirmRecoveryCode).groups.map { it.toInt() }
        assertEquals(2, asked.size)
        assertTrue(flow.canGoBack)
        val others = (1..7).filter { it !in asked }.take(2)
        val wrong = flow.enterRecoveryCode(others.joinToString(" ") { groups[it - 1] })
        assertTrue(wrong is Screen.ConfirmRecoveryCode && wrong.error?.kind == InputErrorKind.RECOVERY_CODE_MISMATCH, "$wrong")
        assertEquals(155869u, (wrong as Screen.ConfirmRecoveryCode).error?.code)
        assertEquals(groups, flow.back().recoveryCodeGroups)
        val again = flow.codeWrittenDown() as Screen.ConfirmRecoveryCode
        val done = flow.enterRecoveryCode(again.groups.joinToString("-") { groups[it.toInt() - 1].lowercase() })
        assertTrue(done is Screen.Done, "$done")
        assertEquals(ChallengeStatus.COMPLETE, flow.awaitResult().status)
        return groups
    }

    /**
     * Recovery codes: SET_RECOVERY_CODE, then the PIN recovered with the code (RESTORE_PIN by
     * code): a typo is caught on the device, the new PIN works and the old one does not, older
     * tokens are revoked, the code is burnt and a new one set up; INITIALIZE can set one up too.
     */
    @Test
    fun recoveryCodeSetUpAndRecover() = runBlocking {
        val acct = newAccount("kt-rcode")
        acct.session.start(admin.createInitializeWithWallets(acct.token, listOf(Blockchain.ETH_SEPOLIA), null, null)).use { flow ->
            assertTrue(initialize(flow, "135790") is Screen.Done)
        }
        val wallet = acct.session.wallets().single()
        assertEquals(CredentialStatus.UNSET, acct.session.user().recoveryCodeStatus)
        val none = assertThrows<LatchkeyException.Server> {
            runBlocking { admin.createRestorePinWithCode(acct.token, null) }
        }
        assertEquals(155860u, none.code)

        // ---- set up
        val groups = acct.start(ChallengeType.SET_RECOVERY_CODE).use { flow ->
            assertEquals(ChallengeType.SET_RECOVERY_CODE, flow.challengeType)
            setUpRecoveryCode(flow, "135790")
        }
        assertEquals(CredentialStatus.ENABLED, acct.session.user().recoveryCodeStatus)
        // Another device's session, opened before the recovery.
        val otherToken = admin.createUserToken(acct.userId)
        val other = client.session(otherToken.userToken, otherToken.encryptionKey)
        assertEquals(acct.userId, other.user().id)

        // ---- recover
        val key = admin.newIdempotencyKey()
        val cid = admin.createRestorePinWithCode(acct.token, key)
        assertEquals(cid, admin.createRestorePinWithCode(acct.token, key))
        acct.session.start(cid).use { flow ->
            assertEquals(ChallengeType.RESTORE_PIN, flow.challengeType)
            val s = flow.screen.value
            assertTrue(s is Screen.EnterRecoveryCode && s.groups == 7u && s.groupLength == 5u && s.attemptsLeft == 3u, "$s")
            assertFalse(flow.canGoBack)
            // A typo in group 2 names the group; nothing is sent or counted.
            val alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
            val g2 = groups[1]
            val swapped = "${alphabet[(alphabet.indexOf(g2[0]) + 1) % alphabet.length]}" + g2.substring(1)
            val typo = flow.enterRecoveryCode((listOf(groups[0], swapped) + groups.drop(2)).joinToString("-"))
            assertTrue(typo is Screen.EnterRecoveryCode && typo.error?.kind == InputErrorKind.RECOVERY_CODE_TYPO, "$typo")
            typo as Screen.EnterRecoveryCode
            assertEquals(155864u, typo.error?.code)
            assertEquals(2u, typo.error?.group)
            assertEquals(3u, typo.attemptsLeft)
            val newPin = flow.enterRecoveryCode(groups.joinToString(" "))
            assertTrue(newPin is Screen.EnterPin && newPin.purpose == PinPurpose.NEW, "$newPin")
            flow.submitPin("975310")
            assertTrue(flow.submitPin("975310") is Screen.Done)
            assertEquals(ChallengeStatus.COMPLETE, flow.awaitResult().status)
        }
        // Older tokens revoked; this session goes on; the code is burnt (set up a new one).
        assertThrows<LatchkeyException.SessionExpired> { runBlocking { other.user() } }
        val after = acct.session.user()
        assertEquals(CredentialStatus.ENABLED, after.pinStatus)
        assertEquals(CredentialStatus.UNSET, after.recoveryCodeStatus)
        // The new PIN signs; the old one is refused.
        acct.session.start(admin.createSignMessage(acct.token, wallet.id, "after recovery", false, null, null)).use { flow ->
            flow.approve()
            val old = flow.submitPin("135790")
            assertTrue(old is Screen.EnterPin && old.error?.kind == InputErrorKind.INCORRECT_PIN, "$old")
            val signature = flow.submitPin("975310").result?.signature
            assertEquals(wallet.address.lowercase(), signer("after recovery", signature!!))
        }
        val newGroups = acct.start(ChallengeType.SET_RECOVERY_CODE).use { setUpRecoveryCode(it, "975310") }
        assertTrue(newGroups != groups)
        assertEquals(CredentialStatus.ENABLED, acct.session.user().recoveryCodeStatus)

        // ---- INITIALIZE that sets up a code as its last steps.
        val fresh = newAccount("kt-rcode-init")
        fresh.session.start(admin.createInitializeWithRecoveryCode(fresh.token, emptyList(), null, null)).use { flow ->
            val show = initialize(flow, "135790")
            assertTrue(show is Screen.ShowRecoveryCode, "expected ShowRecoveryCode, got ${show::class.simpleName}")
            assertEquals(Progress(8u, 9u), show.progress)
            setUpRecoveryCode(flow, null)
        }
        val u = admin.getUser(fresh.userId)
        assertEquals(CredentialStatus.ENABLED, u.pinStatus)
        assertEquals(CredentialStatus.ENABLED, u.recoveryCodeStatus)
    }

    @Test
    fun rejectedSignatureSignsNothing() = runBlocking {
        val acct = newAccount("kt-reject")
        acct.session.start(admin.createInitializeWithWallets(acct.token, listOf(Blockchain.EVM_TESTNET), null, null)).use { flow ->
            assertTrue(initialize(flow, "135790") is Screen.Done)
        }
        val wallet = acct.session.wallets().single()
        acct.session.start(admin.createSignMessage(acct.token, wallet.id, "Approve everything", false, null, null)).use { flow ->
            assertTrue(flow.screen.value is Screen.ReviewSignature)
            // Back from the PIN returns to the review; then reject.
            assertTrue(flow.approve() is Screen.EnterPin)
            assertTrue(flow.back() is Screen.ReviewSignature)
            val s = flow.reject()
            assertTrue(s is Screen.Failed && s.code == 155826u, "$s")
            val c = flow.awaitResult()
            assertEquals(ChallengeStatus.FAILED, c.status)
            assertEquals(155826u, c.errorCode)
            assertEquals(null, c.result)
        }
        val e = assertThrows<LatchkeyException.Server> {
            runBlocking { acct.session.wallet("00000000-0000-4000-8000-000000000000") }
        }
        assertEquals(155819u, e.code)
    }

    @Test
    fun errorsTellTheCallerWhatToDo() = runBlocking {
        val e = assertThrows<LatchkeyException.InvalidKey> { client.session("some-token", "not-a-key") }
        assertEquals(155118u, e.code)
        assertTrue(e.detail.isNotEmpty())
        val bad = assertThrows<LatchkeyException.InvalidInput> { Client(ClientConfig(baseUrl = "ftp://nope")) }
        assertEquals(155801u, bad.code)
        val acct = newAccount("kt-errors")
        val missing = assertThrows<LatchkeyException.Server> {
            runBlocking { acct.session.runChallenge("00000000-0000-4000-8000-000000000000") }
        }
        assertEquals(155116u, missing.code)
        acct.start(ChallengeType.INITIALIZE).use { flow ->
            assertThrows<LatchkeyException.InvalidInput> { runBlocking { flow.back() } }
            assertTrue(flow.cancel() is Screen.Cancelled)
            val c = flow.awaitResult()
            assertEquals(ChallengeStatus.FAILED, c.status)
            assertEquals(155701u, c.errorCode)
        }
    }

    @Test
    fun listenerHandleStopsPushes() = runBlocking {
        val acct = newAccount("kt-listen")
        acct.start(ChallengeType.INITIALIZE).use { flow ->
            val seen = java.util.Collections.synchronizedList(mutableListOf<Screen>())
            val handle = flow.run.subscribe(object : ScreenListener {
                override fun onScreen(screen: Screen) { seen.add(screen) }
            })
            withTimeout(5.seconds) { while (seen.isEmpty()) kotlinx.coroutines.delay(10) }
            assertTrue(seen[0] is Screen.EnterPin, "current screen first: $seen")
            assertTrue(handle.isActive())
            handle.cancel()
            assertFalse(handle.isActive())
            flow.submitPin("123456")
            kotlinx.coroutines.delay(100)
            assertEquals(1, seen.size, "$seen")
            handle.close()
            // The flow's own StateFlow kept going.
            val s = withTimeout(5.seconds) { flow.screen.first { it is Screen.EnterPin && it.error != null } }
            assertEquals(InputErrorKind.INSECURE_PIN, (s as Screen.EnterPin).error?.kind)
        }
    }

    @Test
    fun namespaceFunctions() {
        noop()
        runBlocking { noopAsync() } // completes on its first poll, returns nothing
        assertEquals("0.1.0", sdkVersion())
        val cfg = ClientConfig(baseUrl = "http://127.0.0.1:1")
        assertEquals(15000u, cfg.requestTimeoutMs)
        Client(cfg).use { assertEquals(cfg, it.config()) }
        assertEquals(6u, pinLength())
        assertEquals("The PIN is incorrect.", errorDescription(155112u))
        assertEquals("A calendar date as YYYY-MM-DD, e.g. 1994-07-15.", answerHint(QuestionKind.DATE))
        assertTrue(answerHint(QuestionKind.TEXT).startsWith("Upper/lower case and extra spaces do not matter"))
        assertEquals("ETH-SEPOLIA", Blockchain.ETH_SEPOLIA.id)
        assertEquals("Arbitrum One", Blockchain.ARB.displayName)
        val cancelled = Screen.Cancelled(Progress(1u, 2u))
        assertEquals(Progress(1u, 2u), cancelled.progress)
        assertEquals("Cancelled by the user.", cancelled.message)
        assertNull(cancelled.lockedCredential)
    }

    /**
     * The app's cloud adapter, written in Kotlin: one file per entry in [dir] (the layout of
     * `directoryStorage`). [fail] holds the calls that throw next ("put", "get", "remove"), each
     * once: a cloud that is full, offline or signed out.
     */
    private class DirectoryCloud(val dir: File) : CloudStorage {
        val fail = java.util.Collections.synchronizedList(mutableListOf<String>())
        val calls = java.util.Collections.synchronizedList(mutableListOf<String>())

        private fun maybeFail(op: String) {
            calls.add(op)
            if (fail.remove(op)) throw CloudStorageException.Failed("injected: $op failed (quota exceeded)")
        }

        override suspend fun put(name: String, data: ByteArray) {
            maybeFail("put")
            kotlinx.coroutines.yield() // a real adapter suspends on its cloud here
            dir.mkdirs()
            val tmp = File(dir, ".$name.tmp")
            tmp.writeBytes(data)
            Files.move(tmp.toPath(), File(dir, name).toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE)
        }

        override suspend fun get(name: String): ByteArray? {
            maybeFail("get")
            val f = File(dir, name)
            return if (f.exists()) f.readBytes() else null
        }

        override suspend fun remove(name: String) {
            maybeFail("remove")
            File(dir, name).delete()
        }

        fun entries(): List<String> = (dir.list() ?: emptyArray()).filter { !it.startsWith(".") }.sorted()
    }

    /** SET_CLOUD_BACKUP after [pin]: Done, or (an injected failure) CloudStorageFailed, then cancelled. */
    private suspend fun setUpCloudBackup(acct: Account, storage: CloudStorage, pin: String): Screen {
        val id = admin.createChallenge(acct.token, ChallengeType.SET_CLOUD_BACKUP, admin.newIdempotencyKey())
        acct.session.startWithStorage(id, storage).use { flow ->
            assertEquals(ChallengeType.SET_CLOUD_BACKUP, flow.challengeType)
            val first = flow.screen.value
            assertTrue(first is Screen.EnterPin && first.purpose == PinPurpose.CURRENT, "$first")
            // One submit drives the whole set-up: register, write, read back, acknowledge, clean up.
            val s = flow.submitPin(pin)
            if (s is Screen.CloudStorageFailed) {
                assertEquals(155875u, s.code)
                assertEquals(errorDescription(155875u), s.message)
                assertEquals(s.progress, screenProgress(s))
                assertNull(s.lockedCredential)
                assertTrue(flow.cancel() is Screen.Cancelled)
                return s
            }
            assertTrue(s is Screen.Done, "$s")
            assertEquals(ChallengeStatus.COMPLETE, flow.awaitResult(5.seconds).status)
            return s
        }
    }

    private suspend fun recoverWithBackup(acct: Account, storage: CloudStorage, newPin: String) {
        acct.session.startWithStorage(admin.createRestorePinWithBackup(acct.token, null), storage).use { flow ->
            assertEquals(ChallengeType.RESTORE_PIN, flow.challengeType)
            val s = flow.screen.value
            assertTrue(s is Screen.StartCloudRestore && s.error == null, "$s")
            val pinScreen = flow.acknowledge()
            assertTrue(pinScreen is Screen.EnterPin && pinScreen.purpose == PinPurpose.NEW, "$pinScreen")
            flow.submitPin(newPin)
            assertTrue(flow.submitPin(newPin) is Screen.Done)
            assertEquals(ChallengeStatus.COMPLETE, flow.awaitResult(5.seconds).status)
        }
    }

    @Test
    fun cloudBackupWithAKotlinAdapter() = runBlocking {
        val acct = newAccount("kt-cloud")
        acct.session.start(admin.createInitializeWithWallets(acct.token, listOf(Blockchain.ETH_SEPOLIA), null, null)).use { flow ->
            assertTrue(initialize(flow, "135790") is Screen.Done)
        }
        val wallet = acct.session.wallets().single()
        assertEquals(CredentialStatus.UNSET, acct.session.user().cloudBackupStatus)
        val none = assertThrows<LatchkeyException.Server> {
            runBlocking { admin.createRestorePinWithBackup(acct.token, null) }
        }
        assertEquals(155871u, none.code)

        val cloud = DirectoryCloud(Files.createTempDirectory("latchkey-kotlin-cloud").toFile())
        assertTrue(setUpCloudBackup(acct, cloud, "135790") is Screen.Done)
        assertEquals(listOf("put", "get"), cloud.calls.take(2))
        assertEquals(CredentialStatus.ENABLED, acct.session.user().cloudBackupStatus)
        val first = cloud.entries()
        assertTrue(first.size == 1 && first[0].endsWith("-v1"), "$first")

        // ---- failures mid-set-up (the write, then the read-back), each cancelled: the backup
        // the user had stays the only entry and stays usable.
        for (op in listOf("put", "get")) {
            cloud.fail.add(op)
            val s = setUpCloudBackup(acct, cloud, "135790")
            assertTrue(s is Screen.CloudStorageFailed, "$s")
            assertEquals("injected: $op failed (quota exceeded)", s.cloudFailureReason)
            assertEquals(first, cloud.entries(), op)
        }
        assertEquals(CredentialStatus.ENABLED, acct.session.user().cloudBackupStatus)

        // ---- recover with it: the new PIN signs.
        recoverWithBackup(acct, cloud, "246801")
        assertEquals(wallet.address.lowercase(), signer("after cloud recovery", signMessage(acct, wallet, "after cloud recovery", "246801")))

        // ---- a failed write, retried from the screen, completes and replaces the backup.
        cloud.fail.add("put")
        val id = admin.createChallenge(acct.token, ChallengeType.SET_CLOUD_BACKUP, admin.newIdempotencyKey())
        acct.session.startWithStorage(id, cloud).use { flow ->
            val failed = flow.submitPin("246801")
            assertTrue(failed is Screen.CloudStorageFailed && failed.code == 155875u, "$failed")
            assertTrue(flow.retry() is Screen.Done)
        }
        val second = cloud.entries()
        assertTrue(second.size == 1 && second != first, "$second")

        // ---- the SDK's own directory adapter reads what the Kotlin one wrote.
        recoverWithBackup(acct, directoryStorage(cloud.dir.absolutePath), "975310")
        assertEquals(wallet.address.lowercase(), signer("rust adapter", signMessage(acct, wallet, "rust adapter", "975310")))
    }
}
