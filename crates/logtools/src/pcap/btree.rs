//! The rows of an SQLite rowid table read straight from the database file's b-tree pages: the
//! fast path of [`super::export`] (spec: the SQLite file format, sections 1.3 "The database
//! header", 1.6 "B-tree pages" and 2.1 "Record format").
//!
//! SQLite's virtual machine decodes every column of every row one call at a time; a kismetdb
//! packet row has 24 columns, and that decoding, not the disk, is what limits an export. Here
//! the leaf pages of the table are read in runs (one read for many consecutive pages) and each
//! cell's record header is walked once, taking only the columns asked for, borrowed from the
//! page.
//!
//! The file is read through the connection's own SQLite file handle (the VFS `xRead`), inside
//! the read transaction the caller holds on that connection: no second descriptor is opened
//! (closing one would drop every POSIX lock the process holds on the file), and no writer can
//! change the file while the shared lock is held. Only what this reader fully understands is
//! read this way: [`Layout::of`] and [`Tree::open`] answer `None` for a WAL database, UTF-16
//! text or a root page that is not a table's, the caller leaves tables with a rowid alias,
//! column defaults or generated columns to SQLite, and falls back to SQLite too when a first
//! pass over the pages finds anything that is not a valid table b-tree. Values are returned as
//! SQLite returns them for a plain column: NaN reals as NULL, serial types 8 and 9 as the
//! integers 0 and 1, columns missing at the end of a record as NULL.

use std::ffi::{c_int, c_void};
use std::marker::PhantomData;

use rusqlite::ffi;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

/// Why the b-tree could not be read.
#[derive(Debug)]
pub(super) enum Fault {
    /// Reading the file failed.
    Io(String),
    /// The pages are not a valid table b-tree.
    Corrupt(String),
}

/// Bytes read at once when leaf pages follow each other in the file. Small enough for the
/// pages to be parsed while they are still in the CPU's cache: copies out of the page cache
/// into larger buffers run at a fraction of the speed.
const RUN_BYTES: usize = 64 << 10;

/// Bytes of leaf pages in one batch (the unit [`Tree::rows`] shares between threads).
const BATCH_BYTES: usize = 512 << 10;

/// Deepest b-tree SQLite itself walks (`BTCURSOR_MAX_DEPTH`).
const MAX_DEPTH: usize = 20;

type XRead = unsafe extern "C" fn(*mut ffi::sqlite3_file, *mut c_void, c_int, i64) -> c_int;
type XFileSize = unsafe extern "C" fn(*mut ffi::sqlite3_file, *mut i64) -> c_int;

