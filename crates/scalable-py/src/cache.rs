//! The cache as Python sees it: `CacheFunction`, one per decorated function,
//! process and cache directory, whose `lookup` binds a call's arguments,
//! derives the key and reads the entry in one native call (the hit path), and
//! `CacheCall`, the pending miss that `store`s the result. Plus the tools the
//! tests and benchmarks use (`cache_hash_file`, `cache_hash_dir`, `blake3_hex`).
//!
//! Converting Python values to the cache's canonical `Value` is the only
//! decision here, and it is a type mapping: primitives and containers map
//! one to one; anything else is handed to the caller's `pickler`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString,
    PyTuple,
};
use scalable_cache::hash::Strategy;
use scalable_cache::{
    Acquired, ArgKind, Cache, CacheError, Digest, FORMAT_VERSION, FunctionPart, KeyParts, Lease,
    Lookup, NewEntry, Options, Value,
};

use crate::errors::cache_error;

/// Containers nested deeper than this are keyed by their pickle.
const MAX_DEPTH: usize = 32;

/// One open cache per directory and process: the memo and directories are shared.
static CACHES: LazyLock<Mutex<HashMap<PathBuf, Arc<Cache>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn open_cache(dir: &Path) -> Result<Arc<Cache>, CacheError> {
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| CacheError::io("find the working directory of", dir, e))?
            .join(dir)
    };
    let mut caches = CACHES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = caches.get(&dir) {
        return Ok(c.clone());
    }
    let cache = Arc::new(Cache::open(&dir, Options::from_env())?);
    caches.insert(dir, cache.clone());
    Ok(cache)
}

/// How a parameter enters the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// By canonical value; a non-primitive by its pickle (`ValueType`, untyped).
    Value,
    /// By canonical value, else its pickle, without a warning (`ObjectType`).
    Object,
    File,
    Dir,
    /// Left out of the key (`UtilityType`).
    Utility,
}

impl Kind {
    fn parse(text: &str) -> PyResult<Kind> {
        Ok(match text {
            "value" => Kind::Value,
            "object" => Kind::Object,
            "file" => Kind::File,
            "dir" => Kind::Dir,
            "utility" => Kind::Utility,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "unknown argument kind `{other}`"
                )));
            }
        })
    }
}

struct Param {
    name: String,
    kind: Kind,
    default: Option<Py<PyAny>>,
}

/// A call's keyed argument before hashing (values converted under the GIL,
/// files hashed without it).
enum Input {
    Value(String, ArgKind, Value),
    File(String, PathBuf),
    Dir(String, PathBuf),
}

/// The native half of one `@cacheable` function in one process.
#[pyclass(frozen, module = "scalable._core")]
pub struct CacheFunction {
    cache: Arc<Cache>,
    name: String,
    source: Digest,
    params: Vec<Param>,
    positional: usize,
    var_args: Option<(String, Kind)>,
    var_kwargs: Option<(String, Kind)>,
    image: Option<String>,
    output: Option<String>,
    check_output: bool,
}

/// A call to compute: its key, why it missed, and (while held) its lease.
#[pyclass(frozen, module = "scalable._core")]
pub struct CacheCall {
    cache: Arc<Cache>,
    parts: KeyParts,
    key: String,
    reason: String,
    corrupt: Option<(String, String)>,
    output: Option<String>,
    lease: Mutex<Option<Lease>>,
}

