//! Who is on the other end: the client address (through trusted proxies only),
//! user agent and request id, as the application records them.

use std::net::IpAddr;

use actix_web::http::header::{HeaderName, USER_AGENT};
use actix_web::{HttpRequest, web};
use folio_application::ClientInfo;
use ipnet::IpNet;

use crate::context::current_request_id;

const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The proxies whose `X-Forwarded-For` is believed. Anyone else could write any
/// address there, so for everyone else the socket peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR ranges (`10.0.0.0/8, ::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an IP address or CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer, unless the peer is a trusted proxy; then the
    /// right-most forwarded address that is not itself a trusted proxy (entries to
    /// its left were written by the client and prove nothing).
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        // A dual-stack listener reports IPv4 peers as `::ffff:a.b.c.d`.
        let mut client = peer?.to_canonical();
        if !self.trusts(client) {
            return Some(client);
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .rev();
        for hop in hops {
            let Ok(ip) = hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// The request as the application's audit log and sessions describe it.
pub(crate) fn client_info(request: &HttpRequest) -> ClientInfo {
    let proxies = request
        .app_data::<web::Data<TrustedProxies>>()
        .map(|data| data.get_ref().clone())
        .unwrap_or_default();
    let forwarded: Vec<&str> = request
        .headers()
        .get_all(FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .collect();
    let peer = request.peer_addr().map(|addr| addr.ip());
    ClientInfo {
        user_agent: request
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        ip: proxies.client_ip(peer, &forwarded).map(|ip| ip.to_string()),
        request_id: Some(current_request_id()).filter(|id| id != "-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> Option<IpAddr> {
        raw.parse().ok()
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap_or_default()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(ip("203.0.113.9"), &["198.51.100.1"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_trusted_proxy_passes_on_the_address_it_saw() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &["198.51.100.1"]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn entries_a_client_prepended_are_ignored() {
        let trusted = proxies("10.0.0.0/8, 192.0.2.7");
        // The client claimed 1.2.3.4; the edge proxy appended the real address,
        // then an inner proxy appended the edge's.
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &["1.2.3.4, 198.51.100.1", "192.0.2.7"]),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn ipv4_clients_of_a_dual_stack_listener_are_their_ipv4_address() {
        let trusted = proxies("10.0.0.0/8");
        // A mapped proxy address is still the trusted proxy.
        assert_eq!(
            trusted.client_ip(ip("::ffff:10.0.0.2"), &["::ffff:198.51.100.1"]),
            ip("198.51.100.1")
        );
        assert_eq!(
            TrustedProxies::default().client_ip(ip("::ffff:203.0.113.9"), &[]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn garbage_in_the_header_stops_the_walk() {
        let trusted = proxies("10.0.0.1");
        assert_eq!(
            trusted.client_ip(ip("10.0.0.1"), &["not-an-ip"]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_list_takes_addresses_and_ranges_and_refuses_nonsense() {
        assert!(TrustedProxies::parse("127.0.0.1, ::1, 10.0.0.0/8").is_ok());
        assert_eq!(TrustedProxies::parse(""), Ok(TrustedProxies::default()));
        assert!(TrustedProxies::parse("localhost").is_err());
    }
}
