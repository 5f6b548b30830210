// The full story through the Swift bindings against a real `latchkey-server` process on
// loopback: initialize with a PIN, two questions and a wallet, change the PIN, three wrong PINs lock it,
// recover with the answers, and the new PIN works; a recovery code set up and used. Runs on macOS (`swift test`, with
// LATCHKEY_SERVER_BIN naming the server binary and an XCFramework that has a macOS slice);
// on this Linux machine it is only syntax-checked (tree-sitter-swift).
#if os(macOS)
import Foundation
import Latchkey
import XCTest

enum TestServerError: Error {
    case missingBinary
    case didNotStart(String)
}

/// A reference server process on 127.0.0.1 with SQLite in a temporary directory.
final class TestServer {
    static let apiKey = "lk_test_swift_bindings_api_key"
    let process = Process()
    let baseURL: String

    init() throws {
        guard let bin = ProcessInfo.processInfo.environment["LATCHKEY_SERVER_BIN"] else {
            throw TestServerError.missingBinary
        }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("latchkey-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = [
            "--listen", "127.0.0.1:0",
            "--database-url", "sqlite://\(dir.path)/latchkey.db",
            "--data-dir", dir.path,
            "--argon2-memory-kib", "1024", "--argon2-iterations", "1",
            // Every request comes from 127.0.0.1: no per-IP/per-user rate limits in tests.
            "--rate-limit-ip-per-sec", "0", "--rate-limit-user-per-sec", "0",
        ]
        var env = ProcessInfo.processInfo.environment
        env["LATCHKEY_API_KEY"] = TestServer.apiKey
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty {
                break
            }
            data.append(chunk)
        }
        let line = String(decoding: data, as: UTF8.self)
            .split(separator: "\n").first.map(String.init) ?? ""
        let prefix = "latchkey-server listening on "
        guard line.hasPrefix(prefix) else {
            process.terminate()
            throw TestServerError.didNotStart(line)
        }
        baseURL = String(line.dropFirst(prefix.count))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    func config() -> ClientConfig {
        ClientConfig(
            baseUrl: baseURL, requestTimeoutMs: 5000, connectTimeoutMs: 2000, maxRetries: 2,
            initialBackoffMs: 20, maxBackoffMs: 200, pollIntervalMs: 20, userAgent: nil
        )
    }
}

final class ScenarioTests: XCTestCase {
    private func answer(for question: Question) -> String {
        if question.kind == .date {
            return "1994-07-15"
        }
        return question.id == "q01" ? "Rex" : "Springfield Elm Street"
    }

    private func initialize(_ run: ChallengeRun, pin: String) async throws -> Screen {
        try await run.submitPin(pin)
        var screen = try await run.submitPin(pin)
        while true {
            switch screen {
            case let .chooseQuestion(_, _, options, _):
                screen = try await run.chooseQuestion(options[0].id)
            case let .answerQuestion(_, _, question, _, _, _, _):
                screen = try await run.answer(answer(for: question), hint: "think of home")
            case let .review(_, entries, _):
                XCTAssertEqual(entries.count, 2)
                screen = try await run.acknowledge()
            default:
                return screen
            }
        }
    }

    func testFullScenario() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let admin = try AdminClient(config: server.config(), apiKey: TestServer.apiKey)
        let client = try Client(config: server.config())
        let userId = "swift-\(UUID().uuidString.prefix(12))"
        _ = try await admin.createUser(userId: userId)
        let token = try await admin.createUserToken(userId: userId)
        let session = try client.session(userToken: token.userToken, encryptionKey: token.encryptionKey)

