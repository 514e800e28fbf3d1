//! Changes in what an access point advertises (Kismet's SSID-record checks): CRYPTODROP,
//! ADVCRYPTCHANGE, CHANCHANGE, PROBECHAN, DOT11D, BEACONRATE, BSSTIMESTAMP and ADHOCCONFLICT.
//!
//! Six of them compare each beacon and probe response with a record per (BSSID, SSID)
//! ([`record`]), kept by one detector; BSSTIMESTAMP follows each BSSID's beacon clock and
//! ADHOCCONFLICT each BSSID's mode, in detectors of their own.

pub mod adhocconflict;
pub mod advcryptchange;
pub mod beaconrate;
pub mod bsstimestamp;
pub mod chanchange;
pub mod crypt;
pub mod cryptodrop;
pub mod dot11d;
pub mod probechan;
pub mod record;

use osprey_alerts::Severity;
use osprey_config::OptionDoc;

use super::Registry;

/// This group's options.
pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "dot11_11d_country_full",
        defaults: &["false"],
        example: "",
        help: "DOT11D: also compare the rest of the 802.11d country element (environment and
channel/power ranges), not only the country code.",
    },
    OptionDoc {
        key: "bsstimestamp_tolerance",
        defaults: &["500"],
        example: "",
        help: "BSSTIMESTAMP: milliseconds by which the beacon clock of a BSSID may disagree with
the capture clock between two beacons (plus 0.1% of the time between them) before it
counts as a jump. At least 1.",
    },
    OptionDoc {
        key: "bsstimestamp_count",
        defaults: &["3"],
        example: "",
        help: "BSSTIMESTAMP: jumps of a BSSID's beacon clock, within bsstimestamp_window, that
raise the alert. At least 2: an access point that reboots makes one.",
    },
    OptionDoc {
        key: "bsstimestamp_window",
        defaults: &["60"],
        example: "",
        help: "BSSTIMESTAMP: seconds, from the first jump, within which bsstimestamp_count jumps
raise the alert. At least 1.",
    },
    OptionDoc {
        key: "adhocconflict_data",
        defaults: &["false"],
        example: "",
        help: "ADHOCCONFLICT: also take data frames with neither DS bit as ad-hoc traffic of their
BSSID. Off by default: TDLS direct links between clients of an access point look the same.",
    },
];

/// An integer option of at least `min`, or `default`; a bad value is an error naming its line.
fn at_least(
    reg: &Registry<'_>,
    key: &str,
    default: i64,
    min: i64,
) -> Result<i64, osprey_config::Error> {
    let v = reg.options.get(key, default)?;
    match reg.options.last(key) {
        Some(e) if v < min => Err(reg.options.error(e, format!("must be at least {min}"))),
        _ => Ok(v),
    }
}

/// Registers the group's alerts and detectors.
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let country_full = reg.options.get_bool("dot11_11d_country_full", false)?;
    let params = bsstimestamp::Params {
        tolerance_us: i128::from(at_least(reg, "bsstimestamp_tolerance", 500, 1)?) * 1000,
        count: u32::try_from(at_least(reg, "bsstimestamp_count", 3, 2)?).unwrap_or(u32::MAX),
        window: at_least(reg, "bsstimestamp_window", 60, 1)?,
    };
    let adhoc_data = reg.options.get_bool("adhocconflict_data", false)?;
    let max = super::max_macs(reg.options)?;

    // In the order of the master table.
    let chanchange = reg.activate(
        "CHANCHANGE",
        "SPOOF",
        Severity::Low,
        chanchange::DESCRIPTION,
    );
    let cryptodrop = reg.activate(
        "CRYPTODROP",
        "SPOOF",
        Severity::High,
        cryptodrop::DESCRIPTION,
    );
    let adhoc = reg.activate(
        "ADHOCCONFLICT",
        "SPOOF",
        Severity::High,
        adhocconflict::DESCRIPTION,
    );
    let dot11d = reg.activate("DOT11D", "SPOOF", Severity::High, dot11d::DESCRIPTION);
    let beaconrate = reg.activate(
        "BEACONRATE",
        "SPOOF",
        Severity::High,
        beaconrate::DESCRIPTION,
    );
    let advcryptchange = reg.activate(
        "ADVCRYPTCHANGE",
        "SPOOF",
        Severity::High,
        advcryptchange::DESCRIPTION,
    );
    let bsstimestamp = reg.activate(
        "BSSTIMESTAMP",
        "SPOOF",
        Severity::Medium,
        bsstimestamp::DESCRIPTION,
    );
    let probechan = reg.activate(
        "PROBECHAN",
        "SPOOF",
        Severity::Medium,
        probechan::DESCRIPTION,
    );

    reg.add(record::SsidRecords::new(
        record::Refs {
            cryptodrop,
            advcryptchange,
            chanchange,
            probechan,
            dot11d,
            beaconrate,
        },
        country_full,
        max,
    ));
    reg.add(bsstimestamp::BssTimestamp::new(bsstimestamp, params, max));
    reg.add(adhocconflict::AdhocConflict::new(adhoc, adhoc_data, max));
    Ok(())
}
