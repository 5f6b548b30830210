package dev.latchkey.sample.android

import android.app.Application
import dev.latchkey.sdkVersion

/** The sample's Application: loads the SDK once at start (JNA finds liblatchkey.so in the APK). */
class SampleApplication : Application() {
    override fun onCreate() {
        super.onCreate()
        android.util.Log.i("LatchkeySample", "Latchkey SDK ${sdkVersion()}")
    }
}
