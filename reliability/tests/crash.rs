//! `kill -9` the real server binary during a load of PIN changes, wrong guesses and restores,
//! restart it on the same database, and check that nothing the clients were told is lost:
//! every challenge reported COMPLETE is still COMPLETE, every user's wrong-guess count and lock
//! state is exactly what the last reply said (or, for the one request in flight at the kill,
//! one of its two possible outcomes), every user's last PIN still verifies, and every COMPLETE
//! challenge's webhook reaches a receiver that was down during the whole run and comes up at
//! the end. Two kill/restart rounds, on SQLite and on PostgreSQL.

use latchkey_protocol::{ChallengeType, Step};
use latchkey_reliability::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: usize = 8;
const ROUNDS: usize = 2;
const MAX_OPS_PER_ROUND: usize = 400;
const MAX_ATTEMPTS: u64 = 3;
const WRONG: &str = "112358";

/// The request in flight when the server died: its effect is unknown.
#[derive(Clone, Debug)]
enum Pending {
    /// A wrong PIN: the count may be +1 (and locked at the limit).
    WrongGuess,
    /// The right PIN: the count may be reset to 0.
    RightPin,
    /// A COMPLETE step: the challenge may have completed with this new PIN.
    Complete { id: String, new_pin: String },
}

/// The envelope in flight when the server died, to be resent after the restart.
#[derive(Clone, Debug)]
struct InFlight {
    id: String,
    step: Step,
    envelope: String,
    /// A CURRENT_PIN envelope carrying a wrong PIN.
    wrong: bool,
}

/// The claim lease the server runs with: a claim left by the killed process is taken over by
/// a resend once it is older than this.
const CLAIM_LEASE: Duration = Duration::from_secs(1);

/// What one user's client was told, and what it does not know.
#[derive(Clone, Debug)]
struct UserState {
    idx: usize,
    session: UserSession,
    pin: String,
    failed: u64,
    locked: bool,
    pending: Option<Pending>,
    in_flight: Option<InFlight>,
    next_pin: u32,
}

#[derive(Default)]
struct Record {
    /// Challenges whose COMPLETE step was answered 200 with status COMPLETE.
    reported_complete: BTreeSet<String>,
    /// Every challenge id the clients learned, with its user's index.
    created: BTreeMap<String, usize>,
    wrong_replies: usize,
}

