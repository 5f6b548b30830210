package dev.latchkey.sample.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.unit.dp
import dev.latchkey.Screen

/**
 * `Screen.ShowRecoveryCode`: the new recovery code in its groups and the SDK's warning; "I wrote it down" goes on
 * (`Input.Acknowledge`). The groups are secret: drawn here, never logged or kept after this screen.
 */
@Composable
fun ShowRecoveryCodeScreen(screen: Screen.ShowRecoveryCode, enabled: Boolean, onWrittenDown: () -> Unit) {
    var agreed by remember(screen) { mutableStateOf(false) }
    ScreenBody {
        Text("Your recovery code", style = MaterialTheme.typography.headlineSmall)
        Card(Modifier.fillMaxWidth()) {
            Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                screen.groups.chunked(4).forEachIndexed { row, groups ->
                    Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                        groups.forEachIndexed { i, g ->
                            Text("${row * 4 + i + 1}. $g", fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.titleMedium)
                        }
                    }
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
            Text(screen.warning, Modifier.padding(12.dp), style = MaterialTheme.typography.bodyMedium)
        }
        Row(Modifier.fillMaxWidth().clickable(enabled = enabled) { agreed = !agreed }, verticalAlignment = Alignment.CenterVertically) {
            Checkbox(checked = agreed, onCheckedChange = { agreed = it }, enabled = enabled)
            Text("I wrote it down", style = MaterialTheme.typography.bodyLarge)
        }
        Spacer(Modifier.weight(1f))
        Button(onClick = onWrittenDown, enabled = enabled && agreed, modifier = Modifier.fillMaxWidth()) { Text("Continue") }
    }
}

/** `Screen.ConfirmRecoveryCode`: retype the groups the SDK picked (`Input.RecoveryCode`); back shows the code again. */
@Composable
fun ConfirmRecoveryCodeScreen(screen: Screen.ConfirmRecoveryCode, enabled: Boolean, onCode: (String) -> Unit) {
    var typed by remember(screen) { mutableStateOf("") }
    val which = screen.groups.joinToString(" and ") { "group $it" }
    ScreenBody {
        Text("Check your copy", style = MaterialTheme.typography.headlineSmall)
        Text("Type $which of your recovery code, in that order.", style = MaterialTheme.typography.bodyMedium)
        InputErrorText(screen.error)
        CodeField(typed, enabled, onValueChange = { typed = it }, label = "Groups ${screen.groups.joinToString(", ")}")
        Spacer(Modifier.weight(1f))
        Button(onClick = { onCode(typed) }, enabled = enabled && typed.isNotBlank(), modifier = Modifier.fillMaxWidth()) { Text("Save code") }
    }
}

/**
 * `Screen.EnterRecoveryCode`: the whole code (`Input.RecoveryCode`). A typo is reported by the SDK with its group
 * and costs no attempt; a refused proof shows the attempts left.
 */
@Composable
fun EnterRecoveryCodeScreen(screen: Screen.EnterRecoveryCode, enabled: Boolean, onCode: (String) -> Unit) {
    var typed by remember(screen) { mutableStateOf("") }
    ScreenBody {
        Text("Enter your recovery code", style = MaterialTheme.typography.headlineSmall)
        Text(
            "The ${screen.groups} groups of ${screen.groupLength} characters you wrote down. Spaces, dashes and case do not matter.",
            style = MaterialTheme.typography.bodyMedium,
        )
        InputErrorText(screen.error, screen.attemptsLeft?.takeIf { screen.error != null })
        CodeField(typed, enabled, onValueChange = { typed = it }, label = "Recovery code")
        Spacer(Modifier.weight(1f))
        Button(onClick = { onCode(typed) }, enabled = enabled && typed.isNotBlank(), modifier = Modifier.fillMaxWidth()) { Text("Continue") }
    }
}

@Composable
private fun CodeField(value: String, enabled: Boolean, onValueChange: (String) -> Unit, label: String) {
    OutlinedTextField(
        value = value,
        onValueChange = onValueChange,
        enabled = enabled,
        singleLine = true,
        label = { Text(label) },
        textStyle = MaterialTheme.typography.titleMedium.copy(fontFamily = FontFamily.Monospace),
        keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.Characters),
        modifier = Modifier.fillMaxWidth(),
    )
}
