//! A workaround to delete: TCP_NODELAY on the PostgreSQL pool's connections, which sqlx 0.9.0 leaves off.
//!
//! sqlx set TCP_NODELAY on its TCP sockets until 0.9.0 dropped it (sqlx issue #4335, fixed by pull request
//! #4336 after the 0.9.0 release; sea-orm 2 needs 0.9). With Nagle's algorithm on, a statement that leaves in
//! more than one write (over TLS every record of up to 16 KB is a write of its own) has its last piece held back
//! until the server acknowledges the first, and the server delays that acknowledgement by 40 ms, waiting for the
//! rest of a statement it cannot answer before. The intake worker's multi-row statements waited so on every
//! batch (5,000 events: 12.4 s over TCP, 2.9 s over a Unix socket). `tests/api/pg_nodelay.rs` checks the option
//! on the pool's connections and times the stall (21 KB statements over TLS on loopback: 45 ms each without,
//! 0.4 ms with); `examples/pg_nodelay.rs` times it on any server.
//!
//! sqlx does not give access to a connection's socket, so when the pool opens a connection (`after_connect`)
//! this asks the server which port the connection comes from (`inet_client_port()`), finds among the process's
//! file descriptors the TCP socket with that local port and the server as its peer, and sets the option there.
//! When the server sees another port (a proxy such as PgBouncer, or NAT in between) it sets it on every TCP
//! socket of the process whose peer is the database server, which in this service are the pool's: nothing else
//! connects to it. Nothing is done over a Unix socket, which has no Nagle.
//!
//! The borrowed descriptor is the crate's one unsafe line. `pidfd_getfd` would give a safe duplicate instead,
//! but container seccomp profiles commonly refuse it without CAP_SYS_PTRACE, and the workaround would then do
//! nothing in production.
//!
//! To delete it once a sqlx release sets TCP_NODELAY again: after the upgrade `tests/api/pg_nodelay.rs` fails
//! where it expects a connection the workaround did not touch to have Nagle on, and to stall (the example, run
//! against the production server, should then show no stall without it either). Delete this file, its line in
//! `lib.rs`, the `pg_nodelay::install` call in `db.rs`, the test and the example, and the `net` feature of
//! `rustix` in `Cargo.toml`: the crate then has no unsafe code left.
use std::net::SocketAddr;

use sqlx::PgConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The database server as the pool's options name it, to recognise the sockets connected to it.
#[derive(Debug, Clone)]
pub struct Server {
    host: String,
    port: u16,
}

impl Server {
    /// `None` over a Unix socket (a host starting with `/`, or a `socket` option).
    pub fn of(options: &PgConnectOptions) -> Option<Server> {
        let host = options.get_host();
        (options.get_socket().is_none() && !host.starts_with('/')).then(|| Server {
            host: host.to_owned(),
            port: options.get_port(),
        })
    }

    /// The addresses the host name stands for (a connection went to one of them).
    async fn addresses(&self) -> Vec<SocketAddr> {
        // An IPv6 address may keep the URL's brackets.
        let host = self.host.trim_matches(['[', ']']);
        match tokio::net::lookup_host((host, self.port)).await {
            Ok(addresses) => addresses.collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// `pool` setting TCP_NODELAY on each new connection of its to the server `options` name. It takes the pool's
/// `after_connect` hook: set no other after it.
pub fn install(pool: PgPoolOptions, options: &PgConnectOptions) -> PgPoolOptions {
    if !cfg!(target_os = "linux") {
        return pool;
    }
    let Some(server) = Server::of(options) else {
        return pool;
    };
    pool.after_connect(move |conn, _| {
        let server = server.clone();
        Box::pin(async move {
            if set(conn, &server).await? == 0 {
                tracing::warn!(
                    host = %server.host,
                    port = server.port,
                    "no socket to the database found to set TCP_NODELAY on; statements may stall 40 ms"
                );
            }
            Ok(())
        })
    })
}

/// Sets TCP_NODELAY on `conn`'s socket, or, when it cannot be told apart, on every TCP socket of the process
/// connected to `server`; returns on how many sockets.
pub async fn set(conn: &mut PgConnection, server: &Server) -> Result<usize, sqlx::Error> {
    let port = client_port(conn).await?;
    let addresses = server.addresses().await;
    let mut own = 0;
    each_tcp_socket(|socket, local, peer| {
        if Some(local.port()) == port && addresses.contains(&peer) {
            own += usize::from(rustix::net::sockopt::set_tcp_nodelay(socket, true).is_ok());
        }
    });
    if own > 0 {
        return Ok(own);
    }
    let mut all = 0;
    each_tcp_socket(|socket, _, peer| {
        if addresses.contains(&peer) {
            all += usize::from(rustix::net::sockopt::set_tcp_nodelay(socket, true).is_ok());
        }
    });
    Ok(all)
}

/// Whether `conn`'s socket has TCP_NODELAY; `None` when it cannot be told apart (see `set`).
pub async fn is_set(conn: &mut PgConnection, server: &Server) -> Result<Option<bool>, sqlx::Error> {
    let port = client_port(conn).await?;
    let addresses = server.addresses().await;
    let mut found = None;
    each_tcp_socket(|socket, local, peer| {
        if Some(local.port()) == port && addresses.contains(&peer) {
            found = rustix::net::sockopt::tcp_nodelay(socket).ok();
        }
    });
    Ok(found)
}

/// The port the connection comes from, as the server sees it (`None` over a Unix socket).
async fn client_port(conn: &mut PgConnection) -> Result<Option<u16>, sqlx::Error> {
    let port: Option<i32> = sqlx::query_scalar("SELECT inet_client_port()")
        .fetch_one(conn)
        .await?;
    Ok(port.and_then(|port| u16::try_from(port).ok()))
}

/// Calls `f` with each connected TCP socket of the process, its local address and its peer's.
fn each_tcp_socket(mut f: impl FnMut(rustix::fd::BorrowedFd<'_>, SocketAddr, SocketAddr)) {
    use rustix::net::{SocketType, getpeername, getsockname, sockopt};

    each_socket(|socket| {
        if sockopt::socket_type(socket) != Ok(SocketType::STREAM) {
            return;
        }
        let local = getsockname(socket)
            .ok()
            .and_then(|a| SocketAddr::try_from(a).ok());
        let peer = getpeername(socket)
            .ok()
            .flatten()
            .and_then(|a| SocketAddr::try_from(a).ok());
        if let (Some(local), Some(peer)) = (local, peer) {
            f(socket, local, peer);
        }
    });
}

/// Calls `f` with each socket among the process's open file descriptors.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // the crate's one unsafe block: sqlx keeps its socket to itself
fn each_socket(mut f: impl FnMut(rustix::fd::BorrowedFd<'_>)) {
    use std::os::unix::ffi::OsStrExt;

    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in fds.flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.as_os_str().as_bytes().starts_with(b"socket:"));
        let Ok(fd) = entry
            .file_name()
            .to_string_lossy()
            .parse::<rustix::fd::RawFd>()
        else {
            continue;
        };
        if is_socket {
            // SAFETY: I/O safety asks that the descriptor stay open while borrowed. It is the process's own and
            // is used only during `f`, which reads addresses and reads or sets socket options (every result
            // checked) and never closes it; but another thread may close it meanwhile and the number be reused.
            // The calls then fail (EBADF, ENOTSOCK) or apply to the new file: at worst TCP_NODELAY on another
            // TCP socket, which is harmless. No memory is read or written through a descriptor either way.
            let socket = unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) };
            f(socket);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn each_socket(_: impl FnMut(rustix::fd::BorrowedFd<'_>)) {}
