import Latchkey
import SwiftUI

/// `.chooseQuestion`: pick question `slot` from the catalogue.
struct ChooseQuestionView: View {
    let slot: Slot
    let options: [Question]
    let error: InputError?
    let enabled: Bool
    let choose: (String) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("Security question \(slot.number) of \(slot.of)").font(.title2.bold())
            Text("Pick a question only you can answer.")
            InputErrorView(error: error, attemptsLeft: nil)
            List(options, id: \.id) { question in
                Button(question.text) { choose(question.id) }.disabled(!enabled)
            }
            .listStyle(.plain)
        }
    }
}

/// `.answerQuestion`: answer (+ hint in setup; the saved hint in recovery).
struct AnswerQuestionView: View {
    let slot: Slot
    let question: Question
    let hintAllowed: Bool
    let savedHint: String?
    let error: InputError?
    let attemptsLeft: UInt32?
    let enabled: Bool
    let submit: (String, String?) -> Void
    @State private var answer = ""
    @State private var hint = ""

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text("Question \(slot.number) of \(slot.of)").font(.caption)
            Text(question.text).font(.title2.bold())
            if let savedHint {
                Label("Your hint: \(savedHint)", systemImage: "lightbulb")
            }
            TextField(question.kind == .date ? "YYYY-MM-DD" : "Answer", text: $answer)
                .textFieldStyle(.roundedBorder)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
            Text(question.kind.answerHint).font(.caption)
            if hintAllowed {
                TextField("Hint (optional)", text: $hint).textFieldStyle(.roundedBorder)
                Text("Shown when you recover your PIN. It must not contain the answer.").font(.caption)
            }
            InputErrorView(error: error, attemptsLeft: attemptsLeft)
            Spacer()
            Button("Continue") {
                submit(answer, hintAllowed && !hint.isEmpty ? hint : nil)
            }
            .buttonStyle(.borderedProminent)
            .frame(maxWidth: .infinity)
            .disabled(!enabled || answer.trimmingCharacters(in: .whitespaces).isEmpty)
        }
    }
}
