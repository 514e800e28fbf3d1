//! # osprey-oui
//!
//! The manufacturer lookup Kismet does for `kismet.device.base.manuf`, with the data bundled in
//! the crate: no file or network access at run time.
//!
//! The table (`data/oui.tsv`) is the IEEE Registration Authority's public MA-L listing as Kismet
//! 2025-09-R1 ships it (see the crate's README for source and licence). It is parsed once, on
//! first use, into sorted vectors searched by binary search.
//!
//! Two families of functions:
//! - [`manufacturer`] and [`oui_manufacturer`]: the registry's answer, `None` when the prefix is
//!   not assigned.
//! - [`kismet_manuf`], [`kismet_oui_manuf`] and [`kismet_vendor_ie_manuf`]: exactly what Kismet
//!   2025-09-R1 prints, quirks included: [`UNKNOWN`] for anything it cannot resolve (randomized and
//!   locally administered MACs included: Kismet looks up the first three bytes as they are), the
//!   `manuf=` entry of Kismet's default configuration ([`KISMET_CONFIG_MANUFS`]), and OUI
//!   `00:00:00`, which Kismet never resolves although the registry lists it.
//!
//! What is *not* decided here, because it depends on the packets rather than the address: the
//! BTLE phy sets [`RANDOMIZED`] for a device whose advertising address is flagged random, and the
//! 802.11 phy may replace [`UNKNOWN`] with a name taken from vendor IEs (see
//! [`kismet_vendor_ie_manuf`]).

#![warn(missing_docs)]

use std::sync::OnceLock;

/// What Kismet prints for a device whose manufacturer it cannot resolve.
pub const UNKNOWN: &str = "Unknown";

/// What Kismet's BTLE phy prints for a device whose transmit address is flagged random.
pub const RANDOMIZED: &str = "Randomized";

/// Manufacturer names that Kismet's default configuration adds on top of the OUI file
/// (`manuf=AA:BB:CC,Name` lines in `kismet_80211.conf`), as `(OUI, name)`. They take precedence
/// over the table in the `kismet_*` functions.
pub const KISMET_CONFIG_MANUFS: &[(u32, &str)] = &[(0xA2_09_24, "WLAN Pi")];

/// Vendor-IE OUIs that Kismet's 802.11 phy tries first when it falls back to vendor IEs
/// (Cisco, Ubiquiti, Aruba).
pub const VENDOR_IE_PRIORITY_OUIS: [u32; 3] = [0x00_40_96, 0x00_15_6D, 0x00_0B_86];

/// Vendor-IE OUIs that Kismet's 802.11 phy never uses for the fallback, because many vendors'
/// devices carry them (Microsoft/WPA-WMM, Atheros, Broadcom, Qualcomm, Wi-Fi Alliance).
pub const VENDOR_IE_IGNORED_OUIS: [u32; 5] =
    [0x00_50_F2, 0x00_03_7F, 0x00_10_18, 0x8C_FD_F0, 0x50_6F_9A];

/// The bundled table: `PREFIXHEX<TAB>BITS<TAB>NAME` lines, `#` comments.
const TABLE_TEXT: &str = include_str!("../data/oui.tsv");

/// Prefix lengths the table format allows, longest first (MA-S, MA-M, MA-L).
const PREFIX_BITS: [u32; 3] = [36, 28, 24];

/// One assignment: the prefix as an integer of `bits` bits, and the organisation.
#[derive(Clone, Copy, Debug)]
struct Assignment {
    key: u64,
    name: &'static str,
}

/// The parsed table: one sorted vector per prefix length, in the order of [`PREFIX_BITS`].
#[derive(Debug, Default)]
struct Table {
    by_len: [Vec<Assignment>; 3],
}

