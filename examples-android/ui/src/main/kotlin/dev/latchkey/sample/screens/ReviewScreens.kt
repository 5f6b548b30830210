package dev.latchkey.sample.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import dev.latchkey.Screen

/** `Screen.Review`: the chosen questions and hints, and the SDK's warning to acknowledge. */
@Composable
fun ReviewScreen(screen: Screen.Review, enabled: Boolean, onAcknowledge: () -> Unit, acknowledged: Boolean = false) {
    var agreed by remember(screen) { mutableStateOf(acknowledged) }
    ScreenBody {
        Text("Review your security questions", style = MaterialTheme.typography.headlineSmall)
        for (e in screen.entries) {
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(12.dp)) {
                    Text(e.question.text, style = MaterialTheme.typography.titleSmall)
                    Text(e.hint?.let { "Hint: $it" } ?: "No hint", style = MaterialTheme.typography.bodyMedium)
                }
            }
        }
        Card(
            colors = CardDefaults.cardColors(
                containerColor = MaterialTheme.colorScheme.errorContainer,
                contentColor = MaterialTheme.colorScheme.onErrorContainer,
            ),
            modifier = Modifier.fillMaxWidth(),
        ) {
            Text(screen.acknowledgement, Modifier.padding(12.dp), style = MaterialTheme.typography.bodyMedium)
        }
        Row(Modifier.fillMaxWidth().clickable(enabled = enabled) { agreed = !agreed }, verticalAlignment = Alignment.CenterVertically) {
            Checkbox(checked = agreed, onCheckedChange = { agreed = it }, enabled = enabled)
            Text("I understand", style = MaterialTheme.typography.bodyLarge)
        }
        Spacer(Modifier.weight(1f))
        Button(onClick = onAcknowledge, enabled = enabled && agreed, modifier = Modifier.fillMaxWidth()) { Text("Save") }
    }
}

/** `Screen.AuthorizeMessage`: the message to approve with the PIN. */
@Composable
fun AuthorizeMessageScreen(screen: Screen.AuthorizeMessage, enabled: Boolean, onApprove: () -> Unit, onReject: () -> Unit) {
    ScreenBody {
        Text("Sign this message?", style = MaterialTheme.typography.headlineSmall)
        Text("Approve only if you started this request.", style = MaterialTheme.typography.bodyMedium)
        Card(Modifier.fillMaxWidth()) {
            Text(screen.message, Modifier.padding(16.dp), fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodyLarge)
        }
        Spacer(Modifier.weight(1f))
        Button(onClick = onApprove, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Approve with PIN") }
        OutlinedButton(onClick = onReject, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Reject") }
    }
}
