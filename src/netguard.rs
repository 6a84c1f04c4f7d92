//! Which addresses redline may talk to over HTTP. Feeds, article pages, every redirect hop and
//! webhook deliveries are URLs a stranger chose (a feed's `<link>`, a `Location` header), so by
//! default nothing inside the machine or its networks is reachable: loopback, RFC 1918, link-local
//! (cloud metadata at 169.254.169.254), CGNAT, unique-local, multicast and the other IANA
//! special-purpose ranges that are not globally reachable, in their IPv4-mapped, NAT64, 6to4 and
//! Teredo disguises too.
//!
//! The check is made on the address the socket connects to: [`GuardedResolver`] is reqwest's
//! resolver, so the addresses it checks are the ones used, and a second lookup (DNS rebinding)
//! cannot swap them. reqwest does not call a resolver for IP-literal hosts, so
//! [`NetGuard::check_url`] refuses those before each request (the url crate has already turned
//! `2130706433`, `0x7f.1` and `0177.0.0.1` into `127.0.0.1`).
//!
//! `[http] allow_private_networks` (or `REDLINE_ALLOW_PRIVATE_NETWORKS=1`) turns the guard off;
//! `[http] allow_hosts` lets named hosts through. SMTP is not guarded: its host is the user's
//! own `smtp_url`, never taken from the web.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::config::HttpConfig;

/// Why an address is refused: what the range is and where it is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restriction {
    /// "a private address", "a loopback address", ...
    pub what: &'static str,
    /// The range and the document that sets it apart, e.g. "10.0.0.0/8, RFC 1918".
    pub range: &'static str,
    /// For IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo): the form and
    /// the IPv4 address whose rule applies.
    pub embedded: Option<(&'static str, Ipv4Addr)>,
}

impl std::fmt::Display for Restriction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((form, v4)) = self.embedded {
            write!(f, "{form} {v4}, ")?;
        }
        write!(f, "{} ({})", self.what, self.range)
    }
}

const fn rule(what: &'static str, range: &'static str) -> Restriction {
    Restriction {
        what,
        range,
        embedded: None,
    }
}

/// IPv4 ranges refused, most specific first where they overlap (the IANA IPv4 Special-Purpose
/// Address Registry entries that are not globally reachable, plus multicast and broadcast).
const V4_RULES: &[(u32, u8, Restriction)] = &[
    (
        0x0000_0000,
        32,
        rule("the unspecified address", "0.0.0.0/32, RFC 1122"),
    ),
    (
        0x0000_0000,
        8,
        rule("a \"this network\" address", "0.0.0.0/8, RFC 791"),
    ),
    (
        0x0a00_0000,
        8,
        rule("a private address", "10.0.0.0/8, RFC 1918"),
    ),
    (
        0x6440_0000,
        10,
        rule("a carrier-grade NAT address", "100.64.0.0/10, RFC 6598"),
    ),
    (
        0x7f00_0000,
        8,
        rule("a loopback address", "127.0.0.0/8, RFC 1122"),
    ),
    (
        0xa9fe_0000,
        16,
        rule("a link-local address", "169.254.0.0/16, RFC 3927"),
    ),
    (
        0xac10_0000,
        12,
        rule("a private address", "172.16.0.0/12, RFC 1918"),
    ),
    (
        0xc000_0000,
        24,
        rule("an IETF protocol assignment", "192.0.0.0/24, RFC 6890"),
    ),
    (
        0xc000_0200,
        24,
        rule("a documentation address", "192.0.2.0/24, RFC 5737"),
    ),
    (
        0xc058_6300,
        24,
        rule(
            "a deprecated 6to4 relay anycast address",
            "192.88.99.0/24, RFC 7526",
        ),
    ),
    (
        0xc0a8_0000,
        16,
        rule("a private address", "192.168.0.0/16, RFC 1918"),
    ),
    (
        0xc612_0000,
        15,
        rule("a benchmarking address", "198.18.0.0/15, RFC 2544"),
    ),
    (
        0xc633_6400,
        24,
        rule("a documentation address", "198.51.100.0/24, RFC 5737"),
    ),
    (
        0xcb00_7100,
        24,
        rule("a documentation address", "203.0.113.0/24, RFC 5737"),
    ),
    (
        0xe000_0000,
        4,
        rule("a multicast address", "224.0.0.0/4, RFC 5771"),
    ),
    (
        0xffff_ffff,
        32,
        rule("the broadcast address", "255.255.255.255/32, RFC 919"),
    ),
    (
        0xf000_0000,
        4,
        rule("a reserved address", "240.0.0.0/4, RFC 1112"),
    ),
];