/// The main database file of a connection, read through SQLite's own file handle.
pub(super) struct DbFile<'c> {
    file: *mut ffi::sqlite3_file,
    read: XRead,
    size: XFileSize,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> DbFile<'c> {
    /// The connection's main database file, or `None` when SQLite has not opened it (or its
    /// VFS lacks the methods used here).
    pub(super) fn of(conn: &'c Connection) -> Option<DbFile<'c>> {
        let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
        // SAFETY: `handle` is the connection's live database handle; SQLITE_FCNTL_FILE_POINTER
        // stores a `sqlite3_file *` (owned by the connection) through the pointer passed.
        let rc = unsafe {
            ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_FILE_POINTER,
                (&mut file as *mut *mut ffi::sqlite3_file).cast::<c_void>(),
            )
        };
        if rc != ffi::SQLITE_OK || file.is_null() {
            return None;
        }
        // SAFETY: `file` is the open file object SQLite handed out; `pMethods` is null when the
        // file is not open, else it points at the VFS's static method table.
        let methods = unsafe { (*file).pMethods };
        if methods.is_null() {
            return None;
        }
        // SAFETY: as above, `methods` is a valid method table.
        let (read, size) = unsafe { ((*methods).xRead?, (*methods).xFileSize?) };
        Some(DbFile {
            file,
            read,
            size,
            _conn: PhantomData,
        })
    }

    /// Fills `buf` from the file at `offset`; a read past the end of the file is corruption.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Fault> {
        let amt = c_int::try_from(buf.len())
            .map_err(|_| Fault::Io(format!("a read of {} bytes is too large", buf.len())))?;
        let at = i64::try_from(offset)
            .map_err(|_| Fault::Corrupt(format!("offset {offset} is beyond any file")))?;
        // SAFETY: the file object lives as long as the connection borrowed by `self`, is used
        // by this thread only (DbFile is neither Send nor Sync), and `buf` has `amt` writable
        // bytes.
        let rc = unsafe { (self.read)(self.file, buf.as_mut_ptr().cast::<c_void>(), amt, at) };
        match rc {
            ffi::SQLITE_OK => Ok(()),
            ffi::SQLITE_IOERR_SHORT_READ => Err(Fault::Corrupt(format!(
                "the file ends before byte {}",
                offset + buf.len() as u64
            ))),
            rc => Err(Fault::Io(format!(
                "reading {} bytes at offset {offset} failed (SQLite error {rc})",
                buf.len()
            ))),
        }
    }

    fn file_size(&self) -> Result<u64, Fault> {
        let mut size: i64 = 0;
        // SAFETY: as in `read_at`; `size` is a valid out-pointer.
        let rc = unsafe { (self.size)(self.file, &mut size) };
        if rc != ffi::SQLITE_OK {
            return Err(Fault::Io(format!(
                "reading the file size failed (SQLite error {rc})"
            )));
        }
        Ok(size.max(0) as u64)
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// An SQLite varint at `at`: the value and the position after it.
#[inline]
fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let first = *b.get(at)?;
    if first < 0x80 {
        return Some((u64::from(first), at + 1));
    }
    let mut v: u64 = 0;
    for i in 0..8 {
        let c = *b.get(at + i)?;
        v = (v << 7) | u64::from(c & 0x7f);
        if c < 0x80 {
            return Some((v, at + i + 1));
        }
    }
    let c = *b.get(at + 8)?;
    Some(((v << 8) | u64::from(c), at + 9))
}

/// The page geometry of a database file this reader can read.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    page_size: usize,
    usable: usize,
    pages: u32,
}

impl Layout {
    /// Reads the database header: `None` when the file is not one this reader handles (WAL or
    /// a newer format, text not UTF-8, an odd page geometry or a header the file contradicts).
    pub(super) fn of(file: &DbFile<'_>) -> Result<Option<Layout>, Fault> {
        let mut h = [0u8; 100];
        file.read_at(0, &mut h)?;
        if &h[..16] != b"SQLite format 3\0" || h[18] != 1 || h[19] != 1 {
            return Ok(None);
        }
        let page_size = match be16(&h, 16) {
            Some(1) => 65_536,
            Some(n) if (512..=32_768).contains(&n) && n.is_power_of_two() => n,
            _ => return Ok(None),
        };
        let usable = page_size - usize::from(h[20]);
        if usable < 480 || be32(&h, 56) != Some(1) {
            return Ok(None);
        }
        let in_file = file.file_size()? / page_size as u64;
        let in_header = be32(&h, 28).unwrap_or(0);
        let pages = if in_header != 0 && h[24..28] == h[92..96] {
            if u64::from(in_header) > in_file {
                return Ok(None);
            }
            in_header
        } else {
            match u32::try_from(in_file) {
                Ok(n) => n,
                Err(_) => return Ok(None),
            }
        };
        Ok(Some(Layout {
            page_size,
            usable,
            pages,
        }))
    }
}

/// A rowid table of a database file.
pub(super) struct Tree<'c> {
    file: DbFile<'c>,
    layout: Layout,
    root: u32,
    /// Interior levels above the leaves (0: the root is the only leaf).
    depth: usize,
    /// The root page, when interior (its children split the table for [`Tree::split`]).
    root_cells: usize,
}

/// A part of the table: the root's children `start..end` (the root's right-most child is
/// number `cells`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Part {
    start: usize,
    end: usize,
}

/// An interior page being walked.
struct Frame {
    page: Vec<u8>,
    cells: usize,
    right: u32,
    next: usize,
    end: usize,
}

impl Frame {
    fn parse(page: Vec<u8>, pgno: u32, usable: usize) -> Result<Frame, Fault> {
        if page[0] != 0x05 {
            return Err(Fault::Corrupt(format!(
                "page {pgno} should be an interior page of the table (type {})",
                page[0]
            )));
        }
        let cells = be16(&page, 3).unwrap_or(usize::MAX);
        let right = be32(&page, 8).unwrap_or(0);
        if 12 + 2 * cells > usable {
            return Err(Fault::Corrupt(format!(
                "page {pgno}: {cells} cells do not fit"
            )));
        }
        Ok(Frame {
            page,
            cells,
            right,
            next: 0,
            end: cells + 1,
        })
    }

