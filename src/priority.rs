//! Acknowledging a webhook cannot wait (Zalo allows about 2 s, and a slow answer brings the platform's
//! retries); turning stored events into tickets and sending replies can. So the tokio runtime's threads,
//! which run the intake and outbox workers and the form writer, and the database connection threads they
//! open, run at a lower CPU priority than the HTTP workers and the webhook spool, which actix-web and
//! `spool::file` start from the main thread. On idle cores nothing changes; on cores a burst fills,
//! the acknowledgements go first and the backlog waits in the spool (measured in the README, Performance).

/// Added to the process's niceness for background threads: at +10 a runnable background thread gets about
/// a tenth of the time of a runnable HTTP thread on a contended core.
const BACKGROUND_NICENESS: i32 = 10;

/// A multi-threaded tokio runtime whose threads (workers and blocking pool) run at background priority.
pub fn background_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(lower_current_thread)
        .build()
}

/// Runs `work` on a thread of its own at the lowest priority (niceness 19) and awaits its result: CPU-heavy work
/// nothing waits on (decoding and re-encoding citizens' photos) then takes only what intake leaves. A thread of
/// its own because a lowered thread cannot be raised again without privilege.
pub async fn lowest<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<T> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("lowest-priority".into())
        .spawn(move || {
            #[cfg(target_os = "linux")]
            {
                let me = Some(rustix::thread::gettid());
                if let Err(err) = rustix::process::setpriority_process(me, 19) {
                    tracing::debug!(error = %err, "lowest-priority thread keeps its priority");
                }
            }
            let _ = done.send(work());
        })?;
    result
        .await
        .map_err(|_| std::io::Error::other("the lowest-priority work panicked"))
}

/// Lowers the calling thread's CPU priority (Linux: niceness is per thread); threads it starts inherit it.
fn lower_current_thread() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let me = Some(rustix::thread::gettid());
        let lowered = getpriority_process(me)
            .and_then(|now| setpriority_process(me, (now + BACKGROUND_NICENESS).min(19)));
        if let Err(err) = lowered {
            tracing::debug!(error = %err, "background thread keeps its priority");
        }
    }
}
