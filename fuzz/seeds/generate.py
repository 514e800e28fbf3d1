#!/usr/bin/env python3
"""Writes the generated fuzz seeds (every file named `gen-*`) under fuzz/seeds/<target>/.

Everything here is built by hand from the formats' specifications: no bytes come from a
capture. Run from anywhere: `python3 fuzz/seeds/generate.py`. The kismetdb templates have their
own script (make_kismetdb_templates.py); the patch seeds for them are written here.
"""
import os
import sqlite3
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "gen-" + name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------------------------------------
# IPv4 / UDP / DHCP behind LLC/SNAP


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, options=b"", ident=1, frag=0):
    ihl = 5 + len(options) // 4
    total = ihl * 4 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, frag, 64, proto, 0, bytes(src), bytes(dst))
    h += options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(src_ip, dst_ip, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = bytes(src_ip) + bytes(dst_ip) + struct.pack("!BBH", 0, 17, length)
    u = struct.pack("!HHHH", sport, dport, length, 0) + payload
    c = csum(pseudo + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


LLC_IPV4 = bytes([0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00])
CLIENT = bytes([0x02, 0x11, 0x22, 0x33, 0x44, 0x55])
SERVER = bytes([0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE])


def opt(code, data):
    return bytes([code, len(data)]) + data


def dhcp(op, msgtype, xid, options, yiaddr=(0, 0, 0, 0), ciaddr=(0, 0, 0, 0), flags=0x8000,
         sname=b"", file=b""):
    m = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, xid, 3, flags, bytes(ciaddr), bytes(yiaddr),
                    bytes((0, 0, 0, 0)), bytes((0, 0, 0, 0)))
    m += CLIENT + b"\0" * 10
    m += sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    m += bytes([99, 130, 83, 99])
    m += opt(53, bytes([msgtype])) + options + b"\xff" + b"\0" * 3
    return m


def dhcp_messages():
    cid = opt(61, b"\x01" + CLIENT)
    prl = opt(55, bytes([1, 3, 6, 15, 28, 51, 58, 59, 119]))
    srv = opt(54, bytes([192, 168, 1, 1]))
    lease = opt(51, struct.pack("!I", 86400)) + opt(58, struct.pack("!I", 43200))
    net = opt(1, bytes([255, 255, 255, 0])) + opt(3, bytes([192, 168, 1, 1])) + opt(6, bytes([192, 168, 1, 1, 8, 8, 8, 8]))
    return {
        "discover": (dhcp(1, 1, 0x3903F326, cid + opt(12, b"laptop") + prl + opt(57, b"\x05\xdc") + opt(60, b"MSFT 5.0")), 68, 67, (0, 0, 0, 0), (255,) * 4),
        "offer": (dhcp(2, 2, 0x3903F326, srv + lease + net + opt(15, b"example.lan"), yiaddr=(192, 168, 1, 100)), 67, 68, (192, 168, 1, 1), (255,) * 4),
        "request": (dhcp(1, 3, 0x3903F326, cid + opt(50, bytes([192, 168, 1, 100])) + srv + opt(12, b"laptop") + opt(81, b"\x00\x00\x00laptop.example.lan") + prl), 68, 67, (0, 0, 0, 0), (255,) * 4),
        "ack": (dhcp(2, 5, 0x3903F326, srv + lease + net, yiaddr=(192, 168, 1, 100)), 67, 68, (192, 168, 1, 1), (192, 168, 1, 100)),
        "inform": (dhcp(1, 8, 7, cid + prl + b"\0\0" + opt(43, b"\x01\x04abcd"), ciaddr=(10, 0, 0, 5), flags=0), 68, 67, (10, 0, 0, 5), (10, 0, 0, 1)),
        # Option overload (52): more options in `file` and `sname`.
        "overload": (dhcp(2, 6, 9, srv + opt(52, b"\x03"), sname=opt(12, b"in-sname") + b"\xff", file=opt(15, b"in-file") + b"\xff"), 67, 68, (192, 168, 1, 1), (255,) * 4),
    }


def llc_dhcp(msg, sport, dport, src, dst, ip_options=b""):
    return LLC_IPV4 + ipv4(src, dst, 17, udp(src, dst, sport, dport, msg), options=ip_options)


# ---------------------------------------------------------------------------------------------
# 802.11 frames and radio headers


def mac_hdr(fc, a1, a2, a3, seq=0x10, a4=None, qos=None):
    h = struct.pack("<HH", fc, 0) + a1 + a2 + a3 + struct.pack("<H", seq)
    if a4 is not None:
        h += a4
    if qos is not None:
        h += struct.pack("<H", qos)
    return h


BSSID = bytes([0x02, 0x00, 0x00, 0x00, 0x01, 0x00])
BCAST = b"\xff" * 6


def ie(eid, data):
    return bytes([eid, len(data)]) + data


RSN = ie(48, struct.pack("<H", 1) + b"\x00\x0f\xac\x04" + struct.pack("<H", 1) + b"\x00\x0f\xac\x04"
         + struct.pack("<H", 2) + b"\x00\x0f\xac\x02" + b"\x00\x0f\xac\x08" + struct.pack("<H", 0x00cc))


def beacon():
    body = struct.pack("<QHH", 123456789, 100, 0x0431)
    body += ie(0, b"osprey-fuzz") + ie(1, b"\x82\x84\x8b\x96\x0c\x12\x18\x24") + ie(3, b"\x06")
    body += ie(5, b"\x00\x01\x00\x00") + ie(7, b"GB \x01\x0d\x14") + RSN
    body += ie(45, b"\xef\x19\x1b\xff\xff" + b"\0" * 21) + ie(61, b"\x06\x00" + b"\0" * 20)
    body += ie(221, b"\x00\x50\xf2\x02\x01\x01\x00\x00" + b"\x03\xa4\x00\x00\x27\xa4\x00\x00\x42\x43\x5e\x00\x62\x32\x2f\x00")
    body += ie(221, b"\x00\x50\xf2\x04" + b"\x10\x4a\x00\x01\x10" + b"\x10\x44\x00\x01\x02")
    return mac_hdr(0x0080, BCAST, BSSID, BSSID, 0) + body


def data_dhcp(msg):
    m, sport, dport, src, dst = msg
    # To-DS QoS data from the client to the AP.
    return mac_hdr(0x0188, BSSID, CLIENT, BCAST, qos=0) + llc_dhcp(m, sport, dport, src, dst)


def eapol_m1():
    key = struct.pack("!BHHQ", 2, 0x008a, 16, 1) + bytes(range(32)) + b"\0" * 16 + b"\0" * 8 + b"\0" * 8 + b"\0" * 16
    key += struct.pack("!H", 22) + ie(221, b"\x00\x0f\xac\x04" + bytes(16))
    eapol = struct.pack("!BBH", 2, 3, len(key)) + key
    return mac_hdr(0x0208, CLIENT, BSSID, BSSID) + bytes([0xAA, 0xAA, 3, 0, 0, 0, 0x88, 0x8E]) + eapol


def eapol_key(info, replay, nonce, from_ap, key_data=b""):
    key = struct.pack("!BHHQ", 2, info, 16, replay) + nonce + b"\0" * 16 + b"\0" * 8 + b"\0" * 8
    key += (bytes(range(16)) if info & 0x0100 else b"\0" * 16) + struct.pack("!H", len(key_data)) + key_data
    eapol = struct.pack("!BBH", 2, 3, len(key)) + key
    if from_ap:
        hdr = mac_hdr(0x0208, CLIENT, BSSID, BSSID)
    else:
        hdr = mac_hdr(0x0108, BSSID, CLIENT, BSSID)
    return hdr + bytes([0xAA, 0xAA, 3, 0, 0, 0, 0x88, 0x8E]) + eapol


def deauth(dst, reason, seq):
    return mac_hdr(0x00C0, dst, BSSID, BSSID, seq << 4) + struct.pack("<H", reason)


def radiotap(frame, freq=2437, signal=-42):
    # present: Flags, Rate, Channel, dBm antenna signal.
    h = struct.pack("<BBHI", 0, 0, 15, 0x2E) + struct.pack("<BBHHb", 0x00, 2, freq, 0x00A0, signal)
    return h + frame


def prism(frame):
    h = struct.pack("<II", 0x44, 144) + b"wlan0".ljust(16, b"\0")
    values = [1, 2, 6, 40, 0, 40, 0, 2, 0, len(frame)]
    for i, v in enumerate(values):
        h += struct.pack("<IHHI", 0x44 | ((i + 1) << 16), 0, 4, v)
    return h + frame


def avs(frame):
    h = struct.pack(">IIQQIIIIIIiiII", 0x80211001, 64, 1, 2, 4, 6, 20, 0, 0, 1, -40, -95, 0, 0)
    return h + frame


def ppi(frame, gps=True):
    common = struct.pack("<QHHHHBBbb", 0, 0x0002, 2, 2437, 0x00A0, 0, 0, -40, -95)
    fields = struct.pack("<HH", 2, len(common)) + common
    if gps:
        lat = int((52.5 + 180) * 10**7)
        lon = int((-1.25 + 180) * 10**7)
        alt = int((80 + 180000) * 10**4)
        tag = struct.pack("<BBHI", 2, 0, 8 + 16, 0x0000000F) + struct.pack("<IIII", 0x02, lat, lon, alt)
        fields += struct.pack("<HH", 30002, len(tag)) + tag
    return struct.pack("<BBHI", 0, 0, 8 + len(fields), 105) + fields + frame


# ---------------------------------------------------------------------------------------------
# Bluetooth LE


def ble_crc(pdu, init=0x555555):
    state = init & 0xFFFFFF
    for b in pdu:
        for i in range(8):
            fb = ((state >> 23) & 1) ^ ((b >> i) & 1)
            state = (state << 1) & 0xFFFFFF
            if fb:
                state ^= 0x65B
    r = 0
    for i in range(24):
        if state & (1 << i):
            r |= 1 << (23 - i)
    return r


ADV_AA = 0x8E89BED6
ADV_ADDR = bytes([0x38, 0x8B, 0x4A, 0x03, 0xEE, 0x04])  # wire order
SCANNER = bytes([0x11, 0x22, 0x33, 0x44, 0x55, 0xC6])


def ll(pdu_header, payload, aa=ADV_AA, init=0x555555):
    pdu = bytes([pdu_header, len(payload)]) + payload
    return struct.pack("<I", aa) + pdu + ble_crc(pdu, init).to_bytes(3, "little")


def ad(t, data):
    return bytes([len(data) + 1, t]) + data


AD_DATA = (ad(0x01, b"\x06") + ad(0x09, b"osprey") + ad(0x03, b"\x0f\x18\x0a\x18")
           + ad(0xFF, b"\x4c\x00\x02\x15" + bytes(16)) + ad(0x0A, b"\xf4") + ad(0x19, b"\xc1\x03")
           + ad(0x16, b"\x0f\x18\x64") + ad(0x07, bytes(range(16))) + ad(0x05, b"\x01\x02\x03\x04"))


def ble_packets():
    p = {}
    p["adv_ind"] = ll(0x40, ADV_ADDR + AD_DATA)  # TxAdd random
    p["adv_nonconn_ind"] = ll(0x02, ADV_ADDR + ad(0x01, b"\x04") + ad(0x08, b"short"))
    p["adv_direct_ind"] = ll(0xC1, ADV_ADDR + SCANNER)
    p["scan_req"] = ll(0x43, SCANNER + ADV_ADDR)
    p["scan_rsp"] = ll(0x44, ADV_ADDR + ad(0x09, b"osprey scan response"))
    lldata = struct.pack("<I", 0x50654D9A) + b"\x12\x34\x56" + bytes([3]) + struct.pack("<HHHH", 7, 24, 0, 72) + b"\xff\xff\xff\xff\x1f" + bytes([0x25])
    p["connect_ind"] = ll(0xE5, SCANNER + ADV_ADDR + lldata)
    # ADV_EXT_IND: extended header with AdvA, ADI and AuxPtr.
    ext = bytes([0x19]) + ADV_ADDR + struct.pack("<H", 0x1234) + bytes([0x01, 0x2C, 0x01])
    p["adv_ext_ind"] = ll(0x07, bytes([len(ext)]) + ext)
    # AUX_ADV_IND: AdvA, ADI, TxPower, then AdvData.
    ext = bytes([0x49]) + ADV_ADDR + struct.pack("<H", 0x1234) + bytes([0xF8])
    p["aux_adv_ind"] = ll(0x07, bytes([len(ext) | 0x40]) + ext + AD_DATA[:17])
    # Data channel: LL_VERSION_IND (LLID 3) and an empty PDU, on a connection's access address.
    p["data_ll_version_ind"] = ll(0x03, b"\x0c\x0b\x59\x00\x10\x00", aa=0x50654D9A, init=0x563412)
    p["data_empty"] = ll(0x01, b"", aa=0x50654D9A, init=0x563412)
    p["data_l2cap"] = ll(0x02, struct.pack("<HH", 5, 4) + b"\x02\x01\x00\x05\x00", aa=0x50654D9A, init=0x563412)
    return p


def phdr(pkt, rf_channel=0, flags=0x0C13, coded=False):
    if coded:
        flags |= 2 << 14
        pkt = pkt[:4] + b"\x00" + pkt[4:]
    return struct.pack("<BbbBIH", rf_channel, -50, -95, 0, ADV_AA, flags) + pkt


def nordic_v2(pkt, channel=37, packet_id=0x06, version=2, flags=0x01):
    event = bytes([10, flags, channel, 55]) + struct.pack("<HI", 1, 1234)
    payload = event + pkt
    return struct.pack("<BHBHB", 0, len(payload), version, 7, packet_id) + payload


def nordic_v1(pkt, channel=38):
    event = bytes([10, 0x01, channel, 60]) + struct.pack("<HI", 2, 500)
    payload = event + pkt
    return bytes([0, 6, len(payload), 1]) + struct.pack("<H", 9) + bytes([0x06]) + payload


def nordic_legacy(pkt, channel=39):
    return b"\xbe\xef" + bytes([0x06]) + struct.pack("<H", 3) + b"\0\0" + bytes([len(pkt) + 9]) + bytes([0x01, channel, 70]) + struct.pack("<HI", 0, 100) + pkt


# ---------------------------------------------------------------------------------------------
# Capture files


def pcap(linktype, frames, magic=0xA1B2C3D4, big=False):
    e = ">" if big else "<"
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        out += struct.pack(e + "IIII", 1700000000 + i, 250 * i, len(f), len(f) + (4 if i == 1 else 0)) + f
    return out


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(btype, body, e="<"):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def opts(pairs, e="<"):
    out = b""
    for code, val in pairs:
        out += struct.pack(e + "HH", code, len(val)) + pad4(val)
    return out + struct.pack(e + "HH", 0, 0) if pairs else b""


def shb(e="<"):
    return block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts([(4, b"osprey fuzz seeds")], e), e)


