//! Panics that become errors: [`catch`] runs code that may panic on bad input (a
//! third-party reader trusting a corrupt length) and turns a panic into its message, and
//! [`is_caught_here`] tells a process's panic hook that a panic on this thread will be
//! caught, so that the hook neither prints a banner nor ends the process.
//!
//! ```
//! let err = sluice_core::panics::catch(|| -> u8 { panic!("bad length") }).unwrap_err();
//! assert_eq!(err, "bad length");
//! assert!(!sluice_core::panics::is_caught_here());
//! ```

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// How many [`catch`] calls are running on this thread.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`; a panic inside it comes back as `Err` with the panic's message. While `f`
/// runs, [`is_caught_here`] is true on this thread.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    outcome.map_err(|payload| message(&*payload))
}

/// Whether a panic on this thread now would be caught by [`catch`] and become an error.
/// A panic hook should then stay quiet and return.
pub fn is_caught_here() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

/// The message of a panic payload.
pub fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_counts_nesting_and_restores_it_after_a_panic() {
        assert!(!is_caught_here());
        let inner = catch(|| {
            assert!(is_caught_here());
            let nested = catch(|| -> () { panic!("{}", String::from("inner")) });
            assert_eq!(nested, Err("inner".to_string()));
            assert!(is_caught_here());
            7
        });
        assert_eq!(inner, Ok(7));
        assert!(!is_caught_here());
    }
}
