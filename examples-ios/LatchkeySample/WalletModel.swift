import Foundation
import Latchkey
import Observation

/// What the wallet home offers; each starts one challenge.
enum WalletAction: CaseIterable {
    case setUp, createWallet, setQuestions, changePin, forgotPin, signMessage, setRecoveryCode, forgotPinWithCode

    var challengeType: ChallengeType {
        switch self {
        case .setUp: return .initialize
        case .createWallet: return .createWallet
        case .setQuestions: return .setSecurityQuestions
        case .changePin: return .changePin
        case .forgotPin: return .restorePin
        case .signMessage: return .signMessage
        case .setRecoveryCode: return .setRecoveryCode
        case .forgotPinWithCode: return .restorePin
        }
    }
}

/// A refused call as the app shows it: the SDK's code and text; whether to sign in again.
struct ErrorBanner: Equatable {
    let code: UInt32
    let text: String
    let signInAgain: Bool
}

/// The sample's view model over the Swift async layer: `run.screens` (an
/// `AsyncStream<Screen>`) feeds `screen`; actions call the run's async methods. It holds no flow
/// logic: the next screen, PIN rules, attempts and locks all come from the SDK.
@MainActor
@Observable
final class WalletModel {
    var settings = BackendSettings()
    private(set) var loading = false
    /// The user's PIN and question status (`Session.user()`); nil until signed in.
    private(set) var account: User?
    /// The user's wallets (`Session.wallets()`), oldest first; empty before set-up.
    private(set) var wallets: [Wallet] = []
    private(set) var challengeType: ChallengeType?
    private(set) var screen: Screen?
    private(set) var busy = false
    /// The run's PIN length (`ChallengeRun.pinLength()`), for the PIN pad.
    private(set) var pinLength = Int(Latchkey.pinLength())
    var error: ErrorBanner?

    @ObservationIgnored private let makeConfig: (String) -> ClientConfig
    /// The blockchains set-up (and "create wallet") creates wallets on.
    @ObservationIgnored private let blockchains: [Blockchain] = [.ethSepolia]
    @ObservationIgnored private var backend: WalletBackend?
    @ObservationIgnored private var device: DeviceSession?
    @ObservationIgnored private var session: Session?
    @ObservationIgnored private var run: ChallengeRun?
    @ObservationIgnored private var streamTask: Task<Void, Never>?

    init(makeConfig: @escaping (String) -> ClientConfig = { url in
        ClientConfig(
            baseUrl: url, requestTimeoutMs: 15000, connectTimeoutMs: 5000, maxRetries: 3,
            initialBackoffMs: 200, maxBackoffMs: 5000, pollIntervalMs: 250, userAgent: nil
        )
    }) {
        self.makeConfig = makeConfig
    }

    /// Signs in with the backend and shows the wallet home.
    func signIn() async {
        await work {
            let config = self.makeConfig(self.settings.serverURL)
            let backend = try DemoBackend(settings: self.settings, config: config)
            let device = try await backend.signIn(userID: self.settings.userID)
            let client = try Client(config: config)
            let session = try client.session(userToken: device.userToken, encryptionKey: device.encryptionKey)
            self.session = session
            self.backend = backend
            self.device = device
            self.account = try await session.user()
            self.wallets = try await session.wallets()
        }
    }

    /// Reloads the PIN and question status and the wallets.
    func refresh() async {
        guard let session else { return }
        await work {
            self.account = try await session.user()
            self.wallets = try await session.wallets()
        }
    }

    /// Back to the backend screen.
    func signOut() {
        leaveChallenge()
        backend = nil
        device = nil
        session = nil
        account = nil
        wallets = []
    }

    /// Starts `action`. For `.signMessage` the backend asks for a signature of `message` by the
    /// user's first wallet, with `memo` shown next to it; the SDK shows what will be signed.
    func start(
        _ action: WalletAction,
        message: String = "Sign in to Latchkey Demo",
        memo: String? = "Latchkey Demo asks you to prove you own this wallet."
    ) async {
        guard let backend, let device, let session else { return }
        await work {
            let id: String
            switch action {
            case .setUp:
                id = try await backend.createSetUp(session: device, blockchains: self.blockchains)
            case .createWallet:
                id = try await backend.createWallet(session: device, blockchains: self.blockchains)
            case .signMessage:
                // The home offers it only with a wallet.
                guard let wallet = self.wallets.first else { return }
                id = try await backend.createSignMessage(session: device, walletID: wallet.id, message: message, memo: memo)
            case .setQuestions, .changePin, .forgotPin, .setRecoveryCode:
                id = try await backend.createChallenge(session: device, type: action.challengeType)
            case .forgotPinWithCode:
                id = try await backend.createRestorePinWithCode(session: device)
            }
            let run = try await session.runChallenge(challengeId: id)
            self.run = run
            self.challengeType = run.challengeType()
            self.pinLength = Int(run.pinLength())
            self.screen = run.screen()
            self.streamTask = Task { [weak self] in
                for await next in run.screens {
                    self?.screen = next
                }
            }
        }
    }

    /// Gives the current screen its input.
    func submit(_ input: Input) async {
        await call { try await $0.submit(input: input) }
    }

    /// The previous screen where the SDK has one (`canGoBack()`); else (the first screen, or after
    /// a step the server verified) leaves the challenge by cancelling it.
    func back() async {
        await call { run in
            if run.canGoBack() {
                return try await run.back()
            }
            return try await run.cancel()
        }
    }

    /// Cancels the challenge (allowed while a call is in flight).
    func cancel() async {
        guard let run else { return }
        do {
            screen = try await run.cancel()
        } catch {
            show(error)
        }
    }

    /// On `.interrupted`: sends the interrupted step again.
    func retry() async {
        await call { try await $0.retry() }
    }

    /// Leaves a finished challenge for the refreshed home.
    func closeChallenge() async {
        leaveChallenge()
        await refresh()
    }

    private func leaveChallenge() {
        streamTask?.cancel()
        streamTask = nil
        run = nil
        screen = nil
        challengeType = nil
    }

    private func call(_ body: (ChallengeRun) async throws -> Screen) async {
        guard let run else { return }
        busy = true
        error = nil
        defer { busy = false }
        do {
            let next = try await body(run)
            if self.run === run { screen = next }
        } catch {
            show(error)
        }
    }

    private func work(_ body: () async throws -> Void) async {
        loading = true
        error = nil
        defer { loading = false }
        do {
            try await body()
        } catch {
            show(error)
        }
    }

    /// A `LatchkeyError` as a banner: its code and text; the variant says what to do.
    private func show(_ error: Error) {
        guard let e = error as? LatchkeyError else {
            self.error = ErrorBanner(code: 0, text: String(describing: error), signInAgain: false)
            return
        }
        var signInAgain = false
        switch e {
        case .SessionExpired, .InvalidKey: signInAgain = true
        default: break
        }
        self.error = ErrorBanner(code: e.code, text: e.detail, signInAgain: signInAgain)
    }
}