def idb(linktype, e="<", tsresol=None, name=b"wlan0", tsoffset=None):
    o = [(2, name)]
    if tsresol is not None:
        o.append((9, bytes([tsresol])))
    if tsoffset is not None:
        o.append((14, struct.pack(e + "q", tsoffset)))
    return block(1, struct.pack(e + "HHI", linktype, 0, 262144) + opts(o, e), e)


def epb(iface, frame, ts, e="<", comment=None):
    body = struct.pack(e + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + pad4(frame)
    if comment:
        body += opts([(1, comment), (2, struct.pack(e + "I", 1))], e)
    return block(6, body, e)


def spb(frame, e="<"):
    return block(3, struct.pack(e + "I", len(frame)) + pad4(frame), e)


def pcapng_ble():
    p = ble_packets()
    out = shb() + idb(251) + idb(256, tsresol=9, name=b"ble-phdr") + idb(272, tsresol=0x83, name=b"nrf")
    t = 1700000000 * 10**6
    for i, k in enumerate(["adv_ind", "scan_req", "connect_ind", "data_ll_version_ind"]):
        out += epb(0, p[k], t + i)
    t9 = 1700000000 * 10**9
    out += epb(1, phdr(p["adv_ext_ind"], 0), t9, comment=b"phdr")
    out += epb(1, phdr(p["aux_adv_ind"], 5, flags=0x0C13 | (1 << 7), coded=True), t9 + 5)
    out += epb(2, nordic_v2(p["adv_ind"]), 1700000000 * 8 + 3)
    out += epb(2, nordic_v2(p["data_empty"], channel=12, version=3), 1700000000 * 8 + 9)
    # A name resolution block, an interface statistics block and a custom block: skipped.
    out += block(4, struct.pack("<HH", 1, 10) + bytes([10, 0, 0, 1]) + b"host\0\0" + struct.pack("<HH", 0, 0))
    out += block(5, struct.pack("<III", 0, 0, 0) + opts([(4, struct.pack("<Q", 8))]))
    out += block(0x00000BAD, struct.pack("<I", 32473) + b"custom")
    return out


def pcapng_mixed():
    beacon_ = beacon()
    m = dhcp_messages()
    # Little-endian section: raw 802.11, radiotap, PPI (with GPS), PRISM, AVS, Ethernet.
    le = shb() + idb(105) + idb(127) + idb(192) + idb(119) + idb(163) + idb(1, tsoffset=-5)
    t = 1700000000 * 10**6
    le += epb(0, data_dhcp(m["discover"]), t)
    le += epb(1, radiotap(beacon_), t + 1)
    le += epb(2, ppi(eapol_m1()), t + 2)
    le += epb(3, prism(data_dhcp(m["offer"])), t + 3)
    le += epb(4, avs(beacon_), t + 4)
    le += epb(5, CLIENT + SERVER + b"\x08\x00" + ipv4((10, 0, 0, 1), (10, 0, 0, 2), 17, udp((10, 0, 0, 1), (10, 0, 0, 2), 68, 67, m["request"][0])), t + 5)
    le += spb(eapol_m1())
    # A big-endian section after it, with its own interfaces.
    be = shb(">") + idb(127, ">", tsresol=6) + epb(0, radiotap(data_dhcp(m["ack"])), t + 10, ">", comment=b"big-endian")
    return le + be


# ---------------------------------------------------------------------------------------------
# Per-target wrappers

DISSECT_DLTS = [105, 119, 127, 163, 192, 251, 256, 272, 1]
DETECT_DLTS = [105, 127, 119, 163, 192, 251, 256, 272]


def dissect(dlt, frame, second=b""):
    # Link type, where the first frame ends (u16), the frames: one dissector sees both.
    return bytes([DISSECT_DLTS.index(dlt)]) + struct.pack("<H", len(frame)) + frame + second


def detect(frames):
    out = b""
    for dlt, step, f in frames:
        out += bytes([DETECT_DLTS.index(dlt)]) + struct.pack("<H", len(f)) + bytes([step]) + f
    return out


# ---------------------------------------------------------------------------------------------
# REST requests (layout in crates/server/src/fuzzing.rs)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def rest(target, method="GET", cookie=None, auth=None, ctype=None, body=b"", fmt=0):
    flags = {"GET": 0, "POST": 1, "PUT": 2}[method] | (fmt << 5)
    if cookie is not None:
        flags |= 4
    if auth is not None:
        flags |= 8
    if ctype is not None:
        flags |= 16
    lines = [target, cookie or "", auth or "", ctype or ""]
    return bytes([flags]) + "\n".join(lines).encode() + b"\n" + body


def rest_seeds():
    from urllib.parse import quote
    basic = "Basic a2lzbWV0OlBBU1NXT1JE"  # kismet:PASSWORD

    def js(s):
        return ("json=" + quote(s, safe="")).encode()

    s = {}
    s["status"] = rest("/system/status.json", auth=basic)
    s["timestamp_prettyjson"] = rest("/system/timestamp.prettyjson", fmt=1)
    s["definitions_fields"] = rest("/alerts/definitions.json", "POST", auth=basic, ctype=FORM,
                                   body=js('{"fields":["kismet.alert.definition.header","kismet.alert.definition.severity"]}'))
    s["all_alerts_itjson"] = rest("/alerts/all_alerts.itjson", fmt=3)
    s["by_id"] = rest("/alerts/by-id/12345/alert.tjson", fmt=4)
    s["last_time_fields_rename"] = rest("/alerts/last-time/1700000000.5/alerts.json", "POST", ctype=FORM,
                                        body=js('{"fields":["kismet.alert.header",["kismet.alert.timestamp","ts"]]}'))
    s["wrapped_ekjson"] = rest("/alerts/wrapped/last-time/0/alerts.ekjson", "POST", ctype=JSON,
                               body=b'{"fields":["kismet.alert.header"]}', fmt=2)
    s["define_alert_json"] = rest("/alerts/definitions/define_alert.cmd", "POST", auth=basic, ctype=JSON,
                                  body=b'{"name":"MYALERT","class":"OTHER","severity":15,"description":"Custom","throttle":"10/min","burst":"1/sec"}')
    s["raise_alert_form"] = rest("/alerts/raise_alerts.cmd", "POST", auth=basic, ctype=FORM + "; charset=UTF-8",
                                 body=js('{"name":"MYALERT","text":"it happened","source":"11:22:33:44:55:66","channel":"6"}'))
    s["messages_last_time"] = rest("/messagebus/last-time/1700000000/messages.json")
    s["sources"] = rest("/datasource/all_sources.json?KISMET=0123456789ABCDEF")
    s["devices_tabulator"] = rest("/devices/views/all/devices.json", "POST", ctype=FORM,
                                  body=js('{"fields":["kismet.device.base.macaddr","kismet.device.base.name"]}')
                                  + b"&page=0&length=2&sort=kismet.device.base.last_time&sort_dir=desc&search=linksys")
    s["devices_datatables"] = rest("/devices/views/all/devices.json?start=1&length=2&draw=3&search%5Bvalue%5D=aa%3Abb&order%5B0%5D%5Bcolumn%5D=0&order%5B0%5D%5Bdir%5D=asc",
                                   "POST", ctype=JSON,
                                   body=b'{"datatable":true,"colmap":{"0":[["kismet.device.base.name","n"]]},"fields":["kismet.device.base.name","kismet.device.base.macaddr"],"last_time":-3600}')
    s["devices_regex"] = rest("/devices/views/all/devices.prettyjson", "POST", ctype=JSON, fmt=1,
                              body=b'{"regex":[["dot11.device/dot11.device.advertised_ssid_map/dot11.advertisedssid.ssid","^ho"],["kismet.device.base.name","(?i)LINK"]],"fields":["kismet.device.base.signal/kismet.common.signal.max_signal"]}')
    s["device_by_key"] = rest("/devices/by-key/4202770D00000000_4DC413D3B968/device.json", "POST", ctype=FORM,
                              body=js('{"fields":["kismet.device.base.macaddr","kismet.device.base.packets.total"]}'))
    s["devices_last_time"] = rest("/devices/last-time/-60/devices.ekjson", "POST", ctype=FORM, fmt=2,
                                  body=js('{"fields":["kismet.device.base.macaddr"],"devices":["68:B9:D3:13:C4:4D","AA:BB:CC:00:00:00/FF:FF:FF:00:00:00"]}'))
    s["pcap_export"] = rest("/logging/kismetdb/pcap/export.pcapng?dlt=105&limit=10&timestamp_start=1700000000.250000&address_source=68%3AB9%25&tag=%25EAPOL%25&location_lat_min=-1.5&signal_min=-80&datasource=5FE308BD-%25")
    s["pcap_export_title_utf8"] = rest("/logging/kismetdb/pcap/caf%C3%A9%20%E2%80%AE.pcapng?frequency=2412000")
    s["check_session_cookie"] = rest("/session/check_session", cookie='other=1; KISMET="0123456789ABCDEF0123456789ABCDEF"; KISMET=abc')
    s["check_login_uri_password"] = rest("/session/check_login?user=kismet&password=wrong")
    s["check_setup_ok"] = rest("/session/check_setup_ok", auth="Bearer x")
    s["set_password"] = rest("/session/set_password", "POST", ctype=FORM, body=b"username=kismet&password=p%40ss+word")
    s["apikey_generate"] = rest("/auth/apikey/generate.cmd", "POST", auth=basic, ctype=FORM,
                                body=js('{"name":"ro","role":"readonly","duration":3600}'))
    s["apikey_revoke"] = rest("/auth/apikey/revoke.jcmd", "POST", auth="basic  a2lzbWV0OlBBU1NXT1JE", ctype=JSON, body=b'{"name":"ro"}')
    s["apikey_list"] = rest("/auth/apikey/list.json?KISMET=%30%31")
    s["eventbus"] = rest("/eventbus/events.ws")
    s["bad_charset"] = rest("/system/status.json", "POST", ctype=JSON + '; charset="latin1"', body=b"{}")
    s["deep_json"] = rest("/alerts/all_alerts.json", "POST", ctype=JSON, body=b"[" * 70 + b"]" * 70)
    s["put_method"] = rest("/alerts/all_alerts.json", "PUT")
    s["bad_percent"] = rest("/alerts/by-id/%ZZ/alert.json?a=%&b=%4&%C3%28=x")
    s["garbage_record"] = rest("/devices/views/all/devices.tjson", "POST", ctype=JSON, fmt=4,
                               body=b'{"a.b":{"c.d":[1,"x\\"y",{"e.f":null}]},"fields":[["a.b/c.d","r.n"]],"regex":[["a.b","."]]}')
    return s


# ---------------------------------------------------------------------------------------------
# kismetdb page patches (layout in fuzz_targets/kismetdb_pages.rs)


def pages_of(path):
    db = sqlite3.connect(path)
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name='packets'").fetchone()[0]
    db.close()
    data = open(path, "rb").read()
    ps = 512
    return data, ps, root


def patch(page, offset, data):
    return bytes([page % 256]) + struct.pack("<H", offset) + bytes([len(data)]) + data


def kismetdb_patch_seeds():
    out = {}
    for t, name in [(0, "template-exthdr-512.kismet"), (1, "template-generated-512.kismet")]:
        data, ps, root = pages_of(os.path.join(HERE, "kismetdb_pages", name))
        root0 = root - 1  # zero-based page index
        rootpage = data[root0 * ps:(root0 + 1) * ps]
        first_child = struct.unpack(">I", rootpage[int.from_bytes(rootpage[12:14], "big"):][:4])[0] if rootpage[0] == 5 else root
        leaf0 = first_child - 1
        for opt in range(8):
            mode = t | (opt << 1)
            out[f"t{t}-opt{opt}-unchanged"] = bytes([mode])
        # The root's right-most child pointing back at the root (a cycle), and at page 1.
        out[f"t{t}-root-right-cycle"] = bytes([t]) + patch(root0, 8, struct.pack(">I", root))
        out[f"t{t}-root-right-page1"] = bytes([t | 4]) + patch(root0, 8, struct.pack(">I", 1))
        # A leaf claiming more cells than fit, and a cell pointer out of the page.
        out[f"t{t}-leaf-cells"] = bytes([t]) + patch(leaf0, 3, b"\x7f\xff")
        out[f"t{t}-leaf-cellptr"] = bytes([t | 2]) + patch(leaf0, 8, b"\x01\xff")
        # The root turned into a leaf / an index page.
        out[f"t{t}-root-type-leaf"] = bytes([t]) + patch(root0, 0, b"\x0d")
        out[f"t{t}-root-type-index"] = bytes([t | 8]) + patch(root0, 0, b"\x0a")
        # A cell's payload length varint made huge.
        cell = int.from_bytes(data[leaf0 * ps + 8:leaf0 * ps + 10], "big")
        out[f"t{t}-cell-len"] = bytes([t]) + patch(leaf0, cell, b"\xff\xff\xff\xff\x7f")
        # Rowids out of order: the second cell's rowid set to 1.
        cell2 = int.from_bytes(data[leaf0 * ps + 10:leaf0 * ps + 12], "big")
        lenlen = 1 if data[leaf0 * ps + cell2] < 0x80 else 2
        out[f"t{t}-rowid-order"] = bytes([t | 14]) + patch(leaf0, cell2 + lenlen, b"\x01")
        # Header: page count larger than the file, reserved bytes per page, WAL version.
        out[f"t{t}-hdr-pagecount"] = bytes([t]) + patch(0, 28, b"\x00\x01\x00\x00")
        out[f"t{t}-hdr-reserved"] = bytes([t]) + patch(0, 20, b"\x20")
        out[f"t{t}-hdr-wal"] = bytes([t]) + patch(0, 18, b"\x02\x02")
        # The file cut after the root page.
        out[f"t{t}-truncated"] = bytes([t | 16, root0 % 256])
        # A record header claiming a huge serial type.
        out[f"t{t}-serial-type"] = bytes([t | 8]) + patch(leaf0, cell + 3, b"\x8f\xff\xff\xff\x7f")
        if t == 1:
            # Overflow chains: find a cell that spills and point its overflow page elsewhere.
            usable = ps
            max_local = usable - 35
            min_local = (usable - 12) * 32 // 255 - 23
            for pg in range(len(data) // ps):
                p = data[pg * ps:(pg + 1) * ps]
                if p[0] != 0x0D or pg == 0:
                    continue
                n = int.from_bytes(p[3:5], "big")
                for i in range(n):
                    at = int.from_bytes(p[8 + 2 * i:10 + 2 * i], "big")
                    # payload length varint, rowid varint
                    v, j = 0, at
                    while True:
                        v = (v << 7) | (p[j] & 0x7F)
                        j += 1
                        if p[j - 1] < 0x80:
                            break
                    while p[j] >= 0x80:
                        j += 1
                    j += 1
                    if v > max_local:
                        k = min_local + (v - min_local) % (usable - 4)
                        local = k if k <= max_local else min_local
                        ovf = j + local
                        out["t1-overflow-zero"] = bytes([1]) + patch(pg, ovf, b"\0\0\0\0")
                        out["t1-overflow-self"] = bytes([1 | 2]) + patch(pg, ovf, struct.pack(">I", pg + 1))
                        out["t1-overflow-far"] = bytes([1 | 8]) + patch(pg, ovf, b"\x7f\xff\xff\xff")
                        break
                if "t1-overflow-zero" in out:
                    break
    return out


def pcapng_frames(path):
    """(linktype, frame) of every enhanced packet block of a little-endian pcapng."""
    data = open(path, "rb").read()
    pos, links, out = 0, [], []
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        if btype == 1:
            links.append(struct.unpack_from("<H", data, pos + 8)[0])
        elif btype == 6:
            iface, _, _, caplen = struct.unpack_from("<IIII", data, pos + 8)
            out.append((links[iface], data[pos + 28:pos + 28 + caplen]))
        pos += blen
    return out


def from_shared(shared):
    """Seeds cut from BSD-3-Clause captures of the shared data set (see README.md)."""
    krack = os.path.join(shared, "pcapng/krack_example-tptk-attack.pcapng")
    if not os.path.exists(krack):
        return
    frames = pcapng_frames(krack)
    # A beacon, then the handshake with the retransmitted message 1 and 3 (frames 90-104).
    seq = [(127, 0, frames[0][1])] + [(127, 1, f) for _, f in frames[89:104]]
    with open(os.path.join(HERE, "detect", "krack_example-tptk-attack.pcapng-89"), "wb") as f:
        f.write(detect(seq))


def main():
    m = dhcp_messages()
    ble = ble_packets()
    # upper_layers: the stack from LLC down, DHCP alone, BTLE in each encapsulation.
    for k, (msg, sp, dp, src, dst) in m.items():
        write("upper_layers", f"llc-dhcp-{k}", llc_dhcp(msg, sp, dp, src, dst))
    write("upper_layers", "dhcp-bare-request", m["request"][0])
    write("upper_layers", "llc-dhcp-ipopts", llc_dhcp(m["discover"][0], 68, 67, (0, 0, 0, 0), (255,) * 4, ip_options=b"\x94\x04\x00\x00"))
    frag = LLC_IPV4 + ipv4((192, 168, 1, 1), (255,) * 4, 17, udp((192, 168, 1, 1), (255,) * 4, 67, 68, m["offer"][0])[:64], frag=0x2000)
    write("upper_layers", "llc-ipv4-fragment", frag)
    for k, p in ble.items():
        write("upper_layers", f"btle-ll-{k}", p)
    write("upper_layers", "btle-phdr-adv_ind", phdr(ble["adv_ind"], 0))
    write("upper_layers", "btle-phdr-coded-aux", phdr(ble["aux_adv_ind"], 8, flags=0x0C13 | (1 << 7), coded=True))
    write("upper_layers", "btle-phdr-data", phdr(ble["data_ll_version_ind"], 12, flags=0x0D13 | (2 << 7)))
    write("upper_layers", "btle-nordic-v2-adv", nordic_v2(ble["adv_ind"]))
    write("upper_layers", "btle-nordic-v3-adv", nordic_v2(ble["scan_rsp"], packet_id=0x02, version=3))
    write("upper_layers", "btle-nordic-v1-connect", nordic_v1(ble["connect_ind"]))
    write("upper_layers", "btle-nordic-legacy", nordic_legacy(ble["adv_nonconn_ind"]))

    # dissect / detect: the same frames behind their link types.
    write("dissect", "dot11-data-dhcp", dissect(105, data_dhcp(m["request"])))
    write("dissect", "radiotap-data-dhcp-ack", dissect(127, radiotap(data_dhcp(m["ack"]))))
    write("dissect", "radiotap-beacon", dissect(127, radiotap(beacon())))
    # A beacon and its repeat (sequence number, timestamp and DTIM count changed).
    again = bytearray(beacon())
    again[22:24] = struct.pack("<H", 0x20)
    again[24:32] = struct.pack("<Q", 123559189)
    write("dissect", "dot11-beacon-repeated", dissect(105, beacon(), bytes(again)))
    write("dissect", "ppi-gps-eapol", dissect(192, ppi(eapol_m1())))
    write("dissect", "prism-beacon", dissect(119, prism(beacon())))
    write("dissect", "avs-beacon", dissect(163, avs(beacon())))
    write("dissect", "btle-ll-adv_ind", dissect(251, ble["adv_ind"]))
    write("dissect", "btle-ll-connect_ind", dissect(251, ble["connect_ind"]))
    write("dissect", "btle-phdr-aux", dissect(256, phdr(ble["aux_adv_ind"], 5, flags=0x0C13 | (1 << 7))))
    write("dissect", "btle-nordic-adv", dissect(272, nordic_v2(ble["adv_ind"])))
    write("detect", "dhcp-handshake", detect([(127, 0, radiotap(data_dhcp(m[k]))) for k in ["discover", "offer", "request", "ack"]]))
    write("detect", "btle-adverts", detect([(251, 1, ble["adv_ind"]), (256, 1, phdr(ble["scan_req"], 0)), (272, 2, nordic_v2(ble["connect_ind"])), (251, 16, ble["data_ll_version_ind"])]))
    anonce, snonce = bytes(range(32)), bytes(range(32, 64))
    write("detect", "handshake-nonce-reuse", detect(
        [(105, 0, beacon())]
        + [(105, 1, eapol_key(0x008a, 1, anonce, True)), (105, 1, eapol_key(0x010a, 1, snonce, False)),
           (105, 1, eapol_key(0x13ca, 2, anonce, True, ie(221, b"\x00\x0f\xac\x01" + bytes(18)))),
           (105, 1, eapol_key(0x008a, 3, anonce, True)), (105, 1, eapol_key(0x13ca, 4, anonce, True)),
           (105, 1, eapol_key(0x030a, 4, b"\0" * 32, False))]))
    write("detect", "deauth-flood", detect(
        [(127, 0, radiotap(beacon()))] + [(127, 1, radiotap(deauth(BCAST if i % 3 == 0 else CLIENT, 7 if i % 5 else 30, i))) for i in range(60)]))
    write("detect", "ppi-gps-beacons", detect([(192, 1, ppi(beacon())), (192, 1, ppi(eapol_m1()))]))

    # radiotap / ppi field parsers.
    write("ppi", "common-gps", ppi(beacon()))
    write("radiotap", "beacon", radiotap(beacon()))

    # Capture files.
    write("pcapng", "ble-three-linktypes.pcapng", pcapng_ble())
    write("pcapng", "mixed-two-sections.pcapng", pcapng_mixed())
    write("pcap", "ble-phdr.pcap", pcap(256, [phdr(ble[k], c) for k, c in [("adv_ind", 0), ("scan_rsp", 12), ("connect_ind", 39)]]))
    write("pcap", "nordic-nsec.pcap", pcap(272, [nordic_v2(ble["adv_ind"]), nordic_v2(ble["data_empty"], channel=3)], magic=0xA1B23C4D))
    write("pcap", "btle-ll-big-endian.pcap", pcap(251, [ble["adv_ext_ind"], ble["aux_adv_ind"]], big=True))
    write("pcap", "ppi-gps.pcap", pcap(192, [ppi(beacon()), ppi(data_dhcp(m["offer"]), gps=False)]))
    write("pcap", "prism-avs-dhcp.pcap", pcap(119, [prism(data_dhcp(m["discover"])), prism(eapol_m1())]))

    for k, v in rest_seeds().items():
        write("rest_request", k, v)
    for k, v in kismetdb_patch_seeds().items():
        write("kismetdb_pages", k, v)


if __name__ == "__main__":
    main()
    from_shared(os.environ.get("OSPREY_SHARED_DATA", os.path.join(HERE, "../../../shared/data")))
