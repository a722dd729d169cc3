//! The live demo's three loopback ports, checked before anything starts so that a
//! port already taken is reported at once, naming the port, what it was for and the
//! flag that moves it. Port 0 means any free port.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

/// The ports of the sample API and the two gateways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    pub postgres: u16,
    pub http: u16,
    pub api: u16,
}

impl Default for Ports {
    fn default() -> Ports {
        Ports {
            postgres: 6432,
            http: 8443,
            api: 8080,
        }
    }
}

impl Ports {
    /// `(port, what listens there, the flag that changes it)`.
    fn each(&self) -> [(u16, &'static str, &'static str); 3] {
        [
            (self.postgres, "the PostgreSQL gateway", "--pg-port"),
            (self.http, "the HTTP gateway", "--http-port"),
            (self.api, "the sample API", "--api-port"),
        ]
    }

    /// Fails, naming the port and its flag, if a port is taken or given twice.
    pub fn ensure_free(&self) -> Result<(), String> {
        let each = self.each();
        for (i, (port, what, flag)) in each.iter().enumerate() {
            if *port == 0 {
                continue;
            }
            if let Some((_, other, _)) = each[..i].iter().find(|(p, _, _)| p == port) {
                return Err(format!(
                    "port {port} is given to both {other} and {what}; choose another with {flag}"
                ));
            }
            if let Err(e) = TcpListener::bind(loopback(*port)) {
                return Err(format!(
                    "127.0.0.1:{port} ({what}) is not available: {e} — is another tuomin demo \
                     or service running there? Choose another port with {flag} PORT"
                ));
            }
        }
        Ok(())
    }

    /// The flag that moves the listener on `port` (for errors met later).
    pub fn flag_for(&self, port: u16) -> Option<&'static str> {
        self.each()
            .into_iter()
            .find(|(p, _, _)| *p == port && port != 0)
            .map(|(_, _, flag)| flag)
    }
}

/// `127.0.0.1:port`.
pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_named_with_its_flag() {
        let taken = TcpListener::bind(loopback(0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let ports = Ports {
            postgres: 0,
            http: port,
            api: 0,
        };
        let e = ports.ensure_free().unwrap_err();
        assert!(e.contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(
            e.contains("the HTTP gateway") && e.contains("--http-port"),
            "{e}"
        );
    }

    #[test]
    fn one_port_for_two_listeners_is_refused() {
        let ports = Ports {
            postgres: 0,
            http: 58443,
            api: 58443,
        };
        let e = ports.ensure_free().unwrap_err();
        assert!(e.contains("--api-port"), "{e}");
    }

    #[test]
    fn free_ports_and_port_zero_pass() {
        let ports = Ports {
            postgres: 0,
            http: 0,
            api: 0,
        };
        assert!(ports.ensure_free().is_ok());
    }
}
