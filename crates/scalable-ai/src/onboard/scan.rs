//! The repository as `init-component` sees it: every file's path and size from
//! one `.gitignore`-aware walk, and the few small text files the rules read.
//!
//! Nothing here reads a file it was not asked to: data files are only sized.
//! Anything odd (an unreadable file, a symlink loop, a binary file named like
//! text, non-UTF-8 text) becomes a note, never an error.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Files larger than this are never read as text (a `setup.py` or a
/// `DESCRIPTION` is a few KB; anything this big is data or generated).
pub const MAX_TEXT_BYTES: u64 = 1 << 20;

/// The walk stops after this many entries, so a huge tree costs bounded time.
pub const MAX_ENTRIES: usize = 500_000;

/// Threads listing folders during the walk.
const WALK_THREADS: usize = 2;

/// What the walk found at one entry.
enum Found {
    Dir(String),
    File(String, Option<u64>),
    Note(String),
    Truncated,
    Nothing,
}

/// Classifies one walk entry (on a walker thread).
fn classify(root: &Path, item: Result<ignore::DirEntry, ignore::Error>, size_all: bool) -> Found {
    let entry = match item {
        Ok(entry) => entry,
        Err(e) => return Found::Note(walk_error(root, &e)),
    };
    if entry.depth() == 0 {
        return Found::Nothing;
    }
    let rel = relative(root, entry.path());
    let Some(kind) = entry.file_type() else {
        return Found::Nothing;
    };
    if kind.is_dir() {
        Found::Dir(rel)
    } else if kind.is_file() {
        if !(size_all || is_data_file(&rel)) {
            return Found::File(rel, None);
        }
        match entry.metadata() {
            Ok(m) => Found::File(rel, Some(m.len())),
            Err(e) => Found::Note(format!("cannot size `{rel}`: {}", walk_error(root, &e))),
        }
    } else if kind.is_symlink() {
        symlink(rel, entry.path())
    } else {
        // Sockets, FIFOs and devices are skipped: opening a FIFO would block.
        Found::Nothing
    }
}

/// A symlink is not followed as a folder (a link to `/` or to an ancestor
/// would make the walk endless); a link to a file counts as that file.
fn symlink(rel: String, path: &Path) -> Found {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => Found::File(rel, Some(m.len())),
        Ok(m) if m.is_dir() => Found::Note(format!(
            "`{rel}` is a symlink to a folder; not followed (its files are not considered)"
        )),
        Ok(_) => Found::Nothing,
        Err(e) if is_loop(&e) => Found::Note(format!("`{rel}` is a symlink loop; skipped")),
        Err(e) => Found::Note(format!(
            "`{rel}` is a broken symlink ({}); skipped",
            io_text(&e)
        )),
    }
}

/// One file found by the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    /// Size in bytes (of the target, for a symlink to a file), for data
    /// files (or every file, when the scan sizes all); `None` otherwise:
    /// a `stat` per source file would be most of the walk's cost.
    pub size: Option<u64>,
}

/// Data-file extensions: these files are sized as model input, never read.
pub const DATA_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "nc", "nc4", "netcdf", "h5", "hdf5", "hdf", "zarr", "parquet", "feather", "pkl",
    "pickle", "npy", "npz", "zip", "gz", "bz2", "xz", "tar", "tif", "tiff", "geotiff", "shp",
    "dbf", "grib", "grb", "dat", "bin", "xlsx", "xls", "mat", "rds", "rda", "RData", "sqlite",
    "db",
];

/// Whether `path` names a data file (by extension, any case).
pub fn is_data_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| DATA_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

/// A scanned repository.
#[derive(Debug)]
pub struct Repo {
    /// The folder scanned.
    pub root: PathBuf,
    /// Every regular file, by path relative to `root` with `/` separators.
    pub files: BTreeMap<String, FileInfo>,
    /// Every folder, relative to `root` (the root itself is not listed).
    pub dirs: BTreeSet<String>,
    notes: RefCell<Vec<String>>,
    texts: RefCell<HashMap<String, Option<Rc<str>>>>,
}

