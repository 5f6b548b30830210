// FFI call cost from Kotlin/JVM, two modes.
//
// Default: ChallengeRun.submit of an input refused locally (an insecure PIN on the new-PIN
// screen; checked and refused in Rust, nothing sealed or sent) versus the no-op exported
// function noop(), in the same library, with the two floors beside it: noopAsync() (uniffi's
// async protocol alone, no result) and the synchronous ChallengeRun.screen() (lifting the same
// Screen, no future); sdkVersion() (a synchronous call returning a short string) is the floor
// of any call that returns a buffer. A warmed loop timed with System.nanoTime, the measurements interleaved
// per repeat, best of 5. Args: BASE_URL USER_TOKEN ENCRYPTION_KEY CHALLENGE_ID [PREFIX] (a
// SET_PIN challenge made over plain HTTP by ../setup.py: the measured library is the device
// build, without AdminClient). Prints `<PREFIX>_kotlin_*_ns=` (default `ffi`).
//
// `net BASE_URL FILE [PREFIX] [WARM]`: the SDK's overhead on a step that goes to the server.
// FILE has one `USER_TOKEN ENCRYPTION_KEY CHALLENGE_ID` line per fresh SET_PIN challenge
// (`latchkey-bench net-setup`); for each, runChallenge and the new PIN are untimed, then
// `submit(confirmation)` (sealed, sent, Argon2id on the server, Screen.Done) is timed. The
// first WARM (20) steps are not counted. Prints `<PREFIX>_kotlin_{p50,mean}_us=` (default
// `net`), to compare with `latchkey-bench net-step --mode bare` on the same kind of lines.
import dev.latchkey.Client
import dev.latchkey.ClientConfig
import dev.latchkey.Input
import dev.latchkey.Screen
import dev.latchkey.noop
import dev.latchkey.noopAsync
import dev.latchkey.sdkVersion
import java.io.File
import kotlinx.coroutines.runBlocking

fun main(args: Array<String>) {
    if (args.firstOrNull() == "net") netStep(args) else callCost(args)
}

fun callCost(args: Array<String>) = runBlocking {
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
    suspend fun timeNoopAsync(n: Int): Double {
        val t = System.nanoTime()
        repeat(n) { noopAsync() }
        return (System.nanoTime() - t).toDouble() / n
    }
    suspend fun timeSubmit(n: Int): Double {
        val t = System.nanoTime()
        repeat(n) { run.submit(bad) }
        return (System.nanoTime() - t).toDouble() / n
    }
    fun timeSdkVersion(n: Int): Double {
        val t = System.nanoTime()
        repeat(n) { sdkVersion() }
        return (System.nanoTime() - t).toDouble() / n
    }
    fun timeScreen(n: Int): Double {
        val t = System.nanoTime()
        repeat(n) { run.screen() }
        return (System.nanoTime() - t).toDouble() / n
    }
    // Warm-up: JIT, JNA and the Rust runtime's threads.
    timeNoop(nNoop)
    timeNoopAsync(nSubmit / 5)
    timeSubmit(nSubmit / 5)
    timeScreen(nSubmit)
    timeSdkVersion(nSubmit)
    val best = sortedMapOf<String, Double>()
    fun keep(name: String, ns: Double) { best[name] = minOf(ns, best[name] ?: ns) }
    repeat(5) {
        keep("noop", timeNoop(nNoop))
        keep("noop_async", timeNoopAsync(nSubmit))
        keep("sdk_version", timeSdkVersion(nSubmit))
        keep("screen", timeScreen(nSubmit))
        keep("submit", timeSubmit(nSubmit))
    }
    for (name in listOf("noop", "noop_async", "sdk_version", "screen", "submit")) {
        println("${prefix}_kotlin_${name}_ns=%.1f".format(best[name]))
    }
}

fun netStep(args: Array<String>) = runBlocking {
    val base = args[1]
    val lines = File(args[2]).readLines().filter { it.isNotBlank() }
    val prefix = args.getOrElse(3) { "net" }
    val warm = args.getOrElse(4) { "20" }.toInt()
    val pin = "246801"
    val client = Client(ClientConfig(baseUrl = base))
    val times = ArrayList<Double>()
    lines.forEachIndexed { i, line ->
        val (token, key, id) = line.trim().split(" ")
        client.session(token, key).use { session ->
            session.runChallenge(id).use { run ->
                run.submit(Input.Pin(pin))
                val t = System.nanoTime()
                val s = run.submit(Input.Pin(pin))
                val us = (System.nanoTime() - t) / 1000.0
                check(s is Screen.Done) { "expected Done, got $s" }
                if (i >= warm) times.add(us)
            }
        }
    }
    times.sort()
    println("${prefix}_kotlin_p50_us=%.1f".format(times[times.size / 2]))
    println("${prefix}_kotlin_mean_us=%.1f".format(times.average()))
    println("${prefix}_kotlin_n=${times.size}")
}
