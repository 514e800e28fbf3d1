//! The ceiling for logging packets: a bare rusqlite loop inserting `packets` rows with one
//! prepared statement in 100 000-row transactions, nothing else. Compare `write_bench` with it.
//!
//! `cargo run --release -p kismetdb --example bare_ceiling -- OUT.db ROWS`

use std::time::Instant;

fn main() -> rusqlite::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(rows)) = (args.next(), args.next()) else {
        eprintln!("usage: bare_ceiling OUT.db ROWS");
        std::process::exit(2);
    };
    let n: u64 = rows.parse().unwrap_or(0);
    let c = rusqlite::Connection::open(&path)?;
    for ddl in kismetdb::schema::CREATE_TABLES {
        c.execute(ddl, [])?;
    }
    let payload = [0u8; 120];
    let t = Instant::now();
    let mut s = c.prepare(
        "INSERT INTO packets (ts_sec, ts_usec, phyname, sourcemac, destmac, transmac, devkey, frequency, lat, lon, alt, speed, heading, packet_len, packet_full_len, signal, datasource, dlt, packet, error, tags, datarate, hash, packetid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    c.execute_batch("BEGIN")?;
    for i in 0..n {
        if i % 100_000 == 0 && i > 0 {
            c.execute_batch("COMMIT; BEGIN")?;
        }
        s.execute(rusqlite::params![
            1_700_000_000i64 + i as i64,
            i as i64,
            "IEEE802.11",
            "02:00:00:00:00:01",
            "FF:FF:FF:FF:FF:FF",
            "00:00:00:00:00:00",
            "0",
            2_412_000.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            120,
            120,
            -50,
            "4E1D07C3-0000-0000-0000-000000000000",
            127,
            &payload[..],
            0,
            "",
            6.0,
            i as i32,
            i as i64
        ])?;
    }
    c.execute_batch("COMMIT")?;
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "bare: {n} rows in {secs:.2} s = {:.0} rows/s",
        n as f64 / secs
    );
    Ok(())
}
