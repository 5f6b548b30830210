// The sample's view model, UI-free, through the real library (XCFramework) against a real
// latchkey-server that CI starts on the Mac (the simulator shares the host's loopback):
// LATCHKEY_TEST_SERVER_URL and LATCHKEY_TEST_API_KEY name it. Set-up with a wallet, sign a
// message (review, approve, PIN), reject one, change PIN, three wrong PINs lock it, recover with
// the answers, sign in again and sign with the new PIN and the same address.
import Latchkey
import XCTest
@testable import LatchkeySample

@MainActor
final class WalletModelTests: XCTestCase {
    private var model: WalletModel!

    override func setUp() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["LATCHKEY_TEST_SERVER_URL"], !url.isEmpty,
              let key = env["LATCHKEY_TEST_API_KEY"], !key.isEmpty else {
            XCTFail("LATCHKEY_TEST_SERVER_URL / LATCHKEY_TEST_API_KEY are not set (see .github/workflows/examples-ios.yml)")
            return
        }
        model = WalletModel { base in
            ClientConfig(
                baseUrl: base, requestTimeoutMs: 5000, connectTimeoutMs: 2000, maxRetries: 2,
                initialBackoffMs: 20, maxBackoffMs: 200, pollIntervalMs: 20, userAgent: nil
            )
        }
        model.settings = BackendSettings(serverURL: url, apiKey: key, userID: "ios-\(UUID().uuidString.prefix(12))")
    }

    private func pin(_ p: String) async { await model.submit(.pin(pin: p)) }

    private func answer(for q: Question) -> String {
        q.kind == .date ? "1994-07-15" : "  Springfield   ELM street "
    }

    /// Waits until the screen (after the stream caught up) satisfies `predicate`.
    private func screen(_ what: String, _ predicate: (Screen) -> Bool) async throws -> Screen {
        for _ in 0..<1000 {
            if !model.busy, let s = model.screen, predicate(s) { return s }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        XCTFail("waiting for \(what); screen is \(String(describing: model.screen))")
        throw CancellationError()
    }

    private func isPin(_ s: Screen, _ purpose: PinPurpose) -> Bool {
        if case let .enterPin(p, _, _, _) = s { return p == purpose }
        return false
    }

    func testWholeStory() async throws {
        await model.signIn()
        XCTAssertNil(model.error)
        XCTAssertEqual(model.account?.pinStatus, .unset)

        // Set up: insecure PIN, back, mismatch, then PIN + two questions + review.
        await model.start(.setUp)
        _ = try await screen("new PIN") { isPin($0, .new) }
        await pin("123456")
        _ = try await screen("insecure") { $0.inputError?.kind == .insecurePin }
        await pin("135790")
        _ = try await screen("confirm") { isPin($0, .confirm) }
        await model.back()
        _ = try await screen("new again") { isPin($0, .new) }
        await pin("135790")
        await pin("246801")
        _ = try await screen("mismatch") { $0.inputError?.kind == .pinMismatch }
        await pin("135790")
        await pin("135790")
        var s = try await screen("question") { if case .chooseQuestion = $0 { return true }; return false }
        while true {
            let prev = s
            switch s {
            case let .chooseQuestion(_, _, options, _):
                await model.submit(.chooseQuestion(questionId: options[0].id))
            case let .answerQuestion(_, _, question, _, _, _, _):
                await model.submit(.answer(answer: answer(for: question), hint: "think of home"))
            case .review:
                break
            default:
                XCTFail("unexpected \(s)")
            }
            if case .review = s { break }
            s = try await screen("next") { $0 != prev }
        }
        await model.submit(.acknowledge)
        let setUp = try await screen("done") { if case .done = $0 { return true }; return false }
        guard case let .done(_, result) = setUp, let walletIDs = result?.walletIds else {
            return XCTFail("set-up produced no result: \(setUp)")
        }
        XCTAssertEqual(walletIDs.count, 1)
        await model.closeChallenge()
        XCTAssertEqual(model.account?.pinStatus, .enabled)
        XCTAssertEqual(model.account?.securityQuestionStatus, .enabled)

        // The home's wallet (Session.wallets()).
        XCTAssertEqual(model.wallets.map(\.id), walletIDs)
        let wallet = try XCTUnwrap(model.wallets.first)
        XCTAssertEqual(wallet.blockchain, .ethSepolia)

        // Sign a message: the review names the wallet and the text; approve, PIN, signature.
        try await signMessage("Hello from the story", address: wallet.address, pin: "135790")

        // One rejection: nothing signed, the run fails with 155826.
        await model.start(.signMessage, message: "Send everything to 0xdead")
        _ = try await screen("review to reject") { if case .reviewSignature = $0 { return true }; return false }
        await model.submit(.reject)
        let rejected = try await screen("rejected") { if case .failed = $0 { return true }; return false }
        if case let .failed(_, code, _) = rejected { XCTAssertEqual(code, 155_826) }
        await model.closeChallenge()

        // Change PIN 135790 -> 246801.
        await model.start(.changePin)
        await pin("135790")
        _ = try await screen("new") { isPin($0, .new) }
        await pin("246801")
        await pin("246801")
        _ = try await screen("done") { if case .done = $0 { return true }; return false }
        await model.closeChallenge()

        // Three wrong PINs: locked, with an expiry in the future.
        await model.start(.changePin)
        for left: UInt32 in [2, 1] {
            await pin("112358")
            _ = try await screen("\(left) left") {
                if case let .enterPin(_, _, error, attempts) = $0 { return error?.kind == .incorrectPin && attempts == left }
                return false
            }
        }
        await pin("112358")
        let locked = try await screen("locked") { if case .locked = $0 { return true }; return false }
        if case let .locked(_, code, _, until) = locked {
            XCTAssertEqual(code, 155_119)
            XCTAssertGreaterThan(until ?? 0, Int64(Date().timeIntervalSince1970) + 60)
        }
        await model.closeChallenge()
        XCTAssertEqual(model.account?.pinStatus, .locked)

        // Forgot PIN: the saved hint, the answers, new PIN 975310.
        await model.start(.forgotPin)
        s = try await screen("answer") { if case .answerQuestion = $0 { return true }; return false }
        while case let .answerQuestion(_, _, question, _, savedHint, _, _) = s {
            XCTAssertEqual(savedHint, "think of home")
            let prev = s
            await model.submit(.answer(answer: answer(for: question), hint: nil))
            s = try await screen("next") { $0 != prev && ({ if case .working = $0 { return false }; return true })($0) }
        }
        XCTAssertTrue(isPin(s, .new))
        await pin("975310")
        await pin("975310")
        _ = try await screen("done") { if case .done = $0 { return true }; return false }
        await model.closeChallenge()
        XCTAssertEqual(model.account?.pinStatus, .enabled)

        // Sign in again: the same wallet and address; the old PIN is refused, the new one signs.
        model.signOut()
        await model.signIn()
        XCTAssertEqual(model.wallets.map(\.address), [wallet.address])
        try await signMessage("Send 5 USDC", address: wallet.address, pin: "975310", wrongPinFirst: "246801")
        XCTAssertNil(model.error)
    }

    /// Signs `message` with the home's wallet: checks the SDK's review, approves, enters `pin`
    /// (after `wrongPinFirst`, refused, if given) and checks the signature on Done.
    private func signMessage(_ message: String, address: String, pin goodPin: String, wrongPinFirst: String? = nil) async throws {
        await model.start(.signMessage, message: message, memo: "story")
        let review = try await screen("review") { if case .reviewSignature = $0 { return true }; return false }
        guard case let .reviewSignature(_, r) = review, case let .message(text, _, byteLength) = r.details else {
            return XCTFail("not a message review: \(review)")
        }
        XCTAssertEqual(r.wallet.address, address)
        XCTAssertEqual(r.memo, "story")
        XCTAssertEqual(text, message)
        XCTAssertEqual(byteLength, UInt64(message.utf8.count))
        await model.submit(.acknowledge)
        _ = try await screen("PIN") { isPin($0, .current) }
        if let wrong = wrongPinFirst {
            await pin(wrong)
            _ = try await screen("refused") {
                if case let .enterPin(_, _, error, attempts) = $0 { return error?.kind == .incorrectPin && attempts == 2 }
                return false
            }
        }
        await pin(goodPin)
        let done = try await screen("signed") { if case .done = $0 { return true }; return false }
        guard case let .done(_, result) = done, let signature = result?.signature else {
            return XCTFail("no signature: \(done)")
        }
        XCTAssertEqual(signature.count, 132)
        XCTAssertTrue(signature.hasPrefix("0x"))
        await model.closeChallenge()
    }
}
