//! `osprey config --defaults` and `--check`, and `osprey analyze --config`: the default
//! configuration is complete and valid, and a bad line is an error that names the line.

mod common;

use common::run;

#[test]
fn defaults_list_every_option_and_are_a_valid_config() {
    let out = run(&["config", "--defaults"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // Kismet's default rates, all of them, and the tracker's backlog.
    for name in osprey_detect::detectors::DEFAULT_RATES {
        assert!(text.contains(&format!("\nalert={name}\n")), "{name}");
    }
    assert!(text.contains("\nalertbacklog=50\n"));
    // Every documented option appears, set or as a commented example.
    for (_, docs) in osprey_detect::detectors::option_sections() {
        for d in docs {
            assert!(
                text.contains(&format!("\n{}=", d.key)) || text.contains(&format!("\n#{}=", d.key)),
                "{} missing",
                d.key
            );
            assert!(!d.help.trim().is_empty(), "{} has no help", d.key);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("osprey.conf");
    std::fs::write(&path, &text).unwrap();
    let out = run(&["config", "--check", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bad_line_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("alertbacklog=50\nthis is not an option\n", ":2: "),
        ("# ok\nalert=DEAUTHFLOOD,5/fortnight,1/sec\n", ":2: alert: "),
        ("\n\n\nalertbacklog=lots\n", ":4: alertbacklog: "),
        ("no_such_option=1\n", ":1: no_such_option: unknown option"),
    ];
    for (text, want) in cases {
        let path = dir.path().join("bad.conf");
        std::fs::write(&path, text).unwrap();
        for args in [
            vec!["config", "--check", path.to_str().unwrap()],
            vec![
                "analyze",
                "-n",
                "--config",
                path.to_str().unwrap(),
                "../../samples/krack_example-tptk-attack.pcapng",
            ],
        ] {
            let out = run(&args);
            assert!(!out.status.success(), "{args:?} accepted {text:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(&format!("bad.conf{want}")),
                "{args:?} {text:?}: {err}"
            );
        }
    }
}

#[test]
fn analyze_applies_the_configured_rates() {
    // DEAUTHCODEINVALID is disabled by Kismet's defaults; enabling it in the config makes the
    // reason-code-25 capture raise it.
    let capture = common::shared_data().join("radiotap/tcpdump_deauth_reason_code-25.pcap");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("on.conf");
    std::fs::write(&path, "alert=DEAUTHCODEINVALID,10/min,1/sec\n").unwrap();
    let count = |extra: &[&str]| -> u64 {
        let mut args = vec!["analyze", "-n", "--json", capture.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["alerts"]["DEAUTHCODEINVALID"].as_u64().unwrap_or(0)
    };
    assert_eq!(count(&[]), 0);
    assert_eq!(count(&["--config", path.to_str().unwrap()]), 1);
}
