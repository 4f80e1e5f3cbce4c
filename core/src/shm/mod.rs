//! Shared memory: primitives whose state lives in a memory-mapped file, so
//! every process on a host that opens the same region shares one limit,
//! one breaker, one bulkhead (pre-fork servers: gunicorn, uWSGI, Node
//! `cluster`, PHP-FPM).
//!
//! A [`SharedRegion`] is a file (default under `/dev/shm`) with a versioned
//! header and a directory of named slots. A primitive built "in" a region
//! under a name finds its slot there (first process: creates and
//! initialises it; later ones: attach after checking the config) and keeps
//! its state in the slot's atomics. The primitive's code is the same as on
//! the heap: it reaches its state through [`Place`](crate::place::Place),
//! which is either a heap value or a view into the mapping.
//!
//! The layout, versioning, the reclaim bound and what is lock-free are in
//! `spec/shared_memory.md`.

pub(crate) mod map;

use crate::error::{Error, RegionProblem, Result};
use map::{Cells, Mapped, MappedSlice, Mapping};
use std::fs::{File, OpenOptions};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// `b"SEAWALL1"` read as a little-endian `u64`: the first 8 bytes of every
/// region file.
pub const MAGIC: u64 = u64::from_le_bytes(*b"SEAWALL1");
/// The layout version: bumped whenever the header, the directory or any
/// primitive's slot layout changes. A region of another version is refused.
pub const LAYOUT_VERSION: u64 = 3;
/// Bytes before the directory (the header page).
const HEADER_BYTES: u64 = 4096;
/// Slot data is aligned to this (a cache-line pair, as `Padded`).
const SLOT_ALIGN: u64 = 128;
/// Longest slot name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 112;
/// Most config words a slot records (checked on attach).
const CFG_WORDS: usize = 28;

/// Default region size: 64 MiB (pages are only backed when touched).
pub const DEFAULT_SIZE: u64 = 64 << 20;
/// Default number of slots in the directory.
pub const DEFAULT_SLOTS: u32 = 256;
/// The directory regions named without a `/` inside live in.
pub const DEFAULT_DIR: &str = "/dev/shm";

/// The region header, at offset 0. All fields are written once by the
/// creator (under the file lock) except `bump`.
#[repr(C)]
#[derive(zerocopy::FromBytes)]
struct Header {
    magic: AtomicU64,
    version: AtomicU64,
    header_bytes: AtomicU64,
    total_bytes: AtomicU64,
    dir_offset: AtomicU64,
    dir_slots: AtomicU64,
    data_offset: AtomicU64,
    /// The next free byte of the data area (slot allocation bumps it, under
    /// the file lock).
    bump: AtomicU64,
    creator_pid: AtomicU64,
    creator_start: AtomicU64,
    reserved: [AtomicU64; 6],
}
impl Cells for Header {}

/// One directory entry: a named slot. `state` is written last (release),
/// so a reader that sees `READY` sees the rest.
#[repr(C)]
#[derive(zerocopy::FromBytes)]
struct DirEntry {
    state: AtomicU64,
    kind: AtomicU64,
    name_len: AtomicU64,
    offset: AtomicU64,
    size: AtomicU64,
    cfg_len: AtomicU64,
    name: [AtomicU64; MAX_NAME_BYTES / 8],
    cfg: [AtomicU64; CFG_WORDS],
}
impl Cells for DirEntry {}

const READY: u64 = 1;
const DIR_ENTRY_BYTES: u64 = size_of::<DirEntry>() as u64;

/// What a slot holds (stored in the directory; attaching as another kind is
/// an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum SlotKind {
    TokenBucket = 1,
    CircuitBreaker = 2,
    Bulkhead = 3,
    SlidingWindow = 4,
    RetryBudget = 5,
    KeyedTokenBucket = 6,
    KeyedSlidingWindow = 7,
}

impl SlotKind {
    fn name(self) -> &'static str {
        match self {
            SlotKind::TokenBucket => "token_bucket",
            SlotKind::CircuitBreaker => "circuit_breaker",
            SlotKind::Bulkhead => "bulkhead",
            SlotKind::SlidingWindow => "sliding_window",
            SlotKind::RetryBudget => "retry_budget",
            SlotKind::KeyedTokenBucket => "keyed_token_bucket",
            SlotKind::KeyedSlidingWindow => "keyed_sliding_window",
        }
    }

    fn from_u64(v: u64) -> Option<SlotKind> {
        [
            SlotKind::TokenBucket,
            SlotKind::CircuitBreaker,
            SlotKind::Bulkhead,
            SlotKind::SlidingWindow,
            SlotKind::RetryBudget,
            SlotKind::KeyedTokenBucket,
            SlotKind::KeyedSlidingWindow,
        ]
        .into_iter()
        .find(|k| *k as u64 == v)
    }
}

