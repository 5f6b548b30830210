// Android library (AAR) for the Latchkey Kotlin bindings. Not built on the Linux CI machine
// (no Android SDK/NDK there); see docs/bindings.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "latchkey-android"
