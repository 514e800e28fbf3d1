//! UTC times for the export formats, without a calendar dependency.

/// Largest time printed (9999-12-31 23:59:59): later ones, like times before 1970, come only
/// from damaged rows and have no four-digit year.
const MAX_SECS: i64 = 253_402_300_799;

fn parts(secs: i64) -> Option<(i64, u32, u32, i64, i64, i64)> {
    if !(1..=MAX_SECS).contains(&secs) {
        return None;
    }
    let (y, m, d) = crate::calendar::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    Some((y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60))
}

/// `YYYY-MM-DD hh:mm:ss` (UTC), the SQL form WiGLE's CSV uses; `None` for times that are not
/// after 1970 or not before year 10000.
pub(crate) fn sql(secs: i64) -> Option<String> {
    let (y, m, d, h, mi, s) = parts(secs)?;
    Some(format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
}

/// `YYYY-MM-DDThh:mm:ss[.ffffff]Z`, an `xsd:dateTime` in UTC (KML, GPX); microseconds are
/// printed when non-zero.
pub(crate) fn iso(secs: i64, usec: i64) -> Option<String> {
    let (y, m, d, h, mi, s) = parts(secs)?;
    let mut t = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if (1..1_000_000).contains(&usec) {
        t.push_str(&format!(".{usec:06}"));
    }
    t.push('Z');
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_times() {
        assert_eq!(sql(1_507_043_001).as_deref(), Some("2017-10-03 15:03:21"));
        assert_eq!(sql(951_782_400).as_deref(), Some("2000-02-29 00:00:00"));
        assert_eq!(
            iso(1_507_043_001, 0).as_deref(),
            Some("2017-10-03T15:03:21Z")
        );
        assert_eq!(
            iso(1_507_043_001, 42).as_deref(),
            Some("2017-10-03T15:03:21.000042Z")
        );
        assert_eq!(
            iso(1_507_043_001, 5_000_000).as_deref(),
            Some("2017-10-03T15:03:21Z")
        );
        assert_eq!(sql(MAX_SECS).as_deref(), Some("9999-12-31 23:59:59"));
        for bad in [0, -1, MAX_SECS + 1, i64::MAX, i64::MIN] {
            assert_eq!(sql(bad), None);
            assert_eq!(iso(bad, 0), None);
        }
    }
}
