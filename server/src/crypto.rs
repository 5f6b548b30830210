//! Server-side cryptography: pepper, Argon2id verifiers, tokens, key wrapping and webhook
//! signing. Every primitive comes from `ring` or `argon2`.

use crate::config::Config;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use ring::{digest, hkdf, hmac};
use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

/// Failure of a cryptographic operation (no secret material inside).
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The random source failed.
    #[error("random source failure")]
    Rng,
    /// A stored verifier or wrapped key is malformed.
    #[error("stored secret material is malformed")]
    Malformed,
    /// Argon2 failed (bad parameters).
    #[error("argon2 failure")]
    Argon2,
    /// Reading or writing the pepper file failed.
    #[error("pepper file: {0}")]
    PepperFile(String),
    /// `LATCHKEY_PEPPER` is not base64 of at least [`MIN_PEPPER_BYTES`] bytes.
    #[error(
        "LATCHKEY_PEPPER must be base64 of at least 32 random bytes \
         (e.g. the output of `openssl rand -base64 32`): {0}"
    )]
    PepperEnv(&'static str),
    /// Admission refused: the Argon2 wait queue is full, the wait ran out, or the user has
    /// too many computations running. Nothing was computed; retry later.
    #[error("argon2 admission refused (server busy)")]
    Busy,
}

/// The shortest pepper accepted, in bytes (from `LATCHKEY_PEPPER` or the pepper file).
pub const MIN_PEPPER_BYTES: usize = 32;

/// Decodes a pepper given as base64 (standard alphabet) of at least [`MIN_PEPPER_BYTES`]
/// bytes; the error says what is wrong without repeating the value.
pub fn decode_pepper(text: &str) -> Result<Zeroizing<Vec<u8>>, &'static str> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(text.trim())
            .map_err(|_| "not valid base64")?,
    );
    if bytes.len() < MIN_PEPPER_BYTES {
        return Err("shorter than 32 bytes");
    }
    Ok(bytes)
}

/// Lowercase hex of SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = digest::digest(&digest::SHA256, data);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Fills `n` random bytes.
pub fn random_bytes(n: usize) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut v = Zeroizing::new(vec![0u8; n]);
    SystemRandom::new()
        .fill(&mut v)
        .map_err(|_| CryptoError::Rng)?;
    Ok(v)
}

/// A new bearer secret: 32 random bytes, base64url without padding (43 characters).
pub fn new_token() -> Result<Zeroizing<String>, CryptoError> {
    Ok(Zeroizing::new(
        URL_SAFE_NO_PAD.encode(&random_bytes(32)?[..]),
    ))
}

/// Whether `s` looks like a token made by [`new_token`].
pub fn token_well_formed(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The server's secret keys derived from the pepper: the HMAC key of verifiers and the key
/// that wraps session and signing keys at rest.
pub struct Pepper {
    hmac_key: hmac::Key,
    wrap_key: LessSafeKey,
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper(<redacted>)")
    }
}

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

