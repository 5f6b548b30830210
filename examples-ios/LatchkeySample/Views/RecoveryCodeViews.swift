import Latchkey
import SwiftUI

/// `.showRecoveryCode`: the new code in its groups and the SDK's warning; "I wrote it down"
/// goes on (`.acknowledge`). The groups are secret: drawn here, never logged or kept.
struct ShowRecoveryCodeView: View {
    let groups: [String]
    let warning: String
    let enabled: Bool
    let writtenDown: () -> Void
    @State private var agreed = false

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("Your recovery code").font(.title2.bold())
            LazyVGrid(columns: [GridItem(.adaptive(minimum: 110))], alignment: .leading, spacing: 8) {
                ForEach(Array(groups.enumerated()), id: \.offset) { index, group in
                    Text("\(index + 1). \(group)").font(.title3.monospaced())
                }
            }
            .padding(12)
            .background(Color.secondary.opacity(0.1), in: RoundedRectangle(cornerRadius: 8))
            Text(warning)
                .padding(12)
                .background(Color.red.opacity(0.15), in: RoundedRectangle(cornerRadius: 8))
            Toggle("I wrote it down", isOn: $agreed)
            Spacer()
            Button("Continue", action: writtenDown)
                .buttonStyle(.borderedProminent)
                .disabled(!enabled || !agreed)
        }
    }
}

/// `.confirmRecoveryCode`: retype the groups the SDK picked (`.recoveryCode`); Back shows the
/// code again.
struct ConfirmRecoveryCodeView: View {
    let groups: [UInt32]
    let error: InputError?
    let enabled: Bool
    let submit: (String) -> Void
    @State private var typed = ""

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("Check your copy").font(.title2.bold())
            Text("Type \(groups.map { "group \($0)" }.joined(separator: " and ")) of your recovery code, in that order.")
            InputErrorView(error: error, attemptsLeft: nil)
            TextField("Groups", text: $typed)
                .textInputAutocapitalization(.characters)
                .autocorrectionDisabled()
                .font(.title3.monospaced())
                .textFieldStyle(.roundedBorder)
            Spacer()
            Button("Save code") { submit(typed) }
                .buttonStyle(.borderedProminent)
                .disabled(!enabled || typed.trimmingCharacters(in: .whitespaces).isEmpty)
        }
    }
}

/// `.enterRecoveryCode`: the whole code; a typo is named by group and costs no attempt.
struct EnterRecoveryCodeView: View {
    let groups: UInt32
    let groupLength: UInt32
    let error: InputError?
    let attemptsLeft: UInt32?
    let enabled: Bool
    let submit: (String) -> Void
    @State private var typed = ""

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("Enter your recovery code").font(.title2.bold())
            Text("The \(groups) groups of \(groupLength) characters you wrote down. Spaces, dashes and case do not matter.")
            InputErrorView(error: error, attemptsLeft: error == nil ? nil : attemptsLeft)
            TextField("Recovery code", text: $typed)
                .textInputAutocapitalization(.characters)
                .autocorrectionDisabled()
                .font(.title3.monospaced())
                .textFieldStyle(.roundedBorder)
            Spacer()
            Button("Continue") { submit(typed) }
                .buttonStyle(.borderedProminent)
                .disabled(!enabled || typed.trimmingCharacters(in: .whitespaces).isEmpty)
        }
    }
}
