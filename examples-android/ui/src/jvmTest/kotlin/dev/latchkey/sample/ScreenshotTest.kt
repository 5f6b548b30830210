package dev.latchkey.sample

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.Modifier
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.ui.unit.Density
import dev.latchkey.PinPurpose
import dev.latchkey.Progress
import dev.latchkey.Screen
import dev.latchkey.sample.screens.PinScreen
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.jetbrains.skia.Bitmap
import org.jetbrains.skia.EncodedImageFormat
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance

/**
 * Renders every screen of the app headlessly (Compose `ImageComposeScene`, Skia) at 412x915 dp
 * (density 2: 824x1830 px), light and dark, to PNG under `latchkey.screenshots.dir`. Fails when a
 * screen throws while composing or drawing, draws (nearly) nothing, or when an SDK `Screen` variant
 * has no example in [Fixtures].
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScreenshotTest {
    private val dir = File(System.getProperty("latchkey.screenshots.dir") ?: "target/screenshots").also { it.mkdirs() }
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val vm = WalletViewModel(scope) // never signed in: only its callbacks are wired

    @AfterAll
    fun close() {
        vm.close()
        scope.cancel()
    }

    private fun shoot(name: String, content: @Composable () -> Unit) {
        for (dark in listOf(false, true)) {
            val density = 2f
            val scene = ImageComposeScene(width = (412 * density).toInt(), height = (915 * density).toInt(), density = Density(density)) {
                CompositionLocalProvider(LocalNowUnix provides { Fixtures.NOW_UNIX }) {
                    LatchkeyTheme(dark = dark) { content() }
                }
            }
            try {
                val image = scene.render()
                val bitmap = Bitmap.makeFromImage(image)
                // Something was drawn: many distinct colours (text, icons, buttons), not a blank surface.
                val colours = HashSet<Int>()
                for (y in 0 until bitmap.height step 3) for (x in 0 until bitmap.width step 3) colours.add(bitmap.getColor(x, y))
                assertTrue(colours.size > 20, "$name (${if (dark) "dark" else "light"}) drew only ${colours.size} colours")
                val png = image.encodeToData(EncodedImageFormat.PNG) ?: error("$name: PNG encoding failed")
                File(dir, "$name-${if (dark) "dark" else "light"}.png").writeBytes(png.bytes)
            } finally {
                scene.close()
            }
        }
    }

    @Test
    fun everySdkScreenHasAnExample() {
        val variants = Screen::class.java.declaredClasses
            .filter { Screen::class.java.isAssignableFrom(it) && it != Screen::class.java }
            .map { it.simpleName }.toSortedSet()
        val covered = Fixtures.screens.map { it.third::class.java.simpleName }.toSortedSet()
        assertEquals(variants, covered, "add an example of each new Screen to Fixtures.screens")
    }

    @Test
    fun challengeScreens() {
        for ((name, type, screen) in Fixtures.screens) {
            shoot(name) { WalletContent(WalletUiState(settings = Fixtures.settings, challenge = ChallengeUi(type, screen)), vm) }
        }
        // The PIN pad with three digits typed (masked).
        shoot("pin-typing") {
            Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
                PinScreen(Screen.EnterPin(PinPurpose.CURRENT, Progress(1u, 3u), null, null), enabled = true, onPin = {}, typed = "135")
            }
        }
    }

    @Test
    fun appScreens() {
        for ((name, state) in Fixtures.appStates) shoot(name) { WalletContent(state, vm) }
    }
}
