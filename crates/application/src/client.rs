use std::net::{IpAddr, Ipv6Addr};

/// Where a request came from. Stored with the sessions it opens and with the audit
/// events it causes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl ClientInfo {
    /// The address that per-address limits and tallies count against: an IPv4 address
    /// as it is, an IPv6 address by its network of `ipv6_prefix` bits, because one
    /// subscriber is usually handed a whole /64 and could otherwise rotate through it.
    pub fn network(&self, ipv6_prefix: u8) -> String {
        // An IPv4 client seen through a dual-stack socket (`::ffff:a.b.c.d`) is that
        // IPv4 address, not one more member of the network `::/64`.
        match self
            .ip
            .as_deref()
            .map(|ip| ip.parse::<IpAddr>().map(|ip| ip.to_canonical()))
        {
            Some(Ok(IpAddr::V6(ip))) => {
                let prefix = ipv6_prefix.min(128);
                let mask = u128::MAX.checked_shl(u32::from(128 - prefix)).unwrap_or(0);
                let network = Ipv6Addr::from(u128::from(ip) & mask);
                format!("{network}/{prefix}")
            }
            Some(Ok(IpAddr::V4(ip))) => ip.to_string(),
            Some(Err(_)) | None => "unknown".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(ip: &str) -> ClientInfo {
        ClientInfo {
            ip: Some(ip.to_owned()),
            ..ClientInfo::default()
        }
    }

    #[test]
    fn ipv6_addresses_of_one_network_share_a_key() {
        let one = from("2001:db8:1:2:aaaa::1").network(64);
        assert_eq!(one, "2001:db8:1:2::/64");
        assert_eq!(from("2001:db8:1:2:ffff:ffff:ffff:ffff").network(64), one);
        assert_ne!(from("2001:db8:1:3::1").network(64), one);
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_the_ipv4_address_they_carry() {
        assert_eq!(from("::ffff:203.0.113.9").network(64), "203.0.113.9");
        assert_ne!(
            from("::ffff:203.0.113.9").network(64),
            from("::ffff:198.51.100.1").network(64)
        );
        assert_eq!(from("2001:db8:1:2::1").network(48), "2001:db8:1::/48");
        assert_eq!(from("2001:db8::1").network(128), "2001:db8::1/128");
        assert_eq!(from("2001:db8::1").network(0), "::/0");
    }

    #[test]
    fn ipv4_addresses_and_unknown_peers_are_kept_apart() {
        assert_eq!(from("203.0.113.9").network(64), "203.0.113.9");
        assert_eq!(ClientInfo::default().network(64), "unknown");
        assert_eq!(from("not an address").network(64), "unknown");
    }
}
