//! The network a tally sums an address into once there are too many addresses to
//! tally one by one.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::ClientInfo;

/// Bits of an IPv6 network kept: a /48 is the usual allocation of one site.
const IPV6_PREFIX: u8 = 48;

/// The /24 of an IPv4 address, or the /48 of an IPv6 network written `address/bits`
/// (a network already wider stays as it is); anything else (`unknown`) unchanged.
pub(super) fn wider_network(network: &str) -> String {
    if let Ok(ip) = network.parse::<Ipv4Addr>() {
        return format!("{}/24", Ipv4Addr::from(u32::from(ip) & 0xffff_ff00));
    }
    match network.split_once('/') {
        Some((address, bits)) if address.parse::<Ipv6Addr>().is_ok() => match bits.parse::<u8>() {
            Ok(bits) => ClientInfo {
                ip: Some(address.to_owned()),
                ..ClientInfo::default()
            }
            .network(bits.min(IPV6_PREFIX)),
            Err(_) => network.to_owned(),
        },
        _ => network.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_addresses_widen_to_their_24() {
        assert_eq!(wider_network("203.0.113.9"), "203.0.113.0/24");
        assert_eq!(wider_network("203.0.113.255"), "203.0.113.0/24");
        assert_eq!(wider_network("203.0.114.1"), "203.0.114.0/24");
    }

    #[test]
    fn ipv6_networks_widen_to_their_48_unless_already_wider() {
        assert_eq!(wider_network("2001:db8:1:2::/64"), "2001:db8:1::/48");
        assert_eq!(wider_network("2001:db8:1:ffff::/64"), "2001:db8:1::/48");
        assert_eq!(wider_network("2001:db8:1:2::7/128"), "2001:db8:1::/48");
        assert_eq!(wider_network("2001:db8::/32"), "2001:db8::/32");
    }

    #[test]
    fn anything_else_stays_as_it_is() {
        assert_eq!(wider_network("unknown"), "unknown");
        assert_eq!(wider_network("2001:db8::/many"), "2001:db8::/many");
    }
}
