package dev.latchkey.sample.screens

import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import dev.latchkey.CloudAction
import dev.latchkey.Screen
import dev.latchkey.screenMessage

/** `Screen.CloudWorking`: the app's cloud storage is working (inputs are refused; cancel is allowed). */
@Composable
fun CloudWorkingScreen(screen: Screen.CloudWorking) {
    ScreenBody {
        Spacer(Modifier.weight(1f))
        CircularProgressIndicator(Modifier.align(Alignment.CenterHorizontally))
        Text(
            when (screen.action) {
                CloudAction.SAVING -> "Saving the backup to your cloud…"
                CloudAction.CHECKING -> "Checking the backup…"
                CloudAction.CLEANING_UP -> "Removing the old backup…"
                CloudAction.READING -> "Reading the backup from your cloud…"
            },
            style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.align(Alignment.CenterHorizontally),
        )
        Spacer(Modifier.weight(1f))
    }
}

/** `Screen.CloudStorageFailed`: the storage failed (the app's reason); the previous backup is untouched. */
@Composable
fun CloudStorageFailedScreen(screen: Screen.CloudStorageFailed, enabled: Boolean, onRetry: () -> Unit, onCancel: () -> Unit) {
    val why = if (screen.reason.isEmpty()) screen.detail else "${screen.detail}\n${screen.reason}"
    StatusBody(Icons.Filled.Refresh, MaterialTheme.colorScheme.primary, "Cloud storage problem", "$why\n(error ${screen.code})") {
        Button(onClick = onRetry, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Try again") }
        Spacer(Modifier.height(8.dp))
        OutlinedButton(onClick = onCancel, modifier = Modifier.fillMaxWidth()) { Text("Cancel") }
    }
}

/** `Screen.StartCloudRestore`: the backup will be read from the user's cloud. */
@Composable
fun StartCloudRestoreScreen(screen: Screen.StartCloudRestore, enabled: Boolean, onContinue: () -> Unit) {
    val error = screen.error?.let { "\n${it.detail}" } ?: ""
    StatusBody(Icons.Filled.Refresh, MaterialTheme.colorScheme.primary, "Restore with your cloud backup", "Your backup will be read from this account's cloud.$error") {
        Button(onClick = onContinue, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Continue") }
    }
}

/** `Screen.NoCloudBackup`: no backup in this cloud account; retry after signing in to the right one. */
@Composable
fun NoCloudBackupScreen(screen: Screen.NoCloudBackup, enabled: Boolean, onRetry: () -> Unit, onCancel: () -> Unit) {
    StatusBody(Icons.Filled.Warning, MaterialTheme.colorScheme.error, "No backup found", screenMessage(screen) ?: "") {
        Button(onClick = onRetry, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Try again") }
        Spacer(Modifier.height(8.dp))
        OutlinedButton(onClick = onCancel, modifier = Modifier.fillMaxWidth()) { Text("Cancel") }
    }
}
