// FFI call cost from Kotlin/JVM: ChallengeRun.submit of an input refused locally (an insecure
// PIN on the new-PIN screen; checked and refused in Rust, nothing sealed or sent) versus the
// no-op exported function noop(), in the same library. A warmed loop timed with
// System.nanoTime (best of 5 repeats). Args: BASE_URL USER_TOKEN ENCRYPTION_KEY CHALLENGE_ID
// [PREFIX] (a SET_PIN challenge made over plain HTTP by ../setup.py: the measured library is
// the device build, without AdminClient). Prints `<PREFIX>_kotlin_*_ns=` (default `ffi`).
import dev.latchkey.Client
import dev.latchkey.ClientConfig
import dev.latchkey.Input
import dev.latchkey.Screen
import dev.latchkey.noop
import kotlinx.coroutines.runBlocking

fun main(args: Array<String>) = runBlocking {
    val prefix = args.getOrElse(4) { "ffi" }
    val client = Client(ClientConfig(baseUrl = args[0]))
    val session = client.session(args[1], args[2])
    val run = session.runChallenge(args[3])
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
    println("${prefix}_kotlin_noop_ns=%.1f".format(noopNs))
    println("${prefix}_kotlin_submit_ns=%.1f".format(submitNs))
    println("${prefix}_kotlin_screen_ns=%.1f".format(screenNs))
}
