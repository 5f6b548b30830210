// Latchkey sample app for Android. `app` is the thin Android part (Activity, Application,
// manifest); `ui` holds the view model and every screen (plain Kotlin + androidx.compose APIs; its
// pom.xml builds and tests the same sources on the JVM). The SDK comes from the library module in
// bindings/kotlin/android (an included build; run `cargo xtask android` and `cargo xtask bindings`
// first so it has its native libraries and generated Kotlin).
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
rootProject.name = "latchkey-sample"

includeBuild("../bindings/kotlin/android") {
    dependencySubstitution {
        substitute(module("dev.latchkey:latchkey-android")).using(project(":"))
    }
}
include(":app", ":ui")