impl Pepper {
    /// Derives the keys from the pepper bytes.
    pub fn from_bytes(pepper: &[u8]) -> Result<Self, CryptoError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"latchkey/v1/server-pepper").extract(pepper);
        let mut hk = Zeroizing::new([0u8; 32]);
        prk.expand(&[b"verifier-hmac"], Len32)
            .and_then(|okm| okm.fill(&mut hk[..]))
            .map_err(|_| CryptoError::Rng)?;
        let wrap = prk
            .expand(&[b"wrap-key"], &AES_256_GCM)
            .map_err(|_| CryptoError::Rng)?;
        Ok(Pepper {
            hmac_key: hmac::Key::new(hmac::HMAC_SHA256, &hk[..]),
            wrap_key: LessSafeKey::new(UnboundKey::from(wrap)),
        })
    }

    /// Loads the pepper from the config (`LATCHKEY_PEPPER`) or from `<data_dir>/pepper`,
    /// creating that file with mode 0600 on first start.
    pub fn load(config: &Config) -> Result<Self, CryptoError> {
        if let Some(p) = &config.pepper {
            let bytes = decode_pepper(p).map_err(CryptoError::PepperEnv)?;
            return Pepper::from_bytes(&bytes);
        }
        let path = config.data_dir.join("pepper");
        match std::fs::read_to_string(&path) {
            Ok(s) => {
                let s = Zeroizing::new(s);
                let bytes = decode_pepper(&s).map_err(|e| CryptoError::PepperFile(e.into()))?;
                Pepper::from_bytes(&bytes)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes = random_bytes(32)?;
                write_private_file(&path, STANDARD.encode(&bytes[..]).as_bytes())?;
                Pepper::from_bytes(&bytes)
            }
            Err(e) => Err(CryptoError::PepperFile(e.to_string())),
        }
    }

    /// HMAC-SHA256(pepper, domain || 0 || secret): the input to Argon2.
    pub fn mac(&self, domain: &str, secret: &[u8]) -> Zeroizing<Vec<u8>> {
        let mut ctx = hmac::Context::with_key(&self.hmac_key);
        ctx.update(domain.as_bytes());
        ctx.update(&[0]);
        ctx.update(secret);
        Zeroizing::new(ctx.sign().as_ref().to_vec())
    }

    /// Encrypts key material for storage: base64(nonce || AES-256-GCM(ct || tag)), bound to `label`.
    pub fn wrap(&self, label: &str, plain: &[u8]) -> Result<String, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CryptoError::Rng)?;
        let mut buf = Zeroizing::new(plain.to_vec());
        self.wrap_key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut *buf,
            )
            .map_err(|_| CryptoError::Rng)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(STANDARD.encode(out))
    }

    /// Reverses [`Pepper::wrap`].
    pub fn unwrap(&self, label: &str, wrapped: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let mut raw = Zeroizing::new(
            STANDARD
                .decode(wrapped)
                .map_err(|_| CryptoError::Malformed)?,
        );
        if raw.len() < NONCE_LEN + 16 {
            return Err(CryptoError::Malformed);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&raw[..NONCE_LEN]);
        let plain = self
            .wrap_key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut raw[NONCE_LEN..],
            )
            .map_err(|_| CryptoError::Malformed)?;
        Ok(Zeroizing::new(plain.to_vec()))
    }
}

/// Writes a file readable only by its owner (0600 on Unix).
pub fn write_private_file(path: &Path, content: &[u8]) -> Result<(), CryptoError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| CryptoError::PepperFile(e.to_string()))?;
    f.write_all(content)
        .and_then(|_| f.sync_all())
        .map_err(|e| CryptoError::PepperFile(e.to_string()))
}

/// Argon2id verifiers over HMAC-SHA256(pepper, secret), computed on dedicated threads
/// ([`KdfPool`]) behind admission control: a bounded semaphore of requests in flight, a
/// bounded wait queue, a bounded wait and a per-user limit (see [`Hasher::admit`]). Counts
/// every Argon2 run ([`Hasher::runs`]).
#[derive(Clone)]
pub struct Hasher {
    pepper: Arc<Pepper>,
    params: Params,
    pool: Arc<KdfPool>,
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
    queue_timeout: Duration,
    per_user: usize,
    users: Arc<Mutex<HashMap<String, usize>>>,
    runs: Arc<AtomicU64>,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher").finish_non_exhaustive()
    }
}

/// Admission to run one Argon2 computation: holds a permit of the global semaphore and, when
/// taken for a user, one of the user's slots. Dropping it frees both.
pub struct KdfPermit {
    _permit: OwnedSemaphorePermit,
    _user: Option<UserSlot>,
}

impl fmt::Debug for KdfPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KdfPermit")
    }
}

struct UserSlot {
    users: Arc<Mutex<HashMap<String, usize>>>,
    user: String,
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.users.lock() {
            if let Some(n) = m.get_mut(&self.user) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    m.remove(&self.user);
                }
            }
        }
    }
}

struct Waiting(Arc<AtomicUsize>);
impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Domain label of PIN verifiers.
pub const DOMAIN_PIN: &str = "latchkey/v1/pin";
/// Domain label of answer-set verifiers.
pub const DOMAIN_ANSWERS: &str = "latchkey/v1/answers";