/// One config value a slot records, so an attaching process with another
/// config is refused naming the field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cfg {
    U64(u64),
    F64(f64),
    OptU64(Option<u64>),
    OptF64(Option<f64>),
}

impl Cfg {
    fn word(self) -> u64 {
        match self {
            Cfg::U64(v) => v,
            Cfg::F64(v) => v.to_bits(),
            Cfg::OptU64(v) => v.unwrap_or(u64::MAX),
            Cfg::OptF64(v) => v.map_or(u64::MAX, f64::to_bits),
        }
    }

    /// The same kind of value from a stored word, for the error message.
    fn show(self, w: u64) -> String {
        match self {
            Cfg::U64(_) => w.to_string(),
            Cfg::F64(_) => format!("{:?}", f64::from_bits(w)),
            Cfg::OptU64(_) if w == u64::MAX => "none".to_owned(),
            Cfg::OptU64(_) => w.to_string(),
            Cfg::OptF64(_) if w == u64::MAX => "none".to_owned(),
            Cfg::OptF64(_) => format!("{:?}", f64::from_bits(w)),
        }
    }
}

/// Options of [`SharedRegion::open_with`]; they matter only to the process
/// that creates the file (an attaching process uses the file's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionOptions {
    /// Total bytes of the file, header and directory included. Default
    /// 64 MiB; at least the header and directory plus one page.
    pub size: u64,
    /// Slots in the directory (named primitives the region can hold).
    /// Default 256, `1..=65536`.
    pub slots: u32,
}

impl Default for RegionOptions {
    fn default() -> Self {
        Self {
            size: DEFAULT_SIZE,
            slots: DEFAULT_SLOTS,
        }
    }
}

/// A shared-memory region: a file mapped by every process that opens it.
/// Cheap to clone (one `Arc`); thread-safe.
///
/// ```no_run
/// use seawall::shm::SharedRegion;
/// use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
/// let region = SharedRegion::open("/payments")?; // /dev/shm/payments
/// let tb = TokenBucket::in_region(TokenBucketConfig::default(), &region, "api")?;
/// let _ = tb.try_acquire(1)?;
/// # Ok::<(), seawall::Error>(())
/// ```
#[derive(Clone)]
pub struct SharedRegion {
    inner: Arc<Inner>,
}

struct Inner {
    map: Arc<Mapping>,
    file: File,
    path: PathBuf,
    header: Mapped<Header>,
    dir: MappedSlice<DirEntry>,
    /// Threads of this process creating slots (the file lock is per open
    /// file, so it does not order this process's own threads).
    create: Mutex<()>,
}

impl std::fmt::Debug for SharedRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRegion")
            .field("path", &self.inner.path)
            .field("size", &self.inner.map.len())
            .finish()
    }
}

fn region_err(problem: RegionProblem, reason: impl Into<String>) -> Error {
    Error::Region {
        problem,
        reason: reason.into(),
    }
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> Error {
    region_err(RegionProblem::Io, format!("{what} {}: {e}", path.display()))
}

/// The file a region name stands for: a name with no `/` after its first
/// character lives in [`DEFAULT_DIR`] (`"/payments"` and `"payments"` are
/// `/dev/shm/payments`, as `shm_open` names them); anything else is a path.
pub fn region_path(name: &str) -> Result<PathBuf> {
    let bare = name.strip_prefix('/').unwrap_or(name);
    if bare.is_empty() || name.contains('\0') {
        return Err(Error::argument(
            "name",
            format!("must be a region name or a path, got {name:?}"),
        ));
    }
    if bare.contains('/') {
        Ok(PathBuf::from(name))
    } else {
        Ok(Path::new(DEFAULT_DIR).join(bare))
    }
}

/// A new open file description of the file `file` is open on (through
/// `/proc/self/fd`, so a file renamed or replaced at `path` since does not
/// matter; `path` where there is no procfs).
fn reopen(file: &File, path: &Path) -> Result<File> {
    use std::os::fd::AsRawFd;
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    OpenOptions::new()
        .read(true)
        .open(&proc_path)
        .or_else(|_| OpenOptions::new().read(true).open(path))
        .map_err(|e| io_err(path, "cannot reopen", e))
}

/// An exclusive `flock` on the region file, released on drop (and by the
/// kernel if the process dies). Taken only to create the file or a slot.
struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    fn take(file: &'a File, path: &Path) -> Result<Self> {
        rustix::fs::flock(file.as_fd(), rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| io_err(path, "cannot lock", e.into()))?;
        Ok(FileLock(file))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        let _ = rustix::fs::flock(self.0.as_fd(), rustix::fs::FlockOperation::Unlock);
    }
}

