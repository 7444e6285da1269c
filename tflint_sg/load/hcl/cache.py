"""The parse cache: parsed `.tf` files on disk, keyed by path and content, so a second run over
an unchanged repository skips the parser.

It lives in the user's cache directory ($TFLINT_SG_CACHE_DIR, else $XDG_CACHE_HOME/tflint-sg,
else ~/.cache/tflint-sg), never beside the input; deleting it is always safe. The key covers
the parser's own code, so a new version of tflint-sg, python-hcl2 or msgspec never reads an old
entry. It is used only in a directory that this user owns and nobody else may write to;
anything else (no home directory, a directory shared with others) turns the cache off.

Entries are data, never code: the blocks of one file as MessagePack (hcl/syntax.py's Structs),
read back by a decoder typed for them, so a poisoned entry can at worst fail to decode. Each
entry records the format version and its own key, and the pack's index its digest; an entry
that does not match, or does not decode, is ignored and its file parsed again.

A run keeps its new entries in memory and `flush` writes them as one pack file, written to a
temporary name and renamed, so runs in parallel (pre-commit) never read half a pack. A pack
starts with an index (key -> offset, length, digest), so a run reads only the entries it needs.
When there are more than MAX_PACKS packs, `flush` merges them into one, keeping the entries
this run used and then the newest up to MAX_BYTES, so the cache does not grow without limit. A
pack that cannot be read (damaged, another format) is ignored as a whole.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
import time

import msgspec

from tflint_sg.load.hcl.syntax import Block

FORMAT = 2  # of entries and packs; a change to either makes a new number
MAX_PACKS = 16
MAX_BYTES = 64 * 1024 * 1024  # of entries kept when packs are merged
_MAGIC = b"tfsg-pk" + bytes([FORMAT])
_HEADER = struct.Struct("<8sQ")  # magic, length of the index that follows
_SUFFIX = ".pack"

_enabled = True
_root: str | None = None  # the cache directory, once checked
_code_tag: bytes | None = None

_encoder = msgspec.msgpack.Encoder()
_entry_decoder = msgspec.msgpack.Decoder(tuple[int, str, list[Block]])
_envelope_decoder = msgspec.msgpack.Decoder(tuple[int, str, msgspec.Raw])
_index_decoder = msgspec.msgpack.Decoder(list[tuple[str, int, int, bytes]])

_packs: list | None = None  # open pack files, oldest first, once read
_index: dict[str, tuple] = {}  # key -> (pack file, offset, length, digest), the newest pack's
_pending: dict[str, bytes] = {}  # this run's new entries, encoded, for `flush`
_used: set[str] = set()  # the keys this run read, kept first when packs are merged


def begin(enabled: bool = True) -> None:
    """Starts a run: forgets what an earlier run in this process read, checked or left to write,
    so each run (a test, an editor's request) sees the cache as a fresh process would."""
    global _enabled, _root, _pending, _used, _index
    _close_packs()
    _enabled, _root = enabled, None
    _pending, _used, _index = {}, set(), {}


def key(path: str, data: bytes) -> str | None:
    """The entry for a file's content at an absolute path; None when the cache is off."""
    if not _enabled:
        return None
    digest = hashlib.sha256(_parser_code_tag())
    digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def encode(entry: str | None, value: list[Block]) -> bytes | None:
    """The entry as it is kept (and sent back by parse workers); None if it cannot be encoded
    (an integer past 64 bits, a string with a lone surrogate, nesting past the recursion limit):
    such a file is parsed on every run."""
    try:
        return _encoder.encode((FORMAT, entry or "", value))
    except Exception:
        return None


def decode(entry: str | None, data: bytes) -> list[Block] | None:
    """The value `encode(entry, value)` kept, or None if `data` is not an entry of this format
    for this key."""
    try:
        version, stored, value = _entry_decoder.decode(data)
    except Exception:  # damaged, or not an entry at all
        return None
    if version != FORMAT or stored != (entry or ""):
        return None
    return value


def load(entry: str | None) -> list[Block] | None:
    """The cached value, or None."""
    if not entry or _usable_root() is None:
        return None
    _read_packs()
    where = _index.get(entry)
    if where is None:
        return None
    handle, offset, length, digest = where
    try:
        handle.seek(offset)
        data = handle.read(length)
    except Exception:  # unreadable: parse again
        return None
    if len(data) != length or _digest(data) != digest:
        return None
    value = decode(entry, data)
    if value is not None:
        _used.add(entry)
    return value


def store(entry: str | None, encoded: bytes | None) -> None:
    """Keeps `encode(entry, value)` for the pack `flush` writes."""
    if entry and encoded is not None and _usable_root() is not None:
        _pending[entry] = encoded


def take_pending() -> dict[str, bytes]:
    """This run's new entries, handed over (a worker's, for the parent to write)."""
    global _pending
    pending, _pending = _pending, {}
    return pending


def forget_open_packs() -> None:
    """In a forked worker: the packs are opened again when read. An open file's position is
    shared with the parent and every other worker, so reading through the inherited handles
    would race."""
    global _packs, _index
    _packs, _index = None, {}


def flush() -> None:
    """Writes the entries stored since the last flush as one pack, and merges the packs when
    there are too many. Nothing here fails a run: a read-only or full disk only costs speed."""
    pending = take_pending()
    root = _usable_root()
    if not pending or root is None:
        return
    directory = _packs_directory(root)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        _write_pack(directory, pending)
    except Exception:
        return
    _close_packs()  # the next load reads the new pack too
    try:
        names = _pack_names(directory)
        if len(names) > MAX_PACKS:
            _merge(directory, names)
    except Exception:
        pass


def directory() -> str | None:
    """Where the cache lives, if there is a sensible place: an absolute path."""
    configured = os.environ.get("TFLINT_SG_CACHE_DIR")
    if configured:
        return os.path.abspath(configured)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):  # no home directory: never a cache in the working directory
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "tflint-sg")


