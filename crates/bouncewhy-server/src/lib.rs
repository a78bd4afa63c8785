//! The bouncewhy HTTP service: a JSON API and a web page where a person pastes
//! a bounce and reads the answer.
//!
//! Stateless: every request is answered from the shared, read-only [`Engine`],
//! so any number of instances can run behind a load balancer. Requests never
//! touch the file system; the page's assets are compiled into the binary.
//!
//! Protection against hostile clients: a request body limit (413), a per-request
//! timeout (408), a timeout for reading the request head (the connection is
//! closed), a limit on requests worked on at once, and panics turned into 500s.

#![forbid(unsafe_code)]

mod api;
mod page;

use axum::Router;
use bouncewhy::Engine;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub use api::documented_routes;

/// Operating limits of the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body accepted, in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Longest time one request may take, reading its body included; then 408.
    pub request_timeout: Duration,
    /// Longest time a client may take to send a request's head; then the connection is closed.
    pub header_timeout: Duration,
    /// Most requests whose input the engine works on at once; the others wait (within
    /// their timeout). Reading request bodies does not count, so slow clients hold no slot.
    pub concurrency: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body_bytes: 10 << 20,
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            concurrency: 64,
        }
    }
}

/// What every request handler shares: the engine and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    engine: Arc<Engine>,
    config: Arc<Config>,
    engine_slots: Arc<tokio::sync::Semaphore>,
}

/// Builds the complete service: API, page, and the protective layers.
pub fn app(engine: Arc<Engine>, config: Config) -> Router {
    let state = AppState {
        engine,
        engine_slots: Arc::new(tokio::sync::Semaphore::new(config.concurrency.max(1))),
        config: Arc::new(config),
    };
    api::router(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    tracing::info!("shutting down: waiting for requests in flight");
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A server running on its own threads; stops when dropped.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, waits for requests in flight, and returns how serving ended.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the server thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// Starts a server on `listen` in background threads (for tests and embedding).
pub fn start(
    engine: Arc<Engine>,
    config: Config,
    listen: SocketAddr,
) -> std::io::Result<RunningServer> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bouncewhy-server")
        .build()?;
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let header_timeout = config.header_timeout;
    let router = app(engine, config);
    let thread = std::thread::Builder::new()
        .name("bouncewhy-server-main".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener)?;
                serve(listener, router, header_timeout, async {
                    let _ = stopped.await;
                })
                .await
            })
        })?;
    Ok(RunningServer {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Runs the server on `listen` until SIGTERM or Ctrl-C, logging requests to stderr.
pub fn run(engine: Engine, config: Config, listen: SocketAddr) -> std::io::Result<()> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(listen).await.map_err(|error| {
            std::io::Error::new(error.kind(), format!("cannot listen on {listen}: {error}"))
        })?;
        tracing::info!(
            address = %listener.local_addr()?,
            max_body_bytes = config.max_body_bytes,
            request_timeout_s = config.request_timeout.as_secs_f64(),
            header_timeout_s = config.header_timeout.as_secs_f64(),
            concurrency = config.concurrency,
            "bouncewhy serve listening"
        );
        let header_timeout = config.header_timeout;
        serve(
            listener,
            app(Arc::new(engine), config),
            header_timeout,
            shutdown_signal(),
        )
        .await
    })
}

/// Structured logs on stderr; `RUST_LOG` picks the level (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