impl SharedRegion {
    /// Opens the region `name` (see [`region_path`]), creating it with the
    /// default options if it does not exist.
    pub fn open(name: &str) -> Result<SharedRegion> {
        Self::open_with(name, &RegionOptions::default())
    }

    /// Opens the region `name`, creating it with `opts` if it does not
    /// exist (file mode 0600: only this user can attach). An existing file
    /// is validated: a truncated, corrupted or other-version file is
    /// `Error::Region`, never reset.
    pub fn open_with(name: &str, opts: &RegionOptions) -> Result<SharedRegion> {
        let path = region_path(name)?;
        let dir_bytes = u64::from(opts.slots).saturating_mul(DIR_ENTRY_BYTES);
        let min = HEADER_BYTES + dir_bytes + 4096;
        if opts.slots == 0 || opts.slots > 65536 {
            return Err(Error::config(
                "slots",
                format!("must be in 1..=65536, got {}", opts.slots),
            ));
        }
        if opts.size < min || opts.size > (1 << 40) {
            return Err(Error::config(
                "size",
                format!(
                    "must be in {min}..=2^40 bytes for {} slots, got {}",
                    opts.slots, opts.size
                ),
            ));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_err(&path, "cannot open", e))?;
        let (map, fresh) = {
            let _lock = FileLock::take(&file, &path)?;
            let len = file
                .metadata()
                .map_err(|e| io_err(&path, "cannot stat", e))?
                .len();
            if len == 0 {
                file.set_len(opts.size)
                    .map_err(|e| io_err(&path, "cannot size", e))?;
                let map = map_file(&file, &path, opts.size)?;
                init_header(&map, opts)?;
                (map, true)
            } else {
                if len < size_of::<Header>() as u64 {
                    return Err(region_err(
                        RegionProblem::Truncated,
                        format!(
                            "{} is {len} bytes, shorter than a region header",
                            path.display()
                        ),
                    ));
                }
                let map = map_file(&file, &path, len)?;
                if header_never_written(&map) {
                    // A creator died between sizing the file and writing
                    // the header (both under this lock): nothing to lose.
                    init_header(
                        &map,
                        &RegionOptions {
                            size: len,
                            ..opts.clone()
                        },
                    )?;
                    (map, true)
                } else {
                    (map, false)
                }
            }
        };
        let header = Mapped::<Header>::view(&map, 0)
            .ok_or_else(|| region_err(RegionProblem::Corrupt, "header does not fit"))?;
        let (dir_offset, slots) = validate_header(&header, map.len() as u64, &path)?;
        let dir = MappedSlice::<DirEntry>::view(&map, dir_offset as usize, slots as usize)
            .ok_or_else(|| region_err(RegionProblem::Corrupt, "directory does not fit"))?;
        let r = SharedRegion {
            inner: Arc::new(Inner {
                map,
                file,
                path,
                header,
                dir,
                create: Mutex::new(()),
            }),
        };
        if !fresh {
            r.validate_directory()?;
        }
        Ok(r)
    }

