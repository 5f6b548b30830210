//! `latchkey-bench`: the non-criterion half of the benchmarks (see `docs/benchmarks.md` and
//! `scripts/bench.sh`, which drives it).
//!
//! ```text
//! latchkey-bench argon2-single [--memory-kib 19456] [--iterations 2] [--runs 20]
//!     Times one Argon2id verification on one thread (the server's parameters, p = 1), then
//!     the aggregate rate of one such loop on every core at once.
//! latchkey-bench setup --base URL --api-key KEY --out DIR [--verifications N]...
//!     Prepares a running server for wrk: a reader user with a challenge (read endpoints), and
//!     users with a PIN plus IN_PROGRESS CHANGE_PIN challenges, one per request, each with a
//!     sealed CURRENT_PIN envelope holding the right PIN (a real Argon2id verification per
//!     request). Writes DIR/env.sh and DIR/verify-<i>.lua (one per --verifications).
//!     With `--signatures N`: also users with a PIN and an ETH-SEPOLIA wallet (set up through
//!     SET_PIN and CREATE_WALLET flows) and N IN_PROGRESS SIGN_MESSAGE challenges, each with a
//!     sealed COMPLETE envelope holding the right PIN and the review digest of the challenge's
//!     `signRequest` as the server sent it (an Argon2id verification plus an EIP-191 signature
//!     per request). Writes DIR/sign.lua.
//! latchkey-bench round-trips --base URL --api-key KEY --log FILE
//!     Runs CHANGE_PIN and RESTORE_PIN through the SDK driver and counts, in the server's own
//!     request log, the requests each made before the status poll and during it.
//! latchkey-bench net-setup --base URL --api-key KEY --count N --out FILE
//!     N fresh users, each with a SET_PIN challenge: one `USER_TOKEN ENCRYPTION_KEY
//!     CHALLENGE_ID` line each in FILE, for `net-step` and the Kotlin bench's `net` mode.
//! latchkey-bench net-step --base URL --file FILE --mode bare|sdk [--warm 20] [--prefix net]
//!     The SDK's overhead on a step that goes to the server, one challenge (line) per step:
//!     the SET_PIN confirmation step (the server hashes the PIN with Argon2id and stores it).
//!     `bare`: the descriptor is fetched and the step sealed by the sans-IO core (untimed), then
//!     one `POST /v1/user/challenges/{id}/steps` with the SDK's headers is timed on a plain
//!     reqwest client. `sdk`: the core driver's `ChallengeRun` (run_challenge and the new PIN
//!     untimed), then `submit(confirmation)` timed. Prints `<prefix>_<mode>_{p50,mean}_us`.
//! ```

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use latchkey_core::{AdminClient, ChallengeType, ClientConfig, Input, Screen, Secret};
use latchkey_protocol::envelope::seal_json;
use latchkey_protocol::{
    review_digest, Blockchain, EnvelopeContext, QuestionKind, SessionKey, SignMessageRequest, Step,
    StepPayload,
};
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, String>;

const PIN: &str = "135790";
const NEW_PIN: &str = "246801";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("latchkey-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--flag value` pairs after the subcommand; a flag may repeat.
fn flags(args: &[String]) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let name = a
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument `{a}`"))?;
        let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
        out.entry(name.to_owned()).or_default().push(v.clone());
    }
    Ok(out)
}

fn one<'a>(f: &'a BTreeMap<String, Vec<String>>, name: &str) -> Result<&'a str> {
    f.get(name)
        .and_then(|v| v.last())
        .map(String::as_str)
        .ok_or_else(|| format!("--{name} is required"))
}

fn num<T: std::str::FromStr>(f: &BTreeMap<String, Vec<String>>, name: &str, d: T) -> Result<T> {
    match f.get(name).and_then(|v| v.last()) {
        Some(s) => s
            .parse()
            .map_err(|_| format!("--{name}: not a number: {s}")),
        None => Ok(d),
    }
}

