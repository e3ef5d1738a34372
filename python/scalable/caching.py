"""``@cacheable``: results keyed on a function's code and its arguments.

The key (derived in Rust, BLAKE3) covers the cache format version, the
function's qualified name and normalised source, each argument by its type,
and the image of the component the task runs under. The result is pickled
here (cloudpickle) and stored by Rust in the project's cache directory; see
docs/caching.md.

Argument types:

- ``FileType``: a path, keyed by the file's content (never the path itself).
- ``DirType``: a directory path, keyed by its files' relative paths and contents.
- ``ValueType`` (and plain types such as ``str``, ``int``, ``dict``, ``list``):
  by canonical value.
- ``ObjectType``: by canonical value when it has one, else by its pickle.
- ``UtilityType``: left out of the key (a logger, a client).

Untyped arguments are keyed by value; one with no canonical form by its pickle,
with a one-time warning.

This module imports nothing heavy: the native module, ``inspect``, ``ast`` and
cloudpickle load when a function is decorated or first stores a result.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
import warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from scalable._core import CacheFunction

    F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "CacheWarning",
    "DirType",
    "FileType",
    "ObjectType",
    "UtilityType",
    "ValueType",
    "cacheable",
]

# The Dask event topic the client's telemetry subscribes to (scalable.telemetry.TOPIC).
_TOPIC = "scalable-events"


class CacheWarning(UserWarning):
    """A result that could not be stored, an argument keyed by its pickle, or a
    cache that could not be used (the function still ran)."""


class _ArgType:
    """Base of the argument type markers; use the classes themselves."""

    kind = "value"


class FileType(_ArgType):
    """A path to a file; keyed by the file's content (not its path or mtime)."""

    kind = "file"


class DirType(_ArgType):
    """A path to a directory; keyed by its files' relative paths and contents."""

    kind = "dir"


class ValueType(_ArgType):
    """Keyed by value (canonical encoding of primitives and containers)."""

    kind = "value"


class ObjectType(_ArgType):
    """Keyed by a stable serialisation: its canonical value if it has one, else its pickle."""

    kind = "object"


class UtilityType(_ArgType):
    """Left out of the key: loggers, clients, progress callbacks."""

    kind = "utility"


_PLAIN = (str, int, float, bool, bytes, bytearray, list, tuple, dict, set, frozenset, type(None))


def _kind(t: Any) -> str:
    """The key kind of an argument or return type given to ``cacheable``."""
    if isinstance(t, type) and issubclass(t, _ArgType):
        return t.kind
    if isinstance(t, _ArgType):
        return t.kind
    if t is None or t in _PLAIN:
        return "value"
    return "object"


# --- where the cache is and where events go --------------------------------

# Set by a started ScalableSession in its own process; workers get the same
# through their environment (SCALABLE_CACHE_DIR, SCALABLE_IMAGE).
_session_dir: str | None = None
_session_telemetry: Any = None
# Bumped by configure(): a function reads where its cache is once per
# generation, not on every call (environment look-ups cost microseconds).
_generation = 0


def configure(cache_dir: str | None, telemetry: Any = None) -> None:
    """Called by ``ScalableSession.start()``/``close()``: the cache directory and
    the telemetry that records this process's cache events."""
    global _session_dir, _session_telemetry, _generation
    _session_dir = cache_dir
    _session_telemetry = telemetry
    _generation += 1


def cache_dir() -> str:
    """The cache directory: ``$SCALABLE_CACHE_DIR``, else the session's
    (``project.local_cache``), else ``./.scalable/cache``."""
    return os.environ.get("SCALABLE_CACHE_DIR") or _session_dir or ".scalable/cache"


def _worker() -> Any:
    """The Dask worker running the current task, if any."""
    mod = sys.modules.get("distributed.worker")
    if mod is None:
        return None
    try:
        return mod.get_worker()
    except ValueError:
        return None


