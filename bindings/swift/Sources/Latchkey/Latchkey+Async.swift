// A small Swift-concurrency layer over the generated bindings: an `AsyncStream<Screen>` per
// challenge run, `async` shortcuts for each input, and conveniences on `Screen` and
// `LatchkeyError`. Every `async` method of the generated API (`Session.runChallenge`,
// `ChallengeRun.submit`, ...) is already `async throws`; they run on the SDK's own runtime.
import Foundation

/// Feeds screens pushed by the SDK into an `AsyncStream`.
final class ScreenStreamListener: ScreenListener, @unchecked Sendable {
    private let continuation: AsyncStream<Screen>.Continuation

    init(_ continuation: AsyncStream<Screen>.Continuation) {
        self.continuation = continuation
    }

    func onScreen(screen: Screen) {
        continuation.yield(screen)
        if screen.isTerminal {
            continuation.finish()
        }
    }
}

public extension Screen {
    /// Whether the screen ends the run (done, failed, locked or cancelled).
    var isTerminal: Bool {
        switch self {
        case .done, .failed, .locked, .cancelled:
            return true
        default:
            return false
        }
    }

    /// The input error shown on the screen, if any.
    var inputError: InputError? {
        switch self {
        case let .enterPin(_, _, error, _):
            return error
        case let .chooseQuestion(_, _, _, error):
            return error
        case let .answerQuestion(_, _, _, _, _, error, _):
            return error
        case let .confirmRecoveryCode(_, _, error):
            return error
        case let .enterRecoveryCode(_, _, _, error, _):
            return error
        case let .startCloudRestore(_, error, _):
            return error
        default:
            return nil
        }
    }

    /// The groups of the recovery code a `.showRecoveryCode` screen shows; nil otherwise.
    /// SECRET: draw them, never log or persist them. The generated description of that screen
    /// prints them too, so never log screens.
    var recoveryCodeGroups: [String]? {
        if case let .showRecoveryCode(_, groups, _) = self { return groups }
        return nil
    }

    /// The app's reason on a `.cloudStorageFailed` screen (what its `CloudStorage` threw;
    /// empty when the read-back differed, 155876); nil otherwise.
    var cloudFailureReason: String? {
        if case let .cloudStorageFailed(_, _, reason, _) = self { return reason }
        return nil
    }
}

public extension Session {
    /// Starts a cloud-backup challenge (`.setCloudBackup`, or a `.restorePin` created with
    /// `createRestorePinWithBackup`) with the app's storage. The app implements
    /// `CloudStorage` (`put`/`get`/`remove`, `async throws`, throwing
    /// `CloudStorageError.failed(reason:)`), e.g. over iCloud Keychain synchronizable items:
    ///
    ///     final class KeychainBackup: CloudStorage {
    ///         func put(name: String, data: Data) async throws { ... }
    ///         func get(name: String) async throws -> Data? { ... }
    ///         func remove(name: String) async throws { ... }
    ///     }
    ///     let run = try await session.startCloudBackup(challengeId, storage: KeychainBackup())
    func startCloudBackup(_ challengeId: String, storage: CloudStorage) async throws -> ChallengeRun {
        try await runChallengeWithStorage(challengeId: challengeId, storage: storage)
    }
}

