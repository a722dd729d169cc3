//! The HTTP listener: accepts connections (bounded), hands each to one of the
//! listener's connection threads ([`crate::serve::threads`]), does the TLS handshake under the
//! header-read timeout, serves HTTP/1.1 and HTTP/2 (hyper-util's auto builder), closes
//! idle keep-alive connections, and closes a connection at once when the registry
//! cuts its consumer off. Shutdown: stop accepting, let connections finish their
//! requests (graceful), and drop what is left after the grace period.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use super::gateway::Gateway;
use super::identity::cert_names;
use super::limits::Limits;
use super::proxy::{ConnInfo, Shared, handle};
use crate::admin::Metrics;
use crate::audit::AuditLog;
use crate::policy::Policy;
use crate::serve::{CloseSignal, Registry};

/// A bound HTTP listener, ready to run.
pub struct HttpServer {
    shared: Arc<Shared>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    connections: Arc<Semaphore>,
}

impl HttpServer {
    /// Binds the policy's `[http] listen` address (`listen` overrides it, for tests).
    pub async fn bind(
        policy: Arc<Policy>,
        registry: Arc<Registry>,
        audit: Option<AuditLog>,
        metrics: Arc<Metrics>,
        listen: Option<SocketAddr>,
    ) -> Result<HttpServer, String> {
        let gateway = Gateway::build(policy)?;
        let addr = listen.unwrap_or(gateway.config.listen);
        let tls = match &gateway.config.tls {
            Some(files) => Some(TlsAcceptor::from(super::tls::server_config(files)?)),
            None => None,
        };
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let connections = Arc::new(Semaphore::new(gateway.config.max_connections));
        Ok(HttpServer {
            shared: Arc::new(Shared {
                gateway: ArcSwap::from_pointee(gateway),
                limits: Limits::default(),
                registry,
                audit,
                metrics,
            }),
            listener,
            tls,
            connections,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that swaps the policy of the running listener.
    pub fn reloader(&self) -> HttpReloader {
        HttpReloader {
            shared: self.shared.clone(),
        }
    }

    /// Accepts until `shutdown` turns true, then drains for at most `grace`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, grace: Duration) {
        let active = Arc::new(AtomicUsize::new(0));
        let Some(mut threads) = crate::serve::threads::ConnectionThreads::for_listener("http")
        else {
            return;
        };
        loop {
            let permit = tokio::select! {
                _ = shutdown.wait_for(|s| *s) => break,
                permit = self.connections.clone().acquire_owned() => permit,
            };
            let Ok(permit) = permit else { break };
            let accepted = tokio::select! {
                _ = shutdown.wait_for(|s| *s) => break,
                accepted = self.listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let conn = Connection {
                shared: self.shared.clone(),
                tls: self.tls.clone(),
                shutdown: shutdown.clone(),
            };
            let counted = Active::count(&active);
            let stream = match stream.into_std() {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "http: cannot hand a connection over");
                    continue;
                }
            };
            threads.spawn(async move {
                let _counted = counted;
                match TcpStream::from_std(stream) {
                    Ok(stream) => conn.serve(stream, peer).await,
                    Err(e) => tracing::warn!(error = %e, "http: cannot register a connection"),
                }
                drop(permit);
            });
        }
        // Closed now, not after the drain: new connections are refused at once.
        drop(self.listener);
        let deadline = Instant::now() + grace;
        while active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Swaps the policy of a running HTTP listener.
#[derive(Clone)]
pub struct HttpReloader {
    shared: Arc<Shared>,
}

impl crate::serve::Listener for HttpReloader {
    fn name(&self) -> &'static str {
        "http"
    }

    fn prepare(&self, policy: Arc<Policy>) -> Result<Box<dyn FnOnce() + Send>, String> {
        let gateway = Gateway::build(policy)?;
        let shared = self.shared.clone();
        Ok(Box::new(move || shared.gateway.store(Arc::new(gateway))))
    }
}

struct Connection {
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    shutdown: watch::Receiver<bool>,
}

/// One connection counted among the active ones (what shutdown waits for), until it
/// is dropped — however the connection's task ends, a panic included.
struct Active(Arc<AtomicUsize>);

impl Active {
    fn count(active: &Arc<AtomicUsize>) -> Self {
        active.fetch_add(1, Ordering::SeqCst);
        Active(Arc::clone(active))
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Connection {
    async fn serve(self, stream: TcpStream, peer: SocketAddr) {
        let _named = crate::serve::panics::NamedOnPanic::new("http", peer, None);
        let _ = stream.set_nodelay(true);
        let (registration, close) = self.shared.registry.open();
        let id = registration.id();
        let timeout = self.shared.gateway.load().config.header_read_timeout;
        match self.tls.clone() {
            None => {
                let info = ConnInfo::new(id, peer, false, Vec::new());
                self.serve_io(stream, info, close).await;
            }
            Some(acceptor) => match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let names = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| cert_names(c))
                        .unwrap_or_default();
                    let info = ConnInfo::new(id, peer, true, names);
                    self.serve_io(tls, info, close).await;
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            },
        }
        drop(registration);
    }

    async fn serve_io<I>(&self, io: I, info: ConnInfo, mut close: CloseSignal)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let config = self.shared.gateway.load().config.clone();
        let activity = Arc::new(Activity::default());
        let started = Instant::now();
        let info = Arc::new(info);
        let shared = self.shared.clone();
        let act = activity.clone();
        let service = service_fn(move |req| {
            act.in_flight.fetch_add(1, Ordering::SeqCst);
            let act = act.clone();
            let fut = handle(shared.clone(), info.clone(), req);
            async move {
                let response = fut.await;
                act.done(started);
                response
            }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout)
            .keep_alive(true);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(config.idle_timeout / 2))
            .keep_alive_timeout(config.header_read_timeout);
        let conn = builder.serve_connection(TokioIo::new(io), service);
        tokio::pin!(conn);
        // The connection waits on two signals of its own, raised by a task that waits
        // for the process-wide shutdown (drain) and for the cut-off: at each wake-up
        // its loop looks at those only, which no other connection touches, instead of
        // the shared shutdown signal (src/serve/stop.rs).
        let (drain, draining_signal) = crate::serve::stop::signal();
        let (cut, cut_signal) = crate::serve::stop::signal();
        let mut shutdown = self.shutdown.clone();
        let relay = tokio::spawn(async move {
            let shut_down = async {
                let _ = shutdown.wait_for(|s| *s).await;
            };
            let drained = tokio::select! {
                () = close.closed() => false,
                () = shut_down => true,
            };
            if drained {
                drain.raise();
                close.closed().await;
            }
            cut.raise();
        });
        let drain_wait = draining_signal.wait();
        let cut_wait = cut_signal.wait();
        tokio::pin!(drain_wait, cut_wait);
        let mut draining = false;
        let tick = (config.idle_timeout / 4).min(Duration::from_secs(1));
        let mut ticker = tokio::time::interval(tick);
        loop {
            tokio::select! {
                _ = conn.as_mut() => break,
                () = &mut cut_wait => {
                    tracing::info!("connection cut off: its consumer was disabled or removed");
                    break;
                }
                () = &mut drain_wait, if !draining => {
                    draining = true;
                    conn.as_mut().graceful_shutdown();
                }
                _ = ticker.tick(), if !draining => {
                    if activity.idle_for(started) > config.idle_timeout {
                        draining = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
        relay.abort();
    }
}

/// When a connection last finished a request, and how many it has in flight.
#[derive(Default)]
struct Activity {
    in_flight: AtomicUsize,
    /// Milliseconds since the connection started.
    last_ms: AtomicU64,
}

impl Activity {
    fn done(&self, started: Instant) {
        self.last_ms
            .store(started.elapsed().as_millis() as u64, Ordering::SeqCst);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    fn idle_for(&self, started: Instant) -> Duration {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        let last = Duration::from_millis(self.last_ms.load(Ordering::SeqCst));
        started.elapsed().saturating_sub(last)
    }
}
