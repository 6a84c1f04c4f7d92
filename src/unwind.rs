//! Panics caught at the edge of one feed's poll, so a bug that one hostile document reaches
//! (in a parser, the extractor, the diff) costs that feed one poll, not the daemon its feed.
//!
//! [`CatchUnwind`] wraps a future, [`catch`] a closure and [`spawn_blocking`] a closure on
//! tokio's blocking pool; each turns a panic into a [`Panicked`] value with the panic's
//! message and location. A panic hook, installed once and chained to the previous one, records
//! the backtrace of panics raised inside one of these scopes (only when debug logging is on:
//! capturing costs milliseconds) and keeps them off stderr, since the caller logs them in the
//! feed's span. Panics anywhere else reach the previous hook untouched.
//!
//! [`inject_panic`] is a fault-injection hook for tests only; see its documentation.

use std::any::Any;
use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{LazyLock, Once};
use std::task::{Context, Poll};

/// A panic, caught.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal error (panic): {message}{}", .location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default())]
pub struct Panicked {
    pub message: String,
    /// `file:line:column` of the panic, when the hook saw it.
    pub location: Option<String>,
    /// Captured only when debug logging was enabled at the time of the panic.
    pub backtrace: Option<String>,
}

impl Panicked {
    fn from_payload(payload: &(dyn Any + Send)) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a panic without a message)".to_string());
        let (location, backtrace) = LAST.with(|l| l.borrow_mut().take()).unwrap_or_default();
        Self {
            message,
            location,
            backtrace,
        }
    }

    /// Logs the panic in the current span: the message as an error, the backtrace at debug.
    pub fn log(&self, what: &str) {
        tracing::error!(error = %self, "{what}: caught a panic; redline has a bug, please report it");
        if let Some(bt) = &self.backtrace {
            tracing::debug!(backtrace = %bt, "backtrace of the panic");
        }
    }
}

thread_local! {
    /// Catch scopes open on this thread; the hook only acts inside one.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Location and backtrace of the last panic caught on this thread.
    static LAST: RefCell<Option<(Option<String>, Option<String>)>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) == 0 {
                previous(info);
                return;
            }
            let location = info.location().map(ToString::to_string);
            let backtrace = tracing::enabled!(tracing::Level::DEBUG)
                .then(|| Backtrace::force_capture().to_string());
            LAST.with(|l| *l.borrow_mut() = Some((location, backtrace)));
        }));
    });
}

struct Scope;

impl Scope {
    fn enter() -> Self {
        DEPTH.with(|d| d.set(d.get() + 1));
        Scope
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Runs `f`, turning a panic into `Err`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Panicked> {
    install_hook();
    let _scope = Scope::enter();
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| Panicked::from_payload(p.as_ref()))
}

/// A future that resolves to `Err` if polling the inner future panics. (The `futures` crate
/// has the same; this is the 20 lines of it we need.) After a panic the inner future is
/// never polled again, only dropped.
pub struct CatchUnwind<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> CatchUnwind<F> {
    pub fn new(inner: F) -> Self {
        Self {
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.get_mut().inner;
        match catch(|| inner.as_mut().poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(p) => Poll::Ready(Err(p)),
        }
    }
}

/// `tokio::task::spawn_blocking` with the panic caught on the blocking thread itself, where
/// its location and backtrace are known.
pub async fn spawn_blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Panicked> {
    match tokio::task::spawn_blocking(move || catch(f)).await {
        Ok(r) => r,
        // Not a panic (that was caught above): the runtime is shutting down.
        Err(e) => Err(Panicked {
            message: format!("blocking task did not finish: {e}"),
            location: None,
            backtrace: None,
        }),
    }
}

/// **Test-only fault injection.** Panics when the environment variable
/// `REDLINE_TEST_PANIC_ON_URL_CONTAINING` is set (non-empty) and `url` contains it, at the
/// stage named by `REDLINE_TEST_PANIC_STAGE` (`parse` by default; also `extract`, `commit`).
/// Integration tests use it to prove that a panic in one feed's poll stops only that poll;
/// nothing sets these variables in production, and both are read once at first use.
pub fn inject_panic(stage: &str, url: &str) {
    static TARGET: LazyLock<Option<(String, String)>> = LazyLock::new(|| {
        let needle = std::env::var("REDLINE_TEST_PANIC_ON_URL_CONTAINING")
            .ok()
            .filter(|s| !s.is_empty())?;
        let stage = std::env::var("REDLINE_TEST_PANIC_STAGE").unwrap_or_else(|_| "parse".into());
        Some((stage, needle))
    });
    if let Some((at, needle)) = TARGET.as_ref()
        && at == stage
        && url.contains(needle.as_str())
    {
        panic!("injected test panic at stage `{stage}` for {url}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message_and_location() {
        let p = catch(|| -> u8 { panic!("bad byte at {}", 7) }).expect_err("panicked");
        assert_eq!(p.message, "bad byte at 7");
        assert!(
            p.location
                .as_deref()
                .is_some_and(|l| l.contains("unwind.rs")),
            "{p:?}"
        );
        assert!(
            p.to_string()
                .starts_with("internal error (panic): bad byte at 7 at ")
        );
        assert_eq!(catch(|| 5), Ok(5));
    }

    #[test]
    fn a_future_that_panics_after_waiting_resolves_to_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let got = rt.block_on(CatchUnwind::new(async {
            tokio::task::yield_now().await;
            let empty: Vec<u8> = Vec::new();
            empty[3]
        }));
        let p = got.expect_err("panicked");
        assert!(p.message.contains("index out of bounds"), "{p:?}");
        let ok = rt.block_on(CatchUnwind::new(async { 1 + 1 }));
        assert_eq!(ok, Ok(2));
    }

    #[test]
    fn a_blocking_panic_is_caught_on_its_thread() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let p = rt
            .block_on(spawn_blocking(|| -> () {
                panic!("{}", String::from("owned message"))
            }))
            .expect_err("panicked");
        assert_eq!(p.message, "owned message");
        assert!(p.location.is_some(), "{p:?}");
    }
}
