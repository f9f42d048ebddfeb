//! A rows-read spinner on standard error, shown only to people: when standard error is a
//! terminal, and only once a command has run for a second. Pipes and tests see nothing.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a command runs before the spinner appears.
const DELAY: Duration = Duration::from_secs(1);

pub(crate) struct Progress {
    enabled: bool,
    start: Instant,
    rows: u64,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A spinner that may appear. `allowed` is false when standard output is the same
    /// terminal and rows are being printed to it, where a spinner would garble them.
    pub(crate) fn new(allowed: bool) -> Self {
        Progress {
            enabled: allowed && std::io::stderr().is_terminal(),
            start: Instant::now(),
            rows: 0,
            bar: None,
        }
    }

    /// Counts `rows` more rows read.
    pub(crate) fn add(&mut self, rows: usize) {
        if !self.enabled {
            return;
        }
        self.rows += rows as u64;
        let elapsed = self.start.elapsed();
        if self.bar.is_none() && elapsed >= DELAY {
            self.bar = Some(spinner());
        }
        if let Some(bar) = &self.bar {
            let rate = self.rows as f64 / elapsed.as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{} rows read, {} rows/s",
                thousands(self.rows),
                thousands(rate as u64)
            ));
        }
    }

    /// Removes the spinner.
    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn spinner() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
