#!/usr/bin/env python3
"""Check the device-creation and device-type rules of docs/kismet-device-model.md.

For every shared capture that has a reference log (../shared/data/reference/NAME.kismet), this
script reads the capture itself (pcap or pcapng; radiotap, PPI, raw 802.11, PRISM, BTLE link
types), applies the rules written up in docs/kismet-device-model.md, and compares the resulting
set of (phy, MAC, type) with the `devices` table that Kismet 2025-09-R1 wrote.

Standard library only; no tshark needed.

Usage:
    python3 docs/research/check_device_model.py [--data DIR] [--verbose] [--order capture|time]
                                                [NAME ...]

DIR defaults to ../shared/data relative to the repository root (or /work/shared/data).
"""

import argparse
import glob
import json
import os
import sqlite3
import struct
import sys
import zlib

# --------------------------------------------------------------------------------------------
# Capture readers
# --------------------------------------------------------------------------------------------


def read_pcap(buf):
    magic = struct.unpack_from("<I", buf, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise ValueError("not pcap")
    linktype = struct.unpack_from(end + "I", buf, 20)[0] & 0xFFFF
    off = 24
    out = []
    while off + 16 <= len(buf):
        sec, frac, incl, _orig = struct.unpack_from(end + "IIII", buf, off)
        off += 16
        if off + incl > len(buf):
            break  # truncated last record: the pcap reader drops it
        out.append((sec, frac, linktype, buf[off:off + incl]))
        off += incl
    return out


def read_pcapng(buf):
    out = []
    off = 0
    end = "<"
    ifaces = []
    while off + 12 <= len(buf):
        btype = struct.unpack_from(end + "I", buf, off)[0]
        if btype == 0x0A0D0D0A:
            bom = buf[off + 8:off + 12]
            end = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack_from(end + "I", buf, off + 4)[0]
        if blen < 12 or off + blen > len(buf):
            break
        body = buf[off + 8:off + blen - 4]
        if btype == 1:
            ifaces.append(struct.unpack_from(end + "H", body, 0)[0])
        elif btype == 6:
            ifid, th, tl, cap, _orig = struct.unpack_from(end + "IIIII", body, 0)
            out.append((th, tl, ifaces[ifid], body[20:20 + cap]))
        elif btype == 3:
            orig = struct.unpack_from(end + "I", body, 0)[0]
            out.append((0, 0, ifaces[0], body[4:4 + orig]))
        elif btype == 2:
            ifid, _drops, th, tl, cap, _orig = struct.unpack_from(end + "HHIIII", body, 0)
            out.append((th, tl, ifaces[ifid], body[20:20 + cap]))
        off += blen
    return out


def read_capture(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(buf)
    return read_pcap(buf)


# --------------------------------------------------------------------------------------------
# Link layer, as Kismet's DLT handlers see it
# --------------------------------------------------------------------------------------------

DLT_80211 = 105
DLT_PRISM = 119
DLT_RADIOTAP = 127
DLT_PPI = 192
DLT_BTLE_LL = 251
DLT_BTLE_RF = 256


class Frame:
    """What the link-layer handlers leave for the phy handlers."""

    __slots__ = ("link", "decap", "decap_dlt", "error", "crc_ok", "ts")

    def __init__(self, link, ts):
        self.link = link
        self.decap = None      # payload after the radio header (None: handler made no decap)
        self.decap_dlt = None
        self.error = False
        self.crc_ok = False
        self.ts = ts


# (size, alignment) of the radiotap fields Kismet's walker knows; others stop that word.
RT_FIELDS = {
    0: (8, 8), 1: (1, 1), 2: (1, 1), 3: (4, 2), 4: (2, 2), 5: (1, 1), 6: (1, 1), 7: (2, 2),
    8: (2, 2), 9: (2, 2), 10: (1, 1), 11: (1, 1), 14: (2, 2), 19: (3, 1), 21: (12, 2),
    29: (0, 1), 31: (0, 1),
}


def byte_at(buf, i):
    return buf[i] if 0 <= i < len(buf) else 0


def radiotap(fr):
    d = fr.link
    if len(d) < 8:
        return
    it_len = struct.unpack_from("<H", d, 2)[0]
    if len(d) < it_len:
        return
    # find the last present word (bounded by it_len)
    p = 4
    while (struct.unpack_from("<I", d, p)[0] & 0x80000000) and p + 8 <= it_len and p + 8 <= len(d):
        p += 4
    if struct.unpack_from("<I", d, p)[0] & 0x80000000:
        return
    words = [struct.unpack_from("<I", d, q)[0] for q in range(4, p + 4, 4)]
    it = p + 4
    fcs_cut = 0
    fcs_bad_flag = False
    for w in words:
        present = w
        while present:
            low = present & -present
            present &= present - 1
            bit = low.bit_length() - 1
            if bit not in RT_FIELDS:
                break  # unknown field: rest of this word is skipped, next word continues
            size, align = RT_FIELDS[bit]
            if align > 1 and it % align:
                it += align - it % align
            if bit == 1:
                fl = byte_at(d, it)
                if fl & 0x10:
                    fcs_cut = 4
                if fl & 0x40:
                    fcs_bad_flag = True
            it += size
    if fcs_cut and it_len + fcs_cut > len(d):
        return
    fr.decap = d[it_len:len(d) - fcs_cut]
    fr.decap_dlt = DLT_80211
    fcs = None
    valid = True
    if fcs_cut and len(d) > 4:
        fcs = d[-4:]
        valid = not fcs_bad_flag
    if not fcs_cut and fcs_bad_flag:
        fcs = b"\xff\xff\xff\xff"
        valid = False
    if fcs is not None and valid and "fcs" not in WITHOUT:
        crc = zlib.crc32(fr.decap) & 0xFFFFFFFF
        valid = fcs in (struct.pack("<I", crc), struct.pack(">I", crc))
    if fcs is not None and not valid:
        fr.error = True


def ppi(fr):
    d = fr.link
    if len(d) < 8:
        return
    ph_len = struct.unpack_from("<H", d, 2)[0]
    ppi_dlt = struct.unpack_from("<I", d, 4)[0]
    if ph_len > len(d):
        return
    off = 8
    if ph_len == 24 and len(d) > 32 and struct.unpack_from("<H", d, off)[0] == 2:
        ph_len = 32
    applyfcs = 0
    while off < len(d) and off < ph_len:
        ftype, flen = struct.unpack_from("<HH", d, off)
        if flen > len(d) or flen > ph_len:
            return
        if ftype == 2:
            flags = struct.unpack_from("<H", d, off + 12)[0]
            if flags & 0x0C:   # invalid FCS or PHY error: dropped (no decap)
                return
            if flags & 1:
                applyfcs = 4
        off += flen + 4
    fr.decap = d[ph_len:len(d) - applyfcs]
    fr.decap_dlt = ppi_dlt
    # the FCS is not verified for PPI (the pcapfile source's checksum hook does nothing)


def btle_rf(fr):
    d = fr.link
    if len(d) < 10 + 6:
        return
    flags = struct.unpack_from("<H", d, 8)[0]
    if flags & (1 << 10):
        if not flags & (1 << 11):
            fr.error = True
            return
        fr.crc_ok = True
    fr.decap = d[10:]
    fr.decap_dlt = DLT_BTLE_LL


def link_layer(fr, linktype):
    if linktype == DLT_RADIOTAP:
        radiotap(fr)
    elif linktype == DLT_PPI:
        ppi(fr)
    elif linktype == DLT_BTLE_RF:
        btle_rf(fr)
    # DLT 105 / 251 frames are used as they are; PRISM (119), Nordic BLE (272) have no handler


# --------------------------------------------------------------------------------------------
# Device tracker model
# --------------------------------------------------------------------------------------------

AP, CLIENT, WIRED, PEER = 1, 2, 4, 8
T_DEV = "Wi-Fi Device"
T_INF = "Wi-Fi Device (Inferred)"
T_AP, T_CLIENT, T_ADHOC = "Wi-Fi AP", "Wi-Fi Client", "Wi-Fi Ad-Hoc"
T_BRIDGED, T_WDS, T_WDSAP = "Wi-Fi Bridged", "Wi-Fi WDS", "Wi-Fi WDS AP"
# dot11.device.typeset bits that R1 sets from packets
TS_BEACON_AP, TS_ADHOC, TS_PROBE_AP = 1, 2, 256


TRACE = set()      # MACs (bytes) whose type changes are printed (--trace)
CURRENT = [None]   # description of the frame being processed, for --trace


class Dev:
    __slots__ = ("phy", "mac", "basic", "typeset", "_type", "first", "client_of", "clients")

    def __init__(self, phy, mac, typ, first):
        self.phy, self.mac, self.basic, self.first = phy, mac, 0, first
        self.typeset = 0   # dot11.device.typeset (None for non-802.11 devices)
        self.client_of = set()  # dot11.device.client_map keys (BSSIDs / WDS transmitters)
        self.clients = set()    # dot11.device.associated_client_map keys
        self._type = None
        self.type = typ

    @property
    def type(self):
        return self._type

    @type.setter
    def type(self, t):
        if self.mac in TRACE and t != self._type:
            print("    trace %s: %r -> %r at %s" % (mac_text(self.mac), self._type, t, CURRENT[0]))
        self._type = t

    # the four conditional setters of kis_tracked_device_base
    def set_ifnot(self, t, mask):       # unless ALL bits of mask are set
        if (self.basic & mask) != mask:
            self.type = t

    def set_ifnotany(self, t, mask):    # unless ANY bit of mask is set
        if not self.basic & mask:
            self.type = t

    def set_ifonly(self, t, value):     # only if the set equals value exactly
        if self.basic == value:
            self.type = t


class Tracker:
    def __init__(self):
        self.devs = {}

    def ucd(self, phy, mac, typ, existing_only, frame_no):
        key = (phy, mac)
        d = self.devs.get(key)
        if d is None:
            if existing_only:
                return None
            d = Dev(phy, mac, typ, frame_no)
            self.devs[key] = d
        return d


ZERO = b"\x00" * 6

# Rules that can be switched off (--without) to show that each one is needed:
#   capoffset  read the capability field where the standard puts it, not always at offset 34
#   dedupe     no duplicate detection (CRC32 of the frame among the last 1024 unique frames)
#   fcs        no FCS check on radiotap frames that say they carry one
#   null       null / QoS-null data frames may create devices
#   btle-any   BTLE: only advertising PDUs that carry AdvA create devices (not Kismet's rule)
#   wds-order  WDS source: give "Wi-Fi WDS" on the first sighting (not Kismet's rule)
WITHOUT = set()


def usable(mac):
    """Not all-zero and not multicast (Kismet's empty/multicast test)."""
    return mac is not None and mac != ZERO and not (mac[0] & 0x01)


def dissect_80211(p):
    """Kismet's packet_dot11_dissector, reduced to what device handling needs.

    Returns None when no dot11 record is made (frame < 10 bytes), else a dict."""
    if len(p) < 10:
        return None
    fc0, fc1 = p[0], p[1]
    ftype = (fc0 >> 2) & 3
    sub = (fc0 >> 4) & 0xF
    to_ds, from_ds = fc1 & 1, (fc1 >> 1) & 1
    wep = (fc1 >> 6) & 1
    info = {"type": ftype, "sub": sub, "corrupt": False, "unknown": False, "ibss": False,
            "bssid": None, "src": None, "dst": None, "tx": None, "rx": None,
            "distrib": {(0, 0): "adhoc", (0, 1): "from", (1, 0): "to", (1, 1): "inter"}[(to_ds, from_ds)]}
    a = lambda i: bytes(p[4 + 6 * i:10 + 6 * i])
    if ftype == 1:          # control ("phy"): no devices are ever made from them
        if sub not in (5, 8, 9, 10, 11, 12, 13, 14, 15):
            info["unknown"] = True
        return info
    if len(p) < 24:
        info["corrupt"] = True
        return info
    if ftype == 0:
        info["distrib"] = "unknown"
        if sub in (0, 1, 2, 5, 8, 9) and len(p) < 36 and sub != 3:
            info["corrupt"] = True
            return info
        if sub in (13, 14) and len(p) < 30:
            info["corrupt"] = True
            return info
        if sub in (6, 7, 15):
            info["unknown"] = True
            return info
        if sub == 13 and not wep and action_parse_fails(p):
            info["corrupt"] = True
            return info
        info["dst"], info["src"], info["bssid"] = a(0), a(1), a(2)
        if sub in (0, 1, 2, 5, 8, 9):
            # Kismet reads the capability field at offset 34 for every one of these subtypes,
            # i.e. at the wrong place for (re)association requests/responses.
            cap = p[34]
            if "capoffset" in WITHOUT:
                cap = p[24] if sub in (0, 1, 2) else p[34]
            ess, ibss = cap & 1, (cap >> 1) & 1
            info["ibss"] = bool(ibss)
            if not ess and ibss:
                info["distrib"] = "adhoc"
        if sub == 4:
            info["distrib"] = "to"
        return info
    if ftype == 2:
        if sub in (7, 13):
            info["corrupt"] = True
            return info
        d = info["distrib"]
        if d == "adhoc":
            info["dst"], info["src"], info["bssid"] = a(0), a(1), a(2)
            if info["bssid"] == ZERO:
                info["bssid"] = info["src"]
        elif d == "from":
            info["dst"], info["bssid"], info["src"] = a(0), a(1), a(2)
        elif d == "to":
            info["bssid"], info["src"], info["dst"] = a(0), a(1), a(2)
        else:
            if len(p) < 30:
                info["corrupt"] = True
                return info
            info["rx"], info["tx"], info["dst"], info["src"] = a(0), a(1), a(2), bytes(p[24:30])
        return info
    info["unknown"] = True  # type 3 (extension, e.g. DMG beacon)
    return info


def action_parse_fails(p):
    """Kismet parses unprotected action frames from offset 22, i.e. it takes the low byte of the
    Sequence Control field as the category.  When that byte is 5 (radio measurement) it skips two
    more bytes and parses the rest of the frame as an IE list; a truncated IE throws and the frame
    is marked corrupt (no devices)."""
    body = p[22:]
    if body[0] == 5:
        ies = body[3:]
        i = 0
        while i < len(ies):
            if i + 2 > len(ies) or i + 2 + ies[i + 1] > len(ies):
                return True
            i += 2 + ies[i + 1]
    return False


def classify_80211(trk, info, dup, n):
    P = "IEEE802.11"
    if info is None or info["corrupt"] or info["unknown"]:
        return
    t = info["type"]
    if t == 1:
        return
    if dup:
        # duplicates only touch devices that already exist and never change a type
        return
    bssid, src, dst = info["bssid"], info["src"], info["dst"]
    if t == 0:
        bd = trk.ucd(P, bssid, T_DEV, False, n) if usable(bssid) else None
        sd = trk.ucd(P, src, T_DEV, False, n) if (src != bssid and usable(src)) else None
        dd = trk.ucd(P, dst, T_INF, False, n) if (dst != src and dst != bssid and usable(dst)) else None
        if bd:
            if info["ibss"]:
                bd.basic |= PEER
                bd.type = T_ADHOC
                bd.typeset |= TS_ADHOC
            else:
                bd.basic |= AP
                bd.set_ifnot(T_AP, AP | PEER)
            if info["sub"] == 8:
                bd.typeset |= TS_BEACON_AP
            elif info["sub"] == 5:
                bd.typeset |= TS_PROBE_AP
        if sd:
            if info["ibss"]:
                sd.basic |= PEER
                sd.type = T_ADHOC
                sd.typeset |= TS_ADHOC
            else:
                sd.set_ifnotany(T_CLIENT, CLIENT | AP)
                sd.basic |= CLIENT
        if dd:
            dd.set_ifnotany(T_CLIENT, CLIENT | AP)
            dd.basic &= ~WIRED
            dd.basic |= CLIENT
        if bd:
            if sd:
                process_client(bd, sd)
            if dd and info["sub"] != 5:   # probe responses do not map the receiver
                process_client(bd, dd)
        return
    # data
    eo = info["sub"] in (4, 12)       # null / QoS null: only existing devices
    if "null" in WITHOUT:
        eo = False
    dist = info["distrib"]
    tx, rx = info["tx"], info["rx"]
    bd = trk.ucd(P, bssid, T_DEV, eo, n) if usable(bssid) else None
    sd = trk.ucd(P, src, T_DEV, eo, n) if (src != bssid and usable(src)) else None
    dd = trk.ucd(P, dst, T_INF, eo, n) if (dst != src and dst != bssid and usable(dst)) else None
    td = trk.ucd(P, tx, T_DEV, eo, n) if (tx is not None and tx not in (src, dst, bssid) and usable(tx)) else None
    rd = trk.ucd(P, rx, T_DEV, eo, n) if (rx is not None and rx not in (src, dst, bssid) and usable(rx)) else None
    if bd:
        if dist == "adhoc":
            bd.basic |= PEER
            bd.type = T_ADHOC
        elif dist == "inter":
            pass
        else:
            bd.basic |= AP
            bd.type = T_AP
    if sd:
        if eo:
            sd.set_ifnotany(T_CLIENT, CLIENT | AP)
            sd.basic |= CLIENT
        elif dist == "inter":
            if "wds-order" in WITHOUT:
                sd.basic |= PEER
                sd.set_ifonly(T_WDS, PEER)
            else:
                sd.set_ifonly(T_WDS, PEER)
                sd.basic |= PEER
        elif dist == "from":
            sd.set_ifnotany(T_BRIDGED, CLIENT | AP)
            sd.basic |= WIRED
        else:   # to-DS, or no-DS (data frames never carry the IBSS bit)
            sd.set_ifnotany(T_CLIENT, CLIENT | AP)
            sd.basic |= CLIENT
    if dd:
        if dist == "inter":
            dd.basic |= PEER
            dd.set_ifonly(T_WDS, PEER)
        elif dist == "adhoc":
            dd.basic |= PEER
            dd.type = T_ADHOC
        else:
            dd.set_ifonly(T_DEV, 0)
    for x in (td, rd):
        if x:
            x.basic |= AP | PEER
            x.type = T_WDSAP
    for owner in (bd, td):
        if owner:
            for cl in (sd, dd):
                if cl:
                    process_client(owner, cl)


def process_client(owner, client):
    """kis_80211_phy::process_client: the client's client_map gets the owner, the owner's
    associated_client_map gets the client.  Never changes a type."""
    client.client_of.add(owner.mac)
    owner.clients.add(client.mac)


def classify_btle(trk, fr, n):
    """phy_btle dissector + classifier.  Returns True when the packet gets BTLE common info
    (its packets row then says phy BTLE, otherwise Unknown)."""
    p = fr.decap
    if not fr.crc_ok:
        if len(p) < 9:
            return False
        line = (p[-3] << 16) | (p[-2] << 8) | p[-1]
        if reverse_bits(btle_crc(p[:-3])) != line:
            return False
    # bluetooth_btle::parse: AA(4) header(1) length(1) address(6, reversed), then AD
    # structures while position < size - 3; any short read throws and the packet is dropped.
    size = len(p)
    if size < 12:
        return False
    addr = bytes(reversed(p[6:12]))
    pos = 12
    while pos < size - 3:
        if pos + 2 > size:
            return False
        ln = p[pos]
        if ln == 0:
            return False    # read_bytes(length - 1) with length 0: throws
        if pos + 2 + ln - 1 > size:
            return False
        pos += 1 + ln
    if "btle-any" in WITHOUT and (p[4] & 0x0F) not in (0, 1, 2, 4, 6):
        return True
    d = trk.ucd("BTLE", addr, "BTLE Device", False, n)
    d.typeset = None
    return True


def btle_crc(data, init=0x555555):
    # BLE CRC-24 over PDU bytes starting after the 4-byte access address, LSB first
    state = init
    for byte in data[4:]:
        for i in range(8):
            bit = (byte >> i) & 1
            top = (state >> 23) & 1
            state = (state << 1) & 0xFFFFFF
            if bit ^ top:
                state ^= 0x00065B
    return state


def reverse_bits(v):
    # Kismet's reverse_bits reverses each byte; with btle_crc computed MSB-first-in-register
    # as above, the line value is the register bit-reversed as 24 bits.
    r = 0
    for i in range(24):
        if v & (1 << i):
            r |= 1 << (23 - i)
    return r


def run_capture(path, order="capture"):
    recs = read_capture(path)
    frames = []
    for i, (sec, frac, lt, data) in enumerate(recs):
        fr = Frame(data, (sec, frac))
        link_layer(fr, lt)
        frames.append((i, lt, fr))
    if order == "time":
        frames.sort(key=lambda x: (x[2].ts, x[0]))
    trk = Tracker()
    rows = {}
    ring = [None] * 1024
    ringpos = 0
    seen = {}   # hash of a unique frame in the ring -> phy of its packets row
    for i, lt, fr in frames:
        chunk = fr.decap if fr.decap is not None else fr.link
        dup = False
        h = None
        if chunk and "dedupe" not in WITHOUT:
            h = zlib.crc32(bytes(chunk)) & 0xFFFFFFFF
            if h in seen:
                dup = True
            else:
                old = ring[ringpos % 1024]
                if old is not None:
                    seen.pop(old, None)
                ring[ringpos % 1024] = h
                ringpos += 1
                seen[h] = "Unknown"
        phy = "Unknown"
        if fr.error:
            pass
        elif fr.decap_dlt == DLT_80211 or (fr.decap is None and lt == DLT_80211):
            info = dissect_80211(bytes(chunk))
            if TRACE and info is not None:
                CURRENT[0] = "frame %d (type %d subtype %d, %s%s%s)" % (
                    i + 1, info["type"], info["sub"], info["distrib"],
                    ", ibss" if info["ibss"] else "", ", duplicate" if dup else "")
            if info is not None:
                phy = "IEEE802.11"
            classify_80211(trk, info, dup, i)
        elif fr.decap_dlt == DLT_BTLE_LL or (fr.decap is None and lt == DLT_BTLE_LL):
            if fr.decap is None:
                fr.decap = fr.link
            if classify_btle(trk, fr, i):
                phy = "BTLE"
        if h is not None:
            if dup:
                # a duplicate gets the original's decoded components (its common info too),
                # so an errored copy of a good frame is still logged under the original's phy
                if phy == "Unknown":
                    phy = seen[h]
            else:
                seen[h] = phy
        rows[phy] = rows.get(phy, 0) + 1
    trk.rows = rows
    return trk


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


def mac_text(b):
    return ":".join("%02X" % x for x in b)


def reference_devices(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    rows = con.execute("SELECT phyname, devmac, type FROM devices").fetchall()
    state = {}
    for ph, mac, blob in con.execute("SELECT phyname, devmac, device FROM devices"):
        j = json.loads(blob)
        d11 = j.get("dot11.device", {})
        state[(ph, mac.upper())] = (j.get("kismet.device.base.basic_type_set"),
                                    d11.get("dot11.device.typeset"),
                                    sorted(d11.get("dot11.device.client_map") or {}),
                                    sorted(d11.get("dot11.device.associated_client_map") or {}))
    prow = dict(con.execute("SELECT phyname, count(*) FROM packets GROUP BY phyname").fetchall())
    con.close()
    return {(ph, mac.upper()): t for ph, mac, t in rows}, prow, state


def find_capture(data, name):
    for sub in ("radiotap", "raw80211", "prism", "ppi", "ble", "pcapng"):
        for f in glob.glob(os.path.join(data, sub, name + ".*")):
            return f
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    dflt = os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "data"))
    if not os.path.isdir(dflt):
        dflt = "/work/shared/data"
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=dflt)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--order", choices=("capture", "time"), default="capture")
    ap.add_argument("--without", action="append", default=[],
                    help="switch a rule off: capoffset, dedupe, fcs, null, btle-any, wds-order")
    ap.add_argument("--trace", action="append", default=[], metavar="MAC",
                    help="print every type change of this device (frame numbers are 1-based)")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    WITHOUT.update(args.without)
    for m in args.trace:
        TRACE.add(bytes(int(x, 16) for x in m.split(":")))
    refdir = os.path.join(args.data, "reference")
    names = args.names or sorted(os.path.basename(f)[:-7] for f in glob.glob(os.path.join(refdir, "*.kismet")))
    tot = dict(ref=0, matched=0, missing=0, extra=0, wrong=0, state=0)
    exact = 0
    rows_exact = 0
    print("%-48s %5s %7s %7s %5s %5s  %s" % ("capture", "ref", "matched", "missing", "extra", "wrong",
                                            "packets rows by phy"))
    for name in names:
        cap = find_capture(args.data, name)
        if cap is None:
            print("%-48s no capture" % name)
            continue
        ref, ref_rows, ref_state = reference_devices(os.path.join(refdir, name + ".kismet"))
        trk = run_capture(cap, args.order)
        mine = {(d.phy, mac_text(d.mac)): d.type for d in trk.devs.values()}
        matched = [k for k in ref if k in mine and mine[k] == ref[k]]
        wrong = [k for k in ref if k in mine and mine[k] != ref[k]]
        missing = [k for k in ref if k not in mine]
        extra = [k for k in mine if k not in ref]
        for k, v in (("ref", len(ref)), ("matched", len(matched)), ("missing", len(missing)),
                     ("extra", len(extra)), ("wrong", len(wrong))):
            tot[k] += v
        mystate = {(d.phy, mac_text(d.mac)): (d.basic, d.typeset,
                                              sorted(mac_text(m) for m in d.client_of),
                                              sorted(mac_text(m) for m in d.clients))
                   for d in trk.devs.values()}
        state_bad = [k for k in ref if k in mine and mystate[k] != ref_state[k]]
        tot["state"] += len(state_bad)
        ok = not (missing or extra or wrong)
        exact += ok
        rows_ok = trk.rows == ref_rows
        rows_exact += rows_ok
        print("%-48s %5d %7d %7d %5d %5d  %s%s" % (name, len(ref), len(matched), len(missing),
                                                  len(extra), len(wrong),
                                                  "rows ok" if rows_ok else "ROWS %r vs kismet %r" % (trk.rows, ref_rows),
                                                  "" if ok else "  <--"))
        if args.verbose or not ok:
            for k in missing:
                print("    missing %s %s (%s)" % (k[0], k[1], ref[k]))
            for k in extra:
                print("    extra   %s %s (%s)" % (k[0], k[1], mine[k]))
            for k in wrong:
                print("    wrong   %s %s: kismet %r, rules %r" % (k[0], k[1], ref[k], mine[k]))
        for k in state_bad:
            print("    state   %s %s: kismet (basic_type_set, typeset, client_map, "
                  "associated_client_map) %r, rules %r"
                  % (k[0], k[1], ref_state[k], mystate[k]))
    print("%-48s %5d %7d %7d %5d %5d" % ("TOTAL", tot["ref"], tot["matched"], tot["missing"],
                                         tot["extra"], tot["wrong"]))
    print("captures whose device set and types are reproduced exactly: %d of %d" % (exact, len(names)))
    print("devices whose basic_type_set, dot11 typeset, client_map or associated_client_map "
          "differ from Kismet's: %d" % tot["state"])
    print("captures whose packets-table phy counts (IEEE802.11/BTLE/Unknown) match: %d of %d"
          % (rows_exact, len(names)))


if __name__ == "__main__":
    main()
