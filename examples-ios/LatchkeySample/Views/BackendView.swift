import SwiftUI

/// The demo's "backend" screen: server URL, API key (demo only), user id.
struct BackendView: View {
    @Bindable var model: WalletModel

    var body: some View {
        Form {
            Section {
                Text("Demo backend. A real app gets the user token and encryption key from its own server; the API key never ships in an app.")
                    .font(.callout)
            }
            Section("Backend") {
                TextField("Server URL", text: $model.settings.serverURL)
                    .textInputAutocapitalization(.never)
                    .keyboardType(.URL)
                SecureField("API key (demo only)", text: $model.settings.apiKey)
                TextField("User id", text: $model.settings.userID)
                    .textInputAutocapitalization(.never)
            }
            Button("Sign in") { Task { await model.signIn() } }
                .disabled(model.loading)
        }
        .navigationTitle("Latchkey demo")
    }
}
