//! The configuration file: any text is parsed, checked against the documented options, and
//! handed to every detector group and to the engine's own options. It is accepted or refused
//! with an error naming a line; no input may panic.
//!
//! Text after a NUL byte is a list of command-line style overrides (`key=value` lines pushed
//! after the file, as `Options::push` does): the last value of a key wins. Every key present
//! is then read as each type a component may ask for. (The configuration has no `include`
//! directive: one file is all there is.)
#![no_main]

mod sqlite_asan;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (file, overrides) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(mut options) = osprey_config::Options::parse("fuzz", file) else {
        return;
    };
    for line in overrides.lines() {
        if let Some((k, v)) = line.split_once('=') {
            options.push(k, v);
            assert_eq!(options.last(k).map(|e| e.value.as_str()), Some(v));
            assert_eq!(options.last(k).map(|e| e.line), Some(0));
        }
    }
    let sections = osprey_detect::detectors::option_sections();
    let docs: Vec<&[osprey_config::OptionDoc]> = sections.iter().map(|(_, d)| *d).collect();
    if let Err(e) = options.check_known(&docs) {
        assert!(!e.to_string().is_empty());
    }
    let mut alerts = osprey_alerts::AlertTracker::new(50);
    let _ = osprey_detect::Detectors::new(&mut alerts, &options);
    let _ = osprey_engine::alert_tracker(&options);
    for e in options.entries() {
        let _ = osprey_config::named_options(&e.value);
        let k = e.key.as_str();
        let _ = options.get::<u64>(k, 0);
        let _ = options.get::<i64>(k, 0);
        let _ = options.get::<f64>(k, 0.0);
        let _ = options.get::<usize>(k, 0);
        let _ = options.get_bool(k, false);
        if let Err(err) = options.get::<u8>(k, 0) {
            // An error names the line it comes from (0: an override).
            assert_eq!(err.line, options.last(k).map_or(0, |l| l.line));
        }
        let _ = options.all(k).count();
    }
});
