import Latchkey
import SwiftUI

/// `.review`: chosen questions, hints, and the SDK's warning to acknowledge.
struct ReviewView: View {
    let entries: [ReviewEntry]
    let acknowledgement: String
    let enabled: Bool
    let acknowledge: () -> Void
    @State private var agreed = false

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("Review your security questions").font(.title2.bold())
            ForEach(entries, id: \.question.id) { entry in
                VStack(alignment: .leading) {
                    Text(entry.question.text).font(.headline)
                    Text(entry.hint.map { "Hint: \($0)" } ?? "No hint")
                }
            }
            Text(acknowledgement)
                .padding(12)
                .background(Color.red.opacity(0.15), in: RoundedRectangle(cornerRadius: 8))
            Toggle("I understand", isOn: $agreed)
            Spacer()
            Button("Save", action: acknowledge)
                .buttonStyle(.borderedProminent)
                .disabled(!enabled || !agreed)
        }
    }
}

/// `.authorizeMessage`: the message to approve with the PIN.
struct AuthorizeMessageView: View {
    let message: String
    let enabled: Bool
    let approve: () -> Void
    let reject: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("Sign this message?").font(.title2.bold())
            Text("Approve only if you started this request.")
            Text(message).font(.body.monospaced()).padding().background(.quaternary, in: RoundedRectangle(cornerRadius: 8))
            Spacer()
            Button("Approve with PIN", action: approve).buttonStyle(.borderedProminent).disabled(!enabled)
            Button("Reject", action: reject).disabled(!enabled)
        }
    }
}
