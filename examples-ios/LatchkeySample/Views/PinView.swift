import Latchkey
import SwiftUI

/// `.enterPin`: masked digits, the SDK's error, attempts left, number pad. `length` is the run's
/// PIN length (`ChallengeRun.pinLength()`): the pad submits when that many digits are typed and
/// the SDK checks every PIN rule.
struct PinView: View {
    let purpose: PinPurpose
    let length: Int
    let error: InputError?
    let attemptsLeft: UInt32?
    let enabled: Bool
    let submit: (String) -> Void
    @State private var digits = ""

    var body: some View {
        VStack(spacing: 16) {
            Text(title).font(.title2.bold())
            HStack(spacing: 16) {
                ForEach(0..<length, id: \.self) { i in
                    Circle()
                        .strokeBorder(Color.accentColor, lineWidth: 2)
                        .background(Circle().fill(i < digits.count ? Color.accentColor : .clear))
                        .frame(width: 20, height: 20)
                }
            }
            .accessibilityLabel("\(digits.count) of \(length) digits entered")
            InputErrorView(error: error, attemptsLeft: attemptsLeft)
            Spacer()
            NumberPad(enabled: enabled, digit: press, delete: { digits = String(digits.dropLast()) })
        }
    }

    private var title: String {
        switch purpose {
        case .current: return "Enter your PIN"
        case .new: return "Choose a new PIN"
        case .confirm: return "Confirm your new PIN"
        }
    }

    private func press(_ d: Character) {
        guard digits.count < length else { return }
        digits.append(d)
        if digits.count == length {
            submit(digits)
        }
    }
}

/// A 3x4 number pad (1-9, 0, delete).
struct NumberPad: View {
    let enabled: Bool
    let digit: (Character) -> Void
    let delete: () -> Void

    var body: some View {
        Grid(horizontalSpacing: 8, verticalSpacing: 8) {
            ForEach(["123", "456", "789", " 0<"], id: \.self) { row in
                GridRow {
                    ForEach(Array(row), id: \.self) { key in
                        switch key {
                        case " ":
                            Color.clear.frame(height: 56)
                        case "<":
                            Button(action: delete) { Image(systemName: "delete.left").frame(maxWidth: .infinity, minHeight: 56) }
                                .buttonStyle(.bordered).disabled(!enabled).accessibilityLabel("Delete")
                        default:
                            Button { digit(key) } label: { Text(String(key)).font(.title).frame(maxWidth: .infinity, minHeight: 56) }
                                .buttonStyle(.bordered).disabled(!enabled)
                        }
                    }
                }
            }
        }
    }
}

/// The SDK's explanation of a refused input, and attempts left.
struct InputErrorView: View {
    let error: InputError?
    let attemptsLeft: UInt32?

    var body: some View {
        if error != nil || attemptsLeft != nil {
            VStack(alignment: .leading, spacing: 4) {
                if let error { Text(error.detail) }
                if let attemptsLeft {
                    Text(attemptsLeft == 1 ? "You have 1 attempt left" : "You have \(attemptsLeft) attempts left").bold()
                }
            }
            .frame(maxWidth: .infinity, alignment: .leading)
            .padding(12)
            .background(Color.red.opacity(0.15), in: RoundedRectangle(cornerRadius: 8))
        }
    }
}
