// FFI call cost from Kotlin/JVM: ChallengeRun.submit of an input refused locally (an insecure
// PIN on the new-PIN screen; checked and refused in Rust, nothing sealed or sent) versus the
// no-op exported function noop(), in the same library. A warmed loop timed with
// System.nanoTime (best of 5 repeats). Args: BASE_URL API_KEY.
import dev.latchkey.AdminClient
import dev.latchkey.ChallengeType
import dev.latchkey.Client
import dev.latchkey.ClientConfig
import dev.latchkey.Input
import dev.latchkey.Screen
import dev.latchkey.noop
import kotlinx.coroutines.runBlocking
import java.util.UUID

fun main(args: Array<String>) = runBlocking {
    val config = ClientConfig(baseUrl = args[0])
    val admin = AdminClient(config, args[1])
    val client = Client(config)
    val userId = "bench-ffi-" + UUID.randomUUID().toString().take(10)
    admin.createUser(userId)
    val tok = admin.createUserToken(userId)
    val session = client.session(tok.userToken, tok.encryptionKey)
    val cid = admin.createChallenge(tok.userToken, ChallengeType.SET_PIN, null)
    val run = session.runChallenge(cid)
    val bad = Input.Pin("123456") // sequential digits: refused by the PIN rules
    val first = run.submit(bad)
    check(first is Screen.EnterPin && first.error != null) { "expected a refused PIN, got $first" }

    val nNoop = 200_000
    val nSubmit = 50_000
    fun timeNoop(n: Int): Double {
        val t = System.nanoTime()
        repeat(n) { noop() }
        return (System.nanoTime() - t).toDouble() / n
    }
    suspend fun timeSubmit(n: Int): Double {
        val t = System.nanoTime()
        repeat(n) { run.submit(bad) }
        return (System.nanoTime() - t).toDouble() / n
    }
    fun timeScreen(n: Int): Double {
        val t = System.nanoTime()
        repeat(n) { run.screen() }
        return (System.nanoTime() - t).toDouble() / n
    }
    // Warm-up: JIT, JNA and the Rust runtime's threads.
    timeNoop(nNoop)
    timeSubmit(nSubmit / 5)
    timeScreen(nSubmit)
    val noopNs = (1..5).minOf { timeNoop(nNoop) }
    val submitNs = (1..5).minOf { timeSubmit(nSubmit) }
    val screenNs = (1..5).minOf { timeScreen(nSubmit) }
    println("ffi_kotlin_noop_ns=%.1f".format(noopNs))
    println("ffi_kotlin_submit_ns=%.1f".format(submitNs))
    println("ffi_kotlin_screen_ns=%.1f".format(screenNs))
}
