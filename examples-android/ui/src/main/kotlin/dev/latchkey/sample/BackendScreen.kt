package dev.latchkey.sample

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import dev.latchkey.sample.backend.BackendSettings
import dev.latchkey.sample.screens.ScreenBody

/** The demo's "backend" screen: server URL, API key (demo only) and user id. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun BackendScreen(settings: BackendSettings, loading: Boolean, onEdit: (BackendSettings) -> Unit, onSignIn: () -> Unit) {
    Column {
        TopAppBar(title = { Text("Latchkey demo") })
        ScreenBody {
            Card(
                colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer),
                modifier = Modifier.fillMaxWidth(),
            ) {
                Text(
                    "Demo backend. A real app gets the user token and encryption key from its own server; " +
                        "the API key never ships in an app.",
                    Modifier.padding(12.dp),
                    style = MaterialTheme.typography.bodyMedium,
                )
            }
            OutlinedTextField(
                settings.serverUrl, { onEdit(settings.copy(serverUrl = it)) },
                label = { Text("Server URL") }, singleLine = true, modifier = Modifier.fillMaxWidth(),
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
            )
            OutlinedTextField(
                settings.apiKey, { onEdit(settings.copy(apiKey = it)) },
                label = { Text("API key (demo only)") }, singleLine = true, modifier = Modifier.fillMaxWidth(),
                visualTransformation = PasswordVisualTransformation(),
            )
            OutlinedTextField(
                settings.userId, { onEdit(settings.copy(userId = it)) },
                label = { Text("User id") }, singleLine = true, modifier = Modifier.fillMaxWidth(),
            )
            Spacer(Modifier.weight(1f))
            Button(onClick = onSignIn, enabled = !loading, modifier = Modifier.fillMaxWidth()) { Text("Sign in") }
        }
    }
}