def _emit(event: dict[str, Any]) -> None:
    """Send a cache event to the run record: through Dask from a worker,
    straight to the session's telemetry in its own process, else nowhere."""
    event["time"] = time.time()
    worker = _worker()
    if worker is not None:
        try:
            worker.log_event(_TOPIC, {"stream": "cache", **event})
        except Exception as e:  # a closing worker: the event is lost, not the result
            warnings.warn(f"scalable: could not send a cache event: {e}", CacheWarning, 2)
        return
    telemetry = _session_telemetry
    if telemetry is not None:
        telemetry.record_soon("cache", event)


# --- function identity -------------------------------------------------------


def _normalised_source(func: Callable[..., Any]) -> str:
    """The function's source as an AST dump: comments, formatting, the
    docstring and decorators do not change it; any edit to the body does."""
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        code = getattr(func, "__code__", None)
        if code is None:
            return repr(func)
        return _code_text(code)
    node: ast.AST = tree
    if tree.body and isinstance(tree.body[0], ast.FunctionDef | ast.AsyncFunctionDef):
        fn = tree.body[0]
        fn.decorator_list = []
        body = fn.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            fn.body = body[1:] or [ast.Pass()]
        node = fn
    return ast.dump(node, include_attributes=False)


def _code_text(code: Any) -> str:
    """Bytecode, constants and names: for functions without source (a REPL)."""
    consts = [_code_text(c) if hasattr(c, "co_code") else repr(c) for c in code.co_consts]
    return repr((code.co_code, consts, code.co_names, code.co_varnames))


# --- the decorator -------------------------------------------------------------

_warned: set[tuple[str, str]] = set()


def _pickler(name: str) -> Callable[[Any, str], bytes]:
    def pickle_arg(obj: Any, arg: str) -> bytes:
        if (name, arg) not in _warned:
            _warned.add((name, arg))
            warnings.warn(
                f"scalable: argument `{arg}` of `{name}` ({type(obj).__name__}) has no "
                "canonical form and is keyed by its pickle; type it ObjectType (or "
                "UtilityType to leave it out of the key) to silence this",
                CacheWarning,
                3,
            )
        try:
            return pickle.dumps(obj, protocol=4)
        except Exception:
            import cloudpickle

            return bytes(cloudpickle.dumps(obj, protocol=4))

    return pickle_arg


def _object_pickler(obj: Any, arg: str) -> bytes:
    try:
        return pickle.dumps(obj, protocol=4)
    except Exception:
        import cloudpickle

        return bytes(cloudpickle.dumps(obj, protocol=4))


