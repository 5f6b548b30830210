import Latchkey
import SwiftUI

/// `.reviewSignature`: what will be signed, exactly as the SDK decoded it (the app decodes
/// nothing); Approve goes on to the PIN, Reject ends the run with nothing signed.
struct ReviewSignatureView: View {
    let review: SignatureReview
    let enabled: Bool
    let approve: () -> Void
    let reject: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            ScrollView {
                VStack(alignment: .leading, spacing: 12) {
                    Text(headline).font(.title2.bold())
                    Text("Approve only if you started this request. Nothing is signed until you enter your PIN.")
                    FieldSection(title: "Wallet") {
                        Field(label: "Address", value: review.wallet.address, mono: true)
                        Field(label: "Blockchain", value: review.wallet.blockchain.id)
                    }
                    details
                    if let memo = review.memo {
                        VStack(alignment: .leading, spacing: 4) {
                            Text("Note from the app (not signed)").font(.caption)
                            Text(memo)
                        }
                        .padding(12)
                        .frame(maxWidth: .infinity, alignment: .leading)
                        .background(Color.accentColor.opacity(0.12), in: RoundedRectangle(cornerRadius: 8))
                    }
                }
            }
            Button("Approve and enter PIN", action: approve).buttonStyle(.borderedProminent).disabled(!enabled)
            Button("Reject", role: .destructive, action: reject).disabled(!enabled)
        }
    }

    private var headline: String {
        switch review.details {
        case .message: return "Sign this message?"
        case .typedData: return "Sign this data?"
        case .transaction: return "Sign this transaction?"
        }
    }

    @ViewBuilder private var details: some View {
        switch review.details {
        case let .message(text, hex, byteLength):
            FieldSection(title: "Message (\(byteLength) bytes)") {
                if let text {
                    Text(text).font(.body.monospaced())
                } else {
                    Text("Not readable text: these are the exact bytes signed.").font(.caption)
                    Text(hex).font(.callout.monospaced())
                }
            }
        case let .typedData(domain, primaryType, rows):
            FieldSection(title: "Domain") {
                if let name = domain.name { Field(label: "Name", value: name) }
                if let version = domain.version { Field(label: "Version", value: version) }
                if let chainId = domain.chainId { Field(label: "Chain id", value: chainId) }
                if let contract = domain.verifyingContract { Field(label: "Verifying contract", value: contract, mono: true) }
                if let salt = domain.salt { Field(label: "Salt", value: salt, mono: true) }
            }
            FieldSection(title: primaryType) {
                // The SDK flattens the tree in pre-order; depth is the indentation.
                ForEach(rows, id: \.path) { row in
                    VStack(alignment: .leading, spacing: 2) {
                        Text("\(row.name) · \(row.typeName)").font(.caption).foregroundStyle(.secondary)
                        if let value = row.value { Text(value).font(.callout.monospaced()) }
                    }
                    .padding(.leading, CGFloat(row.depth) * 16)
                }
            }
        case let .transaction(t):
            FieldSection(title: "Transaction (signed, not sent)") {
                Field(label: "Chain", value: "\(t.blockchain.id) (chain id \(t.chainId))")
                Field(label: "To", value: t.to ?? "New contract (contract creation)", mono: t.to != nil)
                Field(label: "Value", value: "\(t.value)\n\(t.valueWei) wei")
                Field(label: "Nonce", value: t.nonce)
            }
            FieldSection(title: "Fees") {
                Field(label: "Gas limit", value: t.gasLimit)
                Field(label: "Max fee per gas", value: "\(t.maxFeePerGasWei) wei")
                Field(label: "Max priority fee per gas", value: "\(t.maxPriorityFeePerGasWei) wei")
                Field(label: "Maximum fee", value: t.maxFeeWei.map { "\(t.maxFee)\n\($0) wei" } ?? t.maxFee)
            }
            FieldSection(title: "Call data (\(t.dataLength) bytes)") {
                if let selector = t.selector { Field(label: "Function selector", value: selector, mono: true) }
                Text(t.data).font(.caption.monospaced()).textSelection(.enabled)
                if t.accessListEntries > 0 { Field(label: "Access list", value: "\(t.accessListEntries) entries") }
            }
        }
    }
}

/// A titled group of fields.
struct FieldSection<Content: View>: View {
    let title: String
    @ViewBuilder let content: () -> Content

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(title).font(.headline)
            Divider()
            content()
        }
        .padding(12)
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(.quaternary, in: RoundedRectangle(cornerRadius: 8))
    }
}

/// A label over its value.
struct Field: View {
    let label: String
    let value: String
    var mono = false

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(label).font(.caption).foregroundStyle(.secondary)
            Text(value).font(mono ? .callout.monospaced() : .body).textSelection(.enabled)
        }
    }
}

/// A produced value (signature, raw transaction, hash), selectable for copying.
struct ResultRow: View {
    let label: String
    let value: String

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(label).font(.caption)
            Text(value).font(.caption.monospaced()).lineLimit(6).textSelection(.enabled)
        }
        .padding(12)
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(.quaternary, in: RoundedRectangle(cornerRadius: 8))
    }
}
