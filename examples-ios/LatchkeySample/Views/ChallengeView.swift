import Latchkey
import SwiftUI

/// A running challenge: back and cancel in the toolbar, step progress, the SDK's screen.
struct ChallengeView: View {
    let model: WalletModel
    let type: ChallengeType
    let screen: Screen

    private var enabled: Bool {
        if case .working = screen { return false }
        return !model.busy
    }

    var body: some View {
        VStack(spacing: 0) {
            if !screen.isTerminal, screen.progress.of > 0 {
                ProgressView(value: Double(screen.progress.step), total: Double(screen.progress.of))
            }
            content.padding()
            Spacer(minLength: 0)
        }
        .navigationTitle(title)
        .navigationBarBackButtonHidden(true)
        .toolbar {
            if !screen.isTerminal {
                ToolbarItem(placement: .topBarLeading) {
                    Button("Back") { Task { await model.back() } }.disabled(!enabled)
                }
                ToolbarItem(placement: .topBarTrailing) {
                    Button("Cancel") { Task { await model.cancel() } }
                }
            }
        }
    }

    /// One view per SDK screen; a new `Screen` case fails compilation here until drawn.
    @ViewBuilder private var content: some View {
        switch screen {
        case let .enterPin(purpose, _, error, attemptsLeft):
            PinView(purpose: purpose, length: model.pinLength, error: error, attemptsLeft: attemptsLeft, enabled: enabled) { pin in
                Task { await model.submit(.pin(pin: pin)) }
            }
            .id(screen)
        case let .chooseQuestion(_, slot, options, error):
            ChooseQuestionView(slot: slot, options: options, error: error, enabled: enabled) { id in
                Task { await model.submit(.chooseQuestion(questionId: id)) }
            }
        case let .answerQuestion(_, slot, question, hintAllowed, savedHint, error, attemptsLeft):
            AnswerQuestionView(
                slot: slot, question: question, hintAllowed: hintAllowed, savedHint: savedHint,
                error: error, attemptsLeft: attemptsLeft, enabled: enabled
            ) { answer, hint in
                Task { await model.submit(.answer(answer: answer, hint: hint)) }
            }
            .id(screen)
        case let .review(_, entries, acknowledgement):
            ReviewView(entries: entries, acknowledgement: acknowledgement, enabled: enabled) {
                Task { await model.submit(.acknowledge) }
            }
        case let .reviewSignature(_, review):
            ReviewSignatureView(review: review, enabled: enabled, approve: {
                Task { await model.submit(.acknowledge) }
            }, reject: {
                Task { await model.submit(.reject) }
            })
        case let .working(_, step):
            WorkingView(step: step)
        case let .interrupted(_, code, detail):
            StatusView(systemImage: "arrow.clockwise", title: "Connection problem", text: "\(detail)\n(error \(code))") {
                Button("Try again") { Task { await model.retry() } }.buttonStyle(.borderedProminent).disabled(!enabled)
                Button("Cancel") { Task { await model.cancel() } }
            }
        case let .done(_, result):
            StatusView(systemImage: "checkmark.circle", title: "Done", text: doneText(result)) {
                if let signature = result?.signature { ResultRow(label: "Signature", value: signature) }
                if let raw = result?.signedTransaction { ResultRow(label: "Signed transaction", value: raw) }
                if let hash = result?.txHash { ResultRow(label: "Transaction hash", value: hash) }
                Button("Back to wallet") { Task { await model.closeChallenge() } }.buttonStyle(.borderedProminent)
            }
        case let .failed(_, code, detail):
            // 155826: the user rejected the signature request (their choice, not an error).
            StatusView(
                systemImage: code == 155_826 ? "xmark.circle" : "exclamationmark.triangle",
                title: code == 155_826 ? "Not signed" : "Something went wrong",
                text: "\(detail)\n(error \(code))"
            ) {
                Button("Close") { Task { await model.closeChallenge() } }.buttonStyle(.borderedProminent)
            }
        case let .locked(_, code, _, lockExpiryUnix, _):
            LockedView(code: code, credential: screen.lockedCredential, lockExpiryUnix: lockExpiryUnix) {
                Task { await model.closeChallenge() }
            }
        case .cancelled:
            StatusView(systemImage: "xmark.circle", title: "Cancelled", text: "Nothing was changed.") {
                Button("Back to wallet") { Task { await model.closeChallenge() } }.buttonStyle(.borderedProminent)
            }
        case let .showRecoveryCode(_, groups, warning):
            ShowRecoveryCodeView(groups: groups, warning: warning, enabled: enabled) {
                Task { await model.submit(.acknowledge) }
            }
            .id(screen)
        case let .confirmRecoveryCode(_, groups, error):
            ConfirmRecoveryCodeView(groups: groups, error: error, enabled: enabled) { code in
                Task { await model.submit(.recoveryCode(code: code)) }
            }
            .id(screen)
        case let .enterRecoveryCode(_, groups, groupLength, error, attemptsLeft):
            EnterRecoveryCodeView(
                groups: groups, groupLength: groupLength, error: error, attemptsLeft: attemptsLeft, enabled: enabled
            ) { code in
                Task { await model.submit(.recoveryCode(code: code)) }
            }
            .id(screen)
        case let .cloudWorking(_, action):
            VStack(spacing: 16) {
                ProgressView()
                Text(cloudActionText(action))
            }
            .frame(maxWidth: .infinity, minHeight: 300)
        case let .cloudStorageFailed(_, code, reason, detail):
            StatusView(
                systemImage: "icloud.slash", title: "Cloud storage problem",
                text: reason.isEmpty ? "\(detail)\n(error \(code))" : "\(detail)\n\(reason)\n(error \(code))"
            ) {
                Button("Try again") { Task { await model.retry() } }.buttonStyle(.borderedProminent).disabled(!enabled)
                Button("Cancel") { Task { await model.cancel() } }
            }
        case let .startCloudRestore(_, error, _):
            StatusView(
                systemImage: "icloud.and.arrow.down", title: "Restore with your cloud backup",
                text: "Your backup will be read from this account's iCloud." + (error.map { "\n\($0.detail)" } ?? "")
            ) {
                Button("Continue") { Task { await model.submit(.acknowledge) } }.buttonStyle(.borderedProminent).disabled(!enabled)
            }
        case .noCloudBackup:
            StatusView(systemImage: "icloud.slash", title: "No backup found", text: screen.message ?? "") {
                Button("Try again") { Task { await model.retry() } }.buttonStyle(.borderedProminent).disabled(!enabled)
                Button("Cancel") { Task { await model.cancel() } }
            }
        }
    }

