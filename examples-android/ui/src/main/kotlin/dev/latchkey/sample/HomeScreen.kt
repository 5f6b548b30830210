package dev.latchkey.sample

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.material.icons.Icons
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material.icons.filled.AccountBox
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
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import dev.latchkey.CredentialDetails
import dev.latchkey.CredentialStatus
import dev.latchkey.User
import dev.latchkey.Wallet
import dev.latchkey.WalletState
import dev.latchkey.id
import dev.latchkey.sample.screens.ScreenBody

/** The wallet home: the wallets, PIN and security-question status (`Session.user()`), and the actions they allow. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun HomeScreen(
    account: User,
    wallets: List<Wallet>,
    loading: Boolean,
    onAction: (WalletAction) -> Unit,
    onRefresh: () -> Unit,
    onSignOut: () -> Unit,
) {
    Column {
        TopAppBar(
            title = { Text("Wallet") },
            actions = {
                TextButton(onClick = onRefresh, enabled = !loading) { Text("Refresh") }
                TextButton(onClick = onSignOut) { Text("Sign out") }
            },
        )
        ScreenBody {
            Text("Signed in as ${account.id}", style = MaterialTheme.typography.titleMedium)
            if (wallets.isNotEmpty()) WalletsCard(wallets)
            StatusCard("PIN", account.pinStatus, account.pinDetails)
            StatusCard("Security questions", account.securityQuestionStatus, account.securityQuestionDetails)
            // Questions and recovery codes share one guess count (and so one lock).
            StatusCard("Recovery code", account.recoveryCodeStatus, account.securityQuestionDetails)
            Spacer(Modifier.padding(4.dp))
            val pin = account.pinStatus
            val questions = account.securityQuestionStatus
            if (pin == CredentialStatus.UNSET) {
                ActionButton("Create your wallet: PIN and security questions", !loading, primary = true) { onAction(WalletAction.SET_UP) }
            }
            if (pin != CredentialStatus.UNSET && questions == CredentialStatus.UNSET) {
                ActionButton("Set up security questions", !loading, primary = true) { onAction(WalletAction.SET_QUESTIONS) }
            }
            if (pin == CredentialStatus.ENABLED && wallets.isNotEmpty()) {
                ActionButton("Sign a message", !loading, primary = true) { onAction(WalletAction.SIGN_MESSAGE) }
            }
            if (pin == CredentialStatus.ENABLED && wallets.isEmpty()) {
                ActionButton("Create a wallet", !loading, primary = true) { onAction(WalletAction.CREATE_WALLET) }
            }
            if (pin == CredentialStatus.ENABLED) {
                ActionButton("Change PIN", !loading) { onAction(WalletAction.CHANGE_PIN) }
            }
            if (pin != CredentialStatus.UNSET && questions != CredentialStatus.UNSET) {
                ActionButton("Forgot PIN", !loading) { onAction(WalletAction.FORGOT_PIN) }
            }
            val code = account.recoveryCodeStatus
            if (pin == CredentialStatus.ENABLED) {
                // After a recovery by code the code is used up (UNSET): offer a new one first.
                val label = if (code == CredentialStatus.UNSET) "Set up a recovery code" else "Replace recovery code"
                ActionButton(label, !loading) { onAction(WalletAction.SET_RECOVERY_CODE) }
            }
            if (pin != CredentialStatus.UNSET && code != CredentialStatus.UNSET) {
                ActionButton("Forgot PIN: use recovery code", !loading) { onAction(WalletAction.FORGOT_PIN_WITH_CODE) }
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

/** The user's wallets: blockchain and address (one key: the same address on every EVM chain). */
@Composable
fun WalletsCard(wallets: List<Wallet>) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Icon(Icons.Filled.AccountBox, contentDescription = null, tint = MaterialTheme.colorScheme.primary)
                Spacer(Modifier.width(16.dp))
                Text(if (wallets.size == 1) "Wallet" else "Wallets (${wallets.size})", style = MaterialTheme.typography.titleMedium)
            }
            for (w in wallets) {
                Spacer(Modifier.padding(4.dp))
                Text(
                    w.blockchain.id + if (w.state == WalletState.LIVE) "" else " (${w.state.name.lowercase()})",
                    style = MaterialTheme.typography.labelLarge,
                )
                SelectionContainer { Text(w.address, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodySmall) }
            }
        }
    }
}

/** One credential's status, failed attempts and lock. */
@Composable
fun StatusCard(name: String, status: CredentialStatus, details: CredentialDetails) {
    Card(Modifier.fillMaxWidth()) {
        Row(Modifier.padding(16.dp), verticalAlignment = Alignment.CenterVertically) {
            val (icon, tint) = when (status) {
                CredentialStatus.ENABLED -> Icons.Filled.CheckCircle to MaterialTheme.colorScheme.primary
                CredentialStatus.LOCKED -> Icons.Filled.Lock to MaterialTheme.colorScheme.error
                else -> Icons.Filled.Info to MaterialTheme.colorScheme.onSurfaceVariant
            }
            Icon(icon, contentDescription = null, tint = tint)
            Spacer(Modifier.width(16.dp))
            Column {
                Text(name, style = MaterialTheme.typography.titleMedium)
                Text(
                    when (status) {
                        CredentialStatus.ENABLED -> "Set"
                        CredentialStatus.UNSET -> "Not set"
                        CredentialStatus.LOCKED -> "Locked" + (details.lockedExpiryDate?.let { " until $it" } ?: "")
                        CredentialStatus.UNKNOWN -> "Unknown"
                    },
                    style = MaterialTheme.typography.bodyMedium,
                )
                if (details.failedAttempts > 0u && status != CredentialStatus.LOCKED) {
                    Text("${details.failedAttempts} wrong attempt(s) since the last success", style = MaterialTheme.typography.bodySmall)
                }
            }
        }
    }
}