#[pymethods]
impl CacheFunction {
    /// `params`: (name, kind, default or None, has_default) in signature order;
    /// the first `positional` may be passed by position. `kind` is `value`,
    /// `object`, `file`, `dir` or `utility`.
    #[new]
    #[pyo3(signature = (cache_dir, name, source_digest, params, positional, var_args, var_kwargs, image, output, check_output))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        cache_dir: PathBuf,
        name: String,
        source_digest: &str,
        params: Vec<(String, String, Option<Py<PyAny>>, bool)>,
        positional: usize,
        var_args: Option<(String, String)>,
        var_kwargs: Option<(String, String)>,
        image: Option<String>,
        output: Option<String>,
        check_output: bool,
    ) -> PyResult<CacheFunction> {
        let source = Digest::from_hex(source_digest).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err("source_digest must be 64 hex digits")
        })?;
        let cache = py
            .detach(|| open_cache(&cache_dir))
            .map_err(|e| cache_error(py, &e))?;
        let params = params
            .into_iter()
            .map(|(name, kind, default, has_default)| {
                Ok(Param {
                    name,
                    kind: Kind::parse(&kind)?,
                    default: if has_default {
                        Some(default.unwrap_or_else(|| py.None()))
                    } else {
                        None
                    },
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let var = |v: Option<(String, String)>| -> PyResult<Option<(String, Kind)>> {
            v.map(|(n, k)| Ok((n, Kind::parse(&k)?))).transpose()
        };
        if let Some(kind) = output.as_deref()
            && kind != "file"
            && kind != "dir"
        {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "output must be `file`, `dir` or None",
            ));
        }
        Ok(CacheFunction {
            cache,
            name,
            source,
            positional: positional.min(params.len()),
            params,
            var_args: var(var_args)?,
            var_kwargs: var(var_kwargs)?,
            image,
            output,
            check_output,
        })
    }

    /// The cache directory (absolute).
    #[getter]
    fn cache_dir(&self) -> String {
        self.cache.store().dir().display().to_string()
    }

    /// Looks a call up. Returns `(value, key, saved_s, bytes)` on a hit, a
    /// `CacheCall` on a miss (holding the key's lease, if leases are on), or
    /// None when the arguments do not bind to the signature (the caller runs
    /// the function uncached and lets it raise). `pickler(obj, name)` returns
    /// the bytes that key an argument with no canonical form.
    #[pyo3(signature = (args, kwargs, pickler, recompute=false))]
    fn lookup<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        pickler: &Bound<'py, PyAny>,
        recompute: bool,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(inputs) = self.bind(py, args, kwargs, pickler)? else {
            return Ok(None);
        };
        let outcome = py
            .detach(|| self.resolve(inputs, recompute))
            .map_err(|e| cache_error(py, &e))?;
        match outcome {
            Resolved::Hit {
                value,
                key,
                saved_s,
            } => {
                let n = value.len();
                let tuple = (PyBytes::new(py, &value), key, saved_s, n).into_pyobject(py)?;
                Ok(Some(tuple.into_any()))
            }
            Resolved::Miss(call) => Ok(Some(Bound::new(py, *call)?.into_any())),
        }
    }
}

enum Resolved {
    Hit {
        value: Arc<Vec<u8>>,
        key: String,
        saved_s: f64,
    },
    Miss(Box<CacheCall>),
}

impl CacheFunction {
    /// Binds positional and keyword arguments to parameters, like Python's
    /// own binding; None when they do not bind.
    fn bind<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        pickler: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Vec<Input>>> {
        let mut slots: Vec<Option<Bound<'py, PyAny>>> = vec![None; self.params.len()];
        let n = args.len();
        if n > self.positional && self.var_args.is_none() {
            return Ok(None);
        }
        for (i, a) in args.iter().take(self.positional).enumerate() {
            slots[i] = Some(a);
        }
        let mut extra_kw: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = Vec::new();
        if let Some(kwargs) = kwargs {
            for (k, v) in kwargs.iter() {
                let name: String = k.extract()?;
                match self.params.iter().position(|p| p.name == name) {
                    Some(i) if slots[i].is_some() => return Ok(None),
                    Some(i) => slots[i] = Some(v),
                    None if self.var_kwargs.is_some() => extra_kw.push((k, v)),
                    None => return Ok(None),
                }
            }
        }
        let mut inputs = Vec::with_capacity(self.params.len() + 2);
        for (param, slot) in self.params.iter().zip(slots) {
            let value = match slot {
                Some(v) => v,
                None => match &param.default {
                    Some(d) => d.bind(py).clone(),
                    None => return Ok(None),
                },
            };
            if let Some(input) = input(&param.name, param.kind, &value, pickler)? {
                inputs.push(input);
            }
        }
        if let Some((name, kind)) = &self.var_args {
            let rest = args.get_slice(self.positional.min(n), n);
            if let Some(input) = input(name, *kind, rest.as_any(), pickler)? {
                inputs.push(input);
            }
        }
        if let Some((name, kind)) = &self.var_kwargs {
            let d = PyDict::new(py);
            for (k, v) in extra_kw {
                d.set_item(k, v)?;
            }
            if let Some(input) = input(name, *kind, d.as_any(), pickler)? {
                inputs.push(input);
            }
        }
        Ok(Some(inputs))
    }

    fn parts(&self, inputs: Vec<Input>) -> Result<KeyParts, CacheError> {
        let mut args = Vec::with_capacity(inputs.len());
        for i in inputs {
            args.push(match i {
                Input::Value(name, kind, v) => self.cache.arg_value(&name, kind, &v),
                Input::File(name, path) => self.cache.arg_file(&name, &path)?,
                Input::Dir(name, path) => self.cache.arg_dir(&name, &path)?,
            });
        }
        Ok(KeyParts {
            version: FORMAT_VERSION,
            function: FunctionPart {
                name: self.name.clone(),
                source: self.source,
            },
            args,
            image: self.image.clone(),
        })
    }

