//! Writes a synthetic log of N packet rows and reports the writer's throughput; then reads it
//! back with the streaming reader and reports that too.
//!
//! `cargo run --release -p kismetdb --example write_bench -- OUT.kismet ROWS PAYLOAD_BYTES`
//!
//! Used to measure the writer and reader (docs/kismetdb.md) and to make multi-GB logs for the
//! constant-memory check.

use std::borrow::Cow;
use std::time::Instant;

use kismetdb::*;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(rows), Some(payload)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: write_bench OUT.kismet ROWS PAYLOAD_BYTES");
        std::process::exit(2);
    };
    let rows: u64 = rows.parse().unwrap_or(0);
    let payload: usize = payload.parse().unwrap_or(0);
    let mut bytes = vec![0u8; payload];
    let source = Uuid::kismet_source("kismet_cap_pcapfile", "bench");
    let t = Instant::now();
    let mut w = Writer::create(&path, WriterOptions::default())?;
    for i in 0..rows {
        if let Some(b) = bytes.first_mut() {
            *b = i as u8;
        }
        w.insert_packet(&PacketRow {
            ts: Timestamp::new(1_700_000_000 + (i / 1000) as i64, (i % 1000) as i64),
            phyname: Cow::Borrowed("IEEE802.11"),
            sourcemac: MacAddr::new([2, 0, 0, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
            destmac: MacAddr::BROADCAST,
            transmac: MacAddr::ZERO,
            frequency: 2_412_000.0,
            devkey: Cow::Borrowed("0"),
            gps: GpsFix::default(),
            packet_len: payload as i64,
            signal: -50,
            datasource: source,
            dlt: 127,
            packet: Cow::Borrowed(&bytes),
            error: false,
            tags: Cow::Borrowed(""),
            datarate: 6.0,
            hash: i as u32,
            packetid: i,
            packet_full_len: payload as i64,
        })?;
    }
    w.close()?;
    let secs = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64;
    eprintln!(
        "write: {rows} rows in {secs:.2} s = {:.0} rows/s, {:.1} MB/s of log",
        rows as f64 / secs,
        size / 1e6 / secs
    );
    let t = Instant::now();
    let r = Reader::open(&path)?;
    let mut n = 0u64;
    let mut b = 0u64;
    r.packets()?.for_each(|p| -> Result<()> {
        n += 1;
        b += p.packet.len() as u64;
        Ok(())
    })?;
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "read:  {n} rows ({b} payload bytes) in {secs:.2} s = {:.0} rows/s, {:.1} MB/s of log",
        n as f64 / secs,
        size / 1e6 / secs
    );
    Ok(())
}
