//! The configuration file: any text is parsed, checked against the documented options, and
//! handed to every detector group. It is accepted or refused with an error naming a line; no
//! input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(options) = osprey_config::Options::parse("fuzz", text) else {
        return;
    };
    let docs: Vec<&[osprey_config::OptionDoc]> = osprey_detect::detectors::option_sections()
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let _ = options.check_known(&docs);
    let mut alerts = osprey_alerts::AlertTracker::new(50);
    let _ = osprey_detect::Detectors::new(&mut alerts, &options);
    for e in options.entries() {
        let _ = osprey_config::named_options(&e.value);
    }
});
