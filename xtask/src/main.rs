//! `cargo xtask`: builds the Latchkey FFI library, generates every binding in uniffi library
//! mode from the unstripped build, and runs the binding checks this machine can run.
//!
//! Run `cargo xtask help` for the subcommands. The recipe behind them (versions, include paths,
//! gotchas) is written up in `docs/bindings.md` / the FFI recipe notes.
//!
//! Paths (all relative to the repository root):
//! - FFI crate: `bindings/ffi` (package `latchkey-ffi`, `[lib] name = "latchkey"`), overridable
//!   with `LATCHKEY_FFI_CRATE_DIR`.
//! - Cargo feature `admin` of the FFI crate: the developer API (`AdminClient`, needs the API
//!   key). The shipped/measured library (release-small, XCFramework, Android, sizes) is built
//!   without it; the bindings' test suites need it to create users, so `test-bindings` builds
//!   its library with it, after checking that the device build's generated bindings have no
//!   `AdminClient`.
//! - Generated Python: `bindings/python/src/latchkey/latchkey.py` + a copy of the library
//!   (the package's `__init__.py` is hand-written).
//! - Generated Kotlin: `bindings/kotlin/generated/` (package directories under it).
//! - Generated Swift: `bindings/swift/generated/` (`Latchkey.swift`, `latchkeyFFI.h`,
//!   `latchkeyFFI.modulemap`); `Latchkey.swift` is also copied to
//!   `bindings/swift/Sources/Latchkey/Generated/` for SwiftPM.
//! - React Native on Node (napi, for the scenario test): `bindings/react-native/node/generated/`.
//! - React Native: `bindings/react-native/src/generated/` (TypeScript) and
//!   `bindings/react-native/cpp/generated/` (C++).

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Error type: a message for the user.
type Result<T = ()> = std::result::Result<T, String>;

/// `[lib] name` of the FFI crate; the cdylib is `lib<LIB_NAME>.so` / `.dylib`.
const LIB_NAME: &str = "latchkey";
/// Swift FFI module name (`ffi_module_name` in the FFI crate's `uniffi.toml`).
const SWIFT_FFI_MODULE: &str = "latchkeyFFI";
/// Python packages the Swift checks need (pinned in `bindings/swift/tools/requirements.txt`).
const SWIFT_TOOLS_REQUIREMENTS: &str = "bindings/swift/tools/requirements.txt";
/// The Python package directory: `__init__.py` (hand-written), `latchkey.py` (generated) and
/// the library copied next to it.
const PYTHON_PACKAGE_DIR: &str = "bindings/python/src/latchkey";
/// Where the generated Swift goes for SwiftPM (the wrapper target's sources).
const SWIFT_GENERATED_SOURCES: &str = "bindings/swift/Sources/Latchkey/Generated";
/// Pinned test requirements installed into the bindings venv.
const PYTHON_TEST_REQUIREMENTS: &str = "bindings/python/requirements-test.txt";
/// Apple targets that go into the XCFramework (iOS device, iOS simulator x2, macOS x2; the
/// macOS slice lets `swift test` run the XCTest scenario on a Mac).
const IOS_TARGETS: [&str; 5] = [
    "aarch64-apple-ios",
    "aarch64-apple-ios-sim",
    "x86_64-apple-ios",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
];
/// Where `cargo xtask sample-screenshots` writes the Android sample's screenshots.
const ANDROID_SCREENSHOTS: &str = "docs/screenshots/android";
/// Android ABIs for the jniLibs.
const ANDROID_ABIS: [&str; 4] = ["arm64-v8a", "armeabi-v7a", "x86_64", "x86"];

const HELP: &str = "\
cargo xtask <command> [options]

