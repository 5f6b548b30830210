import Latchkey
import SwiftUI

/// The wallet home: PIN and security-question status and the actions they allow.
struct HomeView: View {
    let model: WalletModel
    let account: AccountStatus

    var body: some View {
        List {
            Section("Signed in as \(account.userID)") {
                StatusRow(name: "PIN", state: account.pin)
                StatusRow(name: "Security questions", state: account.questions)
            }
            Section("Actions") {
                if account.pin.status == .unset {
                    action("Set up PIN and security questions", .setUp)
                }
                if account.pin.status != .unset && account.questions.status == .unset {
                    action("Set up security questions", .setQuestions)
                }
                if account.pin.status == .enabled {
                    action("Sign a message", .signMessage)
                    action("Change PIN", .changePin)
                }
                if account.pin.status != .unset && account.questions.status != .unset {
                    action("Forgot PIN", .forgotPin)
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
    let state: CredentialState

    var body: some View {
        VStack(alignment: .leading) {
            Text(name).font(.headline)
            switch state.status {
            case .enabled: Text("Set")
            case .unset: Text("Not set")
            case .locked: Text("Locked" + (state.lockedUntil.map { " until \($0)" } ?? ""))
            case .unknown: Text("Unknown")
            }
            if state.failedAttempts > 0 && state.status != .locked {
                Text("\(state.failedAttempts) wrong attempt(s)").font(.caption)
            }
        }
    }
}
