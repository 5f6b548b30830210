//! A small fault-injecting HTTP/1.1 proxy in front of the real server. It understands just
//! enough HTTP (request/response heads and `Content-Length` bodies) to act per request on
//! keep-alive connections, and logs every request that reaches it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What to do with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward and relay the reply.
    Pass,
    /// Close the client's connection without forwarding (the request never arrives).
    DropBeforeForward,
    /// Forward, wait for the server's whole reply, then close the client's connection without
    /// relaying it (the request took effect; the reply is lost).
    DropAfterForward,
    /// Wait, then forward and relay (the client may have given up by then; the server still
    /// processes the request and its reply is discarded).
    Delay(Duration),
    /// Answer 503 without forwarding.
    Reply503,
    /// Answer 409 with this error code without forwarding, with `Retry-After: 1` when the
    /// flag is set (what the server answers while the identical envelope is still being
    /// processed, 155816; or a final 155805).
    Reply409 { code: u32, retry_after: bool },
    /// Forward, then close both connections at once without waiting for the reply (the
    /// server sees its client go away while it works on the request).
    AbortUpstream,
    /// Answer `status` (503 or 429: load shed) with `Retry-After: retry_after` seconds and, when
    /// given, an error body with `code`, without forwarding.
    Shed {
        status: u16,
        retry_after: u64,
        code: Option<u32>,
    },
    /// Forward, and relay the reply with `from` replaced by `to` in its body (same length, so
    /// `Content-Length` holds).
    Rewrite { from: String, to: String },
}

struct Rule {
    path_contains: String,
    faults: VecDeque<Fault>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    log: Vec<String>,
    /// `METHOD /path STATUS` of every reply relayed from the server.
    replies: Vec<String>,
}

/// The running proxy.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    /// Starts a proxy on loopback forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = serve(client, upstream, st).await;
                });
            }
        });
        Proxy { addr, state }
    }

    /// `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next requests whose path contains `path_contains` get these faults, one each, in
    /// order (then pass).
    pub fn inject(&self, path_contains: &str, faults: impl IntoIterator<Item = Fault>) {
        self.state.lock().unwrap().rules.push(Rule {
            path_contains: path_contains.into(),
            faults: faults.into_iter().collect(),
        });
    }

    /// Every request seen so far, as `METHOD /path [fault]`.
    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    /// Requests seen whose line contains `s`.
    pub fn count(&self, s: &str) -> usize {
        self.log().iter().filter(|l| l.contains(s)).count()
    }

    /// How many replies the server gave with `status` to requests whose line contains `s`.
    pub fn replies(&self, s: &str, status: u16) -> usize {
        let st = self.state.lock().unwrap();
        st.replies
            .iter()
            .filter(|l| l.contains(s) && l.ends_with(&format!(" {status}")))
            .count()
    }

    /// Forgets the log.
    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }
}

fn decide(state: &Mutex<State>, method: &str, path: &str) -> Fault {
    let mut st = state.lock().unwrap();
    let mut fault = Fault::Pass;
    for r in st.rules.iter_mut() {
        if path.contains(&r.path_contains) {
            if let Some(f) = r.faults.pop_front() {
                fault = f;
                break;
            }
        }
    }
    st.log.push(format!("{method} {path} [{fault:?}]"));
    fault
}

/// Reads one HTTP/1.1 message (head + Content-Length body). `None` at end of stream.
async fn read_message<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> Option<(Vec<u8>, String)> {
    let mut head = Vec::new();
    let mut first = String::new();
    let mut len = 0usize;
    loop {
        let mut line = Vec::new();
        let n = r.read_until(b'\n', &mut line).await.ok()?;
        if n == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&line).to_string();
        if first.is_empty() {
            first = text.trim_end().to_owned();
        }
        if let Some((k, v)) = text.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            }
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await.ok()?;
    head.extend_from_slice(&body);
    Some((head, first))
}

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    state: Arc<Mutex<State>>,
) -> std::io::Result<()> {
    let (cr, mut cw) = client.into_split();
    let mut cr = BufReader::new(cr);
    let server = TcpStream::connect(upstream).await?;
    let (ur, mut uw) = server.into_split();
    let mut ur = BufReader::new(ur);
    while let Some((request, line)) = read_message(&mut cr).await {
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let fault = decide(&state, &method, &path);
        match fault {
            Fault::DropBeforeForward => return Ok(()),
            Fault::Reply503 => {
                let body = br#"{"code":155811,"message":"Injected failure."}"#;
                let head = format!(
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                cw.write_all(head.as_bytes()).await?;
                cw.write_all(body).await?;
                continue;
            }
            Fault::Reply409 { code, retry_after } => {
                let body = format!(r#"{{"code":{code},"message":"Injected reply."}}"#);
                let extra = if retry_after {
                    "retry-after: 1\r\n"
                } else {
                    ""
                };
                let head = format!(
                    "HTTP/1.1 409 Conflict\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\n\r\n",
                    body.len()
                );
                cw.write_all(head.as_bytes()).await?;
                cw.write_all(body.as_bytes()).await?;
                continue;
            }
            Fault::Shed {
                status,
                retry_after,
                code,
            } => {
                let body = code
                    .map(|c| format!(r#"{{"code":{c},"message":"Injected load shedding."}}"#))
                    .unwrap_or_default();
                let head = format!(
                    "HTTP/1.1 {status} Busy\r\ncontent-type: application/json\r\nretry-after: {retry_after}\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                cw.write_all(head.as_bytes()).await?;
                cw.write_all(body.as_bytes()).await?;
                continue;
            }
            Fault::Delay(d) => tokio::time::sleep(d).await,
            Fault::AbortUpstream => {
                uw.write_all(&request).await?;
                return Ok(());
            }
            Fault::Pass | Fault::DropAfterForward | Fault::Rewrite { .. } => {}
        }
        uw.write_all(&request).await?;
        let Some((mut reply, status_line)) = read_message(&mut ur).await else {
            return Ok(());
        };
        let status = status_line.split_whitespace().nth(1).unwrap_or("0");
        state
            .lock()
            .unwrap()
            .replies
            .push(format!("{method} {path} {status}"));
        if fault == Fault::DropAfterForward {
            return Ok(());
        }
        if let Fault::Rewrite { from, to } = &fault {
            assert_eq!(from.len(), to.len(), "a rewrite keeps the length");
            let text = String::from_utf8_lossy(&reply).replace(from.as_str(), to);
            reply = text.into_bytes();
        }
        cw.write_all(&reply).await?;
    }
    Ok(())
}
