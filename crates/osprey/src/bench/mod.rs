//! `osprey bench`: the benchmark suite. `gen` writes a deterministic workload capture, `run`
//! times `osprey analyze` on it next to a bare SQLite insert ceiling, and `serve` measures the
//! REST API and event bus under load during a replay. See `docs/performance.md`.

pub mod gen;
pub mod run;
pub mod serve;

/// Prints a benchmark report: pretty JSON with `json`, else the text `render` makes.
fn print_report<T: serde::Serialize>(
    report: &T,
    json: bool,
    render: impl FnOnce(&T) -> String,
) -> Result<(), String> {
    let text = if json {
        let mut t = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
        t.push('\n');
        t
    } else {
        render(report)
    };
    crate::output::write_stdout(&text)
}
