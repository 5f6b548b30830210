// =================================================================================================
//  BACKEND: DEMO ONLY. In a real app this file is your own server: it signs the user in, asks the
//  Latchkey developer API (with the API key, which never leaves your server) for a user token +
//  encryption key and for challenges, and hands only those to the device. The sample calls the
//  developer API from the device through the SDK's AdminClient so it runs without a backend.
//  Replace `DemoBackend` with URLSession calls to your backend; nothing else in the app changes.
// =================================================================================================
import Foundation
import Latchkey

/// What the backend settings screen asks for.
struct BackendSettings: Equatable {
    var serverURL = "http://127.0.0.1:8080"
    /// Developer API key: DEMO ONLY, a real app never has it on the device.
    var apiKey = ""
    var userID = "demo-user-1"
}

/// What the backend gives the device after sign-in.
struct DeviceSession: Equatable {
    let userToken: String
    let encryptionKey: String
}

/// The calls the app makes to its backend.
protocol WalletBackend: Sendable {
    func signIn(userID: String) async throws -> DeviceSession
    /// A PIN challenge (SET_SECURITY_QUESTIONS, CHANGE_PIN, RESTORE_PIN, SET_RECOVERY_CODE).
    func createChallenge(session: DeviceSession, type: ChallengeType) async throws -> String
    /// INITIALIZE (PIN + questions) that also creates the user's wallets on `blockchains`.
    func createSetUp(session: DeviceSession, blockchains: [Blockchain]) async throws -> String
    /// CREATE_WALLET: the PIN, then wallets on `blockchains`.
    func createWallet(session: DeviceSession, blockchains: [Blockchain]) async throws -> String
    /// SIGN_MESSAGE (EIP-191) by the wallet `walletID`; `memo` is shown to the user, not signed.
    func createSignMessage(session: DeviceSession, walletID: String, message: String, memo: String?) async throws -> String
    /// RESTORE_PIN completed with the user's recovery code (instead of the questions).
    func createRestorePinWithCode(session: DeviceSession) async throws -> String
}

/// The demo backend: the developer API called from the device (DEMO ONLY, see above).
final class DemoBackend: WalletBackend, @unchecked Sendable {
    private let admin: AdminClient
    /// 155101: the user id exists already (a returning user).
    private static let userExists: UInt32 = 155_101

    init(settings: BackendSettings, config: ClientConfig) throws {
        admin = try AdminClient(config: config, apiKey: settings.apiKey)
    }

    func signIn(userID: String) async throws -> DeviceSession {
        do {
            _ = try await admin.createUser(userId: userID)
        } catch let error as LatchkeyError {
            guard case let .Server(code, _, _, _) = error, code == Self.userExists else { throw error }
        }
        let token = try await admin.createUserToken(userId: userID)
        return DeviceSession(userToken: token.userToken, encryptionKey: token.encryptionKey)
    }

    func createChallenge(session: DeviceSession, type: ChallengeType) async throws -> String {
        try await admin.createChallenge(userToken: session.userToken, challengeType: type, idempotencyKey: nil)
    }

    func createSetUp(session: DeviceSession, blockchains: [Blockchain]) async throws -> String {
        try await admin.createInitializeWithWallets(
            userToken: session.userToken, blockchains: blockchains, accountType: nil, idempotencyKey: nil
        )
    }

    func createWallet(session: DeviceSession, blockchains: [Blockchain]) async throws -> String {
        try await admin.createWalletChallenge(
            userToken: session.userToken, blockchains: blockchains, accountType: nil, idempotencyKey: nil
        )
    }

    func createSignMessage(session: DeviceSession, walletID: String, message: String, memo: String?) async throws -> String {
        try await admin.createSignMessage(
            userToken: session.userToken, walletId: walletID, message: message, encodedByHex: false,
            memo: memo, idempotencyKey: nil
        )
    }

    func createRestorePinWithCode(session: DeviceSession) async throws -> String {
        try await admin.createRestorePinWithCode(userToken: session.userToken, idempotencyKey: nil)
    }
}
