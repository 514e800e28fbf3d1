//! UTC date formatting (the calendar lives in `osprey_logtools::calendar`).

pub use osprey_logtools::calendar::utc;

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn known_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_507_043_001), "2017-10-03 15:03:21");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc(-1), "1969-12-31 23:59:59");
        // Far-out values must not panic.
        let _ = utc(i64::MAX);
        let _ = utc(i64::MIN);
    }
}
