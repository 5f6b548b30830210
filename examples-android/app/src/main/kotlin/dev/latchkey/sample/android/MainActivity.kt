package dev.latchkey.sample.android

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import dev.latchkey.isTerminal
import dev.latchkey.sample.LatchkeyTheme
import dev.latchkey.sample.WalletContent
import dev.latchkey.sample.WalletViewModel

/** Holds the shared [WalletViewModel] across configuration changes, on `viewModelScope`. */
class WalletHolder : ViewModel() {
    val wallet = WalletViewModel(viewModelScope)

    override fun onCleared() = wallet.close()
}

/** The only Activity: draws the wallet; system back goes back in a running challenge. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        setContent {
            val wallet = viewModel<WalletHolder>().wallet
            val state by wallet.state.collectAsStateWithLifecycle()
            BackHandler(enabled = state.challenge != null) {
                if (state.challenge?.screen?.isTerminal == true) {
                    wallet.closeChallenge()
                } else {
                    wallet.back()
                }
            }
            LatchkeyTheme {
                Box(Modifier.fillMaxSize().safeDrawingPadding()) { WalletContent(state, wallet) }
            }
        }
    }
}
