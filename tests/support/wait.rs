//! Bounded polling and clock helpers.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Pause between two checks of [`eventually`].
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Calls `check` until it returns `Ok`, or panics once `timeout` has passed.
///
/// `check` returns `Err(description)` while `condition` is not met yet, and
/// the panic message shows `condition` and the last description. Use this
/// where AWS documents a state as eventually consistent (approximate counts,
/// a deleted queue disappearing, a purge taking effect).
pub async fn eventually<T, F, Fut>(condition: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match check().await {
            Ok(value) => return value,
            Err(last) => {
                if Instant::now() >= deadline {
                    panic!("timed out after {timeout:?} waiting for: {condition}. Last observation: {last}");
                }
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Returns the current time in whole seconds since the Unix epoch.
pub fn unix_now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is before 1970")
        .as_secs()
}

/// Returns the current time in milliseconds since the Unix epoch.
pub fn unix_now_millis() -> u64 {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is before 1970")
        .as_millis();
    u64::try_from(millis).expect("milliseconds since 1970 fit in u64")
}
