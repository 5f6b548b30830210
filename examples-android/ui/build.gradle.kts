// Android build of the `ui` module (the JVM build of the same sources is ui/pom.xml; its tests,
// which need the host liblatchkey.so, a server binary and Skia for linux-x64, live in
// src/jvmTest and run with Maven only).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "dev.latchkey.sample.ui"
    compileSdk = 35
    defaultConfig { minSdk = 24 }
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    api("dev.latchkey:latchkey-android")
    api(platform("androidx.compose:compose-bom:2024.12.01"))
    api("androidx.compose.material3:material3")
    api("androidx.compose.material:material-icons-core")
    api("androidx.compose.ui:ui")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}