def _usable_root() -> str | None:
    global _root, _enabled
    if _root is None and _enabled:
        root = directory()
        try:
            if root is None:
                raise OSError("no cache directory")
            os.makedirs(root, mode=0o700, exist_ok=True)
            status = os.stat(root)
            if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
                raise OSError("the cache directory is not private to this user")
            _root = root
        except OSError:
            _enabled = False
    return _root if _enabled else None


# --- packs -------------------------------------------------------------------------------


def _packs_directory(root: str) -> str:
    return os.path.join(root, "parse-packs")


def _pack_names(directory: str) -> list[str]:
    """The packs, oldest first (a pack is named by the time it was written)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(name for name in names if name.endswith(_SUFFIX) and not name.startswith("."))


def _digest(data) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _write_pack(directory: str, entries: dict[str, bytes]) -> None:
    import tempfile  # only a run that writes the cache needs it (2 ms of start-up)

    index = []
    offset = 0
    for entry, encoded in entries.items():
        index.append((entry, offset, len(encoded), _digest(encoded)))
        offset += len(encoded)
    encoded_index = _encoder.encode(index)
    name = f"{time.time_ns():020d}-{os.getpid()}-{os.urandom(4).hex()}{_SUFFIX}"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_HEADER.pack(_MAGIC, len(encoded_index)))
            out.write(encoded_index)
            for encoded in entries.values():
                out.write(encoded)
        os.replace(temporary, os.path.join(directory, name))
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _open_pack(path: str):
    """The open file and its index (key -> offset, length, digest, offsets from the start of
    the file), or None if it is not a whole pack of this format."""
    handle = None
    try:
        handle = open(path, "rb")
        size = os.fstat(handle.fileno()).st_size
        magic, index_length = _HEADER.unpack(handle.read(_HEADER.size))
        if magic != _MAGIC or _HEADER.size + index_length > size:
            raise ValueError("not a pack of this format")
        body = _HEADER.size + index_length
        index = {}
        end = body
        for entry, offset, length, digest in _index_decoder.decode(handle.read(index_length)):
            if offset < 0 or length < 0:
                raise ValueError("a damaged index")
            index[entry] = (body + offset, length, digest)
            end = max(end, body + offset + length)
        if end != size:
            raise ValueError("a pack cut short or with something after its entries")
        return handle, index
    except Exception:
        if handle is not None:
            handle.close()
        return None


def _read_packs() -> None:
    global _packs
    if _packs is not None:
        return
    _packs = []
    directory = _packs_directory(_root)
    for name in _pack_names(directory):
        opened = _open_pack(os.path.join(directory, name))
        if opened is None:
            continue
        handle, index = opened
        _packs.append(handle)
        for entry, (offset, length, digest) in index.items():
            _index[entry] = (handle, offset, length, digest)  # a newer pack's entry wins


def _close_packs() -> None:
    global _packs
    for handle in _packs or ():
        handle.close()
    _packs = None
    _index.clear()


def _merge(directory: str, names: list[str]) -> None:
    """One pack for all of `names`: the entries this run used first, then the newest, while
    they fit in MAX_BYTES; a damaged entry or pack is left out. Runs that merge at the same time
    each write a pack and delete the ones they read, so nothing is lost or read half-written."""
    newest_first: dict[str, bytes] = {}
    for name in reversed(names):
        opened = _open_pack(os.path.join(directory, name))
        if opened is None:
            continue
        handle, index = opened
        with handle:
            for entry, (offset, length, digest) in index.items():
                if entry in newest_first:
                    continue
                handle.seek(offset)
                data = handle.read(length)
                if _digest(data) == digest and _is_entry(entry, data):
                    newest_first[entry] = data
    kept: dict[str, bytes] = {}
    total = 0
    for entry in sorted(newest_first, key=lambda entry: entry not in _used):  # (a stable sort)
        data = newest_first[entry]
        if total + len(data) > MAX_BYTES:
            continue
        kept[entry] = data
        total += len(data)
    if kept:
        _write_pack(directory, kept)
    _close_packs()
    for name in names:
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:  # merged and deleted by another run at the same time
            pass
    _remove_stale_temporaries(directory)


def _is_entry(entry: str, data: bytes) -> bool:
    try:
        version, stored, _ = _envelope_decoder.decode(data)
    except Exception:
        return False
    return version == FORMAT and stored == entry


def _remove_stale_temporaries(directory: str) -> None:
    # Left by a run that was killed while writing; an hour is long past any pack being written.
    deadline = time.time() - 3600
    for name in os.listdir(directory):
        if name.startswith(".tmp-"):
            path = os.path.join(directory, name)
            try:
                if os.stat(path).st_mtime < deadline:
                    os.unlink(path)
            except OSError:
                pass


def _parser_code_tag() -> bytes:
    """What a cached parse depends on: the code that builds blocks and expressions, the HCL
    grammar package, msgspec (the encoding) and the Python version."""
    global _code_tag
    if _code_tag is None:
        from tflint_sg import __version__, installed

        digest = hashlib.sha256(f"{sys.version_info[:2]};tflint-sg={__version__};format={FORMAT};".encode())
        for distribution, package in (("python-hcl2", "hcl2"), ("lark", "lark"), ("msgspec", "msgspec")):
            digest.update(f"{distribution}={installed.version(distribution, package)};".encode())
        here = os.path.dirname(os.path.abspath(__file__))
        for name in ("parse.py", "tree.py", "syntax.py", "heredoc.py", "template.py"):
            try:
                with open(os.path.join(here, name), "rb") as handle:
                    digest.update(handle.read())
            except OSError:  # installed without sources: the version above stands for them
                pass
        _code_tag = digest.digest()
    return _code_tag