fn run(args: &[String]) -> Result {
    let (cmd, rest) = args
        .split_first()
        .ok_or("usage: latchkey-bench argon2-single|setup|round-trips [--flag value]...")?;
    let f = flags(rest)?;
    match cmd.as_str() {
        "argon2-single" => argon2_single(
            num(&f, "memory-kib", 19456)?,
            num(&f, "iterations", 2)?,
            num(&f, "runs", 20)?,
        ),
        "setup" => {
            let counts = f
                .get("verifications")
                .map(|v| {
                    v.iter()
                        .map(|s| s.parse::<usize>().map_err(|_| format!("bad count {s}")))
                        .collect::<Result<Vec<_>>>()
                })
                .transpose()?
                .unwrap_or_default();
            let rt = runtime()?;
            let (base, api_key, out) = (one(&f, "base")?, one(&f, "api-key")?, one(&f, "out")?);
            rt.block_on(setup(base, api_key, Path::new(out), &counts))?;
            match f.get("signatures").and_then(|v| v.last()) {
                Some(n) => {
                    let n = n.parse::<usize>().map_err(|_| format!("bad count {n}"))?;
                    rt.block_on(setup_signatures(base, api_key, Path::new(out), n))
                }
                None => Ok(()),
            }
        }
        "round-trips" => runtime()?.block_on(round_trips(
            one(&f, "base")?,
            one(&f, "api-key")?,
            Path::new(one(&f, "log")?),
        )),
        "net-setup" => runtime()?.block_on(net_setup(
            one(&f, "base")?,
            one(&f, "api-key")?,
            num(&f, "count", 200)?,
            Path::new(one(&f, "out")?),
        )),
        "net-step" => runtime()?.block_on(net_step(
            one(&f, "base")?,
            Path::new(one(&f, "file")?),
            one(&f, "mode")?,
            num(&f, "warm", 20)?,
            f.get("prefix")
                .and_then(|v| v.last())
                .map_or("net", String::as_str),
        )),
        other => Err(format!("unknown command `{other}`")),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// Argon2id single-core baseline

/// Times `runs` verifications of a verifier made with the server's parameters (Argon2id v1.3,
/// `memory_kib`, `iterations`, p = 1, 32-byte output) on this thread, two ways: `argon2`'s
/// `verify_password` (allocates and fills its memory on every run) and a memory area reused
/// from run to run (`hash_password_into_with_memory`, what the server's Argon2 threads do).
/// Then the same loops on every core at once, no server involved. Prints
/// `argon2_single_ms_median/min` (allocating), `argon2_single_reuse_ms_median/min`,
/// `argon2_parallel_rps` and `argon2_parallel_reuse_rps`; the larger parallel figure is what
/// the hardware does without a server.
fn argon2_single(memory_kib: u32, iterations: u32, runs: usize) -> Result {
    let params = Params::new(memory_kib, iterations, 1, Some(32)).map_err(|e| e.to_string())?;
    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| "no randomness")?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let secret = [7u8; 32]; // the server hashes a 32-byte HMAC
    let phc = a
        .hash_password(&secret, &salt)
        .map_err(|e| e.to_string())?
        .to_string();
    let runs = runs.max(1);
    for reuse in [false, true] {
        let mut v = Verifier::new(&phc, reuse)?;
        v.verify(&secret)?; // warm-up (page faults of the first allocation)
        let mut ms = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            v.verify(&secret)?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        let tag = if reuse { "_reuse" } else { "" };
        println!("argon2_single{tag}_ms_median={:.3}", ms[ms.len() / 2]);
        println!("argon2_single{tag}_ms_min={:.3}", ms[0]);
    }
    // The same work on every core at once, no server involved: how far the hardware itself
    // scales (memory bandwidth and shared caches limit a memory-hard function).
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for reuse in [false, true] {
        let t = Instant::now();
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                let phc = phc.clone();
                std::thread::spawn(move || -> Result<usize> {
                    let mut v = Verifier::new(&phc, reuse)?;
                    for _ in 0..runs {
                        v.verify(&secret)?;
                    }
                    Ok(runs)
                })
            })
            .collect();
        let mut done = 0;
        for h in handles {
            done += h.join().map_err(|_| "argon2 thread panicked")??;
        }
        let tag = if reuse { "_reuse" } else { "" };
        println!(
            "argon2_parallel_threads={cores} argon2_parallel{tag}_rps={:.2}",
            done as f64 / t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// One thread's Argon2id verifier: `verify_password` as-is, or with a reused memory area.
struct Verifier {
    phc: String,
    memory: Option<Vec<argon2::Block>>,
}

impl Verifier {
    fn new(phc: &str, reuse: bool) -> Result<Self> {
        let parsed = PasswordHash::new(phc).map_err(|e| e.to_string())?;
        let blocks = Params::try_from(&parsed)
            .map_err(|e| e.to_string())?
            .block_count();
        Ok(Verifier {
            phc: phc.to_owned(),
            memory: reuse.then(|| vec![argon2::Block::default(); blocks]),
        })
    }

    fn verify(&mut self, secret: &[u8]) -> Result {
        let parsed = PasswordHash::new(&self.phc).map_err(|e| e.to_string())?;
        let Some(memory) = self.memory.as_mut() else {
            return Argon2::default()
                .verify_password(secret, &parsed)
                .map_err(|e| e.to_string());
        };
        let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err("verifier without salt or hash".into());
        };
        let mut salt_buf = [0u8; 64];
        let salt = salt.decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
        let mut out = vec![0u8; expected.len()];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into_with_memory(secret, salt, &mut out, &mut memory[..])
            .map_err(|e| e.to_string())?;
        if out != expected.as_bytes() {
            return Err("verification failed".into());
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Server setup for wrk

fn config(base: &str) -> ClientConfig {
    ClientConfig {
        request_timeout: Duration::from_secs(60),
        ..ClientConfig::new(base)
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn unique(prefix: &str) -> Result<String> {
    let mut b = [0u8; 6];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| "no randomness")?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{prefix}-{hex}"))
}

/// A user with a session (token, key).
struct BenchUser {
    id: String,
    token: String,
    key: String,
}

async fn new_user(admin: &AdminClient, prefix: &str) -> Result<BenchUser> {
    let id = unique(prefix)?;
    admin.create_user(&id).await.map_err(err)?;
    let t = admin.create_user_token(&id).await.map_err(err)?;
    Ok(BenchUser {
        id,
        token: t.user_token,
        key: t.encryption_key,
    })
}

/// Walks a challenge through the SDK driver, answering every screen: PIN screens with
/// `current` / `new`, questions with the first option, answers derived from the question.
/// Returns when the flow is Done (the last step accepted).
async fn walk(
    admin: &AdminClient,
    u: &BenchUser,
    challenge_id: &str,
    current: &str,
    new: &str,
) -> Result<latchkey_core::ChallengeRun> {
    let session = admin.client().session(&u.token, &u.key).map_err(err)?;
    let run = session.run_challenge(challenge_id).await.map_err(err)?;
    for _ in 0..32 {
        let input = match run.screen() {
            Screen::Done { .. } => return Ok(run),
            Screen::EnterPin { purpose, error, .. } => {
                if error.is_some() {
                    return Err(format!("PIN refused: {error:?}"));
                }
                let p = match purpose {
                    latchkey_core::PinPurpose::Current => current,
                    _ => new,
                };
                Input::Pin(Secret::from_str_copy(p))
            }
            Screen::ChooseQuestion { options, .. } => {
                let q = options.first().ok_or("no question to choose")?;
                Input::ChooseQuestion(q.id.clone())
            }
            Screen::AnswerQuestion {
                question, error, ..
            } => {
                if error.is_some() {
                    return Err(format!("answer refused: {error:?}"));
                }
                Input::Answer {
                    answer: Secret::new(answer_for(&question.id, &question.kind)),
                    hint: None,
                }
            }
            Screen::Review { .. } | Screen::ReviewSignature { .. } => Input::Acknowledge,
            other => return Err(format!("unexpected screen {other:?}")),
        };
        run.submit(input).await.map_err(err)?;
    }
    Err("flow did not finish".into())
}

fn answer_for(id: &str, kind: &QuestionKind) -> String {
    match kind {
        QuestionKind::Date => "2001-02-03".into(),
        _ => format!("Answer to {id}"),
    }
}

/// Prepares a server for the wrk runs; see the module docs.
async fn setup(base: &str, api_key: &str, out: &Path, counts: &[usize]) -> Result {
    std::fs::create_dir_all(out).map_err(err)?;
    let admin = AdminClient::new(config(base), api_key).map_err(err)?;

    // Read endpoints: a user with a SET_PIN challenge in progress (descriptor fetched).
    let reader = new_user(&admin, "bench-reader").await?;
    let read_ch = admin
        .create_challenge(
            &reader.token,
            ChallengeType::SetPin,
            &latchkey_core::new_idempotency_key(),
        )
        .await
        .map_err(err)?;
    admin
        .client()
        .session(&reader.token, &reader.key)
        .map_err(err)?
        .run_challenge(&read_ch)
        .await
        .map_err(err)?;
    let mut env = String::new();
    writeln!(env, "READ_USER='{}'", reader.id).map_err(err)?;
    writeln!(env, "READ_TOKEN='{}'", reader.token).map_err(err)?;
    writeln!(env, "READ_CHALLENGE='{read_ch}'").map_err(err)?;
    std::fs::write(out.join("env.sh"), env).map_err(err)?;

    // Verification users: 8 users with a PIN (set through a real SET_PIN flow).
    let mut users = Vec::new();
    for _ in 0..8 {
        let u = new_user(&admin, "bench-verifier").await?;
        let ch = admin
            .create_challenge(
                &u.token,
                ChallengeType::SetPin,
                &latchkey_core::new_idempotency_key(),
            )
            .await
            .map_err(err)?;
        walk(&admin, &u, &ch, PIN, PIN).await?;
        users.push(u);
    }
    let users = std::sync::Arc::new(users);
    let rng = SystemRandom::new();
    for (file_no, &count) in counts.iter().enumerate() {
        // One CHANGE_PIN challenge per request, descriptor fetched (IN_PROGRESS), 16 at a time.
        let mut ids: Vec<(usize, String)> = Vec::with_capacity(count);
        let mut next = 0;
        while next < count {
            let mut set = tokio::task::JoinSet::new();
            for i in next..(next + 16).min(count) {
                let admin = admin.clone();
                let users = users.clone();
                set.spawn(async move {
                    let u = &users[i % users.len()];
                    let id = admin
                        .create_challenge(
                            &u.token,
                            ChallengeType::ChangePin,
                            &latchkey_core::new_idempotency_key(),
                        )
                        .await
                        .map_err(err)?;
                    admin
                        .client()
                        .session(&u.token, &u.key)
                        .map_err(err)?
                        .run_challenge(&id)
                        .await
                        .map_err(err)?;
                    Ok::<_, String>((i, id))
                });
            }
            while let Some(r) = set.join_next().await {
                ids.push(r.map_err(err)??);
            }
            next = (next + 16).min(count);
        }
        ids.sort();
        let mut lua = String::from(
            "-- Generated by `latchkey-bench setup`: one CURRENT_PIN step (right PIN, sealed) per\n\
             -- CHANGE_PIN challenge, each sent once. Use with one wrk thread (-t1).\n\
             local items = {\n",
        );
        for (i, id) in &ids {
            let u = &users[i % users.len()];
            let key = SessionKey::from_base64(&u.key).map_err(err)?;
            let step = Step::CurrentPin;
            let ctx = EnvelopeContext {
                challenge_id: id,
                challenge_type: &ChallengeType::ChangePin,
                step: &step,
            };
            let payload = StepPayload {
                pin: Some(Secret::from_str_copy(PIN)),
                ..Default::default()
            };
            let envelope = seal_json(&key, &ctx, &payload, &rng).map_err(err)?;
            let body = serde_json::json!({"step": "CURRENT_PIN", "envelope": envelope});
            writeln!(
                lua,
                "  {{\"/v1/user/challenges/{id}/steps\", \"{}\", [[{body}]]}},",
                u.token
            )
            .map_err(err)?;
        }
        lua.push_str(LUA_TAIL);
        let path: PathBuf = out.join(format!("verify-{file_no}.lua"));
        std::fs::write(&path, lua).map_err(err)?;
        println!("wrote {} ({count} requests)", path.display());
    }
    Ok(())
}

/// Users with a PIN and a wallet, and `count` IN_PROGRESS SIGN_MESSAGE challenges, each with
/// its sealed COMPLETE step (right PIN + review digest of the server's `signRequest`); writes
/// `out/sign.lua` for wrk.
async fn setup_signatures(base: &str, api_key: &str, out: &Path, count: usize) -> Result {
    let admin = AdminClient::new(config(base), api_key).map_err(err)?;
    let http = reqwest::Client::new();
    let mut signers = Vec::new();
    for _ in 0..8 {
        let u = new_user(&admin, "bench-signer").await?;
        let ch = admin
            .create_challenge(
                &u.token,
                ChallengeType::SetPin,
                &latchkey_core::new_idempotency_key(),
            )
            .await
            .map_err(err)?;
        walk(&admin, &u, &ch, PIN, PIN).await?;
        let ch = admin
            .create_wallet_challenge(
                &u.token,
                &[Blockchain::EthSepolia],
                None,
                &latchkey_core::new_idempotency_key(),
            )
            .await
            .map_err(err)?;
        walk(&admin, &u, &ch, PIN, PIN).await?;
        let session = admin.client().session(&u.token, &u.key).map_err(err)?;
        let wallet = session
            .wallets()
            .await
            .map_err(err)?
            .into_iter()
            .next()
            .ok_or("CREATE_WALLET made no wallet")?;
        signers.push((u, wallet.id));
    }
    let rng = SystemRandom::new();
    let mut lua = String::from(
        "-- Generated by `latchkey-bench setup --signatures`: one COMPLETE step (right PIN and\n\
         -- review digest, sealed) per SIGN_MESSAGE challenge, each sent once. Use -t1.\n\
         local items = {\n",
    );
    for i in 0..count {
        let (u, wallet_id) = &signers[i % signers.len()];
        let request = SignMessageRequest {
            idempotency_key: latchkey_core::new_idempotency_key(),
            wallet_id: wallet_id.clone(),
            message: format!("latchkey bench signature {i}"),
            encoded_by_hex: false,
            memo: None,
        };
        let id = admin
            .create_sign_message(&u.token, &request)
            .await
            .map_err(err)?;
        // The descriptor moves the challenge to IN_PROGRESS and carries the exact signRequest
        // text the digest is taken over (as the SDK does before its review screen).
        let descriptor: serde_json::Value = http
            .get(format!("{base}/v1/user/challenges/{id}/descriptor"))
            .header("X-User-Token", &u.token)
            .send()
            .await
            .map_err(err)?
            .error_for_status()
            .map_err(err)?
            .json()
            .await
            .map_err(err)?;
        let sign_request = descriptor["data"]["signRequest"]
            .as_str()
            .ok_or("descriptor without signRequest")?;
        let key = SessionKey::from_base64(&u.key).map_err(err)?;
        let step = Step::Complete;
        let ctx = EnvelopeContext {
            challenge_id: &id,
            challenge_type: &ChallengeType::SignMessage,
            step: &step,
        };
        let payload = StepPayload {
            pin: Some(Secret::from_str_copy(PIN)),
            review_digest: Some(review_digest(sign_request)),
            ..Default::default()
        };
        let envelope = seal_json(&key, &ctx, &payload, &rng).map_err(err)?;
        let body = serde_json::json!({"step": "COMPLETE", "envelope": envelope});
        writeln!(
            lua,
            "  {{\"/v1/user/challenges/{id}/steps\", \"{}\", [[{body}]]}},",
            u.token
        )
        .map_err(err)?;
    }
    lua.push_str(LUA_TAIL);
    let path = out.join("sign.lua");
    std::fs::write(&path, lua).map_err(err)?;
    println!("wrote {} ({count} requests)", path.display());
    Ok(())
}

/// The wrk side of a verify script: pre-formatted requests, each sent once (a repeat would be
/// answered from the server's envelope-reply record, without Argon2), an optional fixed rate
/// (`RATE` env var, requests per second, paced with a monotonic clock through LuaJIT's ffi:
/// every request gets the next slot of a fixed schedule), and a summary line on exit.
const LUA_TAIL: &str = r#"}
local reqs = {}
local i = 0
local sent_past_end = 0
local rate = tonumber(os.getenv("RATE") or "0")
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } lk_timespec;
int clock_gettime(int clk, lk_timespec *ts);
]]
local ts = ffi.new("lk_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local next_due = nil
init = function(args)
  for n, it in ipairs(items) do
    reqs[n] = wrk.format("POST", it[1], {["X-User-Token"] = it[2], ["Content-Type"] = "application/json"}, it[3])
  end
end
request = function()
  i = i + 1
  if i > #reqs then
    sent_past_end = sent_past_end + 1
    i = 1
  end
  return reqs[i]
end
if rate > 0 then
  delay = function()
    local t = now_ms()
    if next_due == nil then next_due = t end
    local due = next_due
    next_due = next_due + 1000 / rate
    local d = due - t
    if d < 0 then return 0 end
    return math.floor(d)
  end
end
local non2xx = 0
response = function(status, headers, body)
  if status ~= 200 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("LK requests=%d seconds=%.3f rps=%.2f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d wrapped=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    sent_past_end))
end
"#;

// ---------------------------------------------------------------------------------------------
// Round trips

/// Requests in the server log (method + route template per line) from byte `from` on.
fn logged_requests(log: &Path, from: u64) -> Result<(Vec<String>, u64)> {
    let text = std::fs::read(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let start = usize::try_from(from).unwrap_or(usize::MAX).min(text.len());
    let tail = String::from_utf8_lossy(&text[start..]);
    let mut out = Vec::new();
    for line in tail.lines() {
        if !line.contains(" request") {
            continue;
        }
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .map(|v| v.trim_matches('"').to_owned())
        };
        if let (Some(m), Some(r)) = (field("method="), field("route=")) {
            out.push(format!("{m} {r}"));
        }
    }
    Ok((out, text.len() as u64))
}

fn log_len(log: &Path) -> Result<u64> {
    std::fs::metadata(log)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", log.display()))
}

async fn round_trips(base: &str, api_key: &str, log: &Path) -> Result {
    let admin = AdminClient::new(config(base), api_key).map_err(err)?;
    let u = new_user(&admin, "bench-trips").await?;
    // INITIALIZE: PIN + security questions (needed by RESTORE_PIN).
    let ch = admin
        .create_challenge(
            &u.token,
            ChallengeType::Initialize,
            &latchkey_core::new_idempotency_key(),
        )
        .await
        .map_err(err)?;
    walk(&admin, &u, &ch, PIN, PIN).await?;
    for (name, t, current, new) in [
        ("CHANGE_PIN", ChallengeType::ChangePin, PIN, NEW_PIN),
        ("RESTORE_PIN", ChallengeType::RestorePin, "", PIN),
    ] {
        let ch = admin
            .create_challenge(&u.token, t, &latchkey_core::new_idempotency_key())
            .await
            .map_err(err)?;
        // Count from here: the SDK's requests only (creation is the backend's call).
        let before = log_len(log)?;
        let run = walk(&admin, &u, &ch, current, new).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (flow, mid) = logged_requests(log, before)?;
        let result = run
            .wait_for_result(Duration::from_secs(10))
            .await
            .map_err(err)?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (poll, _) = logged_requests(log, mid)?;
        println!(
            "round_trips {name} before_poll={} poll={} status={} requests=[{}] poll_requests=[{}]",
            flow.len(),
            poll.len(),
            result.status.as_str(),
            flow.join(", "),
            poll.join(", ")
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SDK overhead on a network step

/// `count` users with a fresh SET_PIN challenge each, written as `TOKEN KEY CHALLENGE_ID` lines.
async fn net_setup(base: &str, api_key: &str, count: usize, out: &Path) -> Result {
    let admin = AdminClient::new(config(base), api_key).map_err(err)?;
    let mut lines = String::new();
    for _ in 0..count {
        let u = new_user(&admin, "bench-net").await?;
        let id = admin
            .create_challenge(
                &u.token,
                ChallengeType::SetPin,
                &latchkey_core::new_idempotency_key(),
            )
            .await
            .map_err(err)?;
        writeln!(lines, "{} {} {id}", u.token, u.key).map_err(err)?;
    }
    std::fs::write(out, lines).map_err(err)
}

/// Times the SET_PIN confirmation step once per line of `file` (see the module docs).
async fn net_step(base: &str, file: &Path, mode: &str, warm: usize, prefix: &str) -> Result {
    let text = std::fs::read_to_string(file).map_err(err)?;
    let http = reqwest::Client::new();
    let client = latchkey_core::Client::new(config(base)).map_err(err)?;
    let rng = SystemRandom::new();
    let mut times_us = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut it = line.split_whitespace();
        let (Some(token), Some(key), Some(id)) = (it.next(), it.next(), it.next()) else {
            return Err(format!("bad line {}", i + 1));
        };
        let us = match mode {
            "bare" => bare_step(&http, base, token, key, id, &rng).await?,
            "sdk" => sdk_step(&client, token, key, id).await?,
            other => return Err(format!("unknown mode `{other}`")),
        };
        if i >= warm {
            times_us.push(us);
        }
    }
    let (p50, mean) = p50_mean(&mut times_us).ok_or("no steps after the warm-up")?;
    println!("{prefix}_{mode}_p50_us={p50:.1}");
    println!("{prefix}_{mode}_mean_us={mean:.1}");
    println!("{prefix}_{mode}_n={}", times_us.len());
    Ok(())
}

fn p50_mean(v: &mut [f64]) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    Some((v[v.len() / 2], mean))
}

/// The descriptor (untimed), the step sealed by the sans-IO core as the SDK would (untimed),
/// then the timed POST on a plain reqwest client with the SDK's headers. Returns microseconds.
async fn bare_step(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    id: &str,
    rng: &SystemRandom,
) -> Result<f64> {
    let reply: serde_json::Value = http
        .get(format!("{base}/v1/user/challenges/{id}/descriptor"))
        .header("accept", "application/json")
        .header("x-user-token", token)
        .send()
        .await
        .map_err(err)?
        .json()
        .await
        .map_err(err)?;
    let data = reply.get("data").cloned().unwrap_or(reply);
    let descriptor: latchkey_protocol::ChallengeDescriptor =
        serde_json::from_value(data).map_err(err)?;
    let key = SessionKey::from_base64(key).map_err(err)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(err)?
        .as_secs() as i64;
    let mut flow = latchkey_core::Flow::start(descriptor, key, now).map_err(err)?;
    let mut effects = Vec::new();
    for _ in 0..2 {
        let pin = latchkey_core::Event::PinEntered(Secret::from_str_copy(NEW_PIN));
        effects = flow.process_event(pin, now, rng).map_err(err)?;
    }
    let Some(latchkey_core::Effect::SubmitStep(sub)) = effects.into_iter().next() else {
        return Err("the flow did not ask for a step".into());
    };
    let body = serde_json::to_vec(&sub).map_err(err)?;
    let t = Instant::now();
    let resp = http
        .post(format!("{base}/v1/user/challenges/{id}/steps"))
        .header("accept", "application/json")
        .header("x-user-token", token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(err)?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(err)?;
    let us = t.elapsed().as_secs_f64() * 1e6;
    if !status.is_success() {
        return Err(format!(
            "step refused: {status} {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    Ok(us)
}

/// The core driver: run_challenge and the new PIN untimed, then the timed confirmation.
async fn sdk_step(client: &latchkey_core::Client, token: &str, key: &str, id: &str) -> Result<f64> {
    let session = client.session(token, key).map_err(err)?;
    let run = session.run_challenge(id).await.map_err(err)?;
    run.submit(Input::Pin(Secret::from_str_copy(NEW_PIN)))
        .await
        .map_err(err)?;
    let t = Instant::now();
    let screen = run
        .submit(Input::Pin(Secret::from_str_copy(NEW_PIN)))
        .await
        .map_err(err)?;
    let us = t.elapsed().as_secs_f64() * 1e6;
    match screen {
        Screen::Done { .. } => Ok(us),
        other => Err(format!("expected Done, got {other:?}")),
    }
}
