//! # osprey-config
//!
//! Osprey's configuration, in Kismet's syntax: one `key=value` per line, `#` starts a comment
//! line, blank lines are ignored, and a key may repeat (`alert=`, `apspoof=`, `devicefound=`).
//! Every value remembers its file and line, so whoever interprets it can refuse it with an
//! error that names the line.
//!
//! The crate does not know what the keys mean. Each component documents the keys it reads as
//! [`OptionDoc`]s; the union of those is the set of known keys ([`Options::check_known`]) and
//! the text of `osprey config --defaults` ([`render_defaults`]).

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

/// One `key=value` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key, as written (keys are case-sensitive, as in Kismet).
    pub key: String,
    /// The value, trimmed.
    pub value: String,
    /// The 1-based line number, or 0 for values not read from a file.
    pub line: usize,
}

/// A refused configuration line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// The file (or `"built-in"`).
    pub file: String,
    /// The 1-based line, or 0 when the value did not come from a line.
    pub line: usize,
    /// The key, when the line had one.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: ", self.file, self.line)?;
        } else {
            write!(f, "{}: ", self.file)?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// A parsed configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    source: String,
    entries: Vec<Entry>,
}

impl Options {
    /// An empty configuration: every component uses its defaults.
    pub fn new() -> Options {
        Options {
            source: "built-in".into(),
            entries: Vec::new(),
        }
    }

    /// Parses `text`, read from `source` (a file name, used in errors). A line that is not
    /// blank, not a comment and has no `=` (or an empty key) is an error naming the line.
    pub fn parse(source: &str, text: &str) -> Result<Options, Error> {
        let mut o = Options {
            source: source.to_string(),
            entries: Vec::new(),
        };
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(Error {
                    file: source.to_string(),
                    line: i + 1,
                    key: String::new(),
                    message: format!("expected key=value, found {line:?}"),
                });
            };
            let key = k.trim().trim_end_matches('+').trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error {
                    file: source.to_string(),
                    line: i + 1,
                    key: String::new(),
                    message: format!("invalid key {:?}", k.trim()),
                });
            }
            o.entries.push(Entry {
                key: key.to_string(),
                value: v.trim().to_string(),
                line: i + 1,
            });
        }
        Ok(o)
    }

    /// Adds a value that did not come from a file (a command-line override).
    pub fn push(&mut self, key: &str, value: &str) {
        self.entries.push(Entry {
            key: key.to_string(),
            value: value.to_string(),
            line: 0,
        });
    }

    /// Where the values came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Every value of `key`, in file order.
    pub fn all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s Entry> + 's {
        self.entries.iter().filter(move |e| e.key == key)
    }

    /// The last value of `key`: a later line overrides an earlier one.
    pub fn last(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// An error about `entry`, naming its file and line.
    pub fn error(&self, entry: &Entry, message: impl Into<String>) -> Error {
        Error {
            file: self.source.clone(),
            line: entry.line,
            key: entry.key.clone(),
            message: message.into(),
        }
    }

    /// The last value of `key` parsed as `T`, or `default` when the key is absent.
    pub fn get<T: FromStr>(&self, key: &str, default: T) -> Result<T, Error>
    where
        T::Err: fmt::Display,
    {
        match self.last(key) {
            None => Ok(default),
            Some(e) => e
                .value
                .parse()
                .map_err(|err| self.error(e, format!("invalid value {:?}: {err}", e.value))),
        }
    }

    /// The last value of `key` as a boolean (Kismet's `true`/`false`, also `yes`/`no`,
    /// `1`/`0`, any case), or `default`.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool, Error> {
        match self.last(key) {
            None => Ok(default),
            Some(e) => match e.value.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => Ok(true),
                "false" | "no" | "0" | "off" => Ok(false),
                _ => Err(self.error(e, format!("expected true or false, found {:?}", e.value))),
            },
        }
    }

    /// Refuses the first key that none of `docs` documents.
    pub fn check_known(&self, docs: &[&[OptionDoc]]) -> Result<(), Error> {
        for e in &self.entries {
            if !docs.iter().any(|d| d.iter().any(|o| o.key == e.key)) {
                return Err(self.error(e, "unknown option"));
            }
        }
        Ok(())
    }
}

/// The documentation of one option, for `osprey config --defaults`.
#[derive(Clone, Copy, Debug)]
pub struct OptionDoc {
    /// The key (Kismet's name where Kismet has one).
    pub key: &'static str,
    /// Default lines, each a value (an empty slice: no default; the example is shown
    /// commented out).
    pub defaults: &'static [&'static str],
    /// An example value shown commented out when there is no default (or empty).
    pub example: &'static str,
    /// What it does; may span lines.
    pub help: &'static str,
}