impl Table {
    /// Parses table text. Malformed lines are skipped; for a prefix listed twice the first line
    /// wins (the generator already keeps only the one Kismet finds).
    fn parse(text: &'static str) -> Table {
        let mut table = Table::default();
        for line in text.split('\n') {
            // Tolerate CRLF line ends; a name never contains a CR (the generator escapes it).
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.splitn(3, '\t');
            let (Some(prefix), Some(bits), Some(name)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let Ok(bits) = bits.parse::<u32>() else {
                continue;
            };
            let Some(slot) = PREFIX_BITS.iter().position(|&b| b == bits) else {
                continue;
            };
            if prefix.len() != (bits / 4) as usize || !prefix.bytes().all(|c| c.is_ascii_hexdigit())
            {
                continue;
            }
            let Ok(key) = u64::from_str_radix(prefix, 16) else {
                continue;
            };
            table.by_len[slot].push(Assignment { key, name });
        }
        for list in &mut table.by_len {
            // Stable sort, then dedup keeps the first of equal keys.
            list.sort_by_key(|a| a.key);
            list.dedup_by_key(|a| a.key);
        }
        table
    }

    /// The assignments of one prefix length.
    fn list(&self, bits: u32) -> &[Assignment] {
        match PREFIX_BITS.iter().position(|&b| b == bits) {
            Some(slot) => &self.by_len[slot],
            None => &[],
        }
    }

    /// Exact-match lookup of a prefix of `bits` bits.
    fn find(&self, bits: u32, key: u64) -> Option<&'static str> {
        let list = self.list(bits);
        list.binary_search_by_key(&key, |a| a.key)
            .ok()
            .map(|i| list[i].name)
    }

    /// Longest-prefix lookup of an address given as bytes; a prefix needs as many bytes as it
    /// covers (3 for MA-L, 4 for MA-M, 5 for MA-S).
    fn longest_prefix(&self, mac: &[u8]) -> Option<&'static str> {
        PREFIX_BITS.iter().find_map(|&bits| {
            let nbytes = bits.div_ceil(8) as usize;
            let bytes = mac.get(..nbytes)?;
            let value = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            self.find(bits, value >> (nbytes as u32 * 8 - bits))
        })
    }

    /// Kismet 2025-09-R1's lookup of a 24-bit OUI: its configured names first, then its sorted
    /// OUI file, where an OUI not above the file's first line is never found. `None` stands for
    /// Kismet's "unknown" answer.
    fn kismet_lookup(&self, oui: u32) -> Option<&'static str> {
        if let Some(&(_, name)) = KISMET_CONFIG_MANUFS.iter().find(|(o, _)| *o == oui) {
            return Some(name);
        }
        let list = self.list(24);
        let first = list.first()?;
        if u64::from(oui) <= first.key {
            return None;
        }
        self.find(24, u64::from(oui))
    }
}

/// The table, parsed on first use.
static TABLE: OnceLock<Table> = OnceLock::new();

fn table() -> &'static Table {
    TABLE.get_or_init(|| Table::parse(TABLE_TEXT))
}

/// Parses the table on a helper thread now, if it is not parsed yet, so that the first
/// lookup does not wait for it (parsing takes a few milliseconds). A lookup made while it
/// runs waits for it to finish.
pub fn prepare() {
    if TABLE.get().is_none() {
        let _ = std::thread::Builder::new()
            .name("oui-table".into())
            .spawn(|| {
                table();
            });
    }
}

/// The organisation the IEEE registry lists for the address `mac` (its bytes in transmission
/// order, usually 6), or `None` when its prefix is not assigned or `mac` has fewer than 3 bytes.
///
/// The longest assigned prefix wins (36, 28, then 24 bits, as far as `mac` has the bytes and the
/// table has rows of that length; the bundled table has 24-bit rows only, like Kismet's). Names
/// are as Kismet prints them, blanks included. Unlike [`kismet_manuf`] this has no Kismet quirks:
/// `00:00:00` is `XEROX CORPORATION` and Kismet's configured names are not consulted.
pub fn manufacturer(mac: &[u8]) -> Option<&'static str> {
    table().longest_prefix(mac)
}

/// The organisation the IEEE registry lists for the 24-bit OUI `oui` (e.g. `0x00000C`), or `None`
/// when it is not assigned or does not fit in 24 bits.
pub fn oui_manufacturer(oui: u32) -> Option<&'static str> {
    table().find(24, u64::from(oui))
}

/// Exactly what Kismet 2025-09-R1 stores in `kismet.device.base.manuf` when it creates a device
/// with address `mac` (its bytes in transmission order).
///
/// Kismet resolves the first three bytes only, as they are: no MA-M/MA-S refinement, and no
/// special case for locally administered or randomized addresses (they are almost never
/// assigned, so they print [`UNKNOWN`]). Missing bytes of a short `mac` count as zero, as in
/// Kismet's address type. Any input is accepted.
pub fn kismet_manuf(mac: &[u8]) -> &'static str {
    let byte = |i: usize| u32::from(mac.get(i).copied().unwrap_or(0));
    kismet_oui_manuf((byte(0) << 16) | (byte(1) << 8) | byte(2))
}

