package dev.latchkey.sample

import dev.latchkey.ClientConfig
import java.io.Closeable
import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * A real `latchkey-server` process on 127.0.0.1:0 with SQLite in a temp dir (LATCHKEY_SERVER_BIN
 * names the binary; `cargo xtask sample-apps` sets it). Cheap Argon2 settings keep it quick.
 */
class TestServer : Closeable {
    val apiKey = "lk_test_sample_android_api_key"
    private val process: Process
    val baseUrl: String

    init {
        val bin = System.getenv("LATCHKEY_SERVER_BIN")
            ?: error("LATCHKEY_SERVER_BIN is not set (cargo xtask sample-apps sets it)")
        check(File(bin).isFile) { "LATCHKEY_SERVER_BIN=$bin does not exist" }
        val dir = Files.createTempDirectory("latchkey-sample-android").toFile()
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
    }

    /** Short timeouts and retries for loopback. */
    fun config(url: String = baseUrl) = ClientConfig(
        baseUrl = url,
        requestTimeoutMs = 5000u,
        connectTimeoutMs = 2000u,
        maxRetries = 2u,
        initialBackoffMs = 20u,
        maxBackoffMs = 200u,
        pollIntervalMs = 20u,
    )

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}