impl Hasher {
    /// A hasher with the configured Argon2id cost and admission limits.
    pub fn new(pepper: Arc<Pepper>, config: &Config) -> Result<Self, CryptoError> {
        let params = Params::new(
            config.argon2_memory_kib,
            config.argon2_iterations,
            1,
            Some(32),
        )
        .map_err(|_| CryptoError::Argon2)?;
        let threads = config.argon2_concurrency.max(1);
        Ok(Hasher {
            pepper,
            params,
            pool: Arc::new(KdfPool::new(threads)?),
            permits: Arc::new(Semaphore::new(config.argon2_in_flight.max(threads))),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue: config.argon2_queue,
            // A holder never waits past half its claim lease, so no resend can take over a
            // claim whose holder is still queueing (overload sheds load, never doubles it).
            queue_timeout: config.argon2_queue_timeout.min(config.claim_lease / 2),
            per_user: config.kdf_per_user.max(1),
            users: Arc::new(Mutex::new(HashMap::new())),
            runs: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The pepper keys.
    pub fn pepper(&self) -> &Pepper {
        &self.pepper
    }

    /// How many Argon2 computations (hash or verify) this hasher has started.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::SeqCst)
    }

    /// The longest wait for a permit (the configured timeout, at most half the claim lease).
    pub fn queue_timeout(&self) -> Duration {
        self.queue_timeout
    }

    /// Takes admission for one computation: a user slot first (refused at once beyond the
    /// per-user limit), then a place in the bounded wait queue (refused at once when full),
    /// then a permit within the wait timeout. Every refusal is [`CryptoError::Busy`]; nothing
    /// is computed or counted.
    pub async fn admit(&self, user: Option<&str>) -> Result<KdfPermit, CryptoError> {
        let slot = match user {
            Some(u) => {
                let mut m = self.users.lock().map_err(|_| CryptoError::Busy)?;
                let n = m.entry(u.to_owned()).or_insert(0);
                if *n >= self.per_user {
                    return Err(CryptoError::Busy);
                }
                *n += 1;
                Some(UserSlot {
                    users: self.users.clone(),
                    user: u.to_owned(),
                })
            }
            None => None,
        };
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return Ok(KdfPermit {
                _permit: p,
                _user: slot,
            });
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(CryptoError::Busy);
        }
        let _w = Waiting(self.waiting.clone());
        match tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(KdfPermit {
                _permit: p,
                _user: slot,
            }),
            _ => Err(CryptoError::Busy),
        }
    }

    /// Makes a verifier (PHC string) for a normalised secret (takes its own admission).
    pub async fn hash(
        &self,
        domain: &'static str,
        secret: Zeroizing<Vec<u8>>,
    ) -> Result<String, CryptoError> {
        let permit = self.admit(None).await?;
        self.hash_with(&permit, domain, secret).await
    }

    /// Makes a verifier under an admission taken with [`Hasher::admit`].
    pub async fn hash_with(
        &self,
        _permit: &KdfPermit,
        domain: &'static str,
        secret: Zeroizing<Vec<u8>>,
    ) -> Result<String, CryptoError> {
        let mac = self.pepper.mac(domain, &secret);
        drop(secret);
        let salt = random_bytes(16)?;
        let salt = SaltString::encode_b64(&salt).map_err(|_| CryptoError::Argon2)?;
        let params = self.params.clone();
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.pool
            .run(move |memory| hash_in(memory, params, &mac, &salt))
            .await?
    }

    /// Checks a normalised secret against a verifier (constant time inside `argon2`; takes
    /// its own admission).
    pub async fn verify(
        &self,
        domain: &'static str,
        secret: Zeroizing<Vec<u8>>,
        verifier: String,
    ) -> Result<bool, CryptoError> {
        let permit = self.admit(None).await?;
        self.verify_with(&permit, domain, secret, verifier).await
    }

    /// Checks a secret under an admission taken with [`Hasher::admit`].
    pub async fn verify_with(
        &self,
        _permit: &KdfPermit,
        domain: &'static str,
        secret: Zeroizing<Vec<u8>>,
        verifier: String,
    ) -> Result<bool, CryptoError> {
        let mac = self.pepper.mac(domain, &secret);
        drop(secret);
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.pool
            .run(move |memory| verify_in(memory, &mac, &verifier))
            .await?
    }
}

