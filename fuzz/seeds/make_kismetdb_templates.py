#!/usr/bin/env python3
"""Makes the kismetdb logs of fuzz/seeds/kismetdb_pages (templates and whole-file seeds).

Usage: make_kismetdb_templates.py OSPREY_BINARY SHARED_DATA_DIR OUT_DIR

* template-exthdr-512.kismet: `osprey analyze` of tcpdump's ieee802.11_exthdr.pcap (BSD-3-Clause,
  see README.md), rewritten with 512-byte pages so that the packets table has interior pages.
* template-generated-512.kismet: the same log with 60 generated packet rows appended (frames of
  40 to 1900 bytes, so many records spill to overflow pages; times out of order; several link
  types, datasources, tags and GPS fixes), 512-byte pages.
"""
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile


def repage(path, page_size):
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA page_size={page_size}")
    db.execute("VACUUM")
    db.close()


def main():
    osprey, data, out = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="osprey-kdb-")
    base = os.path.join(tmp, "exthdr.kismet")
    subprocess.run(
        [osprey, "analyze", "--no-progress", "-o", base,
         os.path.join(data, "radiotap/tcpdump_ieee802.11_exthdr.pcap")],
        check=True, stdout=subprocess.DEVNULL)

    t1 = os.path.join(out, "template-exthdr-512.kismet")
    shutil.copy(base, t1)
    repage(t1, 512)

    t2 = os.path.join(out, "template-generated-512.kismet")
    shutil.copy(base, t2)
    rng = random.Random(9)
    db = sqlite3.connect(t2)
    cols = [r[1] for r in db.execute("PRAGMA table_info(packets)")]
    sources = ["4E1D07C3-0000-0000-0000-0000666014F1", "5FE308BD-0000-0000-0000-00C0CA9AFB5E"]
    for i in range(60):
        size = [40, 300, 470, 480, 900, 1500, 1900][i % 7]
        row = {
            "ts_sec": 1366203553 + rng.randrange(-5, 30),
            "ts_usec": rng.choice([0, 999999, 1000000, rng.randrange(1000000)]),
            "phyname": rng.choice(["IEEE802.11", "BTLE", "Unknown"]),
            "sourcemac": "02:00:00:00:00:%02X" % (i % 7),
            "destmac": "FF:FF:FF:FF:FF:FF",
            "transmac": "00:00:00:00:00:00",
            "frequency": rng.choice([0.0, 2412000.0, 5180000.0]),
            "devkey": "0",
            "lat": rng.choice([0.0, 52.5]),
            "lon": rng.choice([0.0, -1.25]),
            "alt": 0.0, "speed": 0.0, "heading": 0.0,
            "packet_len": size,
            "signal": rng.choice([0, -40, -90]),
            "datasource": rng.choice(sources),
            "dlt": rng.choice([105, 127, 192, 251, 256]),
            "packet": bytes(rng.randrange(256) for _ in range(size)),
            "error": 0,
            "tags": rng.choice(["", "DOT11_EAPOL", "A B C"]),
            "datarate": 1.0,
            "hash": rng.randrange(-2**31, 2**31),
            "packetid": 1000 + i,
            "packet_full_len": size + rng.choice([0, 4]),
        }
        names = [c for c in cols if c in row]
        db.execute(
            f"INSERT INTO packets ({','.join(names)}) VALUES ({','.join('?' * len(names))})",
            [row[c] for c in names])
    db.commit()
    db.close()
    repage(t2, 512)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
