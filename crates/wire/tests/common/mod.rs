//! Helpers shared by this crate's integration tests.

/// `../shared/data` beside the repository (CI has it there), or `$OSPREY_SHARED_DATA`.
/// Missing data fails the test: a skipped check is not a pass.
pub fn shared_data() -> std::path::PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        }
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "shared test data not found at {} (set OSPREY_SHARED_DATA)",
        p.display()
    );
    p
}
