import SwiftUI

/// The Latchkey sample app (SwiftUI, App lifecycle).
@main
struct LatchkeySampleApp: App {
    @State private var model = WalletModel()

    var body: some Scene {
        WindowGroup {
            RootView(model: model)
        }
    }
}

/// Backend screen, wallet home or the running challenge, plus the error banner.
struct RootView: View {
    @Bindable var model: WalletModel

    var body: some View {
        NavigationStack {
            Group {
                if let screen = model.screen, let type = model.challengeType {
                    ChallengeView(model: model, type: type, screen: screen)
                } else if let account = model.account {
                    HomeView(model: model, account: account)
                } else {
                    BackendView(model: model)
                }
            }
        }
        .overlay(alignment: .bottom) {
            if let error = model.error {
                ErrorBannerView(error: error, model: model)
            }
        }
    }
}

/// A refused call: the SDK's text and code; "Sign in again" when the session is gone.
struct ErrorBannerView: View {
    let error: ErrorBanner
    let model: WalletModel

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(error.text)
            Text("Error \(error.code)").font(.caption)
            HStack {
                Spacer()
                if error.signInAgain {
                    Button("Sign in again") { Task { await model.signIn() } }
                }
                Button("Dismiss") { model.error = nil }
            }
        }
        .padding()
        .background(Color.red.opacity(0.15), in: RoundedRectangle(cornerRadius: 12))
        .padding()
    }
}