/// Exactly what Kismet 2025-09-R1 answers for the 24-bit OUI `oui` (as it does for the OUI of a
/// vendor IE): the name, or [`UNKNOWN`].
pub fn kismet_oui_manuf(oui: u32) -> &'static str {
    table().kismet_lookup(oui).unwrap_or(UNKNOWN)
}

/// The manufacturer Kismet 2025-09-R1's 802.11 phy takes from vendor IEs, given the OUIs of the
/// vendor-specific (221) IEs of one beacon or probe response, in frame order.
///
/// Kismet does this only while the device's manufacturer is still [`UNKNOWN`], and only for a
/// beacon or probe response that creates a new advertised or responded SSID record. It first
/// takes the first of [`VENDOR_IE_PRIORITY_OUIS`] that resolves, then the first other OUI that
/// resolves and is not one of [`VENDOR_IE_IGNORED_OUIS`]; `None` means the manufacturer stays
/// [`UNKNOWN`].
pub fn kismet_vendor_ie_manuf(vendor_ouis: &[u32]) -> Option<&'static str> {
    let t = table();
    vendor_ouis
        .iter()
        .filter(|oui| VENDOR_IE_PRIORITY_OUIS.contains(oui))
        .find_map(|&oui| t.kismet_lookup(oui))
        .or_else(|| {
            vendor_ouis
                .iter()
                .filter(|oui| !VENDOR_IE_IGNORED_OUIS.contains(oui))
                .find_map(|&oui| t.kismet_lookup(oui))
        })
}