/// IPv6 ranges refused outright. Forms that embed an IPv4 address are handled in
/// [`classify_v6`] before this table.
const V6_RULES: &[(u128, u8, Restriction)] = &[
    (0, 128, rule("the unspecified address", "::/128, RFC 4291")),
    (1, 128, rule("a loopback address", "::1/128, RFC 4291")),
    (
        0x0064_ff9b_0001 << 80,
        48,
        rule("a local-use NAT64 address", "64:ff9b:1::/48, RFC 8215"),
    ),
    (
        0x0100 << 112,
        64,
        rule("a discard-only address", "100::/64, RFC 6666"),
    ),
    (
        0x2001_0db8 << 96,
        32,
        rule("a documentation address", "2001:db8::/32, RFC 3849"),
    ),
    (
        0x2001 << 112,
        23,
        rule("an IETF protocol assignment", "2001::/23, RFC 2928"),
    ),
    (
        0x3fff << 112,
        20,
        rule("a documentation address", "3fff::/20, RFC 9637"),
    ),
    (
        0xfc00 << 112,
        7,
        rule("a unique-local address", "fc00::/7, RFC 4193"),
    ),
    (
        0xfe80 << 112,
        10,
        rule("a link-local address", "fe80::/10, RFC 4291"),
    ),
    (
        0xfec0 << 112,
        10,
        rule("a deprecated site-local address", "fec0::/10, RFC 3879"),
    ),
    (
        0xff00 << 112,
        8,
        rule("a multicast address", "ff00::/8, RFC 4291"),
    ),
];

/// Everything outside 2000::/3 that the rules above do not name is unallocated for unicast.
const V6_UNALLOCATED: Restriction = rule(
    "an address outside IPv6 global unicast",
    "not in 2000::/3, RFC 4291",
);

fn in_v4(ip: u32, net: u32, len: u8) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    ip & mask == net & mask
}

fn in_v6(ip: u128, net: u128, len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    ip & mask == net & mask
}

/// `None` when `ip` is globally reachable; else the rule that refuses it.
pub fn classify(ip: IpAddr) -> Option<Restriction> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

pub fn classify_v4(ip: Ipv4Addr) -> Option<Restriction> {
    let n = u32::from(ip);
    V4_RULES
        .iter()
        .find(|(net, len, _)| in_v4(n, *net, *len))
        .map(|(_, _, r)| *r)
}

