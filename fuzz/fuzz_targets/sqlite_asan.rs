//! ASan options for the targets that link SQLite (through `kismetdb`).
//!
//! The SQLite amalgamation that `libsqlite3-sys` compiles (with `-fsanitize=address` when the
//! Rust side is built with it) has two function-local statics of the same name (`aiOff`, in
//! the FTS3 and FTS5 Unicode tables). The C compiler registers both with ASan under that name,
//! and ASan's one-definition-rule check aborts every run at start-up. They are distinct
//! objects, not an ODR violation: the check is turned off for these binaries (the runtime reads
//! `__asan_default_options`; `ASAN_OPTIONS` still overrides it).

/// Read by the ASan runtime before `main`.
#[no_mangle]
pub extern "C" fn __asan_default_options() -> *const std::ffi::c_char {
    c"detect_odr_violation=0".as_ptr()
}