    /// Child number `i` (`cells` is the right-most child).
    fn child(&self, i: usize, pgno: u32, usable: usize) -> Result<u32, Fault> {
        if i == self.cells {
            return Ok(self.right);
        }
        be16(&self.page, 12 + 2 * i)
            .filter(|&at| at + 4 <= usable)
            .and_then(|at| be32(&self.page, at))
            .ok_or_else(|| Fault::Corrupt(format!("page {pgno}: cell {i} is out of the page")))
    }
}

impl<'c> Tree<'c> {
    /// The table whose root page is `root`: `None` when the root is not a table b-tree page.
    pub(super) fn open(
        file: DbFile<'c>,
        layout: Layout,
        root: u32,
    ) -> Result<Option<Tree<'c>>, Fault> {
        if root < 2 || root > layout.pages {
            return Ok(None);
        }
        let mut tree = Tree {
            file,
            layout,
            root,
            depth: 0,
            root_cells: 0,
        };
        // Find the depth down the left-most path; every leaf of a b-tree is at that depth.
        let mut pgno = root;
        loop {
            let page = tree.read_page(pgno)?;
            match page[0] {
                0x0D => break,
                0x05 => {
                    let frame = Frame::parse(page, pgno, layout.usable)?;
                    if tree.depth == 0 {
                        tree.root_cells = frame.cells;
                    }
                    tree.depth += 1;
                    if tree.depth > MAX_DEPTH {
                        return Err(Fault::Corrupt("the table's b-tree is too deep".into()));
                    }
                    pgno = frame.child(0, pgno, layout.usable)?;
                }
                _ if pgno == root => return Ok(None),
                t => {
                    return Err(Fault::Corrupt(format!(
                        "page {pgno} of the table has type {t}"
                    )))
                }
            }
        }
        Ok(Some(tree))
    }

    /// Interior levels above the leaves.
    #[cfg(test)]
    pub(super) fn depth(&self) -> usize {
        self.depth
    }

    /// The whole table.
    pub(super) fn all(&self) -> Part {
        Part {
            start: 0,
            end: self.root_cells + 1,
        }
    }

    /// The table cut in two parts of about the same number of pages (the second empty when
    /// the table is a single page).
    pub(super) fn split(&self) -> (Part, Part) {
        if self.depth == 0 {
            return (self.all(), Part { start: 1, end: 1 });
        }
        let mid = self.root_cells.div_ceil(2);
        (
            Part { start: 0, end: mid },
            Part {
                start: mid,
                end: self.root_cells + 1,
            },
        )
    }

    fn check_pgno(&self, pgno: u32) -> Result<(), Fault> {
        if pgno < 2 || pgno > self.layout.pages {
            return Err(Fault::Corrupt(format!(
                "page number {pgno} is outside the file's {} pages",
                self.layout.pages
            )));
        }
        Ok(())
    }

    fn read_page(&self, pgno: u32) -> Result<Vec<u8>, Fault> {
        self.check_pgno(pgno)?;
        let mut page = vec![0u8; self.layout.page_size];
        self.file.read_at(
            u64::from(pgno - 1) * self.layout.page_size as u64,
            &mut page,
        )?;
        Ok(page)
    }

    /// Calls `f` with the rowid and the record of every row of `part`, in rowid order, and
    /// with `None` after each batch of leaf pages read together. With `share` = `(k, n)`,
    /// only the batches `k`, `k + n`, `k + 2n`… are read: `n` threads with `k` = 0..n read the
    /// whole part between them. A cell whose record spills to overflow pages is assembled in a
    /// buffer; others are borrowed from the page.
    pub(super) fn rows<E: From<Fault>>(
        &self,
        part: Part,
        share: (usize, usize),
        f: &mut Visit<'_, E>,
    ) -> Result<(), E> {
        let ps = self.layout.page_size;
        let per_batch = (BATCH_BYTES / ps).max(1);
        let per_run = (RUN_BYTES / ps).max(1);
        let (mine, every) = (share.0, share.1.max(1));
        let mut batch: Vec<u32> = Vec::with_capacity(per_batch);
        let mut buf = vec![0u8; per_run * ps];
        let mut spill = Vec::new();
        let mut last_rowid: Option<i64> = None;
        let mut walk = Walk::new(self, part)?;
        let mut number = 0usize;
        loop {
            number += 1;
            batch.clear();
            while batch.len() < per_batch {
                match walk.next_leaf(self)? {
                    Some(p) => batch.push(p),
                    None => break,
                }
            }
            if batch.is_empty() {
                return Ok(());
            }
            if (number - 1) % every != mine {
                continue;
            }
            for run in batch.chunks(per_run) {
                // One read per stretch of consecutive pages.
                let mut i = 0;
                while i < run.len() {
                    let mut j = i + 1;
                    while j < run.len() && run[j] == run[j - 1].wrapping_add(1) {
                        j += 1;
                    }
                    let at = u64::from(run[i] - 1) * ps as u64;
                    self.file.read_at(at, &mut buf[i * ps..j * ps])?;
                    i = j;
                }
                for (k, &pgno) in run.iter().enumerate() {
                    let page = &buf[k * ps..(k + 1) * ps];
                    self.leaf(pgno, page, &mut spill, &mut last_rowid, f)?;
                }
            }
            f(None)?;
        }
    }

    /// The cells of one leaf page.
    fn leaf<E: From<Fault>>(
        &self,
        pgno: u32,
        page: &[u8],
        spill: &mut Vec<u8>,
        last_rowid: &mut Option<i64>,
        f: &mut Visit<'_, E>,
    ) -> Result<(), E> {
        let usable = self.layout.usable;
        let bad = |what: String| Fault::Corrupt(format!("page {pgno}: {what}"));
        if page[0] != 0x0D {
            return Err(bad(format!(
                "a leaf of the table should have type 13, not {}",
                page[0]
            ))
            .into());
        }
        let cells = be16(page, 3).unwrap_or(usize::MAX);
        let content = 8 + 2 * cells;
        if content > usable {
            return Err(bad(format!("{cells} cells do not fit")).into());
        }
        // Payload kept on the page before spilling (file format §1.6).
        let max_local = usable - 35;
        let min_local = (usable - 12) * 32 / 255 - 23;
        for i in 0..cells {
            let at = be16(page, 8 + 2 * i).unwrap_or(0);
            if at < content || at >= usable {
                return Err(bad(format!("cell {i} is out of the page")).into());
            }
            let page = &page[..usable];
            let (len, p) = varint(page, at).ok_or_else(|| bad(format!("cell {i} is cut")))?;
            let (rowid, p) = varint(page, p).ok_or_else(|| bad(format!("cell {i} is cut")))?;
            let rowid = rowid as i64;
            if last_rowid.is_some_and(|l| rowid <= l) {
                return Err(bad(format!("rowid {rowid} is out of order")).into());
            }
            *last_rowid = Some(rowid);
            let len = usize::try_from(len)
                .ok()
                .filter(|&l| l <= 0x7fff_ffff)
                .ok_or_else(|| bad(format!("cell {i} has a payload of {len} bytes")))?;
            if len <= max_local {
                let payload = page
                    .get(p..p + len)
                    .ok_or_else(|| bad(format!("cell {i} runs past the page")))?;
                f(Some((rowid, payload)))?;
                continue;
            }
            let k = min_local + (len - min_local) % (usable - 4);
            let local = if k <= max_local { k } else { min_local };
            let (Some(head), Some(first)) = (page.get(p..p + local), be32(page, p + local)) else {
                return Err(bad(format!("cell {i} runs past the page")).into());
            };
            self.spill(head, first, len, spill)?;
            f(Some((rowid, spill)))?;
        }
        Ok(())
    }

    /// Assembles a payload of `len` bytes: `head` from the leaf, the rest from the chain of
    /// overflow pages starting at `first`.
    fn spill(&self, head: &[u8], first: u32, len: usize, out: &mut Vec<u8>) -> Result<(), Fault> {
        let ps = self.layout.page_size;
        let per_page = self.layout.usable - 4;
        if len as u64 > u64::from(self.layout.pages) * per_page as u64 {
            return Err(Fault::Corrupt(format!(
                "a record of {len} bytes is larger than the file"
            )));
        }
        out.clear();
        out.extend_from_slice(head);
        let mut page = vec![0u8; ps];
        let mut next = first;
        while out.len() < len {
            if next == 0 {
                return Err(Fault::Corrupt(format!(
                    "an overflow chain ends after {} of {len} bytes",
                    out.len()
                )));
            }
            self.check_pgno(next)?;
            self.file
                .read_at(u64::from(next - 1) * ps as u64, &mut page)?;
            let take = per_page.min(len - out.len());
            out.extend_from_slice(&page[4..4 + take]);
            next = be32(&page, 0).unwrap_or(0);
        }
        Ok(())
    }
}