    fn resolve(&self, inputs: Vec<Input>, recompute: bool) -> Result<Resolved, CacheError> {
        let parts = self.parts(inputs)?;
        let key = parts.key();
        let miss = |reason: &str, corrupt, lease| {
            Resolved::Miss(Box::new(CacheCall {
                cache: self.cache.clone(),
                key: key.to_hex(),
                parts: parts.clone(),
                reason: reason.to_owned(),
                corrupt,
                output: self.output.clone(),
                lease: Mutex::new(lease),
            }))
        };
        if recompute {
            return Ok(miss("recompute=True", None, None));
        }
        if let Some(hot) = self.cache.hot(&key) {
            let changed = match (&hot.output, self.check_output) {
                (Some(o), true) => self.cache.output_changed(o),
                _ => None,
            };
            return Ok(match changed {
                Some(why) => miss(&why, None, None),
                None => Resolved::Hit {
                    value: hot.value,
                    key: hot.key,
                    saved_s: hot.compute_s,
                },
            });
        }
        let ttl = self.cache.options().lease;
        let mut corrupt = None;
        // At most twice: a damaged entry is quarantined on the first look.
        for _ in 0..2 {
            match self.cache.store().acquire(&key, ttl)? {
                Acquired::Found(Lookup::Hit(hit)) => {
                    if self.check_output
                        && let Some(why) = hit
                            .meta
                            .output
                            .as_ref()
                            .and_then(|o| self.cache.output_changed(o))
                    {
                        return Ok(miss(&why, corrupt, None));
                    }
                    let hot = self.cache.remember(&key, *hit);
                    return Ok(Resolved::Hit {
                        value: hot.value,
                        key: hot.key,
                        saved_s: hot.compute_s,
                    });
                }
                Acquired::Found(Lookup::Corrupt(c)) => {
                    corrupt = Some((c.path.display().to_string(), c.reason));
                }
                Acquired::Found(Lookup::Miss) => return Ok(miss("absent", corrupt, None)),
                Acquired::Compute(lease) => {
                    let reason = if corrupt.is_some() {
                        "corrupt"
                    } else {
                        "absent"
                    };
                    return Ok(miss(reason, corrupt, lease));
                }
            }
        }
        Ok(miss("corrupt", corrupt, None))
    }
}

fn input<'py>(
    name: &str,
    kind: Kind,
    value: &Bound<'py, PyAny>,
    pickler: &Bound<'py, PyAny>,
) -> PyResult<Option<Input>> {
    Ok(Some(match kind {
        Kind::Utility => return Ok(None),
        Kind::File => Input::File(name.to_owned(), value.extract()?),
        Kind::Dir => Input::Dir(name.to_owned(), value.extract()?),
        Kind::Value | Kind::Object => {
            let mut opaque = false;
            let v = to_value(value, name, pickler, 0, &mut opaque)?;
            let arg_kind = match (kind, opaque) {
                (Kind::Object, _) => ArgKind::Object,
                (_, true) => ArgKind::Pickle,
                _ => ArgKind::Value,
            };
            Input::Value(name.to_owned(), arg_kind, v)
        }
    }))
}

/// The canonical value of a Python object; what has none goes to `pickler`.
fn to_value<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    pickler: &Bound<'py, PyAny>,
    depth: usize,
    opaque: &mut bool,
) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::None);
    }
    if depth < MAX_DEPTH {
        // bool before int: True is an int in Python.
        if let Ok(b) = obj.cast::<PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if let Ok(i) = obj.cast::<PyInt>() {
            return Ok(match i.extract::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => Value::BigInt(i.str()?.to_cow()?.into_owned()),
            });
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return Ok(Value::Float(f.value()));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Value::Str(s.to_cow()?.into_owned()));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Value::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Value::Bytes(b.to_vec()));
        }
        let items = |it: &mut dyn Iterator<Item = Bound<'py, PyAny>>, opaque: &mut bool| {
            it.map(|x| to_value(&x, name, pickler, depth + 1, opaque))
                .collect::<PyResult<Vec<_>>>()
        };
        if let Ok(l) = obj.cast::<PyList>() {
            return Ok(Value::List(items(&mut l.iter(), opaque)?));
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return Ok(Value::Tuple(items(&mut t.iter(), opaque)?));
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            let mut entries = Vec::with_capacity(d.len());
            for (k, v) in d.iter() {
                entries.push((
                    to_value(&k, name, pickler, depth + 1, opaque)?,
                    to_value(&v, name, pickler, depth + 1, opaque)?,
                ));
            }
            return Ok(Value::Dict(entries));
        }
        if let Ok(s) = obj.cast::<PySet>() {
            return Ok(Value::Set(items(&mut s.iter(), opaque)?));
        }
        if let Ok(s) = obj.cast::<PyFrozenSet>() {
            return Ok(Value::Set(items(&mut s.iter(), opaque)?));
        }
    }
    *opaque = true;
    let bytes = pickler.call1((obj, name))?;
    Ok(Value::Opaque(bytes.cast::<PyBytes>()?.as_bytes().to_vec()))
}