/// How many assignments the bundled table holds (all prefix lengths together).
pub fn assignment_count() -> usize {
    table().by_len.iter().map(Vec::len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_parses_completely() {
        let header = TABLE_TEXT
            .lines()
            .find_map(|l| l.strip_prefix("# entries="))
            .expect("header line with the entry count");
        let count: usize = header
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("entry count");
        assert_eq!(assignment_count(), count);
        assert!(count > 30_000);
        // Names keep their blanks: if an editor or a tool stripped trailing whitespace from the
        // data file, this count would drop.
        let trailing: usize = header
            .split("trailing_blank_names=")
            .nth(1)
            .and_then(|n| n.trim().parse().ok())
            .expect("trailing blank count");
        let found = table()
            .list(24)
            .iter()
            .filter(|a| a.name.ends_with(' '))
            .count();
        assert_eq!(found, trailing);
    }

    #[test]
    fn known_names() {
        assert_eq!(
            manufacturer(&[0x00, 0x00, 0x0C, 1, 2, 3]),
            Some("Cisco Systems, Inc")
        );
        assert_eq!(
            kismet_manuf(&[0x00, 0x00, 0x0C, 1, 2, 3]),
            "Cisco Systems, Inc"
        );
        assert_eq!(
            oui_manufacturer(0xFC_FF_AA),
            Some("IEEE Registration Authority")
        );
        assert_eq!(kismet_oui_manuf(0xFC_FF_AA), "IEEE Registration Authority");
        assert_eq!(
            kismet_manuf(&[0x00, 0x0D, 0x58, 0xEF, 0x88, 0x09]),
            "Private"
        );
        // Blanks are part of the name as Kismet prints it.
        assert_eq!(
            kismet_manuf(&[0x00, 0x00, 0x1F, 0, 0, 0]),
            "Telco Systems, Inc. "
        );
        assert_eq!(oui_manufacturer(0x00_04_8D), Some(" Teo Technologies, Inc"));
    }

    #[test]
    fn duplicates_resolve_to_first_in_sorted_order() {
        assert_eq!(oui_manufacturer(0x00_01_C8), Some("CONRAD CORP."));
        assert_eq!(oui_manufacturer(0x08_00_30), Some("CERN"));
    }

    #[test]
    fn kismet_quirks() {
        assert_eq!(manufacturer(&[0, 0, 0, 1, 2, 3]), Some("XEROX CORPORATION"));
        assert_eq!(kismet_manuf(&[0, 0, 0, 1, 2, 3]), UNKNOWN);
        assert_eq!(kismet_manuf(&[0, 0, 1, 1, 2, 3]), "XEROX CORPORATION");
        assert_eq!(manufacturer(&[0xA2, 0x09, 0x24, 0, 0, 1]), None);
        assert_eq!(kismet_manuf(&[0xA2, 0x09, 0x24, 0, 0, 1]), "WLAN Pi");
        // Locally administered bit is not masked.
        assert_eq!(kismet_manuf(&[0x02, 0x1D, 0xD5, 0x9B, 0x11, 0x00]), UNKNOWN);
        assert_eq!(
            kismet_manuf(&[0x00, 0x1D, 0xD5, 0x9B, 0x11, 0x00]),
            "Commscope"
        );
    }

    #[test]
    fn any_input_is_accepted() {
        assert_eq!(manufacturer(&[]), None);
        assert_eq!(manufacturer(&[0x00, 0x00]), None);
        assert_eq!(
            manufacturer(&[0x00, 0x00, 0x0C]),
            Some("Cisco Systems, Inc")
        );
        assert_eq!(kismet_manuf(&[]), UNKNOWN);
        assert_eq!(kismet_manuf(&[0x00, 0x00, 0x0C]), "Cisco Systems, Inc");
        assert_eq!(
            kismet_manuf(&[0x00, 0x00, 0x0C, 0, 0, 0, 0, 0, 0, 0]),
            "Cisco Systems, Inc"
        );
        assert_eq!(kismet_manuf(&[0xFF; 6]), UNKNOWN);
        assert_eq!(oui_manufacturer(u32::MAX), None);
        assert_eq!(kismet_oui_manuf(u32::MAX), UNKNOWN);
        assert_eq!(kismet_vendor_ie_manuf(&[]), None);
        for first in 0..=255u8 {
            let _ = kismet_manuf(&[first]);
            let _ = manufacturer(&[first, first, first, first, first, first]);
        }
    }

    #[test]
    fn vendor_ie_fallback() {
        // Ignored OUIs never count, even when they resolve.
        assert_eq!(kismet_vendor_ie_manuf(&[0x00_50_F2, 0x50_6F_9A]), None);
        // Apple's OUI resolves.
        assert_eq!(
            kismet_vendor_ie_manuf(&[0x00_50_F2, 0x00_17_F2]),
            Some("Apple, Inc.")
        );
        // A priority OUI wins over an earlier ordinary one.
        let cisco = oui_manufacturer(0x00_40_96);
        assert!(cisco.is_some());
        assert_eq!(kismet_vendor_ie_manuf(&[0x00_17_F2, 0x00_40_96]), cisco);
        // Unassigned OUIs are skipped.
        assert_eq!(
            kismet_vendor_ie_manuf(&[0x02_00_00, 0x00_17_F2]),
            Some("Apple, Inc.")
        );
    }

    #[test]
    fn parser_handles_all_lengths_and_bad_lines() {
        let text = "# comment\n\
                    0050C2\t24\tIEEE Registration Authority\r\n\
                    0050C21\t28\tBlock M\n\
                    0050C2123\t36\tBlock S \n\
                    0050C2\t24\tDuplicate\n\
                    XYZ\t24\tbad hex\n\
                    0050C\t24\tshort\n\
                    0050C2\t99\tbad bits\n\
                    0050C2\t24\n\
                    \n";
        let t = Table::parse(text);
        assert_eq!(t.list(24).len(), 1);
        assert_eq!(t.list(28).len(), 1);
        assert_eq!(t.list(36).len(), 1);
        let mac = |b: [u8; 6]| t.longest_prefix(&b);
        assert_eq!(mac([0x00, 0x50, 0xC2, 0x12, 0x30, 0x00]), Some("Block S "));
        assert_eq!(mac([0x00, 0x50, 0xC2, 0x12, 0x40, 0x00]), Some("Block M"));
        assert_eq!(
            mac([0x00, 0x50, 0xC2, 0x22, 0x40, 0x00]),
            Some("IEEE Registration Authority")
        );
        assert_eq!(
            t.longest_prefix(&[0x00, 0x50, 0xC2]),
            Some("IEEE Registration Authority")
        );
        assert_eq!(t.longest_prefix(&[0x00, 0x50, 0xC2, 0x12]), Some("Block M"));
        assert_eq!(mac([0x00, 0x50, 0xC3, 0, 0, 0]), None);
        let empty = Table::parse("");
        assert_eq!(empty.kismet_lookup(0x00_50_C2), None);
        assert_eq!(empty.longest_prefix(&[0; 6]), None);
    }
}