/// A depth-first walk that yields the leaf pages of a part of the table in order.
struct Walk {
    stack: Vec<Frame>,
    /// The root itself is the leaf still to yield (a one-page table).
    root_leaf: Option<u32>,
    /// Page numbers of the frames on the stack.
    pgnos: Vec<u32>,
    /// Pages visited so far: a valid b-tree visits each page once.
    visited: u64,
}

impl Walk {
    fn new(tree: &Tree<'_>, part: Part) -> Result<Walk, Fault> {
        let mut walk = Walk {
            stack: Vec::with_capacity(tree.depth),
            root_leaf: None,
            pgnos: Vec::with_capacity(tree.depth),
            visited: 0,
        };
        if tree.depth == 0 {
            if part.start == 0 && part.end > 0 {
                walk.root_leaf = Some(tree.root);
            }
            return Ok(walk);
        }
        let mut root = Frame::parse(tree.read_page(tree.root)?, tree.root, tree.layout.usable)?;
        if root.cells != tree.root_cells {
            return Err(Fault::Corrupt(format!(
                "the root page {} changed while it was read",
                tree.root
            )));
        }
        root.next = part.start;
        root.end = part.end.min(root.cells + 1);
        walk.stack.push(root);
        walk.pgnos.push(tree.root);
        Ok(walk)
    }

