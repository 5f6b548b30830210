package dev.latchkey.sample

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import dev.latchkey.CredentialStatus
import dev.latchkey.sample.backend.AccountStatus
import dev.latchkey.sample.backend.CredentialState
import dev.latchkey.sample.screens.ScreenBody

/** The wallet home: PIN and security-question status and the actions they allow. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun HomeScreen(account: AccountStatus, loading: Boolean, onAction: (WalletAction) -> Unit, onRefresh: () -> Unit, onSignOut: () -> Unit) {
    Column {
        TopAppBar(
            title = { Text("Wallet") },
            actions = {
                TextButton(onClick = onRefresh, enabled = !loading) { Text("Refresh") }
                TextButton(onClick = onSignOut) { Text("Sign out") }
            },
        )
        ScreenBody {
            Text("Signed in as ${account.userId}", style = MaterialTheme.typography.titleMedium)
            StatusCard("PIN", account.pin)
            StatusCard("Security questions", account.questions)
            Spacer(Modifier.padding(4.dp))
            val pin = account.pin.status
            val questions = account.questions.status
            if (pin == CredentialStatus.UNSET) {
                ActionButton("Set up PIN and security questions", !loading, primary = true) { onAction(WalletAction.SET_UP) }
            }
            if (pin != CredentialStatus.UNSET && questions == CredentialStatus.UNSET) {
                ActionButton("Set up security questions", !loading, primary = true) { onAction(WalletAction.SET_QUESTIONS) }
            }
            if (pin == CredentialStatus.ENABLED) {
                ActionButton("Sign a message", !loading, primary = true) { onAction(WalletAction.SIGN_MESSAGE) }
                ActionButton("Change PIN", !loading) { onAction(WalletAction.CHANGE_PIN) }
            }
            if (pin != CredentialStatus.UNSET && questions != CredentialStatus.UNSET) {
                ActionButton("Forgot PIN", !loading) { onAction(WalletAction.FORGOT_PIN) }
            }
        }
    }
}

@Composable
private fun ActionButton(label: String, enabled: Boolean, primary: Boolean = false, onClick: () -> Unit) {
    if (primary) {
        Button(onClick = onClick, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text(label) }
    } else {
        OutlinedButton(onClick = onClick, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text(label) }
    }
}

/** One credential's status, failed attempts and lock. */
@Composable
fun StatusCard(name: String, state: CredentialState) {
    Card(Modifier.fillMaxWidth()) {
        Row(Modifier.padding(16.dp), verticalAlignment = Alignment.CenterVertically) {
            val (icon, tint) = when (state.status) {
                CredentialStatus.ENABLED -> Icons.Filled.CheckCircle to MaterialTheme.colorScheme.primary
                CredentialStatus.LOCKED -> Icons.Filled.Lock to MaterialTheme.colorScheme.error
                else -> Icons.Filled.Info to MaterialTheme.colorScheme.onSurfaceVariant
            }
            Icon(icon, contentDescription = null, tint = tint)
            Spacer(Modifier.width(16.dp))
            Column {
                Text(name, style = MaterialTheme.typography.titleMedium)
                Text(
                    when (state.status) {
                        CredentialStatus.ENABLED -> "Set"
                        CredentialStatus.UNSET -> "Not set"
                        CredentialStatus.LOCKED -> "Locked" + (state.lockedUntil?.let { " until $it" } ?: "")
                        CredentialStatus.UNKNOWN -> "Unknown"
                    },
                    style = MaterialTheme.typography.bodyMedium,
                )
                if (state.failedAttempts > 0u && state.status != CredentialStatus.LOCKED) {
                    Text("${state.failedAttempts} wrong attempt(s) since the last success", style = MaterialTheme.typography.bodySmall)
                }
            }
        }
    }
}
