//! Webhook targets: which addresses an endpoint may resolve to, checked when a subscription is
//! made and again before every delivery attempt (DNS can change), and a client pinned to the
//! address that was checked (so a second DNS answer cannot swap it between check and connect).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why a target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not an http(s) URL with a host.
    #[error("the endpoint is not an http or https URL")]
    BadUrl,
    /// The host did not resolve.
    #[error("the endpoint's host does not resolve")]
    Unresolvable,
    /// The host resolves to a loopback, private, link-local, multicast, unspecified or
    /// cloud-metadata address.
    #[error("the endpoint resolves to a non-public address")]
    Forbidden,
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, incl. the 169.254.169.254 metadata service
        || ip.is_multicast()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || o[0] == 0 // 0/8 "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64/10 shared (CGNAT)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24 IETF (incl. some metadata)
        || o[0] >= 240 // reserved
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_forbidden(v4);
    }
    let s = ip.segments();
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (incl. fd00:ec2::254 metadata)
        || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 64:ff9b::/96 can reach private v4
        || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0)
    // ::a.b.c.d
}

/// Whether an address is loopback, private, link-local, multicast, unspecified, cloud
/// metadata or otherwise not a public unicast address.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

/// Parses an endpoint URL: (url, host, port).
pub fn parse(endpoint: &str) -> Result<(reqwest::Url, String, u16), TargetError> {
    let url = reqwest::Url::parse(endpoint).map_err(|_| TargetError::BadUrl)?;
    if !matches!(url.scheme(), "http" | "https") || endpoint.len() > 2048 {
        return Err(TargetError::BadUrl);
    }
    let host = url.host_str().ok_or(TargetError::BadUrl)?.to_owned();
    let port = url.port_or_known_default().ok_or(TargetError::BadUrl)?;
    Ok((url, host, port))
}

/// Resolves the endpoint's host and checks every address; returns the address to connect to.
/// With `allow_private`, any address is accepted (local demos and tests).
pub async fn check(endpoint: &str, allow_private: bool) -> Result<SocketAddr, TargetError> {
    let (_, host, port) = parse(endpoint)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| TargetError::Unresolvable)?
            .collect(),
    };
    let first = *addrs.first().ok_or(TargetError::Unresolvable)?;
    // Every answer must be public: a resolver rotating between a public and a private
    // address must not get through.
    if !allow_private && addrs.iter().any(|a| forbidden(a.ip())) {
        return Err(TargetError::Forbidden);
    }
    Ok(first)
}

/// A client that connects `endpoint`'s host to `addr` only (the checked address; TLS still
/// verifies the host name), follows no redirects, and times out after `timeout`.
pub fn pinned_client(
    endpoint: &str,
    addr: SocketAddr,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, TargetError> {
    let (_, host, _) = parse(endpoint)?;
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .resolve(&host, addr)
        .build()
        .map_err(|_| TargetError::BadUrl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(forbidden(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(!forbidden(good.parse().unwrap()), "{good}");
        }
    }

    #[tokio::test]
    async fn literal_targets() {
        assert_eq!(
            check("http://127.0.0.1:9/x", false).await,
            Err(TargetError::Forbidden)
        );
        assert_eq!(
            check("http://[::1]:9/x", false).await,
            Err(TargetError::Forbidden)
        );
        assert_eq!(
            check("http://169.254.169.254/latest/meta-data", false).await,
            Err(TargetError::Forbidden)
        );
        assert_eq!(
            check("ftp://example.com/", false).await,
            Err(TargetError::BadUrl)
        );
        assert!(check("http://127.0.0.1:9/x", true).await.is_ok());
        // "localhost" resolves (no network needed) to loopback.
        assert_eq!(
            check("http://localhost:9/x", false).await,
            Err(TargetError::Forbidden)
        );
    }
}
