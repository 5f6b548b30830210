package dev.latchkey.sample.screens

import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Clear
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import dev.latchkey.PinPurpose
import dev.latchkey.Screen
import dev.latchkey.pinLength

/**
 * `Screen.EnterPin`: masked digits, the SDK's error, attempts left, and a number pad. [length] is
 * the SDK's PIN length (`ChallengeFlow.pinLength`); the pad submits when that many digits are
 * typed and the SDK checks every PIN rule.
 */
@Composable
fun PinScreen(screen: Screen.EnterPin, enabled: Boolean, onPin: (String) -> Unit, typed: String = "", length: Int = pinLength().toInt()) {
    // A new screen (next purpose, or the same purpose with an error) starts empty.
    var digits by remember(screen) { mutableStateOf(typed) }
    ScreenBody {
        Text(
            when (screen.purpose) {
                PinPurpose.CURRENT -> "Enter your PIN"
                PinPurpose.NEW -> "Choose a new PIN"
                PinPurpose.CONFIRM -> "Confirm your new PIN"
            },
            style = MaterialTheme.typography.headlineSmall,
        )
        Text(
            when (screen.purpose) {
                PinPurpose.CURRENT -> "Your $length-digit PIN protects your wallet."
                PinPurpose.NEW -> "Use $length digits that are hard to guess."
                PinPurpose.CONFIRM -> "Type the same $length digits again."
            },
            style = MaterialTheme.typography.bodyMedium,
        )
        Spacer(Modifier.height(8.dp))
        PinDots(digits.length, length)
        InputErrorText(screen.error, screen.attemptsLeft)
        Spacer(Modifier.weight(1f))
        NumberPad(
            enabled = enabled,
            onDigit = { d ->
                if (digits.length < length) {
                    digits += d
                    if (digits.length == length) onPin(digits)
                }
            },
            onDelete = { digits = digits.dropLast(1) },
        )
    }
}

/** [length] circles, the first [filled] of them filled. No digit is ever drawn. */
@Composable
fun PinDots(filled: Int, length: Int) {
    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.Center) {
        repeat(length) { i ->
            val color = MaterialTheme.colorScheme.primary
            Box(
                Modifier.padding(6.dp).size(24.dp)
                    .border(2.dp, color, CircleShape)
                    .let { if (i < filled) it.background(color, CircleShape) else it },
            )
        }
    }
}

/** A 3x4 number pad (1-9, 0, delete). */
@Composable
fun NumberPad(enabled: Boolean, onDigit: (Char) -> Unit, onDelete: () -> Unit) {
    val rows = listOf("123", "456", "789", " 0<")
    Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        for (row in rows) {
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                for (key in row) {
                    Box(Modifier.weight(1f), contentAlignment = Alignment.Center) {
                        when (key) {
                            ' ' -> Spacer(Modifier.height(56.dp))
                            '<' -> FilledTonalButton(onClick = onDelete, enabled = enabled, modifier = Modifier.fillMaxWidth().height(56.dp)) {
                                Icon(Icons.Filled.Clear, contentDescription = "Delete")
                            }
                            else -> FilledTonalButton(onClick = { onDigit(key) }, enabled = enabled, modifier = Modifier.fillMaxWidth().height(56.dp)) {
                                Text(key.toString(), style = MaterialTheme.typography.titleLarge)
                            }
                        }
                    }
                }
            }
        }
    }
}
