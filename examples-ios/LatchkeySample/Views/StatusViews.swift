import Latchkey
import SwiftUI

/// `.working`: a request is in flight (cancel stays in the toolbar).
struct WorkingView: View {
    let step: String

    var body: some View {
        VStack(spacing: 16) {
            ProgressView()
            switch step {
            case "CURRENT_PIN": Text("Checking your PIN…")
            case "ANSWERS": Text("Checking your answers…")
            default: Text("Saving…")
            }
        }
        .frame(maxWidth: .infinity, minHeight: 300)
    }
}

/// Icon, title, text and actions (status screens).
struct StatusView<Actions: View>: View {
    let systemImage: String
    let title: String
    let text: String
    @ViewBuilder let actions: () -> Actions

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: systemImage).font(.system(size: 64))
            Text(title).font(.title2.bold())
            Text(text).multilineTextAlignment(.center)
            actions()
        }
        .frame(maxWidth: .infinity, minHeight: 400)
    }
}

/// `.locked`: which credential is locked (the SDK's `lockedCredential`) and a countdown to the
/// lock's expiry.
struct LockedView: View {
    let code: UInt32
    let credential: LockedCredential?
    let lockExpiryUnix: Int64?
    let close: () -> Void

    var body: some View {
        TimelineView(.periodic(from: .now, by: 1)) { context in
            StatusView(systemImage: "lock", title: "Locked", text: text(now: context.date)) {
                Button("Close", action: close).buttonStyle(.borderedProminent)
            }
        }
    }

    private func text(now: Date) -> String {
        let what = credential == .securityQuestions ? "Too many wrong answers." : "Too many wrong PINs."
        guard let lockExpiryUnix else { return "\(what)\nTry again later.\n(error \(code))" }
        let left = max(0, Int(lockExpiryUnix) - Int(now.timeIntervalSince1970))
        let countdown = String(format: "%d:%02d", left / 60, left % 60)
        return "\(what)\nTry again in \(countdown).\n(error \(code))"
    }
}
