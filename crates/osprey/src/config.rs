//! `osprey config`: the configuration file, and `--defaults` to print every option.
//!
//! The file uses Kismet's syntax (`key=value`, `#` comments); options keep Kismet's names
//! where Kismet has them (`alert=`, `apspoof=`, `ssidcanary=`, `dot11_max_signal`, ...). An
//! unknown key or a bad value is an error that names the file and line.

use std::path::Path;

use osprey_config::{OptionDoc, Options};

/// Print the configuration.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the full default configuration, every option with a comment.
    #[arg(long)]
    pub defaults: bool,
    /// Check this configuration file and report the first bad line.
    #[arg(long, value_name = "FILE", conflicts_with = "defaults")]
    pub check: Option<std::path::PathBuf>,
}

/// Every documented option, by section.
pub fn sections() -> Vec<(&'static str, &'static [OptionDoc])> {
    osprey_detect::detectors::option_sections()
}

/// Reads and checks the configuration file, or the defaults without one.
pub fn load(path: Option<&Path>) -> Result<Options, String> {
    let Some(path) = path else {
        return Ok(Options::new());
    };
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8(text).map_err(|e| {
        format!(
            "{}: not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let options = Options::parse(&path.display().to_string(), &text).map_err(|e| e.to_string())?;
    let docs: Vec<&[OptionDoc]> = sections().into_iter().map(|(_, d)| d).collect();
    options.check_known(&docs).map_err(|e| e.to_string())?;
    Ok(options)
}

/// Runs `osprey config`.
pub fn run(args: &Args) -> Result<(), String> {
    if let Some(path) = &args.check {
        let options = load(Some(path))?;
        let mut alerts = osprey_engine::alert_tracker(&options)?;
        osprey_detect::Detectors::new(&mut alerts, &options).map_err(|e| e.to_string())?;
        return crate::output::write_stdout(&format!("{}: ok\n", path.display()));
    }
    if args.defaults {
        return crate::output::write_stdout(&osprey_config::render_defaults(&sections()));
    }
    Err("say --defaults to print the default configuration, or --check FILE".into())
}