        // INITIALIZE: insecure PIN and mismatch are screens; then PIN + 2 questions.
        var run = try await session.runChallenge(
            challengeId: try await admin.createInitializeWithWallets(
                userToken: token.userToken, blockchains: [.ethSepolia], accountType: nil, idempotencyKey: nil))
        XCTAssertEqual(run.blockchains(), [.ethSepolia])
        var screen = try await run.submitPin("123456")
        XCTAssertEqual(screen.inputError?.kind, .insecurePin)
        try await run.submitPin("135790")
        screen = try await run.submitPin("246801")
        XCTAssertEqual(screen.inputError?.kind, .pinMismatch)
        screen = try await initialize(run, pin: "135790")
        guard case .done = screen else {
            return XCTFail("expected done, got \(screen)")
        }
        let initialized = try await run.result()
        XCTAssertEqual(initialized.status, .complete)
        XCTAssertEqual(initialized.result?.walletIds.count, 1)
        let wallets = try await session.wallets()
        XCTAssertEqual(wallets.count, 1)
        let wallet = wallets[0]
        XCTAssertEqual(wallet.blockchain, .ethSepolia)

        // CHANGE_PIN 135790 -> 246801, with a key the caller keeps: retrying the whole call
        // returns the same challenge.
        let key = admin.newIdempotencyKey()
        let changeId = try await admin.createChallenge(userToken: token.userToken, challengeType: .changePin, idempotencyKey: key)
        let again = try await admin.createChallenge(userToken: token.userToken, challengeType: .changePin, idempotencyKey: key)
        XCTAssertEqual(changeId, again)
        run = try await session.runChallenge(challengeId: changeId)
        XCTAssertEqual(run.pinLength(), 6)
        XCTAssertFalse(run.canGoBack())
        try await run.submitPin("135790")
        try await run.submitPin("246801")
        XCTAssertTrue(run.canGoBack())
        screen = try await run.submitPin("246801")
        XCTAssertTrue(screen.isTerminal)
        XCTAssertFalse(run.canGoBack())
        let changed = try await run.result()
        XCTAssertEqual(changed.status, .complete)

        // Three wrong PINs: locked with an expiry.
        run = try await session.runChallenge(
            challengeId: try await admin.createChallenge(userToken: token.userToken, challengeType: .changePin, idempotencyKey: nil))
        for left in [UInt32(2), UInt32(1)] {
            screen = try await run.submitPin("112358")
            guard case let .enterPin(_, _, error, attemptsLeft) = screen else {
                return XCTFail("expected enterPin, got \(screen)")
            }
            XCTAssertEqual(error?.kind, .incorrectPin)
            XCTAssertEqual(attemptsLeft, left)
        }
        screen = try await run.submitPin("112358")
        guard case let .locked(_, code, lockExpiry, lockExpiryUnix, recoveryRequired) = screen else {
            return XCTFail("expected locked, got \(screen)")
        }
        XCTAssertEqual(code, 155_119)
        XCTAssertNotNil(lockExpiry)
        XCTAssertGreaterThan((lockExpiryUnix ?? 0) - Int64(Date().timeIntervalSince1970), 60)
        XCTAssertEqual(screen.lockedCredential, .pin)
        XCTAssertEqual(screen.message, "PIN is locked after too many wrong attempts.")
        XCTAssertEqual(screen.message, errorDescription(code: code))
        let user = try await admin.getUser(userId: userId)
        XCTAssertEqual(user.pinStatus, .locked)
        // The device reads the same status with its session (no API key).
        let own = try await session.user()
        XCTAssertEqual(own, user)
        // A lock that ends by waiting (the lifetime cap is not reached).
        XCTAssertFalse(recoveryRequired)
        XCTAssertEqual(user.pinDetails.lockLevel, 1)
        XCTAssertEqual(user.pinDetails.failedAttemptsTotal, 3)
        XCTAssertFalse(user.pinDetails.recoveryRequired)

        // RESTORE_PIN with the answers, new PIN 975310.
        run = try await session.runChallenge(
            challengeId: try await admin.createChallenge(userToken: token.userToken, challengeType: .restorePin, idempotencyKey: nil))
        screen = run.screen()
        while case let .answerQuestion(_, _, question, _, savedHint, _, _) = screen {
            XCTAssertEqual(savedHint, "think of home")
            screen = try await run.answer(answer(for: question))
        }
        try await run.submitPin("975310")
        screen = try await run.submitPin("975310")
        XCTAssertTrue(screen.isTerminal)
        let restored = try await run.result()
        XCTAssertEqual(restored.status, .complete)

