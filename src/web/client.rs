//! Who is asking: the peer address, or `X-Forwarded-For` when the peer is a trusted proxy, as limits key it.
use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;

/// The client, for rate limits and duplicate detection. `X-Forwarded-For` is read right to left, skipping our
/// own proxies, so a client cannot choose its address by sending the header itself. An IPv4 address seen
/// through IPv6 (`::ffff:a.b.c.d`) is that IPv4 address, and an IPv6 client is its /64: one subscriber line
/// gets a whole /64, so counting single addresses would let it pick a fresh one for every request.
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    let trusted = |ip: IpAddr| trusted_proxies.iter().any(|p| canonical(*p) == ip);
    if !trusted(peer) {
        return Some(per_subscriber(peer));
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>().map(canonical) {
            Ok(ip) if trusted(ip) => continue,
            Ok(ip) => return Some(per_subscriber(ip)),
            Err(_) => return Some(per_subscriber(peer)),
        }
    }
    Some(per_subscriber(peer))
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

fn per_subscriber(ip: IpAddr) -> IpAddr {
    match ip {
        // ::1 stays itself: masked, it would be `::` and no longer the machine's own (`/metrics` checks that).
        IpAddr::V6(v6) if v6.is_loopback() => ip,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(peer: &str, forwarded: Option<&str>, proxies: &[&str]) -> IpAddr {
        let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
        if let Some(header) = forwarded {
            req = req.insert_header(("x-forwarded-for", header));
        }
        let proxies: Vec<IpAddr> = proxies.iter().map(|p| p.parse().unwrap()).collect();
        client_ip(&req.to_http_request(), &proxies).unwrap()
    }

    #[test]
    fn ipv6_clients_are_their_64_and_mapped_ipv4_is_ipv4() {
        let a = from("[2001:db8:1:2:aaaa::1]:5000", None, &[]);
        let b = from("[2001:db8:1:2:bbbb::9]:5000", None, &[]);
        let other = from("[2001:db8:1:3::1]:5000", None, &[]);
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(a, "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        assert_eq!(
            from("[::ffff:203.0.113.7]:80", None, &[]),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn a_mapped_proxy_matches_its_ipv4_setting_and_clients_cannot_pick_their_address() {
        let via_proxy = from("[::ffff:10.0.0.2]:80", Some("198.51.100.4"), &["10.0.0.2"]);
        assert_eq!(via_proxy, "198.51.100.4".parse::<IpAddr>().unwrap());
        // Not a proxy of ours: the header is the client's own claim and is ignored.
        let direct = from("198.51.100.9:80", Some("1.2.3.4"), &["10.0.0.2"]);
        assert_eq!(direct, "198.51.100.9".parse::<IpAddr>().unwrap());
    }
}