fn fresh_pin(n: u32) -> String {
    // 6 digits, never a run or a repeated digit: 1 then 5 digits of a counter with a fixed tail.
    format!("{}{:03}79", 1 + n % 8, (n * 37) % 1000)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The first failure of a worker: a transport error (the server died) ends its round.
enum Stop {
    Died,
}

fn challenge_id(r: &Reply) -> String {
    r.ok(201)["challengeId"]
        .as_str()
        .expect("challengeId")
        .to_owned()
}

async fn create(
    api: &Api,
    u: &UserState,
    kind: &ChallengeType,
    rec: &std::sync::Mutex<Record>,
) -> Result<String, Stop> {
    let r = api
        .create_challenge(&u.session, kind)
        .await
        .map_err(|_| Stop::Died)?;
    let id = challenge_id(&r);
    rec.lock().unwrap().created.insert(id.clone(), u.idx);
    let d = api
        .descriptor(&u.session, &id)
        .await
        .map_err(|_| Stop::Died)?;
    assert_eq!(d.ok(200)["status"], "IN_PROGRESS");
    Ok(id)
}

/// One user's load until the server dies (or the op budget runs out).
async fn worker(
    api: Api,
    mut u: UserState,
    seed: u64,
    rec: Arc<std::sync::Mutex<Record>>,
    completions: Arc<AtomicUsize>,
    wrongs: Arc<AtomicUsize>,
) -> UserState {
    let mut rng = Rng(seed | 1);
    for _ in 0..MAX_OPS_PER_ROUND {
        let r = if u.locked {
            restore(&api, &mut u, &rec, &completions).await
        } else if rng.next() % 2 == 0 {
            wrong_guess(&api, &mut u, &rec, &wrongs).await
        } else {
            change_pin(&api, &mut u, &rec, &completions).await
        };
        if r.is_err() {
            return u;
        }
    }
    u
}

async fn wrong_guess(
    api: &Api,
    u: &mut UserState,
    rec: &std::sync::Mutex<Record>,
    wrongs: &AtomicUsize,
) -> Result<(), Stop> {
    let kind = ChallengeType::ChangePin;
    let id = create(api, u, &kind, rec).await?;
    let env = seal(
        &u.session,
        &id,
        &kind,
        &Step::CurrentPin,
        &pin_payload(WRONG),
    );
    u.pending = Some(Pending::WrongGuess);
    u.in_flight = Some(InFlight {
        id: id.clone(),
        step: Step::CurrentPin,
        envelope: env.clone(),
        wrong: true,
    });
    let r = api
        .post_envelope(&u.session, &id, &Step::CurrentPin, &env)
        .await
        .map_err(|_| Stop::Died)?;
    u.pending = None;
    u.in_flight = None;
    match (r.status, r.code()) {
        (400, 155112) => {
            let left = r.body["attemptsLeft"].as_u64().expect("attemptsLeft");
            u.failed = MAX_ATTEMPTS - left;
            assert_eq!(u.failed, u.failed.min(MAX_ATTEMPTS - 1));
        }
        (423, 155119) => {
            assert!(r.body["lockedExpiryDate"].is_string(), "{:?}", r.body);
            u.failed = MAX_ATTEMPTS;
            u.locked = true;
        }
        _ => panic!("unexpected reply to a wrong PIN: {r:?}"),
    }
    wrongs.fetch_add(1, Ordering::Relaxed);
    rec.lock().unwrap().wrong_replies += 1;
    Ok(())
}

async fn complete(
    api: &Api,
    u: &mut UserState,
    id: &str,
    kind: &ChallengeType,
    rec: &std::sync::Mutex<Record>,
    completions: &AtomicUsize,
) -> Result<(), Stop> {
    let new_pin = fresh_pin(u.next_pin);
    u.next_pin += 1;
    let env = seal(
        &u.session,
        id,
        kind,
        &Step::Complete,
        &new_pin_payload(&new_pin),
    );
    u.pending = Some(Pending::Complete {
        id: id.to_owned(),
        new_pin: new_pin.clone(),
    });
    u.in_flight = Some(InFlight {
        id: id.to_owned(),
        step: Step::Complete,
        envelope: env.clone(),
        wrong: false,
    });
    let r = api
        .post_envelope(&u.session, id, &Step::Complete, &env)
        .await
        .map_err(|_| Stop::Died)?;
    u.pending = None;
    u.in_flight = None;
    assert_eq!(r.ok(200)["status"], "COMPLETE", "{r:?}");
    u.pin = new_pin;
    u.failed = 0;
    u.locked = false;
    rec.lock().unwrap().reported_complete.insert(id.to_owned());
    completions.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

async fn change_pin(
    api: &Api,
    u: &mut UserState,
    rec: &std::sync::Mutex<Record>,
    completions: &AtomicUsize,
) -> Result<(), Stop> {
    let kind = ChallengeType::ChangePin;
    let id = create(api, u, &kind, rec).await?;
    let env = seal(
        &u.session,
        &id,
        &kind,
        &Step::CurrentPin,
        &pin_payload(&u.pin),
    );
    u.pending = Some(Pending::RightPin);
    u.in_flight = Some(InFlight {
        id: id.clone(),
        step: Step::CurrentPin,
        envelope: env.clone(),
        wrong: false,
    });
    let r = api
        .post_envelope(&u.session, &id, &Step::CurrentPin, &env)
        .await
        .map_err(|_| Stop::Died)?;
    u.pending = None;
    u.in_flight = None;
    r.ok(200);
    u.failed = 0;
    complete(api, u, &id, &kind, rec, completions).await
}

async fn restore(
    api: &Api,
    u: &mut UserState,
    rec: &std::sync::Mutex<Record>,
    completions: &AtomicUsize,
) -> Result<(), Stop> {
    let kind = ChallengeType::RestorePin;
    let id = create(api, u, &kind, rec).await?;
    let env = seal(&u.session, &id, &kind, &Step::Answers, &answers_payload());
    u.in_flight = Some(InFlight {
        id: id.clone(),
        step: Step::Answers,
        envelope: env.clone(),
        wrong: false,
    });
    let r = api
        .post_envelope(&u.session, &id, &Step::Answers, &env)
        .await
        .map_err(|_| Stop::Died)?;
    u.in_flight = None;
    r.ok(200);
    complete(api, u, &id, &kind, rec, completions).await
}

async fn status_of(api: &Api, s: &UserSession, id: &str) -> String {
    let r = api.challenge(s, id).await.expect("server is up");
    r.ok(200)["challenge"]["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

/// After a restart: compare every user with what its client was told, then settle the
/// unknown outcome of the request that was in flight.
async fn check_and_settle(
    api: &Api,
    users: &mut [UserState],
    rec: &std::sync::Mutex<Record>,
    round: usize,
) {
    let reported: Vec<(String, usize)> = {
        let r = rec.lock().unwrap();
        r.reported_complete
            .iter()
            .map(|id| (id.clone(), r.created[id]))
            .collect()
    };
    // Every challenge reported COMPLETE is still COMPLETE.
    for (id, owner) in &reported {
        let r = api
            .challenge(&users[*owner].session, id)
            .await
            .expect("server is up");
        assert_eq!(
            (r.status, r.data()["challenge"]["status"].as_str()),
            (200, Some("COMPLETE")),
            "round {round}: challenge {id} was reported COMPLETE, now {:?}",
            r.body
        );
    }
    for u in users.iter_mut() {
        let user = api
            .get_user(&u.session.user_id)
            .await
            .expect("server is up");
        let d = user.ok(200).clone();
        let failed = d["pinDetails"]["failedAttempts"].as_u64().expect("count");
        let locked = d["pinStatus"] == "LOCKED";
        let told = (u.failed, u.locked);
        let seen = (failed, locked);
        let after_wrong = (
            (u.failed + 1).min(MAX_ATTEMPTS),
            u.failed + 1 >= MAX_ATTEMPTS,
        );
        match u.pending.take() {
            None => assert_eq!(
                seen, told,
                "round {round}: {} count/lock differs from what the client was told",
                u.session.user_id
            ),
            Some(Pending::WrongGuess) => {
                assert!(
                    seen == told || seen == after_wrong,
                    "round {round}: {} after an unanswered wrong PIN: told {told:?}, now {seen:?}",
                    u.session.user_id
                );
            }
            Some(Pending::RightPin) => {
                // The server reserves a guess before running Argon2 and resets the count on
                // success; a kill in between leaves the reservation charged (fail-closed).
                assert!(
                    seen == told || seen == (0, false) || seen == after_wrong,
                    "round {round}: {} after an unanswered right PIN: told {told:?}, now {seen:?}",
                    u.session.user_id
                );
            }
            Some(Pending::Complete { id, new_pin }) => {
                assert!(
                    seen == told || seen == (0, false),
                    "round {round}: {} after an unanswered COMPLETE: told {told:?}, now {seen:?}",
                    u.session.user_id
                );
                let st = status_of(api, &u.session, &id).await;
                if st == "COMPLETE" {
                    u.pin = new_pin;
                    rec.lock().unwrap().reported_complete.insert(id);
                } else {
                    assert_eq!(
                        st, "IN_PROGRESS",
                        "round {round}: in-flight COMPLETE left {st}"
                    );
                }
            }
        }
        u.failed = failed;
        u.locked = locked;
    }
}

/// After a restart: resend each envelope that was in flight at the kill, as a client retrying a
/// lost reply does. A claim the killed process left behind answers 155816 until its lease has
/// passed; then the resend takes it over and must get a final answer (never stuck, never
/// 155805). Returns how many resends had to wait for the lease.
async fn resend_in_flight(api: &Api, users: &mut [UserState], round: usize) -> usize {
    let mut waited = 0;
    for u in users.iter_mut() {
        let Some(f) = u.in_flight.take() else {
            continue;
        };
        let deadline = Instant::now() + CLAIM_LEASE + Duration::from_secs(10);
        let r = loop {
            let r = api
                .post_envelope(&u.session, &f.id, &f.step, &f.envelope)
                .await
                .expect("server is up");
            if (r.status, r.code()) != (409, 155816) {
                break r;
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: {} resend still 155816 long after the lease",
                u.session.user_id
            );
            waited += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let got = (r.status, r.code());
        match (&f.step, f.wrong) {
            // The guess that locks FAILs the challenge and records its reply in one
            // transaction, so a resend of that envelope always gets the same refusal (before,
            // the reply was recorded by the next statement and a kill between the two turned
            // the resend's answer into 409 155804).
            (Step::CurrentPin, true) => assert!(
                got == (400, 155112) || got == (423, 155119),
                "round {round}: resent wrong PIN got {r:?}"
            ),
            (Step::Complete, _) => {
                assert_eq!(r.ok(200)["status"], "COMPLETE", "round {round}: {r:?}")
            }
            _ => {
                r.ok(200);
            }
        }
    }
    waited
}

fn humantime_ms(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

/// Waits for the server process to answer after a restart.
async fn wait_healthy(api: &Api) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(r) = reqwest::get(format!("{}/v1/health", api.base)).await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn crash_scenario(backend: Backend, dir: &std::path::Path) {
    let mut opts = ServerOptions::new(dir, backend.clone());
    opts.extra = vec!["--claim-lease".into(), humantime_ms(CLAIM_LEASE)];
    let mut receiver = Receiver::down();
    let mut server = ServerProc::start(&opts);
    let mut api = Api::new(server.base_url());
    api.subscribe(&receiver.endpoint())
        .await
        .expect("subscribe")
        .ok(201);

    let rec = Arc::new(std::sync::Mutex::new(Record::default()));
    let mut users = Vec::new();
    for i in 0..USERS {
        let pin = fresh_pin(1000 + i as u32);
        let (session, init_id) = initialized_user(&api, &format!("crash-user-{i:02}"), &pin).await;
        {
            let mut r = rec.lock().unwrap();
            r.created.insert(init_id.clone(), i);
            r.reported_complete.insert(init_id);
        }
        users.push(UserState {
            idx: i,
            session,
            pin,
            failed: 0,
            locked: false,
            pending: None,
            in_flight: None,
            next_pin: (i as u32) * 1000,
        });
    }

    let mut total_killed_completions = 0;
    for round in 0..ROUNDS {
        let completions = Arc::new(AtomicUsize::new(0));
        let wrongs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for (i, u) in users.drain(..).enumerate() {
            tasks.push(tokio::spawn(worker(
                api.clone(),
                u,
                0x9E37_79B9_7F4A_7C15 ^ (((round * USERS + i) as u64 + 1) * 0x1000_0001),
                rec.clone(),
                completions.clone(),
                wrongs.clone(),
            )));
        }
        // Let the load run until enough has happened, then kill -9 in the middle of it.
        let deadline = Instant::now() + Duration::from_secs(30);
        while completions.load(Ordering::Relaxed) < 15 || wrongs.load(Ordering::Relaxed) < 15 {
            assert!(
                Instant::now() < deadline,
                "load too slow: {} completions, {} wrong PINs",
                completions.load(Ordering::Relaxed),
                wrongs.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = server.kill9();
        for t in tasks {
            users.push(t.await.expect("worker"));
        }
        users.sort_by_key(|u| u.idx);
        let in_flight = users.iter().filter(|u| u.pending.is_some()).count();
        total_killed_completions += completions.load(Ordering::Relaxed);
        eprintln!(
            "{} round {round}: killed after {} completions and {} wrong PINs; {in_flight} requests in flight",
            backend.name(),
            completions.load(Ordering::Relaxed),
            wrongs.load(Ordering::Relaxed)
        );
        server = ServerProc::start(&opts);
        api = Api::new(server.base_url());
        wait_healthy(&api).await;
        let resent = users.iter().filter(|u| u.in_flight.is_some()).count();
        let waited = resend_in_flight(&api, &mut users, round).await;
        eprintln!(
            "{} round {round}: resent {resent} in-flight envelopes, all answered finally ({waited} answers 155816 while a dead claim's lease ran)",
            backend.name()
        );
        check_and_settle(&api, &mut users, &rec, round).await;
    }
    assert!(total_killed_completions >= 30);

    // Every user's last PIN still verifies (unlocked users; the right PIN resets the count).
    for u in users.iter().filter(|u| !u.locked) {
        let kind = ChallengeType::ChangePin;
        let id = challenge_id(&api.create_challenge(&u.session, &kind).await.unwrap());
        api.descriptor(&u.session, &id).await.unwrap().ok(200);
        let env = seal(
            &u.session,
            &id,
            &kind,
            &Step::CurrentPin,
            &pin_payload(&u.pin),
        );
        let r = api
            .post_envelope(&u.session, &id, &Step::CurrentPin, &env)
            .await
            .unwrap();
        assert_eq!(
            r.status, 200,
            "{}: the last PIN the client set no longer verifies: {:?}",
            u.session.user_id, r.body
        );
    }

    // Final statuses of every challenge the clients know of; the COMPLETE ones need a webhook.
    let created: Vec<(String, usize)> = rec
        .lock()
        .unwrap()
        .created
        .iter()
        .map(|(id, i)| (id.clone(), *i))
        .collect();
    let reported = rec.lock().unwrap().reported_complete.clone();
    let mut complete = BTreeSet::new();
    for (id, owner) in &created {
        let r = api.challenge(&users[*owner].session, id).await.unwrap();
        if r.ok(200)["challenge"]["status"] == "COMPLETE" {
            complete.insert(id.clone());
        }
    }
    assert!(
        reported.is_subset(&complete),
        "reported COMPLETE but not COMPLETE now: {:?}",
        reported.difference(&complete).collect::<Vec<_>>()
    );
    assert!(
        receiver.received().is_empty(),
        "the receiver was down; nothing can have arrived"
    );
    receiver.up().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let missing = loop {
        let got: BTreeSet<String> = receiver
            .received()
            .iter()
            .filter(|r| r.body["notification"]["status"] == "COMPLETE")
            .filter_map(|r| r.body["notification"]["id"].as_str().map(str::to_owned))
            .collect();
        let missing: Vec<&String> = complete.difference(&got).collect();
        if missing.is_empty() || Instant::now() > deadline {
            break missing.into_iter().cloned().collect::<Vec<_>>();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        missing.is_empty(),
        "{} of {} COMPLETE webhooks never arrived: {missing:?}",
        missing.len(),
        complete.len()
    );
    // Every delivery is signed with the server's key (the same key across restarts).
    let all = receiver.received();
    let key_id = all[0].key_id.clone();
    let pk = api.public_key(&key_id).await.unwrap();
    let spki = pk.ok(200)["publicKey"].as_str().unwrap().to_owned();
    for r in &all {
        assert_eq!(r.key_id, key_id);
        assert!(verify_webhook(&spki, r), "bad webhook signature");
    }
    let dup: usize = {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for r in &all {
            if let Some(n) = r.body["notificationId"].as_str() {
                *seen.entry(n.to_owned()).or_default() += 1;
            }
        }
        seen.values().filter(|&&c| c > 1).count()
    };
    let wrong = rec.lock().unwrap().wrong_replies;
    eprintln!(
        "{}: {} challenges, {} COMPLETE ({} reported), {wrong} wrong-PIN replies, {} webhooks \
         received ({} notifications delivered more than once), all COMPLETE webhooks delivered",
        backend.name(),
        created.len(),
        complete.len(),
        reported.len(),
        all.len(),
        dup
    );
    let logs = server.terminate();
    assert!(!logs.contains("panicked"), "server panicked: {logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill9_loses_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_scenario(Backend::Sqlite(dir.path().to_path_buf()), dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill9_loses_nothing_postgres() {
    let Some(url) = fresh_postgres().await else {
        eprintln!("LATCHKEY_TEST_POSTGRES_URL unset: PostgreSQL variant skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    crash_scenario(Backend::Postgres(url), dir.path()).await;
}
