//! Writing to stdout without panicking: `println!` panics when the reader of a pipe goes away
//! (`osprey log info x.kismet | head -1`); a closed pipe is a normal way for output to end.

use std::io::Write;

/// Writes `text` to stdout. A closed pipe ends output quietly; other errors are reported.
pub fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("writing to stdout: {e}")),
    }
}

/// Writes one line to stderr, ignoring failures (there is nowhere left to report them).
pub fn note(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Writes progress text to stderr without a newline, ignoring failures.
pub fn progress(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