Commands:
  build-lib [--release-small] [--admin]
                               Build the FFI cdylib/staticlib (debug, or the size-optimised
                               `release-small` profile; that also writes a stripped copy and
                               prints sizes). `--admin`: with the developer API (AdminClient);
                               never for a library that ships in an app.
  bindings [--admin]           Build the debug library (device build; `--admin`: with
                               AdminClient) and generate Python, Kotlin and Swift bindings from
                               it in library mode into bindings/*/generated.
  react-native                 npm-install bindings/react-native (pinned) and run
                               uniffi-bindgen-react-native to generate TypeScript + C++.
  swift-check                  tree-sitter-swift parse of every .swift file under bindings/swift,
                               gcc/g++ -fsyntax-only of the FFI header, header-vs-`nm -D` exports.
  test-bindings                Everything, end to end from a fresh clone, from one workspace-wide
                               debug build (`cargo build --workspace --lib --bins --tests` with
                               the FFI crate's `cli` and `admin` features: the feature
                               resolution of scripts/test-all.sh's `cargo test`, so no
                               dependency is compiled twice). With
                               `--features admin` (the suites create users): bindings, the
                               latchkey-server binary, a venv under the target dir with pinned
                               pip requirements, then pytest (Python scenario), `mvn test`
                               (Kotlin scenario on the JVM), swift-check + checker self-tests,
                               react-native (npm ci, ubrn), strict `tsc --noEmit`,
                               `g++ -fsyntax-only`, the scenario on Node (napi, tsx --test), then
                               sample-apps; last, the device build's bindings (Python, Kotlin,
                               Swift, TypeScript) must not contain AdminClient. Each suite
                               starts its own server on 127.0.0.1:0. Prints timings.
  sample-apps                  The sample apps' checks (also run by test-bindings): the Android
                               `ui` module on the JVM (`mvn test`: view-model story against a real
                               server + screenshots of every screen), the React Native app (strict
                               `tsc`, `useChallenge` on Node against a real server), the iOS app
                               (tree-sitter-swift parse).
  sample-screenshots           Re-render every Android sample screen (light + dark) into
                               docs/screenshots/android/.
  xcframework                  (macOS + Xcode) build the iOS (device, simulator) and macOS
                               static libraries and bindings/swift/LatchkeyFFI.xcframework.
  android                      (Android NDK + cargo-ndk) build jniLibs for every ABI into
                               bindings/kotlin/android/src/main/jniLibs.
  bench [SECTIONS]             Benchmarks via scripts/bench.sh (core, size, server, scaling, trips,
                               ffi; default all) and their tables; docs/benchmarks.md.
  help                         This text.

Environment:
  LATCHKEY_FFI_CRATE_DIR  FFI crate directory (default: <repo>/bindings/ffi).
  CARGO_TARGET_DIR        Honoured (the target dir is asked from `cargo metadata`).
  CARGO_BUILD_JOBS        Honoured by every cargo build (use 1 or 2 on small machines).
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result {
    let cmd = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    if matches!(cmd, "help" | "-h" | "--help") {
        print!("{HELP}");
        return Ok(());
    }
    if cmd == "bench" {
        return bench(rest);
    }
    let ctx = Ctx::new()?;
    match cmd {
        "build-lib" => {
            let flags = parse_flags(rest, &["--release-small", "--admin"])?;
            let profile = if flags.contains(&"--release-small") {
                Profile::ReleaseSmall
            } else {
                Profile::Debug
            };
            ctx.build_lib(profile, Features::from_admin(flags.contains(&"--admin")))
                .map(drop)
        }
        "bindings" => {
            let admin = parse_flags(rest, &["--admin"])?.contains(&"--admin");
            ctx.bindings(Features::from_admin(admin)).map(drop)
        }
        "react-native" => {
            let lib = ctx.build_lib(Profile::Debug, Features::Device)?;
            ctx.react_native(&lib)
        }
        "swift-check" => {
            let lib = ctx.lib_path(Profile::Debug);
            if !lib.exists() || !ctx.root.join("bindings/swift/generated").exists() {
                ctx.bindings(Features::Device)?;
            }
            let python = ctx.venv()?;
            ctx.swift_check(&lib, &python)
        }
        "test-bindings" => ctx.test_bindings(),
        "sample-apps" => {
            let mut timer = Timer::new();
            let lib = ctx.bindings(Features::Admin)?;
            let server = ctx.build_server()?;
            ctx.install_kotlin(&lib)?;
            ctx.react_native(&lib)?;
            ctx.react_native_node(&lib)?;
            let python = ctx.venv()?;
            timer.lap("library, bindings, server, Kotlin jar, React Native generation, venv");
            ctx.sample_apps(&lib, &server, &python, &mut timer)?;
            timer.report();
            Ok(())
        }
        "sample-screenshots" => {
            let lib = ctx.bindings(Features::Admin)?;
            ctx.install_kotlin(&lib)?;
            let out = ctx.root.join(ANDROID_SCREENSHOTS);
            recreate_dir(&out)?;
            ctx.android_sample(&lib, None, Some(&out))?;
            println!("xtask: screenshots written to {}", out.display());
            Ok(())
        }
        "xcframework" => ctx.xcframework(),
        "android" => ctx.android(),
        other => Err(format!("unknown command `{other}`; see `cargo xtask help`")),
    }
}

/// Accept only the given flags; return the ones present.
fn parse_flags<'a>(args: &[String], allowed: &[&'a str]) -> Result<Vec<&'a str>> {
    let mut out = Vec::new();
    for a in args {
        match allowed.iter().find(|f| **f == a.as_str()) {
            Some(f) => out.push(*f),
            None => return Err(format!("unexpected argument `{a}`; allowed: {allowed:?}")),
        }
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Profile {
    Debug,
    ReleaseSmall,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::ReleaseSmall => "release-small",
        }
    }
    fn cargo_args(self) -> &'static [&'static str] {
        match self {
            Profile::Debug => &[],
            Profile::ReleaseSmall => &["--profile", "release-small"],
        }
    }
}

/// Which cargo features the FFI library is built with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Features {
    /// Default features: the device library (no `AdminClient`). What ships and is measured.
    Device,
    /// `--features admin`: with the developer API, for the bindings' test suites and tools.
    Admin,
}

impl Features {
    fn from_admin(admin: bool) -> Self {
        if admin {
            Features::Admin
        } else {
            Features::Device
        }
    }
    fn cargo_args(self) -> &'static [&'static str] {
        match self {
            Features::Device => &[],
            Features::Admin => &["--features", "admin"],
        }
    }
    fn name(self) -> &'static str {
        match self {
            Features::Device => "device build",
            Features::Admin => "with --features admin",
        }
    }
    /// `--features` of the workspace-wide debug build (see [`Ctx::debug_build`]). The admin set
    /// is exactly the one `scripts/test-all.sh` runs clippy and `cargo test` with, so after
    /// `cargo test` the library, uniffi-bindgen and the server are already built.
    fn workspace_features(self) -> &'static str {
        match self {
            Features::Device => "latchkey-ffi/cli",
            Features::Admin => "latchkey-ffi/cli,latchkey-ffi/admin",
        }
    }
}

/// Cargo settings for building the `ubrn` CLI (its own workspace, in node_modules, with no
/// profile of its own, so the dev profile's full debug info: 1.8 GB of target dir). It only
/// generates code: no debug info compiles and links it with less CPU (docs/benchmarks.md,
/// section 6). `scripts/prefetch.sh` builds the CLI ahead of time and must pass the same
/// settings, or this run rebuilds it.
const UBRN_CARGO_ENV: [(&str, &str); 1] = [("CARGO_PROFILE_DEV_DEBUG", "0")];

/// Names that exist only with the `admin` feature; none may appear in the device build's
/// generated bindings (any language; matched case-insensitively, so `adminclient` in C symbol
/// names counts too). Not `UserToken`: `Client.session(userToken, ...)` is device API; not
/// `User`/`CredentialDetails` either: `Session.user()` returns them on the device.
const ADMIN_ONLY_NAMES: [&str; 1] = ["AdminClient"];

struct Ctx {
    root: PathBuf,
    crate_dir: PathBuf,
    manifest: PathBuf,
    target_dir: PathBuf,
}

impl Ctx {
    fn new() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("xtask has no parent directory")?
            .to_path_buf();
        let crate_dir = match env::var_os("LATCHKEY_FFI_CRATE_DIR") {
            Some(d) => PathBuf::from(d),
            None => root.join("bindings/ffi"),
        };
        let manifest = crate_dir.join("Cargo.toml");
        if !manifest.exists() {
            return Err(format!(
                "FFI crate not found at {} (set LATCHKEY_FFI_CRATE_DIR to override)",
                crate_dir.display()
            ));
        }
        let meta = capture(
            Command::new(cargo())
                .args([
                    "metadata",
                    "--no-deps",
                    "--format-version",
                    "1",
                    "--manifest-path",
                ])
                .arg(&manifest),
        )?;
        let target_dir = PathBuf::from(json_string_field(&meta, "target_directory")?);
        Ok(Ctx {
            root,
            crate_dir,
            manifest,
            target_dir,
        })
    }

    fn lib_path(&self, profile: Profile) -> PathBuf {
        self.target_dir.join(profile.dir()).join(format!(
            "{}{LIB_NAME}{}",
            env::consts::DLL_PREFIX,
            env::consts::DLL_SUFFIX
        ))
    }

    /// Whether the FFI crate is the workspace's own (not moved by `LATCHKEY_FFI_CRATE_DIR`).
    fn in_workspace(&self) -> bool {
        self.crate_dir == self.root.join("bindings/ffi")
    }

    /// The debug build every test suite uses: `cargo build --workspace --lib --bins --tests`
    /// with [`Features::workspace_features`]. Selecting the test targets makes cargo resolve
    /// features as the workspace's `cargo test` does (dev-dependencies included), so no
    /// dependency is compiled twice with a different feature set (a per-package `cargo build
    /// -p` resolves features for that package alone and rebuilds tokio, hyper, reqwest, clap,
    /// ... and everything above them); selecting the lib and bin targets makes it emit the
    /// cdylib and `uniffi-bindgen` (the `cli` feature), which `cargo test` does not (it builds
    /// only the FFI crate's unit tests). Switching between the device and the admin build
    /// recompiles only the FFI crate.
    fn debug_build(&self, features: Features) -> Result {
        step(&format!(
            "cargo build --workspace --lib --bins --tests --features {} ({})",
            features.workspace_features(),
            features.name()
        ));
        run_cmd(Command::new(cargo()).current_dir(&self.root).args([
            "build",
            "--workspace",
            "--lib",
            "--bins",
            "--tests",
            "--features",
            features.workspace_features(),
        ]))
    }

    /// `cargo build --lib` of the FFI crate; returns the unstripped cdylib path.
    fn build_lib(&self, profile: Profile, features: Features) -> Result<PathBuf> {
        if matches!(profile, Profile::Debug) && self.in_workspace() {
            self.debug_build(features)?;
            let lib = self.lib_path(profile);
            if !lib.exists() {
                return Err(format!("expected {} after the build", lib.display()));
            }
            return Ok(lib);
        }
        step(&format!(
            "build {LIB_NAME} ({}, {})",
            profile.dir(),
            features.name()
        ));
        run_cmd(
            Command::new(cargo())
                .args(["build", "--lib", "--manifest-path"])
                .arg(&self.manifest)
                .args(profile.cargo_args())
                .args(features.cargo_args()),
        )?;
        let lib = self.lib_path(profile);
        if !lib.exists() {
            return Err(format!("expected {} after the build", lib.display()));
        }
        if let Profile::ReleaseSmall = profile {
            let stripped = lib.with_file_name(format!(
                "{}{LIB_NAME}.stripped{}",
                env::consts::DLL_PREFIX,
                env::consts::DLL_SUFFIX
            ));
            // `strip -x` keeps the exported (global) symbols the bindings look up.
            run_cmd(
                Command::new("strip")
                    .arg("-x")
                    .arg("-o")
                    .arg(&stripped)
                    .arg(&lib),
            )?;
            let static_lib = lib.with_file_name(format!("lib{LIB_NAME}.a"));
            for p in [&lib, &stripped, &static_lib] {
                if let Ok(m) = fs::metadata(p) {
                    println!("{:>12} bytes  {}", m.len(), p.display());
                }
            }
        }
        Ok(lib)
    }

    /// Build the workspace's own `uniffi-bindgen` binary (same uniffi version as the library).
    /// In the workspace it comes with [`Ctx::debug_build`]; call this after `build_lib`.
    fn bindgen(&self) -> Result<PathBuf> {
        let bin = self
            .target_dir
            .join("debug")
            .join(format!("uniffi-bindgen{}", env::consts::EXE_SUFFIX));
        if self.in_workspace() {
            return if bin.exists() {
                Ok(bin)
            } else {
                Err(format!("expected {} after the build", bin.display()))
            };
        }
        step("build uniffi-bindgen (FFI crate, feature `cli`)");
        run_cmd(
            Command::new(cargo())
                .args([
                    "build",
                    "--bin",
                    "uniffi-bindgen",
                    "--features",
                    "cli",
                    "--manifest-path",
                ])
                .arg(&self.manifest),
        )?;
        Ok(bin)
    }

    /// The debug library with `features` and the uniffi-bindgen that reads it.
    fn bindgen_and_lib(&self, features: Features) -> Result<(PathBuf, PathBuf)> {
        if self.in_workspace() {
            let lib = self.build_lib(Profile::Debug, features)?;
            Ok((self.bindgen()?, lib))
        } else {
            let bindgen = self.bindgen()?;
            Ok((bindgen, self.build_lib(Profile::Debug, features)?))
        }
    }

    /// Generate Python, Kotlin and Swift in library mode; returns the library used.
    fn bindings(&self, features: Features) -> Result<PathBuf> {
        // Outside the workspace, uniffi-bindgen first: building that binary rebuilds the crate's
        // lib target (with feature `cli`), which would otherwise replace the library built here.
        let (bindgen, lib) = self.bindgen_and_lib(features)?;
        for (lang, dir) in [
            ("python", PYTHON_PACKAGE_DIR),
            ("kotlin", "bindings/kotlin/generated"),
            ("swift", "bindings/swift/generated"),
        ] {
            step(&format!("generate {lang} -> {dir}"));
            let out = self.root.join(dir);
            if lang == "python" {
                // The package dir also holds the hand-written `__init__.py`: replace only the
                // generated module (the library is copied below).
                remove_if_exists(&out.join("latchkey.py"))?;
            } else {
                recreate_dir(&out)?;
            }
            // Run from the crate dir: library mode finds the crate's uniffi.toml through
            // `cargo metadata` of the current directory.
            run_cmd(
                Command::new(&bindgen)
                    .current_dir(&self.crate_dir)
                    .args(["generate", "--no-format", "--language", lang, "--out-dir"])
                    .arg(&out)
                    .arg(&lib),
            )?;
        }
        // The Python module loads the library from its own directory.
        let py_lib = self.root.join(PYTHON_PACKAGE_DIR).join(file_name(&lib)?);
        fs::copy(&lib, &py_lib).map_err(|e| format!("copy {}: {e}", lib.display()))?;
        // SwiftPM compiles the sources under the wrapper target's directory.
        let swift_src = self.root.join(SWIFT_GENERATED_SOURCES);
        recreate_dir(&swift_src)?;
        fs::copy(
            self.root.join("bindings/swift/generated/Latchkey.swift"),
            swift_src.join("Latchkey.swift"),
        )
        .map_err(|e| format!("copy Latchkey.swift: {e}"))?;
        Ok(lib)
    }

    fn react_native(&self, lib: &Path) -> Result {
        let rn = self.root.join("bindings/react-native");
        npm_install(&rn)?;
        let ts = rn.join("src/generated");
        let cpp = rn.join("cpp/generated");
        recreate_dir(&ts)?;
        recreate_dir(&cpp)?;
        step("ubrn generate jsi bindings -> bindings/react-native/{src,cpp}/generated");
        self.ubrn_jsi(lib, &ts, &cpp)
    }

    /// The `ubrn` CLI, run from the crate directory with its own target dir. It compiles itself
    /// with cargo when stale: `scripts/test-all.sh` builds our workspace with clippy-driver as
    /// `RUSTC_WORKSPACE_WRAPPER`, which must not reach ubrn's own workspace (its code is not
    /// ours to lint, and a changed wrapper would rebuild it). The CLI only generates code, so
    /// it is compiled without debug info ([`UBRN_CARGO_ENV`]).
    fn ubrn(&self) -> Command {
        let mut cmd = Command::new(
            self.root
                .join("bindings/react-native/node_modules/.bin/ubrn"),
        );
        cmd.current_dir(&self.crate_dir)
            .env("CARGO_TARGET_DIR", self.target_dir.join("ubrn-cli"))
            .envs(UBRN_CARGO_ENV)
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .env_remove("CLIPPY_ARGS");
        cmd
    }

    /// `ubrn generate jsi bindings` for `lib` into `ts` (TypeScript) and `cpp` (C++).
    fn ubrn_jsi(&self, lib: &Path, ts: &Path, cpp: &Path) -> Result {
        // The first run builds ubrn itself with cargo (about 4 minutes on 2 cores); its target
        // dir is kept next to ours so an `npm ci` does not throw the build away.
        // Library mode: no `--config` (ubrn rejects it with `--library`); the crate's
        // uniffi.toml is found through `cargo metadata`, so run from the crate directory.
        run_cmd(
            self.ubrn()
                .args([
                    "generate",
                    "jsi",
                    "bindings",
                    "--library",
                    "--no-format",
                    "--ts-dir",
                ])
                .arg(ts)
                .arg("--cpp-dir")
                .arg(cpp)
                .arg(lib),
        )
    }

    /// Generates the Node (napi) flavour of the React Native bindings for the scenario test
    /// on Node: same crate, same library, `@ubjs/node` runtime instead of JSI.
    fn react_native_node(&self, lib: &Path) -> Result {
        let rn = self.root.join("bindings/react-native");
        let ts = rn.join("node/generated");
        recreate_dir(&ts)?;
        step("ubrn generate napi bindings -> bindings/react-native/node/generated");
        run_cmd(
            self.ubrn()
                .args([
                    "generate",
                    "napi",
                    "bindings",
                    "--library",
                    "--no-format",
                    "--lib-absolute",
                    "--ts-dir",
                ])
                .arg(&ts)
                .arg(lib),
        )
    }

    /// The debug reference server the foreign test suites start (each suite starts its own
    /// process on 127.0.0.1:0): from the same workspace build as the admin library (so after
    /// `bindings(Features::Admin)` nothing is rebuilt).
    fn build_server(&self) -> Result<PathBuf> {
        self.debug_build(Features::Admin)?;
        let bin = self
            .target_dir
            .join("debug")
            .join(format!("latchkey-server{}", env::consts::EXE_SUFFIX));
        if !bin.exists() {
            return Err(format!("expected {} after the build", bin.display()));
        }
        Ok(bin)
    }

    /// A venv under the target dir with the pinned Python requirements (pytest, tree-sitter,
    /// tree-sitter-swift); reinstalled only when the requirement files change. Returns its
    /// python.
    fn venv(&self) -> Result<PathBuf> {
        let venv = self.target_dir.join("bindings-venv");
        let python = venv.join(if cfg!(windows) {
            "Scripts/python.exe"
        } else {
            "bin/python"
        });
        if !python.exists() {
            step(&format!("python3 -m venv {}", venv.display()));
            run_cmd(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        }
        let mut wanted = String::new();
        for r in [SWIFT_TOOLS_REQUIREMENTS, PYTHON_TEST_REQUIREMENTS] {
            wanted.push_str(
                &fs::read_to_string(self.root.join(r)).map_err(|e| format!("read {r}: {e}"))?,
            );
        }
        let stamp = venv.join("latchkey-requirements.txt");
        if fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            step("pip install pinned requirements into the bindings venv");
            run_cmd(
                Command::new(&python)
                    .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
                    .arg("-r")
                    .arg(self.root.join(SWIFT_TOOLS_REQUIREMENTS))
                    .arg("-r")
                    .arg(self.root.join(PYTHON_TEST_REQUIREMENTS)),
            )?;
            fs::write(&stamp, wanted).map_err(|e| format!("write {}: {e}", stamp.display()))?;
        }
        Ok(python)
    }

    fn swift_check(&self, lib: &Path, python: &Path) -> Result {
        let tools = self.root.join("bindings/swift/tools");
        let generated = self.root.join("bindings/swift/generated");
        step("tree-sitter-swift: every .swift file under bindings/swift");
        run_cmd(
            Command::new(python)
                .arg(tools.join("check_swift.py"))
                .arg(self.root.join("bindings/swift")),
        )?;
        step("FFI header: gcc/g++ -fsyntax-only, modulemap, exports vs nm -D");
        run_cmd(
            Command::new(python)
                .arg(tools.join("check_ffi_header.py"))
                .arg(generated.join(format!("{SWIFT_FFI_MODULE}.h")))
                .arg(lib)
                .arg("--modulemap")
                .arg(generated.join(format!("{SWIFT_FFI_MODULE}.modulemap"))),
        )
    }

    /// The device build (default features) must not export the developer API: builds it,
    /// keeps a copy of the library under the target dir and generates Python, Kotlin and Swift
    /// from it there; none may mention an admin-only name. Returns the copied library (for the
    /// TypeScript check once ubrn is installed).
    fn device_surface(&self) -> Result<PathBuf> {
        let (bindgen, built) = self.bindgen_and_lib(Features::Device)?;
        let dir = self.target_dir.join("device-surface");
        recreate_dir(&dir)?;
        let lib = dir.join(file_name(&built)?);
        fs::copy(&built, &lib).map_err(|e| format!("copy {}: {e}", built.display()))?;
        for lang in ["python", "kotlin", "swift"] {
            step(&format!(
                "device build: generate {lang}, check for admin-only names"
            ));
            let out = dir.join(lang);
            recreate_dir(&out)?;
            run_cmd(
                Command::new(&bindgen)
                    .current_dir(&self.crate_dir)
                    .args(["generate", "--no-format", "--language", lang, "--out-dir"])
                    .arg(&out)
                    .arg(&lib),
            )?;
            check_no_admin_names(&out)?;
        }
        Ok(lib)
    }

    fn test_bindings(&self) -> Result {
        let mut timer = Timer::new();
        // The admin build first: it is what `scripts/test-all.sh`'s `cargo test` built, so
        // nothing is compiled here; the device-surface checks come last (one FFI rebuild).
        let lib = self.bindings(Features::Admin)?;
        for dir in ["bindings/kotlin/generated", "bindings/swift/generated"] {
            if !tree_mentions(&self.root.join(dir), "AdminClient")? {
                return Err(format!(
                    "{dir}: no AdminClient in the --features admin build; the admin check above \
                     would then prove nothing"
                ));
            }
        }
        timer.lap("build library (admin) + uniffi-bindgen, generate Python/Kotlin/Swift");
        let lib_dir = lib.parent().ok_or("library has no parent dir")?;
        let server = self.build_server()?;
        timer.lap("build latchkey-server");
        let python = self.venv()?;
        timer.lap("venv + pinned pip requirements");

        // Python: pytest against a real server.
        step("python: pytest bindings/python/tests");
        run_cmd(
            Command::new(&python)
                .args(["-m", "pytest", "-v", "-p", "no:cacheprovider"])
                .arg(self.root.join("bindings/python/tests"))
                .env("PYTHONPATH", self.root.join("bindings/python/src"))
                .env("LATCHKEY_SERVER_BIN", &server),
        )?;
        timer.lap("python: pytest");

        // Kotlin on the JVM (no -q: surefire's "Tests run:" lines stay visible).
        // `install` = the tests + the jar into the local Maven repository (the Android sample's
        // `ui` module depends on it).
        step("kotlin: mvn install (JVM tests with the host library, then the jar)");
        run_cmd(
            Command::new("mvn")
                .args(["-B", "install", "-f"])
                .arg(self.root.join("bindings/kotlin/pom.xml"))
                .arg(format!("-Dlatchkey.lib.dir={}", lib_dir.display()))
                .arg(format!(
                    "-Dlatchkey.generated.dir={}",
                    self.root.join("bindings/kotlin/generated").display()
                ))
                .env("LATCHKEY_SERVER_BIN", &server),
        )?;
        timer.lap("kotlin: mvn install (tests + jar)");

        // Swift (no toolchain here): checker self-tests, then the checks.
        step("swift: checker self-tests");
        run_cmd(
            Command::new(&python)
                .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
                .arg(self.root.join("bindings/swift/tools")),
        )?;
        self.swift_check(&lib, &python)?;
        timer.lap("swift: tree-sitter, header, exports");

        // React Native: JSI generation, strict tsc, g++ against RN headers, then Node.
        self.react_native(&lib)?;
        timer.lap("react-native: npm ci + ubrn generate");
        let rn = self.root.join("bindings/react-native");
        step("react-native: tsc --noEmit (strict)");
        run_cmd(Command::new("npx").current_dir(&rn).args([
            "--no-install",
            "tsc",
            "--noEmit",
            "-p",
            ".",
        ]))?;
        step("react-native: g++ -fsyntax-only of the generated C++");
        for cpp in list_files(&rn.join("cpp/generated"), "cpp")? {
            run_cmd(
                Command::new("g++")
                    .args(["-fsyntax-only", "-std=c++20", "-Wall"])
                    .args(rn_include_args(&rn))
                    .arg(&cpp),
            )?;
        }
        timer.lap("react-native: tsc + g++");
        self.react_native_node(&lib)?;
        step("react-native: scenario on Node (napi) with tsx --test");
        run_cmd(
            Command::new("npx")
                .current_dir(&rn)
                .args(["--no-install", "tsx", "--test"])
                .args(list_files(&rn.join("test"), "ts")?)
                .env("LATCHKEY_SERVER_BIN", &server),
        )?;
        timer.lap("react-native: Node scenario");

        self.sample_apps(&lib, &server, &python, &mut timer)?;

        let device_lib = self.device_surface()?;
        timer.lap("device build: no AdminClient in Python/Kotlin/Swift");
        step("device build: generate TypeScript (ubrn), check for admin-only names");
        let device_rn = device_lib.with_file_name("react-native");
        recreate_dir(&device_rn)?;
        self.ubrn_jsi(&device_lib, &device_rn.join("ts"), &device_rn.join("cpp"))?;
        check_no_admin_names(&device_rn)?;
        timer.lap("react-native: device build has no AdminClient");

        timer.report();
        println!("xtask: test-bindings: all checks passed");
        Ok(())
    }

    /// `mvn install -DskipTests` of bindings/kotlin (the jar the Android sample depends on).
    /// Skipped when the installed jar is newer than the library, the hand-written layer and the
    /// pom (kotlinc on the generated file takes about a minute).
    fn install_kotlin(&self, lib: &Path) -> Result {
        let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
        let jar = env::var_os("HOME").map(|h| {
            PathBuf::from(h)
                .join(".m2/repository/dev/latchkey/latchkey-kotlin/0.1.0/latchkey-kotlin-0.1.0.jar")
        });
        let sources = [
            // The generated file is rewritten on every run; it changes only with the library.
            lib.to_path_buf(),
            self.root
                .join("bindings/kotlin/src/main/kotlin/dev/latchkey/ChallengeFlow.kt"),
            self.root.join("bindings/kotlin/pom.xml"),
        ];
        if let Some(installed) = jar.as_deref().and_then(modified) {
            if sources
                .iter()
                .all(|s| modified(s).is_some_and(|t| t < installed))
            {
                step("kotlin: installed jar is up to date");
                return Ok(());
            }
        }
        step("kotlin: mvn install -DskipTests (jar for the Android sample)");
        run_cmd(
            Command::new("mvn")
                .args(["-B", "-q", "install", "-DskipTests", "-f"])
                .arg(self.root.join("bindings/kotlin/pom.xml"))
                .arg(format!(
                    "-Dlatchkey.lib.dir={}",
                    lib.parent().ok_or("library has no parent dir")?.display()
                ))
                .arg(format!(
                    "-Dlatchkey.generated.dir={}",
                    self.root.join("bindings/kotlin/generated").display()
                )),
        )
    }

    /// The Android sample's `ui` module on the JVM: the view-model story against a real server
    /// and the screenshot test (PNGs into `screenshots`, default its target dir).
    fn android_sample(
        &self,
        lib: &Path,
        server: Option<&Path>,
        screenshots: Option<&Path>,
    ) -> Result {
        step("android sample: mvn test of examples-android/ui (view model + screenshots)");
        let mut cmd = Command::new("mvn");
        cmd.args(["-B", "test", "-f"])
            .arg(self.root.join("examples-android/ui/pom.xml"))
            .arg(format!(
                "-Dlatchkey.lib.dir={}",
                lib.parent().ok_or("library has no parent dir")?.display()
            ));
        if let Some(server) = server {
            cmd.env("LATCHKEY_SERVER_BIN", server);
        }
        if let Some(dir) = screenshots {
            cmd.arg(format!("-Dlatchkey.screenshots.dir={}", dir.display()))
                .arg("-Dtest=ScreenshotTest");
        }
        run_cmd(&mut cmd)
    }

    /// The sample apps' checks. Expects what test-bindings builds: the library, the server, the
    /// Kotlin jar in the local Maven repository, the JSI and napi React Native bindings.
    fn sample_apps(&self, lib: &Path, server: &Path, python: &Path, timer: &mut Timer) -> Result {
        self.android_sample(lib, Some(server), None)?;
        timer.lap("samples: android ui (mvn test)");
        let rn = self.root.join("examples-react-native");
        npm_install(&rn)?;
        step("react-native sample: strict tsc (app, tests)");
        for project in ["tsconfig.json", "tsconfig.test.json"] {
            run_cmd(Command::new("npx").current_dir(&rn).args([
                "--no-install",
                "tsc",
                "--noEmit",
                "-p",
                project,
            ]))?;
        }
        step("react-native sample: useChallenge on Node (napi) against a real server");
        run_cmd(
            Command::new("npx")
                .current_dir(&rn)
                .args(["--no-install", "tsx", "--test"])
                .args(list_files(&rn.join("test"), "ts")?)
                .env("LATCHKEY_SERVER_BIN", server),
        )?;
        timer.lap("samples: react-native (npm, tsc, Node)");
        step("ios sample: tree-sitter-swift parse of examples-ios");
        run_cmd(
            Command::new(python)
                .arg(self.root.join("bindings/swift/tools/check_swift.py"))
                .arg(self.root.join("examples-ios")),
        )?;
        timer.lap("samples: ios (tree-sitter)");
        Ok(())
    }

    fn xcframework(&self) -> Result {
        if env::consts::OS != "macos" {
            return Err(
                "xcframework needs macOS with Xcode (xcodebuild, lipo); this is \
                        not macOS. Run it on a macOS machine or CI runner."
                    .into(),
            );
        }
        require_tools(&[
            (
                "xcodebuild",
                "install Xcode and run `xcode-select --install`",
            ),
            ("lipo", "comes with the Xcode command line tools"),
            ("rustup", "install rustup"),
        ])?;
        run_cmd(
            Command::new("rustup")
                .args(["target", "add"])
                .args(IOS_TARGETS),
        )?;
        for t in IOS_TARGETS {
            step(&format!("build {t} (release-small)"));
            run_cmd(
                Command::new(cargo())
                    .args([
                        "build",
                        "--lib",
                        "--profile",
                        "release-small",
                        "--target",
                        t,
                    ])
                    .arg("--manifest-path")
                    .arg(&self.manifest),
            )?;
        }
        // Headers for the framework: the generated header + a module.modulemap.
        self.bindings(Features::Device)?; // the device build: no AdminClient in the framework
        let gen = self.root.join("bindings/swift/generated");
        let headers = self.target_dir.join("xcframework-headers");
        recreate_dir(&headers)?;
        let h = format!("{SWIFT_FFI_MODULE}.h");
        fs::copy(gen.join(&h), headers.join(&h)).map_err(|e| e.to_string())?;
        fs::copy(
            gen.join(format!("{SWIFT_FFI_MODULE}.modulemap")),
            headers.join("module.modulemap"),
        )
        .map_err(|e| e.to_string())?;
        let a = |t: &str| {
            self.target_dir
                .join(t)
                .join("release-small")
                .join(format!("lib{LIB_NAME}.a"))
        };
        let sim_dir = self.target_dir.join("ios-sim-universal");
        recreate_dir(&sim_dir)?;
        let sim = sim_dir.join(format!("lib{LIB_NAME}.a"));
        run_cmd(
            Command::new("lipo")
                .arg("-create")
                .arg(a("aarch64-apple-ios-sim"))
                .arg(a("x86_64-apple-ios"))
                .arg("-output")
                .arg(&sim),
        )?;
        let mac_dir = self.target_dir.join("macos-universal");
        recreate_dir(&mac_dir)?;
        let mac = mac_dir.join(format!("lib{LIB_NAME}.a"));
        run_cmd(
            Command::new("lipo")
                .arg("-create")
                .arg(a("aarch64-apple-darwin"))
                .arg(a("x86_64-apple-darwin"))
                .arg("-output")
                .arg(&mac),
        )?;
        let out = self.root.join("bindings/swift/LatchkeyFFI.xcframework");
        if out.exists() {
            fs::remove_dir_all(&out).map_err(|e| e.to_string())?;
        }
        run_cmd(
            Command::new("xcodebuild")
                .arg("-create-xcframework")
                .arg("-library")
                .arg(a("aarch64-apple-ios"))
                .arg("-headers")
                .arg(&headers)
                .arg("-library")
                .arg(&sim)
                .arg("-headers")
                .arg(&headers)
                .arg("-library")
                .arg(&mac)
                .arg("-headers")
                .arg(&headers)
                .arg("-output")
                .arg(&out),
        )?;
        println!("xtask: wrote {}", out.display());
        Ok(())
    }

    fn android(&self) -> Result {
        require_tools(&[(
            "cargo-ndk",
            "install with `cargo install cargo-ndk` (and `rustup target add aarch64-linux-android \
             armv7-linux-androideabi x86_64-linux-android i686-linux-android`)",
        )])?;
        if env::var_os("ANDROID_NDK_HOME").is_none() && env::var_os("ANDROID_NDK_ROOT").is_none() {
            return Err(
                "set ANDROID_NDK_HOME to an installed Android NDK (r26 or newer); \
                        the NDK is not available on this machine"
                    .into(),
            );
        }
        let jni = self.root.join("bindings/kotlin/android/src/main/jniLibs");
        let mut cmd = Command::new(cargo());
        cmd.arg("ndk");
        for abi in ANDROID_ABIS {
            cmd.args(["-t", abi]);
        }
        cmd.arg("-o")
            .arg(&jni)
            .args([
                "build",
                "--lib",
                "--profile",
                "release-small",
                "--manifest-path",
            ])
            .arg(&self.manifest);
        step("cargo ndk build (release-small) -> bindings/kotlin/android/src/main/jniLibs");
        run_cmd(&mut cmd)?;
        println!("xtask: wrote {}", jni.display());
        Ok(())
    }
}

fn cargo() -> OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn step(msg: &str) {
    println!("==> {msg}");
}

fn run_cmd(cmd: &mut Command) -> Result {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("command failed ({status}): {cmd:?}"))
    }
}

fn capture(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "command failed ({}): {cmd:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// Minimal extraction of a top-level string field from `cargo metadata` JSON (no serde here).
fn json_string_field(json: &str, field: &str) -> Result<String> {
    let key = format!("\"{field}\":\"");
    let start = json
        .find(&key)
        .ok_or(format!("`{field}` missing from cargo metadata"))?
        + key.len();
    let mut out = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(out),
            '\\' => match chars.next() {
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('/') => out.push('/'),
                other => return Err(format!("unsupported escape {other:?} in `{field}`")),
            },
            c => out.push(c),
        }
    }
    Err(format!("unterminated `{field}` in cargo metadata"))
}

fn file_name(p: &Path) -> Result<&std::ffi::OsStr> {
    p.file_name()
        .ok_or_else(|| format!("{} has no file name", p.display()))
}

fn recreate_dir(dir: &Path) -> Result {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("remove {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))
}

fn list_files(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("read {}: {e}", dir.display()))? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            out.extend(list_files(&p, ext)?);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(format!("no .{ext} files under {}", dir.display()));
    }
    Ok(out)
}

fn on_path(tool: &str) -> bool {
    env::var_os("PATH")
        .map(|paths| env::split_paths(&paths).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

fn require_tools(tools: &[(&str, &str)]) -> Result {
    let missing: Vec<String> = tools
        .iter()
        .filter(|(t, _)| !on_path(t))
        .map(|(t, hint)| format!("`{t}` not found: {hint}"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing.join("\n"))
    }
}

/// `npm ci` (or `npm install` without a lockfile) when node_modules is missing.
fn npm_install(dir: &Path) -> Result {
    if dir.join("node_modules/.package-lock.json").exists() {
        return Ok(());
    }
    let sub = if dir.join("package-lock.json").exists() {
        "ci"
    } else {
        "install"
    };
    step(&format!("npm {sub} in {}", dir.display()));
    run_cmd(Command::new("npm").current_dir(dir).args([
        sub,
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
    ]))
}

/// Whether any file under `dir` mentions `needle` (case-insensitive).
fn tree_mentions(dir: &Path, needle: &str) -> Result<bool> {
    Ok(!files_mentioning(dir, &[needle])?.is_empty())
}

/// Files under `dir` (recursively) whose text mentions one of `needles`, case-insensitively.
fn files_mentioning(dir: &Path, needles: &[&str]) -> Result<Vec<String>> {
    let needles: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(|e| format!("read {}: {e}", d.display()))? {
            let path = entry
                .map_err(|e| format!("read {}: {e}", d.display()))?
                .path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(text) = fs::read_to_string(&path) else {
                continue; // the library copy and other binaries
            };
            let text = text.to_lowercase();
            for n in &needles {
                if text.contains(n.as_str()) {
                    hits.push(format!("{} ({n})", path.display()));
                }
            }
        }
    }
    Ok(hits)
}

/// Fails when generated bindings under `dir` mention a name only the `admin` build has.
fn check_no_admin_names(dir: &Path) -> Result {
    let hits = files_mentioning(dir, &ADMIN_ONLY_NAMES)?;
    if hits.is_empty() {
        println!(
            "    ok: no {} under {}",
            ADMIN_ONLY_NAMES.join("/"),
            dir.display()
        );
        Ok(())
    } else {
        Err(format!(
            "the device build exports the developer API: {}",
            hits.join(", ")
        ))
    }
}

fn remove_if_exists(p: &Path) -> Result {
    match fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("remove {}: {e}", p.display())),
    }
}

/// Wall-clock timings of the test-bindings phases, printed at the end.
struct Timer {
    start: Instant,
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Timer {
    fn new() -> Self {
        let now = Instant::now();
        Timer {
            start: now,
            last: now,
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, what: &'static str) {
        let now = Instant::now();
        self.laps.push((what, now - self.last));
        self.last = now;
    }

    fn report(&self) {
        println!("==> timings");
        for (what, d) in &self.laps {
            println!("{:>8.1} s  {what}", d.as_secs_f64());
        }
        println!("{:>8.1} s  total", self.start.elapsed().as_secs_f64());
    }
}

/// Include directories for compiling ubrn's generated C++ against React Native's headers.
fn rn_include_args(rn: &Path) -> Vec<OsString> {
    let nm = rn.join("node_modules");
    [
        nm.join("react-native/ReactCommon/jsi"),
        nm.join("react-native/ReactCommon/callinvoker"),
        nm.join("react-native/ReactCommon"),
        nm.join("uniffi-bindgen-react-native/cpp/includes"),
        rn.join("cpp/generated"),
    ]
    .into_iter()
    .map(|p| {
        let mut s = OsString::from("-I");
        s.push(p);
        s
    })
    .collect()
}

/// `cargo xtask bench [core] [size] [server] [trips] [ffi]`: runs `scripts/bench.sh` (which
/// prints the tables; see docs/benchmarks.md).
fn bench(sections: &[String]) -> Result {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?;
    run_cmd(
        Command::new("bash")
            .arg(root.join("scripts/bench.sh"))
            .args(sections),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_field_is_extracted_and_unescaped() {
        let j = r#"{"packages":[],"target_directory":"/a/b \"c\"\\d","version":1}"#;
        assert_eq!(
            json_string_field(j, "target_directory").unwrap(),
            "/a/b \"c\"\\d"
        );
        assert!(json_string_field(j, "workspace_root").is_err());
    }

    #[test]
    fn admin_names_are_found_case_insensitively() {
        let dir = env::temp_dir().join(format!("xtask-admin-names-{}", std::process::id()));
        recreate_dir(&dir).unwrap();
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("a.kt"), "class Client").unwrap();
        fs::write(dir.join("bin.so"), [0xff_u8, 0xfe, 0x00]).unwrap();
        assert!(check_no_admin_names(&dir).is_ok());
        fs::write(
            dir.join("sub/b.h"),
            "void uniffi_latchkey_fn_constructor_adminclient_new();",
        )
        .unwrap();
        assert!(check_no_admin_names(&dir).is_err());
        assert!(tree_mentions(&dir, "AdminClient").unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn flags_are_checked() {
        let args = vec!["--release-small".to_string()];
        assert_eq!(
            parse_flags(&args, &["--release-small"]).unwrap(),
            vec!["--release-small"]
        );
        assert!(parse_flags(&["--bogus".to_string()], &["--release-small"]).is_err());
    }
}