public extension ChallengeRun {
    /// The current screen, then every new one (including `.working`), finishing after the
    /// terminal screen. Stop iterating (or cancel the task) to unsubscribe.
    ///
    ///     for await screen in run.screens { render(screen) }
    var screens: AsyncStream<Screen> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let handle = self.subscribe(listener: ScreenStreamListener(continuation))
            continuation.onTermination = { _ in
                handle.cancel()
            }
        }
    }

    /// Submits a PIN on `.enterPin`.
    @discardableResult
    func submitPin(_ pin: String) async throws -> Screen {
        try await submit(input: .pin(pin: pin))
    }

    /// Picks a question on `.chooseQuestion`.
    @discardableResult
    func chooseQuestion(_ questionId: String) async throws -> Screen {
        try await submit(input: .chooseQuestion(questionId: questionId))
    }

    /// Answers the question on `.answerQuestion` (a hint only where `hintAllowed`).
    @discardableResult
    func answer(_ answer: String, hint: String? = nil) async throws -> Screen {
        try await submit(input: .answer(answer: answer, hint: hint))
    }

    /// Acknowledges the warning on `.review`.
    @discardableResult
    func acknowledge() async throws -> Screen {
        try await submit(input: .acknowledge)
    }

    /// Approves the request on `.reviewSignature`; the next screen asks for the PIN.
    @discardableResult
    func approve() async throws -> Screen {
        try await submit(input: .acknowledge)
    }

    /// Rejects the request on `.reviewSignature`: nothing is signed, the server is told, and
    /// the run ends `.failed` with code 155826.
    @discardableResult
    func reject() async throws -> Screen {
        try await submit(input: .reject)
    }

    /// The user wrote down the code on `.showRecoveryCode`; the next screen asks to retype
    /// some of its groups (`.confirmRecoveryCode`).
    @discardableResult
    func codeWrittenDown() async throws -> Screen {
        try await submit(input: .acknowledge)
    }

    /// The recovery code typed on `.enterRecoveryCode`, or the groups asked for on
    /// `.confirmRecoveryCode` (in order; separators and case are free). A secret: it is
    /// checked on the device and never sent; drop your references to it afterwards.
    @discardableResult
    func enterRecoveryCode(_ code: String) async throws -> Screen {
        try await submit(input: .recoveryCode(code: code))
    }

    /// The server's final word on the challenge; throws `LatchkeyError.Timeout` after
    /// `timeout` seconds.
    func result(timeout: TimeInterval = 10) async throws -> Challenge {
        let ms = max(0, min(timeout * 1000, Double(UInt32.max)))
        return try await waitForResult(timeoutMs: UInt32(ms))
    }
}

public extension Screen {
    /// What a `.done` screen produced (signature, signed transaction, wallet ids); nil
    /// otherwise.
    var challengeResult: ChallengeResult? {
        if case let .done(_, result) = self { return result }
        return nil
    }

    /// The review a `.reviewSignature` screen shows; nil on other screens.
    var signatureReview: SignatureReview? {
        if case let .reviewSignature(_, review) = self { return review }
        return nil
    }
}

public extension Screen {
    /// Where in the flow the screen is ("step n of m"); every case has one.
    var progress: Progress { screenProgress(screen: self) }

    /// A readable sentence for the screens that report a code (`.interrupted`, `.failed`,
    /// `.locked`, `.cancelled`); nil on the others (an `InputError` has its own `detail`).
    var message: String? { screenMessage(screen: self) }

    /// Which credential a `.locked` screen is about (PIN, or recovery: security answers and
    /// recovery codes share one count); nil otherwise.
    var lockedCredential: LockedCredential? { Latchkey.lockedCredential(screen: self) }
}

public extension Blockchain {
    /// The blockchain's id as the server spells it, e.g. "ETH-SEPOLIA".
    var id: String { blockchainId(blockchain: self) }

    /// A human name for the blockchain, e.g. "Ethereum Sepolia".
    var displayName: String { blockchainName(blockchain: self) }
}

public extension QuestionKind {
    /// What the SDK does to an answer of this kind before comparing it, to show next to the
    /// answer field.
    var answerHint: String { Latchkey.answerHint(kind: self) }
}

public extension LatchkeyError {
    /// The secret-free explanation of any variant.
    var detail: String {
        switch self {
        case let .InvalidInput(_, detail, _, _), let .Busy(_, detail, _, _),
             let .Network(_, detail, _, _), let .Timeout(_, detail, _, _),
             let .SessionExpired(_, detail, _, _), let .ChallengeExpired(_, detail, _, _),
             let .Locked(_, detail, _, _), let .InvalidKey(_, detail, _, _),
             let .Unsupported(_, detail, _, _), let .Server(_, detail, _, _),
             let .Internal(_, detail, _, _):
            return detail
        }
    }
}

public extension LatchkeyError {
    /// The 155xxx code of any variant.
    var code: UInt32 {
        switch self {
        case let .InvalidInput(code, _, _, _), let .Busy(code, _, _, _),
             let .Network(code, _, _, _), let .Timeout(code, _, _, _),
             let .SessionExpired(code, _, _, _), let .ChallengeExpired(code, _, _, _),
             let .Locked(code, _, _, _), let .InvalidKey(code, _, _, _),
             let .Unsupported(code, _, _, _), let .Server(code, _, _, _),
             let .Internal(code, _, _, _):
            return code
        }
    }
}
