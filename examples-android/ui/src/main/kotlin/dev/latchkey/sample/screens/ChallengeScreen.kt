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
import dev.latchkey.Screen
import dev.latchkey.isTerminal
import dev.latchkey.progress
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
        val p = screen.progress
        if (!screen.isTerminal && p.of > 0u) {
            LinearProgressIndicator(progress = { p.step.toFloat() / p.of.toFloat() }, modifier = Modifier.fillMaxWidth())
        }
        ScreenContent(challenge.type, screen, enabled, actions, challenge.pinLength)
    }
}

/** One composable per SDK screen; a new `Screen` variant fails compilation here until drawn. */
@Composable
fun ScreenContent(type: ChallengeType, screen: Screen, enabled: Boolean, actions: ChallengeActions, pinLength: Int = dev.latchkey.pinLength().toInt()) {
    when (screen) {
        is Screen.EnterPin -> PinScreen(screen, enabled, onPin = { actions.submit(Input.Pin(it)) }, length = pinLength)
        is Screen.ChooseQuestion -> ChooseQuestionScreen(screen, enabled, onChoose = { actions.submit(Input.ChooseQuestion(it)) })
        is Screen.AnswerQuestion -> AnswerQuestionScreen(screen, enabled, onAnswer = { a, h -> actions.submit(Input.Answer(a, h)) })
        is Screen.Review -> ReviewScreen(screen, enabled, onAcknowledge = { actions.submit(Input.Acknowledge) })
        is Screen.ReviewSignature -> ReviewSignatureScreen(screen, enabled, onApprove = { actions.submit(Input.Acknowledge) }, onReject = { actions.submit(Input.Reject) })
        is Screen.Working -> WorkingScreen(screen)
        is Screen.Interrupted -> InterruptedScreen(screen, enabled, onRetry = actions.retry, onCancel = actions.cancel)
        is Screen.Done -> DoneScreen(type, screen.result, onClose = actions.close)
        is Screen.Failed -> FailedScreen(screen, onClose = actions.close)
        is Screen.Locked -> LockedScreen(screen, onClose = actions.close)
        is Screen.Cancelled -> CancelledScreen(onClose = actions.close)
        is Screen.ShowRecoveryCode -> ShowRecoveryCodeScreen(screen, enabled, onWrittenDown = { actions.submit(Input.Acknowledge) })
        is Screen.ConfirmRecoveryCode -> ConfirmRecoveryCodeScreen(screen, enabled, onCode = { actions.submit(Input.RecoveryCode(it)) })
        is Screen.EnterRecoveryCode -> EnterRecoveryCodeScreen(screen, enabled, onCode = { actions.submit(Input.RecoveryCode(it)) })
        is Screen.CloudWorking -> CloudWorkingScreen(screen)
        is Screen.CloudStorageFailed -> CloudStorageFailedScreen(screen, enabled, onRetry = actions.retry, onCancel = actions.cancel)
        is Screen.StartCloudRestore -> StartCloudRestoreScreen(screen, enabled, onContinue = { actions.submit(Input.Acknowledge) })
        is Screen.NoCloudBackup -> NoCloudBackupScreen(screen, enabled, onRetry = actions.retry, onCancel = actions.cancel)
    }
}

private fun title(type: ChallengeType) = when (type) {
    ChallengeType.INITIALIZE -> "Set up PIN"
    ChallengeType.SET_PIN -> "Set PIN"
    ChallengeType.CHANGE_PIN -> "Change PIN"
    ChallengeType.SET_SECURITY_QUESTIONS -> "Security questions"
    ChallengeType.RESTORE_PIN -> "Forgot PIN"
    ChallengeType.SIGN_MESSAGE -> "Sign message"
    ChallengeType.SIGN_TYPED_DATA -> "Sign typed data"
    ChallengeType.SIGN_TRANSACTION -> "Sign transaction"
    ChallengeType.CREATE_WALLET -> "Create wallet"
    ChallengeType.UNKNOWN -> "Latchkey"
    ChallengeType.SET_RECOVERY_CODE -> "Recovery code"
    ChallengeType.SET_CLOUD_BACKUP -> "Cloud backup"
}

