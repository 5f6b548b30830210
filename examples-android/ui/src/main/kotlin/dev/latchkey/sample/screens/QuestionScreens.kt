package dev.latchkey.sample.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import dev.latchkey.QuestionKind
import dev.latchkey.Screen
import dev.latchkey.answerHint

/** `Screen.ChooseQuestion`: the catalogue to pick question `slot` from. */
@Composable
fun ChooseQuestionScreen(screen: Screen.ChooseQuestion, enabled: Boolean, onChoose: (String) -> Unit) {
    var picked by remember(screen) { mutableStateOf<String?>(null) }
    ScreenBody {
        Text("Security question ${screen.slot.number} of ${screen.slot.of}", style = MaterialTheme.typography.headlineSmall)
        Text("Pick a question only you can answer. It lets you set a new PIN if you forget yours.", style = MaterialTheme.typography.bodyMedium)
        InputErrorText(screen.error)
        LazyColumn(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            items(screen.options, key = { it.id }) { q ->
                Row(
                    Modifier.fillMaxWidth().clickable(enabled = enabled) { picked = q.id }.padding(vertical = 2.dp),
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    RadioButton(selected = picked == q.id, onClick = { picked = q.id }, enabled = enabled)
                    Text(q.text, style = MaterialTheme.typography.bodyLarge)
                }
            }
        }
        Button(onClick = { picked?.let(onChoose) }, enabled = enabled && picked != null, modifier = Modifier.fillMaxWidth()) {
            Text("Continue")
        }
    }
}

/**
 * `Screen.AnswerQuestion`: the answer (with the SDK's `answerHint`: how it normalises answers), a hint during setup, the
 * saved hint during recovery, the SDK's error and attempts left.
 */
@Composable
fun AnswerQuestionScreen(screen: Screen.AnswerQuestion, enabled: Boolean, onAnswer: (answer: String, hint: String?) -> Unit) {
    var answer by remember(screen) { mutableStateOf("") }
    var hint by remember(screen) { mutableStateOf("") }
    val date = screen.question.kind == QuestionKind.DATE
    ScreenBody {
        Text("Question ${screen.slot.number} of ${screen.slot.of}", style = MaterialTheme.typography.labelLarge)
        Text(screen.question.text, style = MaterialTheme.typography.headlineSmall)
        screen.savedHint?.let { saved ->
            Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer), modifier = Modifier.fillMaxWidth()) {
                Column(Modifier.padding(12.dp)) {
                    Text("Your hint", style = MaterialTheme.typography.labelMedium)
                    Text(saved, style = MaterialTheme.typography.bodyLarge)
                }
            }
        }
        OutlinedTextField(
            value = answer,
            onValueChange = { answer = it },
            label = { Text(if (date) "Date (YYYY-MM-DD)" else "Answer") },
            supportingText = { Text(answerHint(screen.question.kind)) },
            singleLine = true,
            enabled = enabled,
            keyboardOptions = KeyboardOptions(keyboardType = if (date) KeyboardType.Number else KeyboardType.Text),
            modifier = Modifier.fillMaxWidth(),
        )
        if (screen.hintAllowed) {
            OutlinedTextField(
                value = hint,
                onValueChange = { hint = it },
                label = { Text("Hint (optional)") },
                supportingText = { Text("Shown when you recover your PIN. It must not contain the answer.") },
                singleLine = true,
                enabled = enabled,
                modifier = Modifier.fillMaxWidth(),
            )
        }
        InputErrorText(screen.error, screen.attemptsLeft)
        Spacer(Modifier.weight(1f))
        Button(
            onClick = { onAnswer(answer, hint.takeIf { screen.hintAllowed && it.isNotBlank() }) },
            enabled = enabled && answer.isNotBlank(),
            modifier = Modifier.fillMaxWidth(),
        ) { Text("Continue") }
    }
}

