//! Helpers shared by the osprey end-to-end tests.
#![allow(dead_code)]

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};

use kismetdb::*;

/// The `osprey` binary under test.
pub fn osprey() -> Command {
    Command::new(env!("CARGO_BIN_EXE_osprey"))
}

/// Runs osprey and returns its output; asserts it did not panic.
pub fn run(args: &[&str]) -> Output {
    let out = osprey().args(args).output().expect("run osprey");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "osprey panicked: {stderr}");
    out
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data` beside the repository, or `$OSPREY_SHARED_DATA`.
pub fn shared_data() -> PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => repo().join("../shared/data"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "no shared data at {}",
        p.display()
    );
    p
}

/// A deterministic packet row number `i` with a payload of `payload` bytes.
pub fn packet(i: u64, payload: usize) -> PacketRow<'static> {
    let mut bytes = vec![0u8; payload];
    for (k, b) in bytes.iter_mut().enumerate() {
        *b = (i as usize).wrapping_mul(31).wrapping_add(k) as u8;
    }
    PacketRow {
        ts: Timestamp::new(1_700_000_000 + (i / 1000) as i64, (i % 1000) as i64 * 1000),
        phyname: "IEEE802.11".into(),
        sourcemac: MacAddr::new([0x02, 0, 0, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
        destmac: MacAddr::BROADCAST,
        transmac: MacAddr::ZERO,
        frequency: 2_412_000.0,
        devkey: "0".into(),
        gps: GpsFix::default(),
        packet_len: payload as i64,
        signal: -40 - (i % 50) as i32,
        datasource: Uuid::kismet_source("kismet_cap_pcapfile", "synthetic"),
        dlt: 127,
        packet: Cow::Owned(bytes),
        error: false,
        tags: "".into(),
        datarate: 6.0,
        hash: (i as u32).wrapping_mul(2_654_435_761),
        packetid: i,
        packet_full_len: payload as i64,
    }
}

/// Writes a log of `n` synthetic packets.
pub fn synthetic_log(path: &Path, n: u64, payload: usize) {
    let mut w = Writer::create(path, WriterOptions::default()).unwrap();
    for i in 0..n {
        w.insert_packet(&packet(i, payload)).unwrap();
    }
    w.close().unwrap();
}

/// A generated capture at `path` (`osprey bench gen`: `frames` frames from 50 access points
/// and 400 clients, alerts included).
pub fn bench_capture(path: &Path, frames: u64) {
    let o = run(&[
        "bench",
        "gen",
        "-o",
        path.to_str().unwrap(),
        "--frames",
        &frames.to_string(),
        "--aps",
        "50",
        "--clients",
        "400",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Runs a command and returns (exit status, peak RSS in KiB) using wait4's rusage.
pub fn run_measured(cmd: &mut Command) -> (ExitStatus, i64) {
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child; status and usage are valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid);
    std::mem::forget(child); // already reaped
    use std::os::unix::process::ExitStatusExt;
    (ExitStatus::from_raw(status), usage.ru_maxrss)
}

/// A running `osprey serve`, killed and reaped when dropped.
pub struct Serving {
    /// The process.
    pub child: Child,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its base URL, `http://<addr>`.
    pub base: String,
    /// The admin password it generated on first start.
    pub password: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `cmd`, an `osprey serve` command (on port 0, with a fresh `--auth-dir`), with stdout
/// discarded, and returns once it says where it listens and which password it generated. A
/// thread keeps reading its stderr and fails on a panic message.
pub fn serve(cmd: &mut Command) -> Serving {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start osprey serve");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (mut password, mut addr) = (String::new(), String::new());
    let mut line = String::new();
    while addr.is_empty() {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("osprey serve exited");
        }
        if let Some(p) = line.split("with password ").nth(1) {
            password = p.split_whitespace().next().unwrap().to_string();
        }
        if let Some(a) = line.split("listening on http://").nth(1) {
            addr = a.trim().to_string();
        }
    }
    std::thread::spawn(move || {
        let mut sink = String::new();
        while err.read_line(&mut sink).unwrap_or(0) > 0 {
            assert!(!sink.contains("panicked"), "{sink}");
            sink.clear();
        }
    });
    assert!(
        !password.is_empty(),
        "a password is generated on first start"
    );
    Serving {
        child,
        addr: addr.parse().unwrap(),
        base: format!("http://{addr}"),
        password,
    }
}

/// An `osprey serve` run in a temporary directory of its own, removed once the process is
/// killed.
pub struct ServeInDir {
    /// The server.
    pub proc: Serving,
    /// Its directory.
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for ServeInDir {
    type Target = Serving;
    fn deref(&self) -> &Serving {
        &self.proc
    }
}

/// Sets the kernel receive buffer (`SO_RCVBUF`) of socket `fd` to `size` bytes.
pub fn set_rcvbuf(fd: std::os::fd::RawFd, size: usize) {
    let size = size as libc::c_int;
    // SAFETY: setsockopt on a live socket with a c_int option value of the length given.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "SO_RCVBUF: {}", std::io::Error::last_os_error());
}