pub fn classify_v6(ip: Ipv6Addr) -> Option<Restriction> {
    let n = u128::from(ip);
    let low32 = Ipv4Addr::from((n & 0xffff_ffff) as u32);
    // An IPv6 form whose traffic ends up at an IPv4 address is judged by that address.
    let embedded = if in_v6(n, 0xffff << 32, 96) {
        // ::ffff:a.b.c.d, which a dual-stack socket connects to as plain IPv4.
        Some(("an IPv4-mapped form of", low32))
    } else if in_v6(n, 0xffff << 48, 96) {
        Some(("an IPv4-translated form (RFC 2765) of", low32))
    } else if in_v6(n, 0x0064_ff9b << 96, 96) {
        Some(("a NAT64 form (RFC 6052) of", low32))
    } else if in_v6(n, 0x2002 << 112, 16) {
        Some((
            "a 6to4 form (RFC 3056) of",
            Ipv4Addr::from(((n >> 80) & 0xffff_ffff) as u32),
        ))
    } else if in_v6(n, 0x2001 << 112, 32) {
        // Teredo (RFC 4380): the server in bits 32-63, the client's address inverted at the end.
        let server = Ipv4Addr::from(((n >> 64) & 0xffff_ffff) as u32);
        let client = Ipv4Addr::from(!((n & 0xffff_ffff) as u32));
        let inner = if classify_v4(server).is_some() {
            server
        } else {
            client
        };
        Some(("a Teredo form (RFC 4380) of", inner))
    } else if n > 1 && in_v6(n, 0, 96) {
        Some(("a deprecated IPv4-compatible form of", low32))
    } else {
        None
    };
    if let Some((form, v4)) = embedded {
        return classify_v4(v4).map(|r| Restriction {
            embedded: Some((form, v4)),
            ..r
        });
    }
    if let Some((_, _, r)) = V6_RULES.iter().find(|(net, len, _)| in_v6(n, *net, *len)) {
        return Some(*r);
    }
    let global_unicast = in_v6(n, 0x2000 << 112, 3);
    (!global_unicast).then_some(V6_UNALLOCATED)
}

/// A request refused by the guard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Refused {
    pub addr: IpAddr,
    /// The host name whose DNS answer was refused; `None` for an IP-literal URL.
    pub resolved_from: Option<String>,
    pub rule: Restriction,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.resolved_from {
            Some(host) => write!(
                f,
                "refused: {host} resolves to {}, {}",
                self.addr, self.rule
            )?,
            None => write!(f, "refused: {} is {}", self.addr, self.rule)?,
        }
        f.write_str("; set http.allow_private_networks or http.allow_hosts to allow it")
    }
}

/// The policy: on unless the config (or the environment, see `config`) turns it off.
#[derive(Debug, Clone, Default)]
pub struct NetGuard {
    allow_private: bool,
    /// Lowercase, no trailing dot; `*.example.org` matches any name under example.org.
    allow_hosts: Arc<[String]>,
}

impl NetGuard {
    pub fn new(config: &HttpConfig) -> Self {
        Self {
            allow_private: config.allow_private_networks,
            allow_hosts: config
                .allow_hosts
                .iter()
                .map(|h| normalise_host(h))
                .collect(),
        }
    }

    /// Whether anything is refused at all.
    pub fn is_active(&self) -> bool {
        !self.allow_private
    }

    /// Whether `host` (a name or an IP literal, brackets optional) is on `allow_hosts`.
    pub fn is_allowed_host(&self, host: &str) -> bool {
        let host = normalise_host(host);
        self.allow_hosts.iter().any(|a| match a.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(suffix)
                .is_some_and(|rest| rest.ends_with('.')),
            None => *a == host,
        })
    }

    /// Refuses an IP-literal host before any request is made (reqwest connects to literals
    /// without asking the resolver). Names are checked when they are resolved.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !self.is_active() {
            return Ok(());
        }
        let addr = match url.host() {
            Some(Host::Ipv4(a)) => IpAddr::V4(a),
            Some(Host::Ipv6(a)) => IpAddr::V6(a),
            Some(Host::Domain(_)) | None => return Ok(()),
        };
        if url.host_str().is_some_and(|h| self.is_allowed_host(h)) {
            return Ok(());
        }
        match classify(addr) {
            None => Ok(()),
            Some(rule) => Err(Refused {
                addr,
                resolved_from: None,
                rule,
            }),
        }
    }

    /// A client builder with the guarded resolver when the guard is on. Every outbound HTTP
    /// client of redline starts here.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let builder = reqwest::Client::builder();
        if self.is_active() {
            builder.dns_resolver(GuardedResolver {
                guard: self.clone(),
            })
        } else {
            builder
        }
    }

    /// Keeps the resolved addresses that may be used; refuses the name when none is left.
    pub fn filter_resolved(
        &self,
        host: &str,
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> Result<Vec<SocketAddr>, Refused> {
        let all: Vec<SocketAddr> = addrs.into_iter().collect();
        if !self.is_active() || self.is_allowed_host(host) {
            return Ok(all);
        }
        let mut first_refused = None;
        let mut ok = Vec::with_capacity(all.len());
        for a in all {
            match classify(a.ip()) {
                None => ok.push(a),
                Some(rule) => {
                    first_refused.get_or_insert((a.ip(), rule));
                }
            }
        }
        match (ok.is_empty(), first_refused) {
            (true, Some((addr, rule))) => Err(Refused {
                addr,
                resolved_from: Some(host.to_string()),
                rule,
            }),
            _ => Ok(ok),
        }
    }
}

