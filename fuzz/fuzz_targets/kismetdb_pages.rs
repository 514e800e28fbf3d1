//! The direct b-tree page reader of `osprey log to-pcap` (`osprey_logtools::pcap`, module
//! `btree`), which reads the packets table's pages through SQLite's own file handle, and the
//! rest of the export around it (the SQLite fallback, the time-order checks, both output
//! formats, the REST export's row predicate path).
//!
//! Random bytes rarely get past SQLite's header checks, so most inputs patch a valid log
//! instead of being one:
//!
//! * an input starting with `SQLite format 3\0` is the database file itself;
//! * otherwise byte 0 picks the template (bit 0: `template-exthdr-512.kismet` or
//!   `template-generated-512.kismet`, both in `seeds/kismetdb_pages`, 512-byte pages) and the
//!   export options (bits 1-3), bit 4 cuts the file after the page given by byte 1, and the
//!   rest is a list of patches `[page] [offset: u16 LE] [n] [n bytes]`, written at
//!   `(page % pages) * 512 + offset % 512` (clipped at the end of the file).
//!
//! The file is written to tmpfs (`/dev/shm` when it exists). Every export must end with a
//! result or an error; no input may panic, hang or crash.
#![no_main]

mod kismetdb_common;
mod sqlite_asan;

use kismetdb::{MacAddr, Reader};
use libfuzzer_sys::fuzz_target;
use osprey_logtools::pcap::{self, ExportOptions, Filter, Format, InterfaceNaming, Order};

const TEMPLATES: [&[u8]; 2] = [
    include_bytes!("../seeds/kismetdb_pages/template-exthdr-512.kismet"),
    include_bytes!("../seeds/kismetdb_pages/template-generated-512.kismet"),
];
const PAGE: usize = 512;

/// The database file an input stands for, and its option byte.
fn database(data: &[u8]) -> Option<(Vec<u8>, u8)> {
    if data.starts_with(b"SQLite format 3\0") {
        return Some((data.to_vec(), (data.len() % 8) as u8 * 2));
    }
    let (&mode, mut rest) = data.split_first()?;
    let mut file = TEMPLATES[usize::from(mode & 1)].to_vec();
    let pages = file.len() / PAGE;
    if mode & 16 != 0 {
        let (&keep, r) = rest.split_first()?;
        rest = r;
        file.truncate((usize::from(keep) % pages + 1) * PAGE);
    }
    let pages = file.len() / PAGE;
    while let [page, lo, hi, n, tail @ ..] = rest {
        let n = usize::from(*n).min(tail.len());
        let at = (usize::from(*page) % pages) * PAGE
            + usize::from(u16::from_le_bytes([*lo, *hi])) % PAGE;
        let end = (at + n).min(file.len());
        file[at..end].copy_from_slice(&tail[..end - at]);
        rest = &tail[n..];
    }
    Some((file, mode))
}

fn options(format: Format, order: Order) -> ExportOptions {
    ExportOptions {
        format,
        order,
        ..ExportOptions::default()
    }
}

/// `osprey log to-pcap`: Order::TimeOrRetry first, then Order::Time when the log turns out
/// not to be in time order, as the command does.
fn to_pcap(reader: &Reader, filter: &Filter, mut o: ExportOptions) {
    o.order = Order::TimeOrRetry;
    let mut out = Vec::new();
    match pcap::export(reader, filter, &o, &mut out, None) {
        Err(pcap::Error::NotInTimeOrder) => {
            o.order = Order::Time;
            out.clear();
            if let Ok(s) = pcap::export(reader, filter, &o, &mut out, None) {
                assert!(s.packets <= s.matched && s.matched <= s.rows);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(s) => {
            assert!(s.packets <= s.matched && s.matched <= s.rows);
        }
    }
}

fn run(reader: &Reader, mode: u8) {
    let all = Filter::default();
    match (mode >> 1) & 7 {
        0 => to_pcap(reader, &all, ExportOptions::default()),
        1 => {
            let _ = pcap::export(
                reader,
                &all,
                &options(Format::Pcap, Order::File),
                &mut std::io::sink(),
                None,
            );
        }
        2 => {
            let _ = pcap::export(
                reader,
                &all,
                &options(Format::Pcapng, Order::Time),
                &mut std::io::sink(),
                None,
            );
        }
        3 => {
            let o = ExportOptions {
                limit: Some(3),
                ..ExportOptions::default()
            };
            let _ = pcap::export(reader, &all, &o, &mut std::io::sink(), None);
        }
        4 => {
            // Every column the filter can ask for.
            let f = Filter {
                macs: vec![MacAddr::new([2, 0, 0, 0, 0, 1]), MacAddr::BROADCAST],
                freq_min: Some(1.0),
                signal_max: Some(-10),
                ..Filter::default()
            };
            to_pcap(reader, &f, ExportOptions::default());
        }
        5 => {
            // The REST export: whole rows decoded by the kismetdb reader.
            let o = ExportOptions {
                naming: InterfaceNaming::Rest,
                ..ExportOptions::default()
            };
            let _ =
                pcap::export_matching(reader, &|p| p.signal != 0, &o, &mut std::io::sink(), None);
        }
        6 => {
            let o = ExportOptions {
                format: Format::Pcap,
                pcap_dlt: Some(127),
                ..ExportOptions::default()
            };
            to_pcap(
                reader,
                &Filter {
                    dlt: Some(127),
                    ..Filter::default()
                },
                o,
            );
        }
        _ => {
            let _ = pcap::stored_in_time_order(reader);
            if let Ok(mut q) = reader.packets() {
                let _ = q.for_each(|p| -> kismetdb::Result<()> {
                    let _ = (p.packet.len(), p.ts);
                    Ok(())
                });
            }
            to_pcap(reader, &all, options(Format::Pcapng, Order::File));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((file, mode)) = database(data) else {
        return;
    };
    let Some(path) = kismetdb_common::write_log("osprey-fuzz-pages", &file) else {
        return;
    };
    let Ok(reader) = Reader::open(&path) else {
        return;
    };
    run(&reader, mode);
});
