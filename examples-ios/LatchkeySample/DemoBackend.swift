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

/// One credential's status as the backend reports it.
struct CredentialState: Equatable {
    let status: CredentialStatus
    let failedAttempts: UInt32
    /// When a lock ends, RFC 3339.
    let lockedUntil: String?
}

/// The wallet home's data.
struct AccountStatus: Equatable {
    let userID: String
    let pin: CredentialState
    let questions: CredentialState
}

/// The calls the app makes to its backend.
protocol WalletBackend: Sendable {
    func signIn(userID: String) async throws -> DeviceSession
    func status(userID: String) async throws -> AccountStatus
    func createChallenge(session: DeviceSession, type: ChallengeType) async throws -> String
    func createSignMessage(session: DeviceSession, message: String) async throws -> String
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

    func status(userID: String) async throws -> AccountStatus {
        let user = try await admin.getUser(userId: userID)
        return AccountStatus(
            userID: user.id,
            pin: CredentialState(
                status: user.pinStatus,
                failedAttempts: user.pinDetails.failedAttempts,
                lockedUntil: user.pinDetails.lockedExpiryDate
            ),
            questions: CredentialState(
                status: user.securityQuestionStatus,
                failedAttempts: user.securityQuestionDetails.failedAttempts,
                lockedUntil: user.securityQuestionDetails.lockedExpiryDate
            )
        )
    }

    func createChallenge(session: DeviceSession, type: ChallengeType) async throws -> String {
        try await admin.createChallenge(userToken: session.userToken, challengeType: type, idempotencyKey: nil)
    }

    func createSignMessage(session: DeviceSession, message: String) async throws -> String {
        try await admin.createSignMessage(userToken: session.userToken, message: message, idempotencyKey: nil)
    }
}
