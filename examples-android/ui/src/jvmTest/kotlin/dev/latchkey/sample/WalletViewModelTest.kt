package dev.latchkey.sample

import dev.latchkey.Blockchain
import dev.latchkey.CredentialStatus
import dev.latchkey.Input
import dev.latchkey.InputErrorKind
import dev.latchkey.LockedCredential
import dev.latchkey.PinPurpose
import dev.latchkey.QuestionKind
import dev.latchkey.Screen
import dev.latchkey.SignatureDetails
import dev.latchkey.lockedCredential
import dev.latchkey.sample.backend.BackendSettings
import java.util.UUID
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * The sample's view model driven the way its buttons drive it, through the real liblatchkey.so
 * against a real server: set up PIN + questions + a wallet, sign a message (review, approve, PIN),
 * reject one, change PIN, three wrong PINs lock it, recover with the answers, sign in again and
 * sign with the new PIN and the same address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalletViewModelTest {
    private lateinit var server: TestServer
    private lateinit var scope: CoroutineScope
    private lateinit var vm: WalletViewModel

    @BeforeAll
    fun startServer() {
        server = TestServer()
    }

    @AfterAll
    fun stopServer() = server.close()

    @BeforeEach
    fun newViewModel() {
        scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        vm = WalletViewModel(scope, clientConfig = { server.config(it) })
    }

    @AfterEach
    fun closeViewModel() {
        vm.close()
        scope.cancel()
    }

    private fun settings(prefix: String) =
        BackendSettings(serverUrl = server.baseUrl, apiKey = server.apiKey, userId = "$prefix-${UUID.randomUUID().toString().take(12)}")

    /** Waits until the challenge shows a screen matching [pred] with no call in flight. */
    private suspend fun awaitScreen(what: String, pred: (Screen) -> Boolean): Screen =
        try {
            withTimeout(10.seconds) {
                vm.state.first { s -> s.challenge?.let { !it.busy && pred(it.screen) } == true }.challenge!!.screen
            }
        } catch (e: Exception) {
            throw AssertionError("waiting for $what; state is ${vm.state.value}", e)
        }

    private suspend fun pin(p: String) = vm.submit(Input.Pin(p)).join()

    private fun answerFor(screen: Screen.AnswerQuestion) = when {
        screen.question.kind == QuestionKind.DATE -> "1994-07-15"
        else -> "  Springfield   ELM street " // the SDK normalises case and spaces
    }

    private suspend fun closeToHome() {
        vm.closeChallenge()?.join()
        assertNull(vm.state.value.challenge)
    }

    @Test
    fun wholeStory() = runBlocking {
        vm.editSettings(settings("android-story"))
        vm.signIn().join()
        assertNull(vm.state.value.error, "${vm.state.value.error}")
        var account = checkNotNull(vm.state.value.account)
        assertEquals(CredentialStatus.UNSET, account.pinStatus)
        assertEquals(CredentialStatus.UNSET, account.securityQuestionStatus)

        // ---- set up: insecure PIN, mismatch, back, then PIN + two questions + review.
        vm.start(WalletAction.SET_UP).join()
        awaitScreen("new PIN") { it is Screen.EnterPin && it.purpose == PinPurpose.NEW && it.error == null }
        pin("123456")
        awaitScreen("insecure PIN") { it is Screen.EnterPin && it.error?.kind == InputErrorKind.INSECURE_PIN }
        pin("135790")
        awaitScreen("confirm") { it is Screen.EnterPin && it.purpose == PinPurpose.CONFIRM }
        vm.back().join()
        awaitScreen("back to new PIN") { it is Screen.EnterPin && it.purpose == PinPurpose.NEW }
        pin("135790")
        pin("246801")
        awaitScreen("mismatch") { it is Screen.EnterPin && it.error?.kind == InputErrorKind.PIN_MISMATCH }
        pin("135790")
        pin("135790")
        var s = awaitScreen("first question") { it is Screen.ChooseQuestion }
        while (s !is Screen.Review) {
            val prev = s
            when (s) {
                is Screen.ChooseQuestion -> vm.submit(Input.ChooseQuestion(s.options.first().id)).join()
                is Screen.AnswerQuestion -> {
                    assertTrue(s.hintAllowed)
                    vm.submit(Input.Answer(answerFor(s), "think of home")).join()
                }
                else -> error("unexpected $s")
            }
            s = awaitScreen("question or review") {
                it != prev && (it is Screen.ChooseQuestion || it is Screen.AnswerQuestion || it is Screen.Review)
            }
        }
        assertEquals(2, s.entries.size)
        vm.submit(Input.Acknowledge).join()
        val setUp = awaitScreen("done") { it is Screen.Done } as Screen.Done
        val walletIds = checkNotNull(setUp.result) { "set-up produced no result" }.walletIds
        assertEquals(1, walletIds.size, "one wallet (ETH-SEPOLIA): $walletIds")
        closeToHome()
        account = vm.state.value.account!!
        assertEquals(CredentialStatus.ENABLED, account.pinStatus)
        assertEquals(CredentialStatus.ENABLED, account.securityQuestionStatus)
        // ---- the home shows the wallet (Session.wallets()).
        val wallet = vm.state.value.wallets.single()
        assertEquals(walletIds.single(), wallet.id)
        assertEquals(Blockchain.ETH_SEPOLIA, wallet.blockchain)
        assertTrue(Regex("0x[0-9a-fA-F]{40}").matches(wallet.address), wallet.address)

        // ---- sign a message: the SDK's review names the wallet and the text; approve, PIN, signature.
        signMessage("Hello from the story", wallet.address, "135790")

        // ---- one rejection: nothing signed, the run fails with 155826, the PIN is untouched.
        vm.start(WalletAction.SIGN_MESSAGE, "Send everything to 0xdead").join()
        awaitScreen("review to reject") { it is Screen.ReviewSignature }
        vm.submit(Input.Reject).join()
        val rejected = awaitScreen("rejected") { it is Screen.Failed } as Screen.Failed
        assertEquals(155826u, rejected.code)
        closeToHome()
        assertEquals(0u, vm.state.value.account!!.pinDetails.failedAttempts)

        // ---- change PIN 135790 -> 246801.
        vm.start(WalletAction.CHANGE_PIN).join()
        awaitScreen("current PIN") { it is Screen.EnterPin && it.purpose == PinPurpose.CURRENT }
        pin("135790")
        awaitScreen("new PIN") { it is Screen.EnterPin && it.purpose == PinPurpose.NEW }
        pin("246801")
        pin("246801")
        awaitScreen("done") { it is Screen.Done }
        closeToHome()

        // ---- three wrong PINs: attempts left 2, 1, then locked with a future expiry; the home
        // shows the lock from `Session.user()`.
        vm.start(WalletAction.CHANGE_PIN).join()
        for (left in listOf(2u, 1u)) {
            pin("112358")
            val wrong = awaitScreen("$left left") { it is Screen.EnterPin && it.attemptsLeft == left } as Screen.EnterPin
            assertEquals(InputErrorKind.INCORRECT_PIN, wrong.error?.kind)
        }
        pin("112358")
        val locked = awaitScreen("locked") { it is Screen.Locked } as Screen.Locked
        assertEquals(155119u, locked.code)
        assertEquals(LockedCredential.PIN, locked.lockedCredential)
        assertTrue(locked.lockExpiryUnix!! > System.currentTimeMillis() / 1000 + 60)
        closeToHome()
        account = vm.state.value.account!!
        assertEquals(CredentialStatus.LOCKED, account.pinStatus)
        assertNotNull(account.pinDetails.lockedExpiryDate)

        // ---- forgot PIN: the saved hint, the answers (normalised by the SDK), new PIN 975310.
        vm.start(WalletAction.FORGOT_PIN).join()
        s = awaitScreen("first answer") { it is Screen.AnswerQuestion }
        assertEquals("think of home", (s as Screen.AnswerQuestion).savedHint)
        while (s is Screen.AnswerQuestion) {
            val prev = s
            vm.submit(Input.Answer(answerFor(s), null)).join()
            s = awaitScreen("answer or new PIN") { it is Screen.AnswerQuestion && it != prev || it is Screen.EnterPin }
        }
        assertTrue(s is Screen.EnterPin && s.purpose == PinPurpose.NEW, "$s")
        pin("975310")
        pin("975310")
        awaitScreen("done") { it is Screen.Done }
        closeToHome()
        assertEquals(CredentialStatus.ENABLED, vm.state.value.account!!.pinStatus)
        assertEquals(0u, vm.state.value.account!!.pinDetails.failedAttempts)

        // ---- sign in again (new session) and sign a message: the old PIN is refused, the new one
        // works, with the same wallet and address (RESTORE_PIN keeps the key).
        vm.signOut()
        assertNull(vm.state.value.account)
        vm.signIn().join()
        assertEquals(listOf(wallet.id to wallet.address), vm.state.value.wallets.map { it.id to it.address })
        signMessage("Send 5 USDC", wallet.address, "975310", wrongPinFirst = "246801")
        assertNull(vm.state.value.error, "${vm.state.value.error}")
    }

    /**
     * Signs [message] with the home's wallet: checks the SDK's review (wallet address, the text and
     * its exact bytes, the memo), approves, enters [pin] (after [wrongPinFirst], refused, if given)
     * and returns the signature on the Done screen.
     */
    private suspend fun signMessage(message: String, address: String, pin: String, wrongPinFirst: String? = null): String {
        vm.start(WalletAction.SIGN_MESSAGE, message, memo = "story").join()
        val review = (awaitScreen("review") { it is Screen.ReviewSignature } as Screen.ReviewSignature).review
        assertEquals(address, review.wallet.address)
        assertEquals(Blockchain.ETH_SEPOLIA, review.wallet.blockchain)
        assertEquals("story", review.memo)
        val details = review.details as SignatureDetails.Message
        assertEquals(message, details.text)
        assertEquals("0x" + message.toByteArray().joinToString("") { "%02x".format(it) }, details.hex.lowercase())
        assertEquals(message.toByteArray().size.toULong(), details.byteLength)
        vm.submit(Input.Acknowledge).join()
        awaitScreen("PIN for signing") { it is Screen.EnterPin && it.purpose == PinPurpose.CURRENT }
        if (wrongPinFirst != null) {
            pin(wrongPinFirst)
            awaitScreen("wrong PIN refused") { it is Screen.EnterPin && it.error?.kind == InputErrorKind.INCORRECT_PIN && it.attemptsLeft == 2u }
        }
        pin(pin)
        val done = awaitScreen("signed") { it is Screen.Done } as Screen.Done
        val signature = checkNotNull(done.result?.signature) { "no signature on Done: $done" }
        assertTrue(Regex("0x[0-9a-fA-F]{130}").matches(signature), signature)
        assertTrue(signature.endsWith("1b") || signature.endsWith("1c"), "v is 27 or 28: $signature")
        closeToHome()
        return signature
    }

    @Test
    fun backOnTheFirstScreenAndCancelLeaveTheChallenge() = runBlocking {
        vm.editSettings(settings("android-cancel"))
        vm.signIn().join()
        vm.start(WalletAction.SET_UP).join()
        awaitScreen("new PIN") { it is Screen.EnterPin }
        vm.back().join() // nothing before the first screen: back leaves (cancels) the challenge
        awaitScreen("cancelled") { it is Screen.Cancelled }
        closeToHome()
        vm.start(WalletAction.SET_UP).join()
        awaitScreen("new PIN") { it is Screen.EnterPin }
        vm.cancel().join()
        awaitScreen("cancelled") { it is Screen.Cancelled }
        closeToHome()
        assertEquals(CredentialStatus.UNSET, vm.state.value.account!!.pinStatus)
    }

    @Test
    fun aRefusedCallShowsTheSdkErrorAndCode() = runBlocking {
        vm.editSettings(settings("android-badkey").copy(apiKey = "lk_wrong_key"))
        vm.signIn().join()
        val error = checkNotNull(vm.state.value.error) { "no error banner" }
        assertTrue(error.code in 155000u..155999u, "$error")
        assertTrue(error.text.isNotBlank())
        assertNull(vm.state.value.account)
        assertTrue(!vm.state.value.loading)
    }
}
