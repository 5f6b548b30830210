import Latchkey
import SwiftUI

/// The wallet home: the wallets, PIN and security-question status (`Session.user()`), and the
/// actions they allow.
struct HomeView: View {
    let model: WalletModel
    let account: User

    var body: some View {
        List {
            if !model.wallets.isEmpty {
                Section(model.wallets.count == 1 ? "Wallet" : "Wallets (\(model.wallets.count))") {
                    ForEach(model.wallets, id: \.id) { wallet in
                        VStack(alignment: .leading) {
                            Text(wallet.blockchain.id + (wallet.state == .frozen ? " (frozen)" : "")).font(.headline)
                            Text(wallet.address).font(.caption.monospaced()).textSelection(.enabled)
                        }
                    }
                }
            }
            Section("Signed in as \(account.id)") {
                StatusRow(name: "PIN", status: account.pinStatus, details: account.pinDetails)
                StatusRow(name: "Security questions", status: account.securityQuestionStatus, details: account.securityQuestionDetails)
                // Questions and recovery codes share one guess count (and so one lock).
                StatusRow(name: "Recovery code", status: account.recoveryCodeStatus, details: account.securityQuestionDetails)
            }
            Section("Actions") {
                if account.pinStatus == .unset {
                    action("Create your wallet: PIN and security questions", .setUp)
                }
                if account.pinStatus != .unset && account.securityQuestionStatus == .unset {
                    action("Set up security questions", .setQuestions)
                }
                if account.pinStatus == .enabled && !model.wallets.isEmpty {
                    action("Sign a message", .signMessage)
                }
                if account.pinStatus == .enabled && model.wallets.isEmpty {
                    action("Create a wallet", .createWallet)
                }
                if account.pinStatus == .enabled {
                    action("Change PIN", .changePin)
                }
                if account.pinStatus != .unset && account.securityQuestionStatus != .unset {
                    action("Forgot PIN", .forgotPin)
                }
                // After a recovery by code the code is used up (.unset): offer a new one.
                if account.pinStatus == .enabled {
                    action(account.recoveryCodeStatus == .unset ? "Set up a recovery code" : "Replace recovery code", .setRecoveryCode)
                }
                if account.pinStatus != .unset && account.recoveryCodeStatus != .unset {
                    action("Forgot PIN: use recovery code", .forgotPinWithCode)
                }
            }
        }
        .navigationTitle("Wallet")
        .toolbar {
            Button("Sign out") { model.signOut() }
        }
        .refreshable { await model.refresh() }
    }

    private func action(_ title: String, _ action: WalletAction) -> some View {
        Button(title) { Task { await model.start(action) } }
            .disabled(model.loading)
    }
}

/// One credential's status, failed attempts and lock.
struct StatusRow: View {
    let name: String
    let status: CredentialStatus
    let details: CredentialDetails

    var body: some View {
        VStack(alignment: .leading) {
            Text(name).font(.headline)
            switch status {
            case .enabled: Text("Set")
            case .unset: Text("Not set")
            case .locked: Text("Locked" + (details.lockedExpiryDate.map { " until \($0)" } ?? ""))
            case .unknown: Text("Unknown")
            }
            if details.failedAttempts > 0 && status != .locked {
                Text("\(details.failedAttempts) wrong attempt(s)").font(.caption)
            }
        }
    }
}
