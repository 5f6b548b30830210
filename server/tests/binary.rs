//! The `latchkey-server` binary: first stdout line, API key handling, SIGTERM, and that no
//! secret (token, encryption key, PIN, answer, envelope) ever reaches the log.

mod common;

use common::*;
use latchkey_protocol::{ChallengeType, Step};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

struct Proc {
    child: Child,
    base: String,
    stdout: BufReader<std::process::ChildStdout>,
    /// Reads stderr (the log) from the start, so the server never blocks writing to a full
    /// pipe: with `--log debug` the log outgrows the 64 KiB pipe buffer long before the test
    /// ends, and a server thread blocked in write(2) stalls every request and the shutdown.
    stderr: std::thread::JoinHandle<String>,
}

fn spawn(dir: &std::path::Path, api_key: Option<&str>) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey-server"));
    cmd.args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .arg("--database-url")
        .arg(format!("sqlite://{}/server.db", dir.display()))
        .args([
            "--argon2-memory-kib",
            "1024",
            "--argon2-iterations",
            "1",
            "--log",
            "debug",
        ])
        .env_remove("LATCHKEY_PEPPER")
        .env_remove("LATCHKEY_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match api_key {
        Some(k) => cmd.env("LATCHKEY_API_KEY", k),
        None => cmd.env_remove("LATCHKEY_API_KEY"),
    };
    let mut child = cmd.spawn().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut log = String::new();
        err.read_to_string(&mut log).unwrap();
        log
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base = first
        .trim()
        .strip_prefix("latchkey-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );
    Proc {
        child,
        base,
        stdout,
        stderr,
    }
}

/// Sends SIGTERM, waits for a clean exit; returns (stderr, the rest of stdout).
fn terminate(mut p: Proc) -> (String, String) {
    let ok = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let status = p.child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");
    let err = p.stderr.join().unwrap();
    let mut rest = String::new();
    p.stdout.read_to_string(&mut rest).unwrap();
    (err, rest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_serves_and_never_logs_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let key = "binary-test-api-key-1234";
    let p = spawn(dir.path(), Some(key));
    let api = Api::new(&p.base, key);
    let s = api.new_user("binary-user").await;
    api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    let wrong_env = api.seal(&s, &id, &ty, &Step::CurrentPin, &pin("975312"));
    api.post_envelope(&s, &id, &Step::CurrentPin, &wrong_env)
        .await
        .expect_code(400, 155112);
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    api.step(&s, &id, &ty, Step::Complete, new_pin("864213"))
        .await
        .expect_ok(200);
    let rt = ChallengeType::RestorePin;
    let id = api.challenge(&s, rt.clone()).await;
    api.step(
        &s,
        &id,
        &rt,
        Step::Answers,
        answers_payload(setup_answers()),
    )
    .await
    .expect_ok(200);
    let (log, _) = terminate(p);
    assert!(log.contains("request"), "requests are logged");
    let key_b64 = s.key.to_base64();
    for secret in [
        key,
        s.token.as_str(),
        key_b64.as_str(),
        "135790",
        "975312",
        "864213",
        "Rex",
        "rex",
        "2004-07-14",
        &wrong_env[..24],
    ] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
    let pepper = std::fs::read_to_string(dir.path().join("pepper")).unwrap();
    assert!(!log.contains(pepper.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("pepper"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "pepper file is private");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_api_key_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), None);
    let mut second = String::new();
    p.stdout.read_line(&mut second).unwrap();
    let key = second.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(second.contains("generated API key"), "{second:?}");
    let api = Api::new(&p.base, &key);
    api.create_user("keyed-user").await.expect_ok(201);
    let (log, _) = terminate(p);
    assert!(!log.contains(&key));
    // Second start: the key is not printed again, only its hash is stored, and it still works.
    let p = spawn(dir.path(), None);
    let api = Api::new(&p.base, &key);
    assert_eq!(api.get_user("keyed-user").await["id"], "keyed-user");
    let (log, rest) = terminate(p);
    assert!(!log.contains(&key));
    assert!(
        !rest.contains("API key"),
        "the key is printed only on first start: {rest:?}"
    );
}

#[test]
fn a_pepper_that_is_not_base64_of_32_bytes_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["raw-text-pepper-0123456789abcdef", "c2hvcnQ="] {
        let out = Command::new(env!("CARGO_BIN_EXE_latchkey-server"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("LATCHKEY_PEPPER", bad)
            .env_remove("LATCHKEY_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "started with LATCHKEY_PEPPER={bad:?}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("LATCHKEY_PEPPER must be base64 of at least 32"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(bad),
            "the message repeats the value: {stderr}"
        );
        assert!(out.stdout.is_empty(), "nothing listened: {:?}", out.stdout);
    }
}