/// Renders a full default configuration: for each section a heading comment, then for each
/// option its help as comments and its default lines (or a commented example).
pub fn render_defaults(sections: &[(&str, &[OptionDoc])]) -> String {
    let mut s = String::from(
        "# Osprey configuration (Kismet's syntax: key=value, one per line; # comments).\n\
         # Every option is shown with its default value.\n",
    );
    for (title, docs) in sections {
        s.push_str("\n# ---- ");
        s.push_str(title);
        s.push_str(" ----\n");
        for d in *docs {
            s.push('\n');
            for l in d.help.lines() {
                s.push_str("# ");
                s.push_str(l.trim());
                s.push('\n');
            }
            for v in d.defaults {
                s.push_str(d.key);
                s.push('=');
                s.push_str(v);
                s.push('\n');
            }
            if d.defaults.is_empty() && !d.example.is_empty() {
                s.push('#');
                s.push_str(d.key);
                s.push('=');
                s.push_str(d.example);
                s.push('\n');
            }
        }
    }
    s
}

/// Splits Kismet's `NAME:key="value",key=value` form (used by `apspoof=` and `ssidcanary=`):
/// the name, then the options, comma-separated, where double quotes group a value (and are
/// removed) so it may contain commas.
pub fn named_options(value: &str) -> Result<(String, Vec<(String, String)>), String> {
    let (name, rest) = value
        .split_once(':')
        .ok_or_else(|| format!("expected NAME:key=value,..., found {value:?}"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err("empty name".into());
    }
    let mut opts = Vec::new();
    let mut key = String::new();
    let mut val = String::new();
    let mut in_key = true;
    let mut quoted = false;
    let mut flush = |key: &mut String, val: &mut String, in_key: bool| -> Result<(), String> {
        if key.trim().is_empty() && val.is_empty() {
            return Ok(());
        }
        if in_key {
            return Err(format!("option {:?} has no value", key.trim()));
        }
        opts.push((key.trim().to_string(), std::mem::take(val)));
        key.clear();
        Ok(())
    };
    for c in rest.chars() {
        match c {
            '"' => quoted = !quoted,
            '=' if in_key && !quoted => in_key = false,
            ',' if !quoted => {
                flush(&mut key, &mut val, in_key)?;
                in_key = true;
            }
            _ if in_key => key.push(c),
            _ => val.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    flush(&mut key, &mut val, in_key)?;
    Ok((name.to_string(), opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kismets_syntax_and_names_bad_lines() {
        let o = Options::parse(
            "osprey.conf",
            "# comment\n\nalert=DEAUTHFLOOD,5/min,2/sec\n  dot11_max_signal = -20 \nalert=X,1,1\n",
        )
        .unwrap();
        assert_eq!(o.all("alert").count(), 2);
        assert_eq!(o.last("alert").unwrap().line, 5);
        assert_eq!(o.get("dot11_max_signal", -10i32).unwrap(), -20);
        assert_eq!(o.get("absent", 7u32).unwrap(), 7);

        let e = Options::parse("osprey.conf", "a=1\nthis is not an option\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("osprey.conf:2: "), "{e}");

        let o = Options::parse("c", "\n\ndot11_max_signal=loud\n").unwrap();
        let e = o.get("dot11_max_signal", 0i32).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "dot11_max_signal"));
        assert!(e
            .to_string()
            .starts_with("c:3: dot11_max_signal: invalid value"));

        let o = Options::parse("c", "x=maybe\n").unwrap();
        assert!(o.get_bool("x", true).is_err());
        let o = Options::parse("c", "x=True\ny+=1\n").unwrap();
        assert!(o.get_bool("x", false).unwrap());
        assert_eq!(o.last("y").unwrap().value, "1");
    }

    #[test]
    fn unknown_keys_are_refused() {
        const DOCS: &[OptionDoc] = &[OptionDoc {
            key: "alert",
            defaults: &[],
            example: "",
            help: "",
        }];
        let o = Options::parse("c", "alert=a,1,1\nalrt=b,1,1\n").unwrap();
        let e = o.check_known(&[DOCS]).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "unknown option"));
    }

    #[test]
    fn named_options_like_kismet() {
        let (n, o) =
            named_options(r#"Foo1:ssid="Foobar",validmacs="00:11:22:33:44:55,aa:bb:cc:dd:ee:ff""#)
                .unwrap();
        assert_eq!(n, "Foo1");
        assert_eq!(
            o,
            vec![
                ("ssid".to_string(), "Foobar".to_string()),
                (
                    "validmacs".to_string(),
                    "00:11:22:33:44:55,aa:bb:cc:dd:ee:ff".to_string()
                )
            ]
        );
        assert!(named_options("nocolon").is_err());
        assert!(named_options(r#"A:ssid="open"#).is_err());
        assert!(named_options("A:ssid").is_err());
    }

    #[test]
    fn defaults_render_as_a_valid_config() {
        const DOCS: &[OptionDoc] = &[
            OptionDoc {
                key: "a",
                defaults: &["1", "2"],
                example: "",
                help: "first\nsecond",
            },
            OptionDoc {
                key: "b",
                defaults: &[],
                example: "x",
                help: "b",
            },
        ];
        let t = render_defaults(&[("S", DOCS)]);
        let o = Options::parse("d", &t).unwrap();
        assert_eq!(o.all("a").count(), 2);
        assert!(o.last("b").is_none());
        assert!(t.contains("#b=x\n"));
    }
}
