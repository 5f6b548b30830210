package dev.latchkey.sample.screens

import androidx.compose.foundation.layout.Spacer
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
import dev.latchkey.ChallengeType
import dev.latchkey.Screen
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

/** `Screen.Done`: the challenge completed. */
@Composable
fun DoneScreen(type: ChallengeType, onClose: () -> Unit) {
    StatusBody(
        Icons.Filled.CheckCircle,
        MaterialTheme.colorScheme.primary,
        "Done",
        when (type) {
            ChallengeType.INITIALIZE -> "Your PIN and security questions are set."
            ChallengeType.SET_PIN -> "Your PIN is set."
            ChallengeType.CHANGE_PIN -> "Your PIN was changed."
            ChallengeType.SET_SECURITY_QUESTIONS -> "Your security questions are set."
            ChallengeType.RESTORE_PIN -> "Your new PIN is set."
            ChallengeType.SIGN_MESSAGE -> "The message was signed."
            ChallengeType.UNKNOWN -> "Finished."
        },
    ) {
        Button(onClick = onClose, modifier = Modifier.fillMaxWidth()) { Text("Back to wallet") }
    }
}

/** `Screen.Failed`: the SDK's explanation and code. */
@Composable
fun FailedScreen(screen: Screen.Failed, onClose: () -> Unit) {
    StatusBody(Icons.Filled.Warning, MaterialTheme.colorScheme.error, "Something went wrong", "${screen.detail}\n(error ${screen.code})") {
        Button(onClick = onClose, modifier = Modifier.fillMaxWidth()) { Text("Close") }
    }
}

/** `Screen.Locked`: too many wrong guesses; a countdown to the lock's expiry. */
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
        append(if (screen.code == PIN_LOCKED) "Too many wrong PINs." else "Too many wrong answers.")
        append('\n')
        append(if (until == null) "Try again later." else "Try again in ${countdown(until - now)}.")
    }
    StatusBody(Icons.Filled.Lock, MaterialTheme.colorScheme.error, "Locked", "$text\n(error ${screen.code})") {
        Button(onClick = onClose, modifier = Modifier.fillMaxWidth()) { Text("Close") }
    }
}

/** 155119: the PIN is locked (155120: the answers are). The Locked screen carries no text yet. */
private const val PIN_LOCKED = 155119u

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
