//! Why a command stopped, and how that becomes a message and an exit status.

use std::io;

use arrow::error::ArrowError;

/// A command's failure.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Standard output's reader went away (`sluice cat … | head`): exit 0, say nothing.
    ClosedOutput,
    /// Print `sluice: <message>` on standard error, exit 1.
    Message(String),
}

impl Failure {
    /// An error from an arrow writer, which wraps write errors of standard output.
    pub(crate) fn output(err: ArrowError) -> Failure {
        match err {
            ArrowError::IoError(_, e) => Failure::from(e),
            ArrowError::ExternalError(e) => match e.downcast::<io::Error>() {
                Ok(e) => Failure::from(*e),
                Err(e) => Failure::Message(format!("cannot write the output: {e}")),
            },
            other => Failure::Message(format!("cannot write the output: {}", strip(&other))),
        }
    }
}

/// Arrow's messages start with the variant (`Csv error: ...`), which says nothing to a
/// user.
fn strip(err: &ArrowError) -> String {
    let text = err.to_string();
    match text.split_once(" error: ") {
        Some((_, rest)) if !rest.is_empty() => rest.to_string(),
        _ => text,
    }
}

impl From<sluice::Error> for Failure {
    fn from(err: sluice::Error) -> Self {
        Failure::Message(err.to_string())
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Failure::ClosedOutput
        } else {
            Failure::Message(format!("cannot write the output: {err}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipes_are_quiet_through_arrow_too() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(matches!(Failure::from(pipe()), Failure::ClosedOutput));
        assert!(matches!(
            Failure::output(ArrowError::from(pipe())),
            Failure::ClosedOutput
        ));
        let other = Failure::output(ArrowError::CsvError("nested type".into()));
        assert!(
            matches!(&other, Failure::Message(m) if m == "cannot write the output: nested type"),
            "{other:?}"
        );
    }
}