        // The new PIN signs with the same wallet, watched through the AsyncStream.
        run = try await session.runChallenge(
            challengeId: try await admin.createSignMessage(
                userToken: token.userToken, walletId: wallet.id, message: "Send 5 USDC",
                encodedByHex: false, memo: "memo", idempotencyKey: nil))
        guard let review = run.screen().signatureReview,
              case let .message(text, _, _) = review.details
        else {
            return XCTFail("expected the review, got \(run.screen())")
        }
        XCTAssertEqual(text, "Send 5 USDC")
        XCTAssertEqual(review.wallet.address, wallet.address)
        let watcher = Task { () -> [Screen] in
            var seen: [Screen] = []
            for await s in run.screens {
                seen.append(s)
            }
            return seen
        }
        try await run.approve()
        screen = try await run.submitPin("975310")
        guard case .done = screen, let signature = screen.challengeResult?.signature else {
            return XCTFail("expected done with a signature, got \(screen)")
        }
        XCTAssertEqual(signature.count, 132)
        let seen = await watcher.value
        XCTAssertEqual(seen.last, screen)
        let signed = try await run.result()
        XCTAssertEqual(signed.status, .complete)
        XCTAssertEqual(signed.result?.signature, signature)

        // A rejected request signs nothing.
        run = try await session.runChallenge(
            challengeId: try await admin.createSignMessage(
                userToken: token.userToken, walletId: wallet.id, message: "Approve everything",
                encodedByHex: false, memo: nil, idempotencyKey: nil))
        screen = try await run.reject()
        guard case let .failed(_, code, _) = screen else {
            return XCTFail("expected failed, got \(screen)")
        }
        XCTAssertEqual(code, 155_826)
    }

    /// Shows the code (after `pin` for SET_RECOVERY_CODE), refuses groups not asked for, goes
    /// back, retypes the right ones; returns the groups. Never prints the code screen.
    private func setUpRecoveryCode(_ run: ChallengeRun, pin: String?) async throws -> [String] {
        var screen = run.screen()
        if let pin {
            screen = try await run.submitPin(pin)
        }
        guard let groups = screen.recoveryCodeGroups else {
            XCTFail("expected showRecoveryCode")
            return []
        }
        XCTAssertEqual(groups.count, 7)
        screen = try await run.codeWrittenDown()
        guard case let .confirmRecoveryCode(_, asked, _) = screen else {
            XCTFail("expected confirmRecoveryCode, got \(screen)")
            return []
        }
        XCTAssertEqual(asked.count, 2)
        let others = (1...7).filter { !asked.contains(UInt32($0)) }.prefix(2)
        screen = try await run.enterRecoveryCode(others.map { groups[$0 - 1] }.joined(separator: " "))
        XCTAssertEqual(screen.inputError?.kind, .recoveryCodeMismatch)
        let shownAgain = try await run.back()
        XCTAssertEqual(shownAgain.recoveryCodeGroups, groups)
        guard case let .confirmRecoveryCode(_, again, _) = try await run.codeWrittenDown() else {
            XCTFail("expected confirmRecoveryCode")
            return []
        }
        screen = try await run.enterRecoveryCode(again.map { groups[Int($0) - 1].lowercased() }.joined(separator: "-"))
        guard case .done = screen else {
            XCTFail("expected done, got \(screen)")
            return []
        }
        return groups
    }

    /// SET_RECOVERY_CODE, then the PIN recovered with the code: a typo is caught on the device,
    /// the new PIN works, the code is burnt; INITIALIZE can set up a code too.
    func testRecoveryCode() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let admin = try AdminClient(config: server.config(), apiKey: TestServer.apiKey)
        let client = try Client(config: server.config())
        let userId = "swift-rc-\(UUID().uuidString.prefix(12))"
        _ = try await admin.createUser(userId: userId)
        let token = try await admin.createUserToken(userId: userId)
        let session = try client.session(userToken: token.userToken, encryptionKey: token.encryptionKey)
        var run = try await session.runChallenge(
            challengeId: try await admin.createChallenge(userToken: token.userToken, challengeType: .initialize, idempotencyKey: nil))
        guard case .done = try await initialize(run, pin: "135790") else {
            return XCTFail("initialize did not complete")
        }
        run = try await session.runChallenge(
            challengeId: try await admin.createChallenge(userToken: token.userToken, challengeType: .setRecoveryCode, idempotencyKey: nil))
        let groups = try await setUpRecoveryCode(run, pin: "135790")
        let enabled = try await session.user()
        XCTAssertEqual(enabled.recoveryCodeStatus, .enabled)

        run = try await session.runChallenge(
            challengeId: try await admin.createRestorePinWithCode(userToken: token.userToken, idempotencyKey: nil))
        guard case let .enterRecoveryCode(_, count, length, _, attemptsLeft) = run.screen() else {
            return XCTFail("expected enterRecoveryCode, got \(run.screen())")
        }
        XCTAssertEqual([count, length], [7, 5])
        XCTAssertEqual(attemptsLeft, 3)
        var screen = try await run.enterRecoveryCode(groups.joined(separator: " "))
        guard case let .enterPin(purpose, _, _, _) = screen, purpose == .new else {
            return XCTFail("expected the new PIN, got \(screen)")
        }
        try await run.submitPin("975310")
        screen = try await run.submitPin("975310")
        guard case .done = screen else {
            return XCTFail("expected done, got \(screen)")
        }
        let burnt = try await session.user()
        XCTAssertEqual(burnt.recoveryCodeStatus, .unset)

        let userId2 = "swift-rci-\(UUID().uuidString.prefix(12))"
        _ = try await admin.createUser(userId: userId2)
        let token2 = try await admin.createUserToken(userId: userId2)
        let session2 = try client.session(userToken: token2.userToken, encryptionKey: token2.encryptionKey)
        run = try await session2.runChallenge(
            challengeId: try await admin.createInitializeWithRecoveryCode(
                userToken: token2.userToken, blockchains: [], accountType: nil, idempotencyKey: nil))
        let shown = try await initialize(run, pin: "135790")
        XCTAssertNotNil(shown.recoveryCodeGroups)
        _ = try await setUpRecoveryCode(run, pin: nil)
        let user2 = try await admin.getUser(userId: userId2)
        XCTAssertEqual(user2.recoveryCodeStatus, .enabled)
    }

    func testErrorsTellTheCallerWhatToDo() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try Client(config: server.config())
        XCTAssertThrowsError(try client.session(userToken: "some-token", encryptionKey: "not-a-key")) { error in
            XCTAssertEqual((error as? LatchkeyError)?.code, 155_118)
            XCTAssertFalse(((error as? LatchkeyError)?.detail ?? "").isEmpty)
        }
        XCTAssertEqual(pinLength(), 6)
        XCTAssertEqual(errorDescription(code: 155_112), "The PIN is incorrect.")
        XCTAssertEqual(QuestionKind.date.answerHint, "A calendar date as YYYY-MM-DD, e.g. 1994-07-15.")
        XCTAssertEqual(Blockchain.ethSepolia.id, "ETH-SEPOLIA")
        XCTAssertEqual(Blockchain.arb.displayName, "Arbitrum One")
        let cancelled = Screen.cancelled(progress: Progress(step: 1, of: 2))
        XCTAssertEqual(cancelled.progress, Progress(step: 1, of: 2))
        XCTAssertEqual(cancelled.message, "Cancelled by the user.")
        XCTAssertNil(cancelled.lockedCredential)
        XCTAssertThrowsError(try Client(config: ClientConfig(
            baseUrl: "ftp://nope", requestTimeoutMs: 1000, connectTimeoutMs: 1000, maxRetries: 0,
            initialBackoffMs: 10, maxBackoffMs: 10, pollIntervalMs: 10, userAgent: nil
        ))) { error in
            XCTAssertEqual((error as? LatchkeyError)?.code, 155_801)
        }
    }
}
#endif