/// Argon2 work for one dedicated thread: gets the thread's reusable memory area.
type KdfJob = Box<dyn FnOnce(&mut Vec<Block>) + Send + 'static>;

/// The threads Argon2 runs on: `argon2_concurrency` dedicated OS threads, each keeping one
/// memory area (19 MiB at the default cost) for the life of the server. A fresh allocation per
/// run writes the whole area (`vec![Block::default(); n]`) and, once freed, may be handed back
/// to the OS and faulted in again; reusing it saves both, and a dedicated thread keeps it warm.
/// The area is overwritten by every run; what a finished run leaves there is its last pass,
/// from which a PIN guess cannot be checked without redoing the whole computation.
///
/// Jobs wait in a channel, so a thread starts the next computation as soon as it finishes one,
/// while the requests that submitted them do their database work on the async runtime.
/// The threads end when the last [`Hasher`] clone is dropped.
pub struct KdfPool {
    jobs: std::sync::mpsc::Sender<KdfJob>,
}

impl fmt::Debug for KdfPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KdfPool")
    }
}

impl KdfPool {
    /// Starts `threads` Argon2 threads.
    pub fn new(threads: usize) -> Result<Self, CryptoError> {
        let (tx, rx) = std::sync::mpsc::channel::<KdfJob>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut memory: Vec<Block> = Vec::new();
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        // A panicking job drops its reply sender (the caller gets an error);
                        // the thread and the pool survive it.
                        let run = std::panic::AssertUnwindSafe(|| job(&mut memory));
                        if std::panic::catch_unwind(run).is_err() {
                            memory = Vec::new();
                        }
                    }
                })
                .map_err(|_| CryptoError::Argon2)?;
        }
        Ok(KdfPool { jobs: tx })
    }

    /// Runs `f` on the next free Argon2 thread and waits for its result without blocking the
    /// async runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, CryptoError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: KdfJob = Box::new(move |memory| {
            let _ = tx.send(f(memory));
        });
        self.jobs.send(job).map_err(|_| CryptoError::Argon2)?;
        rx.await.map_err(|_| CryptoError::Argon2)
    }
}

/// `memory` holding at least `blocks` blocks (grown once, then reused).
fn area(memory: &mut Vec<Block>, blocks: usize) -> &mut [Block] {
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    &mut memory[..blocks]
}

/// A new Argon2id v1.3 verifier (PHC string) of `mac`, computed in `memory`; the same string
/// `argon2`'s `PasswordHasher::hash_password` makes.
fn hash_in(
    memory: &mut Vec<Block>,
    params: Params,
    mac: &[u8],
    salt: &SaltString,
) -> Result<String, CryptoError> {
    let salt = salt.as_salt();
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_buf)
        .map_err(|_| CryptoError::Argon2)?;
    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        a.hash_password_into_with_memory(mac, salt_bytes, out, area(memory, params.block_count()))
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|_| CryptoError::Argon2)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| CryptoError::Argon2)?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `mac` matches the stored `verifier`, computed in `memory` with the verifier's own
/// algorithm, version and cost (so cost changes keep old verifiers valid); the outputs are
/// compared in constant time (`Output`'s equality), as `argon2`'s `verify_password` does.
fn verify_in(memory: &mut Vec<Block>, mac: &[u8], verifier: &str) -> Result<bool, CryptoError> {
    let parsed = PasswordHash::new(verifier).map_err(|_| CryptoError::Malformed)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(CryptoError::Malformed);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| CryptoError::Malformed)?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|_| CryptoError::Malformed)?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(|_| CryptoError::Malformed)?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_buf)
        .map_err(|_| CryptoError::Malformed)?;
    let a = Argon2::new(algorithm, version, params.clone());
    let computed = Output::init_with(expected.len(), |out| {
        a.hash_password_into_with_memory(mac, salt_bytes, out, area(memory, params.block_count()))
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|_| CryptoError::Argon2)?;
    Ok(computed == expected)
}