fn normalise_host(h: &str) -> String {
    h.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// An HTTP client built by [`NetGuard::client_builder`] with its guard, for callers that send
/// to configured URLs (webhooks) and must check literals themselves.
#[derive(Debug, Clone)]
pub struct GuardedClient {
    pub client: reqwest::Client,
    pub guard: NetGuard,
}

/// reqwest's resolver when the guard is on: the system lookup (`getaddrinfo` on a blocking
/// thread, as reqwest's default), then [`NetGuard::filter_resolved`]. The connection goes to
/// the addresses returned here and nowhere else.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: NetGuard,
}

impl GuardedResolver {
    pub fn new(guard: NetGuard) -> Self {
        Self { guard }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let addrs = guard.filter_resolved(&host, found)?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The guard's refusal inside an error chain (reqwest wraps resolver errors twice).
pub fn find_refused<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Refused>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn refused(s: &str) -> bool {
        classify(s.parse().expect("ip")).is_some()
    }

    #[test]
    fn ipv4_special_purpose_ranges_are_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.55",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.251",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn ipv4_public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.3.1",
            "192.167.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
        ] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn the_rule_named_is_the_most_specific() {
        let r = classify("0.0.0.0".parse().expect("ip")).expect("refused");
        assert_eq!(r.what, "the unspecified address");
        let r = classify("255.255.255.255".parse().expect("ip")).expect("refused");
        assert_eq!(r.what, "the broadcast address");
        let r = classify("10.0.0.1".parse().expect("ip")).expect("refused");
        assert_eq!(r.to_string(), "a private address (10.0.0.0/8, RFC 1918)");
    }

    #[test]
    fn ipv6_special_purpose_ranges_are_refused() {
        for ip in [
            "::",
            "::1",
            "64:ff9b:1::1",
            "100::1",
            "2001:db8::1",
            "2001:2::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "5f00::1",
            "4000::1",
            "1::1",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn ipv6_public_addresses_pass() {
        for ip in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001::1",
            "2001:200::1",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn ipv6_forms_of_internal_ipv4_are_refused_by_the_ipv4_rule() {
        for (ip, v4) in [
            ("::ffff:127.0.0.1", "127.0.0.1"),
            ("::ffff:169.254.169.254", "169.254.169.254"),
            ("::ffff:0:10.0.0.1", "10.0.0.1"),
            ("64:ff9b::10.1.2.3", "10.1.2.3"),
            ("2002:c0a8:0101::1", "192.168.1.1"),
            ("::127.0.0.1", "127.0.0.1"),
            // Teredo, server 65.54.227.120, client 192.168.1.1 stored inverted.
            ("2001:0:4136:e378:8000:63bf:3f57:fefe", "192.168.1.1"),
        ] {
            let r = classify(ip.parse().expect("ip")).unwrap_or_else(|| panic!("{ip} refused"));
            let (_, inner) = r.embedded.expect("embedded");
            assert_eq!(inner.to_string(), v4, "{ip}");
        }
        let r = classify("::ffff:10.0.0.1".parse().expect("ip")).expect("refused");
        assert_eq!(
            r.to_string(),
            "an IPv4-mapped form of 10.0.0.1, a private address (10.0.0.0/8, RFC 1918)"
        );
    }

    fn guard(allow_private: bool, hosts: &[&str]) -> NetGuard {
        NetGuard::new(&HttpConfig {
            allow_private_networks: allow_private,
            allow_hosts: hosts.iter().map(|h| (*h).to_string()).collect(),
            ..HttpConfig::default()
        })
    }

    #[test]
    fn ip_literals_are_refused_in_every_spelling() {
        let g = guard(false, &[]);
        for url in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::1]:8080/",
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0/",
        ] {
            let u = Url::parse(url).expect("url");
            assert!(g.check_url(&u).is_err(), "{url} must be refused");
        }
        let e = g
            .check_url(&Url::parse("http://10.0.0.1/").expect("url"))
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "refused: 10.0.0.1 is a private address (10.0.0.0/8, RFC 1918); set http.allow_private_networks or http.allow_hosts to allow it"
        );
        assert!(
            g.check_url(&Url::parse("http://93.184.215.14/").expect("url"))
                .is_ok()
        );
        assert!(
            g.check_url(&Url::parse("https://news.example/").expect("url"))
                .is_ok()
        );
    }