    private func cloudActionText(_ action: CloudAction) -> String {
        switch action {
        case .saving: return "Saving the backup to iCloud…"
        case .checking: return "Checking the backup…"
        case .cleaningUp: return "Removing the old backup…"
        case .reading: return "Reading the backup from iCloud…"
        }
    }

    private var title: String {
        switch type {
        case .initialize: return "Set up PIN"
        case .setPin: return "Set PIN"
        case .changePin: return "Change PIN"
        case .setSecurityQuestions: return "Security questions"
        case .restorePin: return "Forgot PIN"
        case .signMessage: return "Sign message"
        case .signTypedData: return "Sign typed data"
        case .signTransaction: return "Sign transaction"
        case .createWallet: return "Create wallet"
        case .setRecoveryCode: return "Recovery code"
        case .setCloudBackup: return "Cloud backup"
        case .unknown: return "Latchkey"
        }
    }

    private func doneText(_ result: ChallengeResult?) -> String {
        switch type {
        case .initialize:
            return (result?.walletIds.isEmpty ?? true)
                ? "Your PIN and security questions are set."
                : "Your PIN, security questions and wallet are set."
        case .setPin: return "Your PIN is set."
        case .changePin: return "Your PIN was changed."
        case .setSecurityQuestions: return "Your security questions are set."
        case .restorePin: return "Your new PIN is set. Your wallets and addresses are unchanged."
        case .signMessage: return "The message was signed."
        case .signTypedData: return "The data was signed."
        case .signTransaction: return "The transaction was signed. It was not sent."
        case .createWallet: return "Your wallet was created."
        case .setRecoveryCode: return "Your recovery code is saved. Keep your copy safe."
        case .setCloudBackup: return "Your cloud backup is set up."
        case .unknown: return "Finished."
        }
    }
}