/// The webhook signing key (ECDSA P-256, SHA-256).
pub struct SigningKey {
    /// Key id sent as `X-Latchkey-Key-Id`.
    pub id: String,
    /// Base64 DER SubjectPublicKeyInfo.
    pub public_key_b64: String,
    pair: EcdsaKeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// DER prefix of a P-256 SubjectPublicKeyInfo, followed by the 65-byte uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

impl SigningKey {
    /// Generates a fresh key; returns it with its PKCS#8 document (to be wrapped and stored).
    pub fn generate() -> Result<(Zeroizing<Vec<u8>>, String), CryptoError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| CryptoError::Rng)?;
        Ok((
            Zeroizing::new(doc.as_ref().to_vec()),
            uuid::Uuid::new_v4().to_string(),
        ))
    }

    /// Loads a key from its PKCS#8 document.
    pub fn from_pkcs8(id: String, pkcs8: &[u8]) -> Result<Self, CryptoError> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &SystemRandom::new())
                .map_err(|_| CryptoError::Malformed)?;
        let mut spki = P256_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(pair.public_key().as_ref());
        Ok(SigningKey {
            id,
            public_key_b64: STANDARD.encode(spki),
            pair,
        })
    }

    /// Signs `body`; returns base64 of the DER signature.
    pub fn sign(&self, body: &[u8]) -> Result<String, CryptoError> {
        let sig = self
            .pair
            .sign(&SystemRandom::new(), body)
            .map_err(|_| CryptoError::Rng)?;
        Ok(STANDARD.encode(sig.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_round_trip_and_binding() {
        let p = Pepper::from_bytes(b"0123456789abcdef0123456789abcdef").unwrap();
        let w = p.wrap("a", b"key material").unwrap();
        assert_eq!(&p.unwrap("a", &w).unwrap()[..], b"key material");
        assert!(p.unwrap("b", &w).is_err());
        let other = Pepper::from_bytes(b"another pepper, another key.....").unwrap();
        assert!(other.unwrap("a", &w).is_err());
    }

    /// Overload sheds load instead of multiplying it: a request never waits for an Argon2
    /// permit longer than half its claim lease (whatever `argon2_queue_timeout` says), so no
    /// resend can take over the claim of a request still queueing and run Argon2 a second
    /// time; it gets `Busy` (503 155830) and releases its claim. The per-user limit refuses at
    /// once.
    #[tokio::test]
    async fn admission_never_waits_past_half_the_claim_lease() {
        let mut c = Config::for_tests(std::env::temp_dir());
        c.argon2_concurrency = 1;
        c.argon2_in_flight = 1;
        c.argon2_queue = 10;
        c.argon2_queue_timeout = Duration::from_secs(3600);
        c.claim_lease = Duration::from_millis(400);
        c.kdf_per_user = 1;
        let pepper = Arc::new(Pepper::from_bytes(b"0123456789abcdef0123456789abcdef").unwrap());
        let h = Hasher::new(pepper, &c).unwrap();
        assert_eq!(h.queue_timeout(), Duration::from_millis(200));
        let held = h.admit(Some("a")).await.unwrap();
        // The only permit is held: the next request gives up (at the clamped timeout).
        assert!(matches!(h.admit(Some("b")).await, Err(CryptoError::Busy)));
        // The same user again: refused by the per-user limit.
        assert!(matches!(h.admit(Some("a")).await, Err(CryptoError::Busy)));
        drop(held);
        let again = h.admit(Some("a")).await;
        assert!(again.is_ok(), "permit and user slot are freed on drop");
        assert_eq!(h.runs(), 0, "admission alone runs no Argon2");
    }

    /// The pool's Argon2 (reused memory, own PHC assembly) makes and checks exactly what the
    /// `argon2` crate's own `PasswordHasher`/`PasswordVerifier` make and check, across cost
    /// changes in either direction (one thread, so the same memory area serves every run).
    #[tokio::test]
    async fn pool_argon2_matches_the_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let pool = KdfPool::new(1).unwrap();
        for (m, t) in [(64u32, 1u32), (256, 2), (8, 1), (64, 3)] {
            let params = Params::new(m, t, 1, Some(32)).unwrap();
            let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
            let crate_phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
                .hash_password(b"mac of 123456", &salt)
                .unwrap()
                .to_string();
            let (p, s) = (params.clone(), salt.clone());
            let ours = pool
                .run(move |mem| hash_in(mem, p, b"mac of 123456", &s))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(ours, crate_phc, "m={m} t={t}");
            let parsed = PasswordHash::new(&ours).unwrap();
            assert!(Argon2::default()
                .verify_password(b"mac of 123456", &parsed)
                .is_ok());
            for (secret, want) in [(&b"mac of 123456"[..], true), (b"mac of 123457", false)] {
                let v = crate_phc.clone();
                let got = pool
                    .run(move |mem| verify_in(mem, secret, &v))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(got, want, "m={m} t={t}");
            }
        }
        let malformed = pool
            .run(|mem| verify_in(mem, b"x", "$argon2id$v=19$m=64,t=1,p=1$bad"))
            .await
            .unwrap();
        assert!(matches!(malformed, Err(CryptoError::Malformed)));
    }

    /// A panic inside a job reaches its caller as an error and the pool keeps working.
    #[tokio::test]
    async fn pool_survives_a_panicking_job() {
        let pool = KdfPool::new(1).unwrap();
        let r: Result<(), _> = pool.run(|_| panic!("boom")).await;
        assert!(r.is_err());
        assert_eq!(pool.run(|_| 7).await.unwrap(), 7);
    }

    #[test]
    fn tokens() {
        let t = new_token().unwrap();
        assert!(token_well_formed(&t));
        assert!(!token_well_formed("short"));
        assert_ne!(*t, *new_token().unwrap());
    }

    #[test]
    fn spki_has_expected_length() {
        let (doc, id) = SigningKey::generate().unwrap();
        let k = SigningKey::from_pkcs8(id, &doc).unwrap();
        assert_eq!(STANDARD.decode(&k.public_key_b64).unwrap().len(), 91);
        let sig = STANDARD.decode(k.sign(b"x").unwrap()).unwrap();
        let point = &STANDARD.decode(&k.public_key_b64).unwrap()[26..];
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point)
            .verify(b"x", &sig)
            .unwrap();
    }

    #[test]
    fn pepper_from_the_environment_must_be_base64_of_32_bytes() {
        let mut c = Config::for_tests(std::env::temp_dir());
        for (bad, why) in [
            ("short raw text", "not valid base64"),
            ("c2hvcnQ=", "shorter than 32 bytes"),
        ] {
            c.pepper = Some(bad.into());
            match Pepper::load(&c) {
                Err(CryptoError::PepperEnv(w)) => assert_eq!(w, why),
                other => panic!("{bad:?} was accepted or failed otherwise: {other:?}"),
            }
            let msg = CryptoError::PepperEnv(why).to_string();
            assert!(
                msg.contains("LATCHKEY_PEPPER") && !msg.contains(bad),
                "{msg}"
            );
        }
        c.pepper = Some(STANDARD.encode([9u8; 32]));
        assert!(Pepper::load(&c).is_ok());
    }

    #[tokio::test]
    async fn verifier_round_trip() {
        let dir = std::env::temp_dir();
        let mut c = Config::for_tests(dir);
        c.pepper = Some(STANDARD.encode([7u8; 32]));
        let h = Hasher::new(Arc::new(Pepper::load(&c).unwrap()), &c).unwrap();
        let v = h
            .hash(DOMAIN_PIN, Zeroizing::new(b"135790".to_vec()))
            .await
            .unwrap();
        assert!(v.starts_with("$argon2id$"));
        assert!(!v.contains("135790"));
        assert!(h
            .verify(DOMAIN_PIN, Zeroizing::new(b"135790".to_vec()), v.clone())
            .await
            .unwrap());
        assert!(!h
            .verify(DOMAIN_PIN, Zeroizing::new(b"135791".to_vec()), v.clone())
            .await
            .unwrap());
        assert!(!h
            .verify(DOMAIN_ANSWERS, Zeroizing::new(b"135790".to_vec()), v)
            .await
            .unwrap());
    }
}