    /// Deletes the region file `name` (processes that have it open keep
    /// their mapping; the next `open` creates a new region). Missing is
    /// not an error.
    pub fn remove(name: &str) -> Result<()> {
        let path = region_path(name)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&path, "cannot remove", e)),
        }
    }

    /// The file backing this region.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Total bytes of the region.
    pub fn size(&self) -> u64 {
        self.inner.map.len() as u64
    }

    /// Slots in use and slots in the directory.
    pub fn slots_used(&self) -> (usize, usize) {
        let used = self
            .inner
            .dir
            .iter()
            .filter(|e| e.state.load(Ordering::Acquire) == READY)
            .count();
        (used, self.inner.dir.len())
    }

    /// Bytes of the data area still free.
    pub fn bytes_free(&self) -> u64 {
        (self.inner.map.len() as u64).saturating_sub(self.inner.header.bump.load(Ordering::Acquire))
    }

    /// Every ready entry's slot bounds must lie in the data area.
    fn validate_directory(&self) -> Result<()> {
        let h = &self.inner.header;
        let data = h.data_offset.load(Ordering::Acquire);
        let total = self.inner.map.len() as u64;
        for (i, e) in self.inner.dir.iter().enumerate() {
            match e.state.load(Ordering::Acquire) {
                0 => {}
                READY => {
                    let off = e.offset.load(Ordering::Relaxed);
                    let size = e.size.load(Ordering::Relaxed);
                    let ok = off >= data
                        && off.is_multiple_of(SLOT_ALIGN)
                        && off.checked_add(size).is_some_and(|end| end <= total)
                        && e.name_len.load(Ordering::Relaxed) as usize <= MAX_NAME_BYTES
                        && e.cfg_len.load(Ordering::Relaxed) as usize <= CFG_WORDS
                        && SlotKind::from_u64(e.kind.load(Ordering::Relaxed)).is_some();
                    if !ok {
                        return Err(region_err(
                            RegionProblem::Corrupt,
                            format!(
                                "{}: directory entry {i} is out of bounds",
                                self.inner.path.display()
                            ),
                        ));
                    }
                }
                s => {
                    return Err(region_err(
                        RegionProblem::Corrupt,
                        format!(
                            "{}: directory entry {i} has state {s}",
                            self.inner.path.display()
                        ),
                    ))
                }
            }
        }
        Ok(())
    }

    /// The slot `name` of `kind`: found (after checking `cfg` against the
    /// recorded config) or created with `size` zeroed bytes that `init`
    /// then sets up (only the creating process runs `init`, before any
    /// other process can see the slot).
    pub(crate) fn slot(
        &self,
        kind: SlotKind,
        name: &str,
        cfg: &[(&'static str, Cfg)],
        size: usize,
        init: impl FnOnce(&Slot) -> Result<()>,
    ) -> Result<Slot> {
        if name.is_empty() || name.len() > MAX_NAME_BYTES || name.contains('\0') {
            return Err(Error::argument(
                "name",
                format!("must be 1..={MAX_NAME_BYTES} bytes with no NUL, got {name:?}"),
            ));
        }
        if cfg.len() > CFG_WORDS {
            return Err(region_err(RegionProblem::Corrupt, "too many config fields"));
        }
        let words = name_words(name);
        if let Some(s) = self.find(kind, name, &words, cfg, size)? {
            return Ok(s);
        }
        let _local = self
            .inner
            .create
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // A lock on a fresh open of the same file: `flock` locks belong to
        // the open file description, which a forked child shares with its
        // parent, so locking `self.inner.file` would not order a pre-fork
        // master and its workers creating slots at once.
        let lock_file = reopen(&self.inner.file, &self.inner.path)?;
        let _lock = FileLock::take(&lock_file, &self.inner.path)?;
        if let Some(s) = self.find(kind, name, &words, cfg, size)? {
            return Ok(s);
        }
        let entry = self
            .inner
            .dir
            .iter()
            .find(|e| e.state.load(Ordering::Acquire) != READY)
            .ok_or_else(|| {
                region_err(
                    RegionProblem::Full,
                    format!(
                        "{}: all {} slots are in use; no room for {name:?}",
                        self.inner.path.display(),
                        self.inner.dir.len()
                    ),
                )
            })?;
        let h = &self.inner.header;
        let off = h.bump.load(Ordering::Acquire).next_multiple_of(SLOT_ALIGN);
        let size64 = (size as u64).max(1);
        let end = off
            .checked_add(size64)
            .filter(|&e| e <= self.inner.map.len() as u64);
        let Some(end) = end else {
            return Err(region_err(
                RegionProblem::Full,
                format!(
                    "{}: {size} bytes for {name:?} do not fit ({} bytes free)",
                    self.inner.path.display(),
                    self.bytes_free()
                ),
            ));
        };
        let slot = Slot {
            map: Arc::clone(&self.inner.map),
            offset: off as usize,
            size,
        };
        // The bytes are taken before they are written: a creator that dies
        // before publishing the slot leaves them unused, never reused, so
        // a new slot is always fresh zeroes from the file's extension (and
        // its pages cost memory only once touched).
        h.bump.store(end, Ordering::Release);
        init(&slot)?;
        entry.kind.store(kind as u64, Ordering::Relaxed);
        entry.name_len.store(name.len() as u64, Ordering::Relaxed);
        for (c, w) in entry.name.iter().zip(words.iter()) {
            c.store(*w, Ordering::Relaxed);
        }
        entry.offset.store(off, Ordering::Relaxed);
        entry.size.store(size as u64, Ordering::Relaxed);
        entry.cfg_len.store(cfg.len() as u64, Ordering::Relaxed);
        for (c, (_, v)) in entry.cfg.iter().zip(cfg.iter()) {
            c.store(v.word(), Ordering::Relaxed);
        }
        entry.state.store(READY, Ordering::Release);
        Ok(slot)
    }

    fn find(
        &self,
        kind: SlotKind,
        name: &str,
        words: &[u64; MAX_NAME_BYTES / 8],
        cfg: &[(&'static str, Cfg)],
        size: usize,
    ) -> Result<Option<Slot>> {
        for e in self.inner.dir.iter() {
            if e.state.load(Ordering::Acquire) != READY
                || e.name_len.load(Ordering::Relaxed) != name.len() as u64
                || !e
                    .name
                    .iter()
                    .zip(words.iter())
                    .all(|(c, w)| c.load(Ordering::Relaxed) == *w)
            {
                continue;
            }
            let k = e.kind.load(Ordering::Relaxed);
            if k != kind as u64 {
                let theirs = SlotKind::from_u64(k).map_or("unknown", SlotKind::name);
                return Err(Error::argument(
                    "name",
                    format!(
                        "{name:?} in the region is a {theirs}, not a {}",
                        kind.name()
                    ),
                ));
            }
            if e.cfg_len.load(Ordering::Relaxed) != cfg.len() as u64
                || e.size.load(Ordering::Relaxed) != size as u64
            {
                return Err(region_err(
                    RegionProblem::Version,
                    format!("{name:?} was created with another slot layout"),
                ));
            }
            for (c, (field, v)) in e.cfg.iter().zip(cfg.iter()) {
                let theirs = c.load(Ordering::Relaxed);
                if theirs != v.word() {
                    return Err(Error::config(
                        field,
                        format!(
                            "differs from the shared {} {name:?}: {} in the region, {} here",
                            kind.name(),
                            v.show(theirs),
                            v.show(v.word())
                        ),
                    ));
                }
            }
            return Ok(Some(Slot {
                map: Arc::clone(&self.inner.map),
                offset: e.offset.load(Ordering::Relaxed) as usize,
                size,
            }));
        }
        Ok(None)
    }
}

/// The clock of primitives in a region: the host's `CLOCK_MONOTONIC`,
/// whose readings every process on the host shares (a per-process or
/// per-CPU-calibrated source would make timestamps in the slot
/// meaningless to other processes).
pub(crate) fn region_clock() -> crate::clock::ClockSource {
    crate::clock::ClockSource::Monotonic
}

/// A name as 14 little-endian words, zero-padded.
fn name_words(name: &str) -> [u64; MAX_NAME_BYTES / 8] {
    let mut out = [0u64; MAX_NAME_BYTES / 8];
    for (w, chunk) in out.iter_mut().zip(name.as_bytes().chunks(8)) {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(chunk) {
            *d = *s;
        }
        *w = u64::from_le_bytes(b);
    }
    out
}

fn map_file(file: &File, path: &Path, len: u64) -> Result<Arc<Mapping>> {
    let len = usize::try_from(len)
        .map_err(|_| region_err(RegionProblem::Corrupt, "size does not fit in memory"))?;
    Mapping::map(file, len)
        .map(Arc::new)
        .map_err(|e| io_err(path, "cannot map", e))
}

fn init_header(map: &Arc<Mapping>, opts: &RegionOptions) -> Result<()> {
    let h = Mapped::<Header>::view(map, 0)
        .ok_or_else(|| region_err(RegionProblem::Corrupt, "header does not fit"))?;
    let dir_bytes = u64::from(opts.slots) * DIR_ENTRY_BYTES;
    let data = (HEADER_BYTES + dir_bytes).next_multiple_of(4096);
    let me = holder::current();
    h.version.store(LAYOUT_VERSION, Ordering::Relaxed);
    h.header_bytes.store(HEADER_BYTES, Ordering::Relaxed);
    h.total_bytes.store(opts.size, Ordering::Relaxed);
    h.dir_offset.store(HEADER_BYTES, Ordering::Relaxed);
    h.dir_slots.store(u64::from(opts.slots), Ordering::Relaxed);
    h.data_offset.store(data, Ordering::Relaxed);
    h.bump.store(data, Ordering::Relaxed);
    h.creator_pid.store(u64::from(me.pid), Ordering::Relaxed);
    h.creator_start.store(me.start, Ordering::Relaxed);
    h.magic.store(MAGIC, Ordering::Release);
    Ok(())
}

/// Whether every header word is still zero (the file was sized but its
/// creator died before writing the header).
fn header_never_written(map: &Arc<Mapping>) -> bool {
    match MappedSlice::<AtomicU64>::view(map, 0, size_of::<Header>() / 8) {
        Some(words) => words.iter().all(|w| w.load(Ordering::Acquire) == 0),
        None => false,
    }
}

/// Checks the header against the file: `(directory offset, slots)`.
fn validate_header(h: &Header, file_len: u64, path: &Path) -> Result<(u64, u64)> {
    let p = path.display();
    let magic = h.magic.load(Ordering::Acquire);
    if magic != MAGIC {
        return Err(region_err(
            RegionProblem::Corrupt,
            format!("{p} is not a seawall region (magic {magic:#018x})"),
        ));
    }
    let v = h.version.load(Ordering::Relaxed);
    if v != LAYOUT_VERSION {
        return Err(region_err(
            RegionProblem::Version,
            format!("{p} has layout version {v}; this build reads version {LAYOUT_VERSION}"),
        ));
    }
    let total = h.total_bytes.load(Ordering::Relaxed);
    if total != file_len {
        return Err(region_err(
            if file_len < total {
                RegionProblem::Truncated
            } else {
                RegionProblem::Corrupt
            },
            format!("{p} is {file_len} bytes; its header says {total}"),
        ));
    }
    let dir = h.dir_offset.load(Ordering::Relaxed);
    let slots = h.dir_slots.load(Ordering::Relaxed);
    let data = h.data_offset.load(Ordering::Relaxed);
    let bump = h.bump.load(Ordering::Relaxed);
    let dir_end = slots
        .checked_mul(DIR_ENTRY_BYTES)
        .and_then(|b| b.checked_add(dir));
    let ok = h.header_bytes.load(Ordering::Relaxed) == HEADER_BYTES
        && dir == HEADER_BYTES
        && (1..=65536).contains(&slots)
        && dir_end.is_some_and(|e| e <= data)
        && data <= bump
        && bump <= total;
    if !ok {
        return Err(region_err(
            RegionProblem::Corrupt,
            format!("{p}: header fields are inconsistent"),
        ));
    }
    Ok((dir, slots))
}

/// A slot's bytes in a region: where a primitive's state lives.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    map: Arc<Mapping>,
    offset: usize,
    size: usize,
}

impl Slot {
    /// The `T` at byte `at` of the slot.
    pub(crate) fn view<T: Cells>(&self, at: usize) -> Result<Mapped<T>> {
        if at.saturating_add(size_of::<T>()) > self.size {
            return Err(region_err(RegionProblem::Corrupt, "slot too small"));
        }
        Mapped::view(&self.map, self.offset.saturating_add(at))
            .ok_or_else(|| region_err(RegionProblem::Corrupt, "slot view out of bounds"))
    }

    /// `len` consecutive `T`s at byte `at` of the slot.
    pub(crate) fn slice<T: Cells>(&self, at: usize, len: usize) -> Result<MappedSlice<T>> {
        let bytes = size_of::<T>().saturating_mul(len);
        if at.saturating_add(bytes) > self.size {
            return Err(region_err(RegionProblem::Corrupt, "slot too small"));
        }
        MappedSlice::view(&self.map, self.offset.saturating_add(at), len)
            .ok_or_else(|| region_err(RegionProblem::Corrupt, "slot view out of bounds"))
    }
}

pub(crate) mod holder;

#[cfg(test)]
mod tests;
