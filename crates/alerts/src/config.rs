//! Kismet's `alert=` rate configuration: `alert=NAME,RATE[/UNIT],BURST[/UNIT]`.

use crate::TimeUnit;

/// One `alert=` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertConfig {
    /// Alert name, upper-cased.
    pub header: String,
    /// Unit of the overall rate.
    pub limit_unit: TimeUnit,
    /// Alerts per `limit_unit`; 0 disables the alert.
    pub limit_rate: u64,
    /// Unit of the burst.
    pub burst_unit: TimeUnit,
    /// Alerts per `burst_unit`.
    pub limit_burst: u64,
}

/// Why an `alert=` value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not three comma-separated fields.
    #[error("malformed limits {0:?}: expected NAME,rate[/unit],burst[/unit]")]
    Malformed(String),
    /// A unit other than sec/second, min/minute, hr/hour, day.
    #[error("invalid time unit {0:?} (sec, min, hr or day)")]
    Unit(String),
    /// A rate that does not start with a number.
    #[error("invalid rate {0:?}")]
    Rate(String),
}

fn rate_unit(token: &str) -> Result<(u64, TimeUnit), ConfigError> {
    let t = token.trim().to_ascii_lowercase();
    let (num, unit) = match t.split_once('/') {
        Some((n, u)) => (n.to_string(), u.to_string()),
        None => (t.clone(), "min".to_string()),
    };
    let unit = match unit.trim() {
        "sec" | "second" => TimeUnit::Second,
        "min" | "minute" => TimeUnit::Minute,
        "hr" | "hour" => TimeUnit::Hour,
        "day" => TimeUnit::Day,
        other => return Err(ConfigError::Unit(other.to_string())),
    };
    // Like sscanf("%d"): the leading integer ("5x" is 5).
    let digits: String = num
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let n = digits
        .parse::<u64>()
        .map_err(|_| ConfigError::Rate(num.trim().to_string()))?;
    Ok((n, unit))
}

/// Parses the value of one `alert=` line (`DEAUTHFLOOD,5/min,2/sec`). A rate without a unit is
/// per minute.
pub fn parse_alert_config(value: &str) -> Result<AlertConfig, ConfigError> {
    let parts: Vec<&str> = value.split(',').collect();
    if parts.len() != 3 || parts[0].trim().is_empty() {
        return Err(ConfigError::Malformed(value.to_string()));
    }
    let (limit_rate, limit_unit) = rate_unit(parts[1])?;
    let (limit_burst, burst_unit) = rate_unit(parts[2])?;
    Ok(AlertConfig {
        header: parts[0].trim().to_ascii_uppercase(),
        limit_unit,
        limit_rate,
        burst_unit,
        limit_burst,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kismets_syntax() {
        let c = parse_alert_config("deauthflood,5/min,2/sec").unwrap();
        assert_eq!(c.header, "DEAUTHFLOOD");
        assert_eq!(
            (c.limit_rate, c.limit_unit, c.limit_burst, c.burst_unit),
            (5, TimeUnit::Minute, 2, TimeUnit::Second)
        );
        let c = parse_alert_config("X,10,1/second").unwrap();
        assert_eq!(
            (c.limit_rate, c.limit_unit),
            (10, TimeUnit::Minute),
            "no unit means per minute"
        );
        let c = parse_alert_config("X,5x/HR,1/Day").unwrap();
        assert_eq!(
            (c.limit_rate, c.limit_unit, c.burst_unit),
            (5, TimeUnit::Hour, TimeUnit::Day)
        );
        let c = parse_alert_config("X,0/min,0/sec").unwrap();
        assert_eq!(c.limit_rate, 0, "0 disables");
        assert!(matches!(
            parse_alert_config("X,5/min"),
            Err(ConfigError::Malformed(_))
        ));
        assert!(matches!(
            parse_alert_config("X,5/fortnight,1/sec"),
            Err(ConfigError::Unit(_))
        ));
        assert!(matches!(
            parse_alert_config("X,many/min,1/sec"),
            Err(ConfigError::Rate(_))
        ));
        assert!(matches!(
            parse_alert_config(",1,1"),
            Err(ConfigError::Malformed(_))
        ));
    }
}