#[pymethods]
impl CacheCall {
    /// The key (64 hex digits).
    #[getter]
    fn key(&self) -> &str {
        &self.key
    }

    /// Why it missed: `absent`, `corrupt`, `recompute=True` or an output that changed.
    #[getter]
    fn reason(&self) -> &str {
        &self.reason
    }

    /// The damaged file found and quarantined on the way, and what was wrong.
    #[getter]
    fn corrupt(&self) -> Option<(String, String)> {
        self.corrupt.clone()
    }

    /// Stores the serialised result (`value`), computed in `compute_s`
    /// seconds; `output` is the returned path when the function returns a
    /// file or directory. Releases the lease; returns the bytes stored.
    #[pyo3(signature = (value, compute_s, output=None))]
    fn store(
        &self,
        py: Python<'_>,
        value: &[u8],
        compute_s: f64,
        output: Option<PathBuf>,
    ) -> PyResult<usize> {
        let result = py.detach(|| {
            let output = match (&self.output, output) {
                (Some(kind), Some(path)) => Some(self.cache.output(kind, &path)?),
                _ => None,
            };
            let meta = self.cache.store().put(&NewEntry {
                parts: &self.parts,
                compute_s,
                output,
                value,
            })?;
            if meta.value.inline {
                let key = self.parts.key();
                let hit = scalable_cache::Hit {
                    meta,
                    value: value.to_vec(),
                };
                self.cache.remember(&key, hit);
            }
            Ok::<_, CacheError>(())
        });
        self.release();
        result.map(|_| value.len()).map_err(|e| cache_error(py, &e))
    }

    /// Gives the lease up without storing (the computation failed).
    fn release(&self) {
        let lease = self.lease.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(lease);
    }

    fn __repr__(&self) -> String {
        format!("CacheCall(key={:?}, reason={:?})", self.key, self.reason)
    }
}

/// BLAKE3 of `data`, as 64 hex digits.
#[pyfunction]
pub fn blake3_hex(data: &[u8]) -> String {
    Digest::of(data).to_hex()
}

/// BLAKE3 of a file's content, as 64 hex digits. `strategy`: `auto`,
/// `stream` or `mmap`; `memo_dir` set: through the stat memo kept there.
#[pyfunction]
#[pyo3(signature = (path, strategy="auto", memo_dir=None))]
pub fn cache_hash_file(
    py: Python<'_>,
    path: PathBuf,
    strategy: &str,
    memo_dir: Option<PathBuf>,
) -> PyResult<String> {
    let strategy = match strategy {
        "auto" => Strategy::Auto,
        "stream" => Strategy::Stream,
        "mmap" => Strategy::MmapRayon,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown strategy `{other}` (auto, stream or mmap)"
            )));
        }
    };
    py.detach(|| match memo_dir {
        Some(dir) => {
            let cache = open_cache(&dir)?;
            cache.inputs().file(&path)
        }
        None => scalable_cache::hash::hash_path(&path, strategy)
            .map_err(|e| CacheError::io("hash", &path, e)),
    })
    .map(|d| d.to_hex())
    .map_err(|e| cache_error(py, &e))
}

/// Evicts a file's pages from the page cache (for cold-hashing benchmarks).
#[pyfunction]
pub fn cache_evict(py: Python<'_>, path: PathBuf) -> PyResult<()> {
    py.detach(|| scalable_cache::hash::evict(&path))
        .map_err(|e| cache_error(py, &CacheError::io("evict", &path, e)))
}

/// The digest of a directory (sorted relative paths and contents), as 64 hex digits.
#[pyfunction]
pub fn cache_hash_dir(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.detach(|| {
        let inputs =
            scalable_cache::inputs::Inputs::new(scalable_cache::memo::Memo::new(None, false));
        inputs.dir(&path)
    })
    .map(|d| d.digest.to_hex())
    .map_err(|e| cache_error(py, &e))
}