    fn next_leaf(&mut self, tree: &Tree<'_>) -> Result<Option<u32>, Fault> {
        if let Some(p) = self.root_leaf.take() {
            return Ok(Some(p));
        }
        loop {
            let Some(top) = self.stack.last_mut() else {
                return Ok(None);
            };
            let here = self.pgnos[self.pgnos.len() - 1];
            if top.next >= top.end {
                self.stack.pop();
                self.pgnos.pop();
                continue;
            }
            let child = top.child(top.next, here, tree.layout.usable)?;
            top.next += 1;
            tree.check_pgno(child)?;
            self.visited += 1;
            if self.visited > u64::from(tree.layout.pages) {
                return Err(Fault::Corrupt(
                    "the table's b-tree has more pages than the file".into(),
                ));
            }
            if self.stack.len() == tree.depth {
                return Ok(Some(child));
            }
            if self.stack.len() >= MAX_DEPTH {
                return Err(Fault::Corrupt("the table's b-tree is too deep".into()));
            }
            let frame = Frame::parse(tree.read_page(child)?, child, tree.layout.usable)?;
            self.stack.push(frame);
            self.pgnos.push(child);
        }
    }
}

/// What [`Tree::rows`] calls: with a row's rowid and record, or `None` at the end of a
/// batch.
pub(super) type Visit<'f, E> = dyn FnMut(Option<(i64, &[u8])>) -> Result<(), E> + 'f;

/// Where the columns asked of a record go: (column number in the table, result slot), by
/// column number.
pub(super) type Wanted = [(usize, usize)];

/// Decodes the wanted columns of a record into their slots of `out` (columns past the end of
/// the record are NULL, as SQLite reads a column added to the table after the row).
#[inline]
pub(super) fn decode<'p>(
    record: &'p [u8],
    wanted: &Wanted,
    out: &mut [ValueRef<'p>],
) -> Result<(), Fault> {
    let cut = || Fault::Corrupt("a record is cut short".into());
    let (hsize, mut h) = varint(record, 0).ok_or_else(cut)?;
    let hsize = usize::try_from(hsize)
        .ok()
        .filter(|&n| n <= record.len())
        .ok_or_else(cut)?;
    let mut body = hsize;
    let mut col = 0usize;
    let mut w = 0usize;
    while w < wanted.len() && h < hsize {
        // Serial types below 128 (all but long text and blobs) are one byte.
        let st = match record[h] {
            b if b < 0x80 => {
                h += 1;
                u64::from(b)
            }
            _ => {
                let (st, nh) = varint(record, h).ok_or_else(cut)?;
                h = nh;
                st
            }
        };
        let size = serial_size(st);
        if col == wanted[w].0 {
            let end = body
                .checked_add(size)
                .filter(|&e| e <= record.len())
                .ok_or_else(cut)?;
            out[wanted[w].1] = value(st, &record[body..end]);
            w += 1;
        }
        body = body.saturating_add(size);
        col += 1;
    }
    for &(_, slot) in &wanted[w..] {
        out[slot] = ValueRef::Null;
    }
    Ok(())
}

