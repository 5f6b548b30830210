package dev.latchkey.sample

import dev.latchkey.CredentialStatus
import dev.latchkey.Input
import dev.latchkey.InputErrorKind
import dev.latchkey.PinPurpose
import dev.latchkey.QuestionKind
import dev.latchkey.Screen
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
 * against a real server: set up PIN + questions, change PIN, three wrong PINs lock it, recover
 * with the answers, sign in again and sign a message with the new PIN.
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
        assertEquals(CredentialStatus.UNSET, account.pin.status)
        assertEquals(CredentialStatus.UNSET, account.questions.status)

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
        awaitScreen("done") { it is Screen.Done }
        closeToHome()
        account = vm.state.value.account!!
        assertEquals(CredentialStatus.ENABLED, account.pin.status)
        assertEquals(CredentialStatus.ENABLED, account.questions.status)

        // ---- change PIN 135790 -> 246801.
        vm.start(WalletAction.CHANGE_PIN).join()
        awaitScreen("current PIN") { it is Screen.EnterPin && it.purpose == PinPurpose.CURRENT }
        pin("135790")
        awaitScreen("new PIN") { it is Screen.EnterPin && it.purpose == PinPurpose.NEW }
        pin("246801")
        pin("246801")
        awaitScreen("done") { it is Screen.Done }
        closeToHome()

        // ---- three wrong PINs: attempts left 2, 1, then locked with a future expiry.
        vm.start(WalletAction.CHANGE_PIN).join()
        for (left in listOf(2u, 1u)) {
            pin("112358")
            val wrong = awaitScreen("$left left") { it is Screen.EnterPin && it.attemptsLeft == left } as Screen.EnterPin
            assertEquals(InputErrorKind.INCORRECT_PIN, wrong.error?.kind)
        }
        pin("112358")
        val locked = awaitScreen("locked") { it is Screen.Locked } as Screen.Locked
        assertEquals(155119u, locked.code)
        assertTrue(locked.lockExpiryUnix!! > System.currentTimeMillis() / 1000 + 60)
        closeToHome()
        account = vm.state.value.account!!
        assertEquals(CredentialStatus.LOCKED, account.pin.status)
        assertNotNull(account.pin.lockedUntil)

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
        assertEquals(CredentialStatus.ENABLED, vm.state.value.account!!.pin.status)
        assertEquals(0u, vm.state.value.account!!.pin.failedAttempts)

        // ---- sign in again (new session) and sign a message: the old PIN is refused, the new one works.
        vm.signOut()
        assertNull(vm.state.value.account)
        vm.signIn().join()
        vm.start(WalletAction.SIGN_MESSAGE, "Send 5 USDC").join()
        val msg = awaitScreen("message") { it is Screen.AuthorizeMessage } as Screen.AuthorizeMessage
        assertEquals("Send 5 USDC", msg.message)
        vm.submit(Input.Acknowledge).join()
        awaitScreen("PIN for signing") { it is Screen.EnterPin && it.purpose == PinPurpose.CURRENT }
        pin("246801")
        awaitScreen("old PIN refused") { it is Screen.EnterPin && it.error?.kind == InputErrorKind.INCORRECT_PIN && it.attemptsLeft == 2u }
        pin("975310")
        awaitScreen("signed") { it is Screen.Done }
        closeToHome()
        assertNull(vm.state.value.error, "${vm.state.value.error}")
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
        assertEquals(CredentialStatus.UNSET, vm.state.value.account!!.pin.status)
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
