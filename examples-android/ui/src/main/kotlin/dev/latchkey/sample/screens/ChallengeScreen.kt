package dev.latchkey.sample.screens

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import dev.latchkey.ChallengeType
import dev.latchkey.Input
import dev.latchkey.Progress
import dev.latchkey.Screen
import dev.latchkey.isTerminal
import dev.latchkey.sample.ChallengeUi

/** What a challenge screen can do; the view model implements each. */
class ChallengeActions(
    val submit: (Input) -> Unit,
    val back: () -> Unit,
    val cancel: () -> Unit,
    val retry: () -> Unit,
    val close: () -> Unit,
)

/** A running challenge: top bar (back, title, cancel), step progress, and the SDK's current screen. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ChallengeScreen(challenge: ChallengeUi, actions: ChallengeActions) {
    val screen = challenge.screen
    val enabled = !challenge.busy && screen !is Screen.Working
    Column(Modifier.fillMaxSize()) {
        TopAppBar(
            title = { Text(title(challenge.type)) },
            navigationIcon = {
                if (!screen.isTerminal) {
                    IconButton(onClick = actions.back, enabled = enabled) {
                        Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = "Back")
                    }
                }
            },
            actions = {
                if (!screen.isTerminal) TextButton(onClick = actions.cancel) { Text("Cancel") }
            },
        )
        val p = progressOf(screen)
        if (!screen.isTerminal && p.of > 0u) {
            LinearProgressIndicator(progress = { p.step.toFloat() / p.of.toFloat() }, modifier = Modifier.fillMaxWidth())
        }
        ScreenContent(challenge.type, screen, enabled, actions)
    }
}

/** One composable per SDK screen; a new `Screen` variant fails compilation here until drawn. */
@Composable
fun ScreenContent(type: ChallengeType, screen: Screen, enabled: Boolean, actions: ChallengeActions) {
    when (screen) {
        is Screen.EnterPin -> PinScreen(screen, enabled, onPin = { actions.submit(Input.Pin(it)) })
        is Screen.ChooseQuestion -> ChooseQuestionScreen(screen, enabled, onChoose = { actions.submit(Input.ChooseQuestion(it)) })
        is Screen.AnswerQuestion -> AnswerQuestionScreen(screen, enabled, onAnswer = { a, h -> actions.submit(Input.Answer(a, h)) })
        is Screen.Review -> ReviewScreen(screen, enabled, onAcknowledge = { actions.submit(Input.Acknowledge) })
        is Screen.AuthorizeMessage -> AuthorizeMessageScreen(screen, enabled, onApprove = { actions.submit(Input.Acknowledge) }, onReject = actions.cancel)
        is Screen.Working -> WorkingScreen(screen)
        is Screen.Interrupted -> InterruptedScreen(screen, enabled, onRetry = actions.retry, onCancel = actions.cancel)
        is Screen.Done -> DoneScreen(type, onClose = actions.close)
        is Screen.Failed -> FailedScreen(screen, onClose = actions.close)
        is Screen.Locked -> LockedScreen(screen, onClose = actions.close)
        is Screen.Cancelled -> CancelledScreen(onClose = actions.close)
    }
}

private fun title(type: ChallengeType) = when (type) {
    ChallengeType.INITIALIZE -> "Set up PIN"
    ChallengeType.SET_PIN -> "Set PIN"
    ChallengeType.CHANGE_PIN -> "Change PIN"
    ChallengeType.SET_SECURITY_QUESTIONS -> "Security questions"
    ChallengeType.RESTORE_PIN -> "Forgot PIN"
    ChallengeType.SIGN_MESSAGE -> "Sign message"
    ChallengeType.UNKNOWN -> "Latchkey"
}

private fun progressOf(s: Screen): Progress = when (s) {
    is Screen.EnterPin -> s.progress
    is Screen.ChooseQuestion -> s.progress
    is Screen.AnswerQuestion -> s.progress
    is Screen.Review -> s.progress
    is Screen.AuthorizeMessage -> s.progress
    is Screen.Working -> s.progress
    is Screen.Interrupted -> s.progress
    is Screen.Done -> s.progress
    is Screen.Failed -> s.progress
    is Screen.Locked -> s.progress
    is Screen.Cancelled -> s.progress
}