impl Repo {
    /// Walks `root`, honouring `.gitignore` and `.git/info/exclude` as git
    /// does (also outside a git checkout, as in an unpacked release), but not
    /// the user's global git excludes, which would make the result depend on
    /// the machine, nor ripgrep's `.ignore` files, which git does not read.
    /// Hidden files and folders are skipped. The walk is unsorted and
    /// parallel (sorting by name cost a fifth of a 20,000-file walk); the
    /// maps it fills are ordered, and its notes are sorted, so the result does
    /// not depend on the order entries are found in.
    ///
    /// Data files are sized; with `size_all`, every file is (for `--data-dir`).
    pub fn scan(root: &Path, size_all: bool) -> Repo {
        let mut repo = Repo {
            root: root.to_path_buf(),
            files: BTreeMap::new(),
            dirs: BTreeSet::new(),
            notes: RefCell::new(Vec::new()),
            texts: RefCell::new(HashMap::new()),
        };
        // The walk is mostly system calls (a directory listing and an
        // ignore-file lookup per folder, a `stat` per data file): two
        // threads list folders side by side; the main thread files what they
        // find into the ordered maps.
        let walker = ignore::WalkBuilder::new(root)
            .standard_filters(true)
            .ignore(false)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .threads(WALK_THREADS)
            .build_parallel();
        let (tx, rx) = std::sync::mpsc::channel::<Found>();
        let entries = AtomicUsize::new(0);
        walker.run(|| {
            let tx = tx.clone();
            let entries = &entries;
            Box::new(move |item| {
                if entries.fetch_add(1, Ordering::Relaxed) >= MAX_ENTRIES {
                    let _ = tx.send(Found::Truncated);
                    return ignore::WalkState::Quit;
                }
                let _ = tx.send(classify(root, item, size_all));
                ignore::WalkState::Continue
            })
        });
        drop(tx);
        for found in rx {
            match found {
                Found::Dir(rel) => {
                    repo.dirs.insert(rel);
                }
                Found::File(rel, size) => {
                    repo.files.insert(rel, FileInfo { size });
                }
                Found::Note(text) => repo.note(text),
                Found::Truncated => repo.note(format!(
                    "stopped the walk after {MAX_ENTRIES} entries; files past them were not considered"
                )),
                Found::Nothing => {}
            }
        }
        repo.notes.get_mut().sort();
        repo
    }

    /// Records a note (something odd the user should know; not an error).
    pub fn note(&self, text: String) {
        let mut notes = self.notes.borrow_mut();
        if !notes.contains(&text) {
            notes.push(text);
        }
    }

    /// The notes so far, in the order they were made.
    pub fn notes(&self) -> Vec<String> {
        self.notes.borrow().clone()
    }

    /// Whether the walk found `rel`.
    pub fn has(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    /// Whether `rel` is a folder the walk found.
    pub fn has_dir(&self, rel: &str) -> bool {
        self.dirs.contains(rel)
    }

    /// The text of a file the walk found, read at most once. `None`, with a
    /// note saying why, for a file that is too large, unreadable or binary;
    /// invalid UTF-8 is replaced (and noted) so one bad byte in a comment does
    /// not hide a whole `setup.py`.
    pub fn text(&self, rel: &str) -> Option<Rc<str>> {
        if let Some(cached) = self.texts.borrow().get(rel) {
            return cached.clone();
        }
        let text = self.read(rel).map(Rc::from);
        self.texts
            .borrow_mut()
            .insert(rel.to_string(), text.clone());
        text
    }

    fn read(&self, rel: &str) -> Option<String> {
        self.files.get(rel)?;
        let failed = |e: std::io::Error| -> Option<String> {
            self.note(format!("cannot read `{rel}`: {}; skipped", io_text(&e)));
            None
        };
        let mut file = match fs::File::open(self.root.join(rel)) {
            Ok(f) => f,
            Err(e) => return failed(e),
        };
        // Sized from the open file, so what is checked is what is read.
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > MAX_TEXT_BYTES {
            self.note(format!(
                "`{rel}` is {size} bytes, too large to be a packaging file; not read"
            ));
            return None;
        }
        let mut bytes = Vec::with_capacity(size as usize);
        if let Err(e) = file.read_to_end(&mut bytes) {
            return failed(e);
        }
        decode(rel, bytes, |n| self.note(n))
    }
}

/// Text from `bytes` read from `rel`: `None` for binary content (a NUL byte
/// in the first 8 KB, as git decides), invalid UTF-8 replaced; each with a
/// note.
pub fn decode(rel: &str, bytes: Vec<u8>, mut note: impl FnMut(String)) -> Option<String> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        note(format!(
            "`{rel}` holds binary data though its name says text; skipped"
        ));
        return None;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            note(format!(
                "`{rel}` is not valid UTF-8; read with replacement characters"
            ));
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    Some(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// `path` relative to `root`, with `/` separators on every platform.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk_error(root: &Path, e: &ignore::Error) -> String {
    // The walker's own message names the absolute path; say it relative to
    // the repository, so notes read the same wherever the repository is.
    let text = e.to_string();
    let root_text = root.display().to_string();
    let text = text
        .replace(&format!("{root_text}/"), "")
        .replace(&root_text, ".");
    if let Some(io) = e.io_error()
        && is_loop(io)
    {
        return format!("skipped a symlink loop: {text}");
    }
    format!("skipped part of the tree: {text}")
}

fn is_loop(e: &std::io::Error) -> bool {
    // ELOOP ("too many levels of symbolic links"): 40 on Linux, 62 on macOS
    // and the BSDs. Only ever asked of a symlink's error, so the overlap
    // with other codes elsewhere does not matter.
    matches!(e.raw_os_error(), Some(40) | Some(62))
}

/// An I/O error without its `(os error N)` suffix, which varies by platform.
fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