/// Bytes a value of serial type `st` takes in the record body.
#[inline]
fn serial_size(st: u64) -> usize {
    const SMALL: [u8; 12] = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];
    match st {
        0..=11 => usize::from(SMALL[st as usize]),
        n => usize::try_from((n - 12) / 2).unwrap_or(usize::MAX),
    }
}

/// The value of serial type `st` stored in `b` (exactly `serial_size(st)` bytes).
#[inline]
fn value(st: u64, b: &[u8]) -> ValueRef<'_> {
    match st {
        1..=6 => {
            let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
            for &byte in b {
                v = (v << 8) | i64::from(byte);
            }
            ValueRef::Integer(v)
        }
        7 => {
            let mut bits = [0u8; 8];
            bits.copy_from_slice(b);
            let f = f64::from_be_bytes(bits);
            if f.is_nan() {
                ValueRef::Null
            } else {
                ValueRef::Real(f)
            }
        }
        8 => ValueRef::Integer(0),
        9 => ValueRef::Integer(1),
        n if n >= 12 && n % 2 == 0 => ValueRef::Blob(b),
        n if n >= 13 => ValueRef::Text(b),
        _ => ValueRef::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_decode_as_sqlite_writes_them() {
        assert_eq!(varint(&[0x05], 0), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00], 0), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9], 0), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81], 0), None);
        assert_eq!(varint(&[], 0), None);
    }

    #[test]
    fn records_decode_every_serial_type() {
        // Header: size 9, then types NULL, int8, int16, int24, int32, int48, int64, real, 0, 1,
        // text "hi", blob [1 2 3]. (That is 13 bytes of header.)
        let mut rec = vec![13u8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 18];
        rec.extend([0xff]); // -1
        rec.extend([0x01, 0x00]); // 256
        rec.extend([0xff, 0xff, 0xfe]); // -2
        rec.extend(100_000i32.to_be_bytes());
        rec.extend([0x80, 0, 0, 0, 0, 0]); // -2^47
        rec.extend(i64::MAX.to_be_bytes());
        rec.extend(2.5f64.to_be_bytes());
        rec.extend(b"hi");
        rec.extend([1, 2, 3]);
        let wanted: Vec<(usize, usize)> = (0..13).map(|c| (c, c)).collect();
        let mut out = [ValueRef::Null; 13];
        decode(&rec, &wanted, &mut out).unwrap();
        assert_eq!(
            out,
            [
                ValueRef::Null,
                ValueRef::Integer(-1),
                ValueRef::Integer(256),
                ValueRef::Integer(-2),
                ValueRef::Integer(100_000),
                ValueRef::Integer(-(1 << 47)),
                ValueRef::Integer(i64::MAX),
                ValueRef::Real(2.5),
                ValueRef::Integer(0),
                ValueRef::Integer(1),
                ValueRef::Text(b"hi"),
                ValueRef::Blob(&[1, 2, 3]),
                // Past the end of the record.
                ValueRef::Null,
            ]
        );
        // A NaN real reads as NULL; a body shorter than its header says is corrupt.
        let mut nan = vec![2u8, 7];
        nan.extend(f64::NAN.to_be_bytes());
        let mut one = [ValueRef::Integer(9)];
        decode(&nan, &[(0, 0)], &mut one).unwrap();
        assert_eq!(one[0], ValueRef::Null);
        assert!(decode(&[2, 6, 1, 2], &[(0, 0)], &mut one).is_err());
        assert!(decode(&[9, 1], &[(0, 0)], &mut one).is_err());
    }
}