class CachedFunction:
    """A function whose results are cached (what ``@cacheable`` returns).

    Calls look the key up and return the stored result on a hit; on a miss
    they run the function, store its result and return it. It pickles (for
    Dask) with its identity precomputed, so workers need not see its source.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        return_type: Any,
        recompute: bool,
        check_output: bool,
        arg_types: dict[str, Any],
    ) -> None:
        import functools
        import inspect

        from scalable._core import blake3_hex

        functools.update_wrapper(self, func)
        self._func = func
        self._name: str = getattr(func, "__qualname__", getattr(func, "__name__", repr(func)))
        self._task: str = getattr(func, "__name__", self._name)
        self._source = blake3_hex(_normalised_source(func).encode())
        self._recompute = recompute
        output = _kind(return_type) if return_type is not None else None
        self._output = output if output in ("file", "dir") else None
        self._check_output = check_output
        signature = inspect.signature(func)
        names = set(signature.parameters)
        unknown = sorted(set(arg_types) - names)
        if unknown:
            raise TypeError(
                f"cacheable: {', '.join(repr(u) for u in unknown)} "
                f"{'is not a parameter' if len(unknown) == 1 else 'are not parameters'} "
                f"of {self._name}{signature}"
            )
        P = inspect.Parameter
        params: list[tuple[str, str, Any, bool]] = []
        positional = 0
        var_args = var_kwargs = None
        for p in signature.parameters.values():
            kind = _kind(arg_types[p.name]) if p.name in arg_types else "value"
            if p.kind is P.VAR_POSITIONAL:
                var_args = (p.name, kind)
            elif p.kind is P.VAR_KEYWORD:
                var_kwargs = (p.name, kind)
            else:
                has_default = p.default is not P.empty
                params.append((p.name, kind, p.default if has_default else None, has_default))
                if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
                    positional += 1
        self._params = params
        self._positional = positional
        self._var_args = var_args
        self._var_kwargs = var_kwargs
        self._pickle_arg = _pickler(self._name)
        self._natives: dict[tuple[str, str | None], CacheFunction] = {}
        self._current: CacheFunction | None = None
        self._generation = -1

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_natives"] = {}
        state["_current"] = None
        state["_generation"] = -1
        state.pop("_pickle_arg", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pickle_arg = _pickler(self._name)

    def _native(self) -> CacheFunction:
        if self._generation == _generation and self._current is not None:
            return self._current
        where = (cache_dir(), os.environ.get("SCALABLE_IMAGE") or None)
        native = self._natives.get(where)
        if native is None:
            from scalable._core import CacheFunction

            native = CacheFunction(
                where[0],
                self._name,
                self._source,
                self._params,
                self._positional,
                self._var_args,
                self._var_kwargs,
                where[1],
                self._output,
                self._check_output,
            )
            self._natives[where] = native
        self._current = native
        self._generation = _generation
        return native

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            found = self._native().lookup(args, kwargs, self._pickle_arg, self._recompute)
        except Exception as e:
            warnings.warn(
                f"scalable: cache lookup for `{self._name}` failed, running it uncached: {e}",
                CacheWarning,
                2,
            )
            return self._func(*args, **kwargs)
        if found is None:
            # The arguments do not bind: let the function say why.
            return self._func(*args, **kwargs)
        if type(found) is tuple:
            value, key, saved, size = found
            _emit(
                {
                    "event": "hit",
                    "key": key,
                    "task": self._task,
                    "function": self._name,
                    "saved_s": saved,
                    "bytes": size,
                }
            )
            return pickle.loads(value)
        return self._miss(found, args, kwargs)

    def _miss(self, call: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        base = {"key": call.key, "task": self._task, "function": self._name}
        if call.corrupt is not None:
            path, reason = call.corrupt
            _emit({"event": "corrupt", **base, "path": path, "reason": reason})
        started = time.perf_counter()
        try:
            result = self._func(*args, **kwargs)
        except BaseException:
            call.release()  # failures are never cached
            raise
        duration = time.perf_counter() - started
        reason = call.reason
        kind = "recompute" if reason not in ("absent", "corrupt") else "miss"
        _emit({"event": kind, **base, "reason": reason, "duration_s": duration})
        try:
            import cloudpickle

            data = cloudpickle.dumps(result, protocol=5)
            output = os.fspath(result) if self._output is not None else None
            size = call.store(data, duration, output)
        except Exception as e:
            call.release()
            warnings.warn(
                f"scalable: could not store the result of `{self._name}` in the cache "
                f"(`{cache_dir()}`); the result is returned but not cached: {e}",
                CacheWarning,
                2,
            )
            _emit({"event": "store_failed", **base, "duration_s": duration, "error": str(e)})
            return result
        _emit({"event": "store", **base, "bytes": size, "duration_s": duration})
        return result

    def __repr__(self) -> str:
        return f"<cacheable {self._name}>"


def cacheable(
    func: F | None = None,
    /,
    *,
    return_type: Any = None,
    recompute: bool = False,
    check_output: bool = False,
    **arg_types: Any,
) -> Any:
    """Cache a function's results, keyed on its code and its arguments.

    ``@cacheable`` or ``@cacheable(return_type=..., recompute=False,
    check_output=False, name=Type, ...)``. Each keyword names a parameter and
    its type (``FileType``, ``DirType``, ``ValueType``, ``ObjectType``,
    ``UtilityType``, or a plain type such as ``str``, meaning by value).
    ``recompute=True`` always runs the function and replaces the entry;
    ``check_output=True`` with ``return_type=FileType``/``DirType`` re-hashes
    the returned path on a hit and recomputes when it changed or vanished.
    Failures are never cached; a result that cannot be stored is returned
    with a :class:`CacheWarning`.
    """

    def wrap(f: F) -> F:
        return CachedFunction(f, return_type, recompute, check_output, arg_types)  # type: ignore[return-value]

    if func is not None:
        return wrap(func)
    return wrap
