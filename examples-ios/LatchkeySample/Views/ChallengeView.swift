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
            if !screen.isTerminal, let progress = screen.progress, progress.of > 0 {
                ProgressView(value: Double(progress.step), total: Double(progress.of))
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
            PinView(purpose: purpose, error: error, attemptsLeft: attemptsLeft, enabled: enabled) { pin in
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
        case let .authorizeMessage(_, message):
            AuthorizeMessageView(message: message, enabled: enabled, approve: {
                Task { await model.submit(.acknowledge) }
            }, reject: {
                Task { await model.cancel() }
            })
        case let .working(_, step):
            WorkingView(step: step)
        case let .interrupted(_, code, detail):
            StatusView(systemImage: "arrow.clockwise", title: "Connection problem", text: "\(detail)\n(error \(code))") {
                Button("Try again") { Task { await model.retry() } }.buttonStyle(.borderedProminent).disabled(!enabled)
                Button("Cancel") { Task { await model.cancel() } }
            }
        case .done:
            StatusView(systemImage: "checkmark.circle", title: "Done", text: doneText) {
                Button("Back to wallet") { Task { await model.closeChallenge() } }.buttonStyle(.borderedProminent)
            }
        case let .failed(_, code, detail):
            StatusView(systemImage: "exclamationmark.triangle", title: "Something went wrong", text: "\(detail)\n(error \(code))") {
                Button("Close") { Task { await model.closeChallenge() } }.buttonStyle(.borderedProminent)
            }
        case let .locked(_, code, _, lockExpiryUnix):
            LockedView(code: code, lockExpiryUnix: lockExpiryUnix) {
                Task { await model.closeChallenge() }
            }
        case .cancelled:
            StatusView(systemImage: "xmark.circle", title: "Cancelled", text: "Nothing was changed.") {
                Button("Back to wallet") { Task { await model.closeChallenge() } }.buttonStyle(.borderedProminent)
            }
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
        case .unknown: return "Latchkey"
        }
    }

    private var doneText: String {
        switch type {
        case .initialize: return "Your PIN and security questions are set."
        case .setPin: return "Your PIN is set."
        case .changePin: return "Your PIN was changed."
        case .setSecurityQuestions: return "Your security questions are set."
        case .restorePin: return "Your new PIN is set."
        case .signMessage: return "The message was signed."
        case .unknown: return "Finished."
        }
    }
}

extension Screen {
    /// The step progress of any screen (the SDK has no accessor for it yet).
    var progress: Progress? {
        switch self {
        case let .enterPin(_, progress, _, _): return progress
        case let .chooseQuestion(progress, _, _, _): return progress
        case let .answerQuestion(progress, _, _, _, _, _, _): return progress
        case let .review(progress, _, _): return progress
        case let .authorizeMessage(progress, _): return progress
        case let .working(progress, _): return progress
        case let .interrupted(progress, _, _): return progress
        case let .done(progress): return progress
        case let .failed(progress, _, _): return progress
        case let .locked(progress, _, _, _): return progress
        case let .cancelled(progress): return progress
        }
    }
}
