#!/usr/bin/env python3
"""Build crates/oui/data/oui.tsv, the manufacturer table of the osprey-oui crate.

Source data
-----------
The table is the IEEE Registration Authority's public MA-L (24-bit OUI) listing.  IEEE asserts
no copyright in that listing and does not restrict its distribution.  Two inputs are accepted;
both carry the same listing, and the transformation below is the same for both:

  --kismet-manuf FILE   a "AA:BB:CC<TAB>Organisation" file, gzip-compressed or not: the copy of
                        the IEEE listing that Kismet ships as conf/kismet_manuf.txt.gz.  The
                        committed table was built from the one in release tag kismet-2025-09-R1
                        (git blob e953b406d1cf8c7c9c2da50cb4a9f7abfeaf60ec, gzip sha256
                        a77b3d523c7578d5a323e4d4d4ada323373dca4a53e72c99a4bbfa85da4c426b),
                        which holds the IEEE MA-L listing as of early September 2025: it is the
                        snapshot Kismet 2025-09-R1 prints, so it is the only input that
                        reproduces Kismet's output name for name.
  --ieee-oui-txt FILE   the IEEE's own oui.txt, e.g. /usr/share/ieee-data/oui.txt from Debian's
                        ieee-data package.  Organisations are read from the
                        "XX-XX-XX   (hex)<TABs>Organisation" lines.  (Debian bookworm's
                        ieee-data 20220827.1 is three years older than Kismet 2025-09-R1's
                        snapshot: 961 organisations were renamed and 5445 OUIs assigned since.)

Transformation (chosen to reproduce what Kismet 2025-09-R1 prints, checked against the
reference logs by crates/oui/tests/kismet_reference.rs)
---------------------------------------------------------
1. Each assignment becomes the line "AA:BB:CC<TAB>Organisation" with the organisation text
   verbatim: no trimming (Kismet keeps leading and trailing blanks), no case change.
2. Lines are sorted as strings; for an OUI listed more than once (the IEEE listing has a few)
   only the first line in that order is kept, which is the one Kismet's sorted-file scan finds.
3. The organisation is escaped the way Kismet makes strings printable: '"' -> '\\"',
   '\\' -> '\\\\', BS/FF/LF/CR/TAB -> \\b \\f \\n \\r \\t, other control characters below 0x20
   -> \\u00XX; anything else, including non-ASCII UTF-8 such as U+00A0, is kept as it is.
   (No organisation in the 2025-09 listing needs escaping; the step is here for fidelity.)
4. Output: "# " comment lines, then one line per OUI, sorted by prefix:
       PREFIXHEX<TAB>BITS<TAB>NAME
   PREFIXHEX is upper-case hex of the prefix (6 digits for BITS=24), NAME runs to the end of the
   line.  Only BITS=24 rows are written: Kismet 2025-09-R1 resolves MA-L (24-bit) OUIs only, so
   MA-M (28-bit) and MA-S (36-bit) blocks print as their MA-L holder (usually "IEEE Registration
   Authority").  The crate's parser also accepts 28- and 36-bit rows.

Usage:
  python3 crates/oui/tools/build_oui_table.py --kismet-manuf kismet_manuf.txt.gz \\
      -o crates/oui/data/oui.tsv
"""

import argparse
import gzip
import hashlib
import re
import sys

IEEE_LINE = re.compile(r"([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2}) +\(hex\)\t+(.*)")
KISMET_LINE = re.compile(r"([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\t(.*)")


def read_text(path):
    with open(path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8"), digest


def escape_like_kismet(name):
    out = []
    for ch in name:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\f\n\r\t":
            out.append("\\" + {"\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t"}[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--kismet-manuf", help="AA:BB:CC<TAB>Name file (optionally gzipped)")
    src.add_argument("--ieee-oui-txt", help="IEEE oui.txt")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--source-note", default=None,
                    help="text for the 'source' header line (default: describes the input)")
    args = ap.parse_args()

    path = args.kismet_manuf or args.ieee_oui_txt
    text, digest = read_text(path)
    pattern = KISMET_LINE if args.kismet_manuf else IEEE_LINE

    lines = []
    # splitlines(): the IEEE file has CRLF line ends; neither CR nor LF is part of a name.
    for ln in text.splitlines():
        m = pattern.fullmatch(ln)
        if m is None:
            continue
        oui = ":".join(g.upper() for g in m.groups()[:3])
        name = m.group(4)
        if name == "":
            continue  # Kismet skips a line with an empty name
        lines.append(oui + "\t" + name)
    lines.sort()

    table = {}
    duplicates = 0
    for ln in lines:
        prefix = ln[:8].replace(":", "")
        if prefix in table:
            duplicates += 1
            continue
        table[prefix] = escape_like_kismet(ln[9:])

    if not table:
        sys.exit("no OUI lines found in " + path)

    note = args.source_note or (
        "Kismet's conf/kismet_manuf.txt.gz (IEEE MA-L listing)" if args.kismet_manuf
        else "IEEE oui.txt")
    trailing = sum(1 for n in table.values() if n != n.rstrip(" "))
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        out.write("# osprey-oui manufacturer table: PREFIXHEX<TAB>BITS<TAB>NAME, sorted by prefix.\n")
        out.write("# Data: IEEE Registration Authority public MA-L listing (IEEE asserts no copyright).\n")
        out.write("# source: %s; input sha256 %s\n" % (note, digest))
        out.write("# Built by crates/oui/tools/build_oui_table.py; NAME is verbatim to end of line,\n")
        out.write("# including leading/trailing blanks (Kismet prints them): do not strip whitespace.\n")
        out.write("# entries=%d duplicates_dropped=%d trailing_blank_names=%d\n"
                  % (len(table), duplicates, trailing))
        for prefix in sorted(table):
            out.write("%s\t24\t%s\n" % (prefix, table[prefix]))
    print("wrote %d entries (%d duplicate lines dropped) to %s"
          % (len(table), duplicates, args.output), file=sys.stderr)


if __name__ == "__main__":
    main()