    #[test]
    fn allow_private_networks_and_allow_hosts_let_through() {
        let u = Url::parse("http://10.0.0.1/").expect("url");
        assert!(guard(true, &[]).check_url(&u).is_ok());
        assert!(guard(false, &["10.0.0.1"]).check_url(&u).is_ok());
        assert!(
            guard(false, &["::1"])
                .check_url(&Url::parse("http://[::1]/").expect("url"))
                .is_ok()
        );
        let g = guard(false, &["Intranet.Example.", "*.corp.example"]);
        assert!(g.is_allowed_host("intranet.example"));
        assert!(g.is_allowed_host("wiki.corp.example"));
        assert!(!g.is_allowed_host("corp.example"));
        assert!(!g.is_allowed_host("evilcorp.example"));
        assert!(!g.is_allowed_host("intranet.example.evil"));
    }

    #[test]
    fn resolved_addresses_are_filtered() {
        let g = guard(false, &[]);
        let a = |s: &str| -> SocketAddr { s.parse().expect("addr") };
        let mixed = g
            .filter_resolved("mixed.example", [a("10.0.0.1:80"), a("93.184.215.14:80")])
            .expect("one public address");
        assert_eq!(mixed, vec![a("93.184.215.14:80")]);
        let e = g
            .filter_resolved("metadata.google.internal", [a("169.254.169.254:80")])
            .expect_err("refused");
        assert!(
            e.to_string()
                .starts_with("refused: metadata.google.internal resolves to 169.254.169.254, a link-local address"),
            "{e}"
        );
        assert!(
            guard(false, &["metadata.google.internal"])
                .filter_resolved("metadata.google.internal", [a("169.254.169.254:80")])
                .is_ok()
        );
    }

    #[tokio::test]
    async fn resolver_refuses_a_name_that_resolves_to_loopback() {
        let resolver = GuardedResolver::new(guard(false, &[]));
        let name = Name::from_str("localhost").expect("name");
        let Err(e) = resolver.resolve(name).await else {
            panic!("localhost must be refused");
        };
        let r = find_refused(e.as_ref()).expect("a Refused error");
        assert!(r.addr.is_loopback(), "{r}");
        assert_eq!(r.resolved_from.as_deref(), Some("localhost"));

        let allowed = GuardedResolver::new(guard(false, &["localhost"]));
        let addrs: Vec<SocketAddr> = allowed
            .resolve(Name::from_str("localhost").expect("name"))
            .await
            .expect("allowed")
            .collect();
        assert!(addrs.iter().any(|a| a.ip().is_loopback()));
    }
}
