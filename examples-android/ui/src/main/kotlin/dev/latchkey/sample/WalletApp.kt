package dev.latchkey.sample

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import dev.latchkey.sample.screens.ChallengeActions
import dev.latchkey.sample.screens.ChallengeScreen

/** The whole app: collects the view model's state and draws it. */
@Composable
fun WalletApp(vm: WalletViewModel) {
    val state by vm.state.collectAsState()
    WalletContent(state, vm)
}

/** Draws [state]: backend screen, wallet home or the running challenge, plus the error banner. */
@Composable
fun WalletContent(state: WalletUiState, vm: WalletViewModel) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Box(Modifier.fillMaxSize()) {
            val account = state.account
            val challenge = state.challenge
            when {
                challenge != null -> ChallengeScreen(
                    challenge,
                    ChallengeActions(
                        submit = { vm.submit(it) },
                        back = { vm.back() },
                        cancel = { vm.cancel() },
                        retry = { vm.retry() },
                        close = { vm.closeChallenge() },
                    ),
                )
                account != null -> HomeScreen(account, state.loading, onAction = { vm.start(it) }, onRefresh = { vm.refresh() }, onSignOut = vm::signOut)
                else -> BackendScreen(state.settings, state.loading, onEdit = vm::editSettings, onSignIn = { vm.signIn() })
            }
            if (state.loading) LinearProgressIndicator(Modifier.fillMaxWidth().align(Alignment.TopCenter))
            state.error?.let { ErrorCard(it, onSignInAgain = { vm.signIn() }, onDismiss = vm::dismissError, modifier = Modifier.align(Alignment.BottomCenter)) }
        }
    }
}

/** A failed call: the SDK's text and code; "Sign in again" when the session is gone. */
@Composable
fun ErrorCard(error: ErrorBanner, onSignInAgain: () -> Unit, onDismiss: () -> Unit, modifier: Modifier = Modifier) {
    Card(
        colors = CardDefaults.cardColors(
            containerColor = MaterialTheme.colorScheme.errorContainer,
            contentColor = MaterialTheme.colorScheme.onErrorContainer,
        ),
        modifier = modifier.fillMaxWidth().padding(16.dp),
    ) {
        Column(Modifier.padding(16.dp)) {
            Text(error.text, style = MaterialTheme.typography.bodyMedium)
            Text("Error ${error.code}", style = MaterialTheme.typography.labelMedium)
            Row(Modifier.fillMaxWidth(), horizontalArrangement = androidx.compose.foundation.layout.Arrangement.End) {
                if (error.signInAgain) TextButton(onClick = onSignInAgain) { Text("Sign in again") }
                TextButton(onClick = onDismiss) { Text("Dismiss") }
            }
        }
    }
}
