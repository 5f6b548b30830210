package dev.latchkey.sample.screens

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.Card
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableLongStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import dev.latchkey.ChallengeResult
import dev.latchkey.ChallengeType
import dev.latchkey.LockedCredential
import dev.latchkey.Screen
import dev.latchkey.lockedCredential
import dev.latchkey.sample.LocalNowUnix
import kotlinx.coroutines.delay

/** `Screen.Working`: a request is in flight; cancel stays available in the top bar. */
@Composable
fun WorkingScreen(screen: Screen.Working) {
    ScreenBody {
        Spacer(Modifier.weight(1f))
        CircularProgressIndicator(Modifier.align(androidx.compose.ui.Alignment.CenterHorizontally))
        Text(
            when (screen.step) {
                "CURRENT_PIN" -> "Checking your PIN…"
                "ANSWERS" -> "Checking your answers…"
                else -> "Saving…"
            },
            style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.align(androidx.compose.ui.Alignment.CenterHorizontally),
        )
        Spacer(Modifier.weight(1f))
    }
}

/** `Screen.Interrupted`: the step could not be delivered; retry (counted once) or cancel. */
@Composable
fun InterruptedScreen(screen: Screen.Interrupted, enabled: Boolean, onRetry: () -> Unit, onCancel: () -> Unit) {
    StatusBody(Icons.Filled.Refresh, MaterialTheme.colorScheme.primary, "Connection problem", "${screen.detail}\n(error ${screen.code})") {
        Button(onClick = onRetry, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Try again") }
        Spacer(Modifier.height(8.dp))
        OutlinedButton(onClick = onCancel, modifier = Modifier.fillMaxWidth()) { Text("Cancel") }
    }
}

/** `Screen.Done`: the challenge completed; what it produced (signature, signed transaction), if anything. */
@Composable
fun DoneScreen(type: ChallengeType, result: ChallengeResult?, onClose: () -> Unit) {
    StatusBody(
        Icons.Filled.CheckCircle,
        MaterialTheme.colorScheme.primary,
        "Done",
        when (type) {
            ChallengeType.INITIALIZE ->
                if (result?.walletIds.isNullOrEmpty()) "Your PIN and security questions are set." else "Your PIN, security questions and wallet are set."
            ChallengeType.SET_PIN -> "Your PIN is set."
            ChallengeType.CHANGE_PIN -> "Your PIN was changed."
            ChallengeType.SET_SECURITY_QUESTIONS -> "Your security questions are set."
            ChallengeType.RESTORE_PIN -> "Your new PIN is set. Your wallets and addresses are unchanged."
            ChallengeType.SIGN_MESSAGE -> "The message was signed."
            ChallengeType.SIGN_TYPED_DATA -> "The data was signed."
            ChallengeType.SIGN_TRANSACTION -> "The transaction was signed. It was not sent."
            ChallengeType.CREATE_WALLET -> "Your wallet was created."
            ChallengeType.UNKNOWN -> "Finished."
            ChallengeType.SET_RECOVERY_CODE -> "Your recovery code is saved. Keep your copy safe."
            ChallengeType.SET_CLOUD_BACKUP -> "Your cloud backup is set up."
        },
    ) {
        result?.signature?.let { ResultCard("Signature", it) }
        result?.signedTransaction?.let { ResultCard("Signed transaction", it) }
        result?.txHash?.let { ResultCard("Transaction hash", it) }
        Spacer(Modifier.height(16.dp))
        Button(onClick = onClose, modifier = Modifier.fillMaxWidth()) { Text("Back to wallet") }
    }
}

/** A produced value (signature, raw transaction, hash), selectable for copying. */
@Composable
private fun ResultCard(label: String, value: String) {
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(label, style = MaterialTheme.typography.labelMedium)
            SelectionContainer {
                Text(value, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodySmall, maxLines = 6, overflow = TextOverflow.Ellipsis)
            }
        }
    }
}

/** `Screen.Failed`: the SDK's explanation and code (a rejected signature is the user's choice, not an error). */
@Composable
fun FailedScreen(screen: Screen.Failed, onClose: () -> Unit) {
    val rejected = screen.code == USER_REJECTED
    StatusBody(
        if (rejected) Icons.Filled.Close else Icons.Filled.Warning,
        if (rejected) MaterialTheme.colorScheme.onSurfaceVariant else MaterialTheme.colorScheme.error,
        if (rejected) "Not signed" else "Something went wrong",
        "${screen.detail}\n(error ${screen.code})",
    ) {
        Button(onClick = onClose, modifier = Modifier.fillMaxWidth()) { Text("Close") }
    }
}

/** `Screen.Locked`: too many wrong guesses (which credential: the SDK's `lockedCredential`); a countdown to the lock's expiry. */
@Composable
fun LockedScreen(screen: Screen.Locked, onClose: () -> Unit) {
    val clock = LocalNowUnix.current
    var now by remember { mutableLongStateOf(clock()) }
    LaunchedEffect(screen) {
        while (true) {
            delay(1000)
            now = clock()
        }
    }
    val until = screen.lockExpiryUnix
    val text = buildString {
        append(if (screen.lockedCredential == LockedCredential.SECURITY_QUESTIONS) "Too many wrong answers." else "Too many wrong PINs.")
        append('\n')
        append(
            when {
                // The lifetime cap: waiting does not help (155832: "Forgot PIN" sets a new one).
                screen.recoveryRequired && screen.lockedCredential == LockedCredential.PIN -> "The PIN is disabled: use “Forgot PIN” to set a new one."
                screen.recoveryRequired -> "Recovery with answers is disabled: set new security questions with your PIN, or ask support to reset them."
                until == null -> "Try again later."
                else -> "Try again in ${countdown(until - now)}."
            },
        )
    }
    StatusBody(Icons.Filled.Lock, MaterialTheme.colorScheme.error, "Locked", "$text\n(error ${screen.code})") {
        Button(onClick = onClose, modifier = Modifier.fillMaxWidth()) { Text("Close") }
    }
}

/** 155826: the user rejected the signature request on the review screen; nothing was signed. */
private const val USER_REJECTED = 155826u

/** `h:mm:ss` / `m:ss` of a number of seconds (0 once past). */
fun countdown(seconds: Long): String {
    val s = seconds.coerceAtLeast(0)
    val h = s / 3600
    val m = (s % 3600) / 60
    val r = s % 60
    return if (h > 0) "%d:%02d:%02d".format(h, m, r) else "%d:%02d".format(m, r)
}

/** `Screen.Cancelled`. */
@Composable
fun CancelledScreen(onClose: () -> Unit) {
    StatusBody(Icons.Filled.Close, MaterialTheme.colorScheme.onSurfaceVariant, "Cancelled", "Nothing was changed.") {
        Button(onClick = onClose, modifier = Modifier.fillMaxWidth()) { Text("Back to wallet") }
    }
}
