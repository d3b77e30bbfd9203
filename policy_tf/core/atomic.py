"""The one writer: every file policy_tf writes goes through here.

Guarantees, for a single file (``write_text``, ``write_bytes``) and for a batch (``Batch``):

* a temporary file in the destination's own folder, then a rename: readers see the old file or
  the new one, never half of it, and no temporary file is left behind, whatever happens;
* only a regular file is ever replaced: a device (``/dev/full``), a FIFO, a folder or a symbolic
  link in the destination's place is refused, not replaced and not written through;
* no symbolic link is followed at or under the output root of a batch: every folder is opened
  relative to its parent with ``O_NOFOLLOW``, so a link planted inside the output folder (or
  swapped in while we run) cannot send a file elsewhere;
* every failure (full or read-only disk, a file where a folder belongs, a name too long...) is
  one ``OutputError`` naming the path: an ``InputError`` for the CLI (exit 2) and an ``OSError``
  (with ``errno``, ``strerror`` and ``filename``) for callers that catch those;
* a batch is all-or-nothing: every file is staged first, then all are renamed into place; if
  any step fails, files already renamed get their previous content back and nothing is left.

The new file gets the mode of the file it replaces, else what a plain ``open()`` would give.
"""
from __future__ import annotations

import errno as _errno
import os
import stat

from policy_tf.core.errors import InputError

NAME_MAX = 255  # bytes in one path component on every filesystem we support
_TEMP_PREFIX = ".policy_tf-"


class OutputError(InputError, OSError):
    """A file that could not be written, naming it: exit 2 at the CLI, an ``OSError`` for callers."""

    def __init__(self, path, reason: str, code: int | None = None, refused: bool = False):
        OSError.__init__(self, code or 0, reason, str(path))
        self.message = f"cannot write {path}: {reason}"
        self.refused = refused  # something not ours in the way (a link, a device...), not a failing disk

    def __str__(self) -> str:
        return self.message


def _reason(exc: OSError) -> str:
    if exc.errno == _errno.ELOOP:
        return "a symbolic link is in the way (policy_tf never writes through one)"
    return exc.strerror or str(exc)


def _wrap(exc: OSError, path) -> OutputError:
    if isinstance(exc, OutputError):
        return exc
    return OutputError(path, _reason(exc), exc.errno)


def file_mode(path: str) -> int:
    """The mode of the file being replaced, else 0666 less the umask (mkstemp alone gives 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except (FileNotFoundError, NotADirectoryError):
        return _new_file_mode()


def _new_file_mode() -> int:
    """0666 less the umask. Read from /proc where it can be: setting it to read it (os.umask) would
    race with other threads (org mode writes from several), each seeing the other's 0."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o077)  # restrictive while it is changed, should another thread create a file now
    os.umask(umask)
    return 0o666 & ~umask


def fit_name(name: str, limit: int = NAME_MAX) -> str:
    """``name`` as one path component no longer than ``limit`` bytes (UTF-8).

    A longer name keeps its start and its extension, with 16 hex digits of its SHA-256 between
    them: deterministic (the same name always gives the same file), and distinct names stay
    distinct.
    """
    data = name.encode("utf-8")
    if len(data) <= limit:
        return name
    import hashlib

    digest = hashlib.sha256(data).hexdigest()[:16]
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, extension = name, ""
    suffix = f"-{digest}" + (f".{extension}" if extension else "")
    room = limit - len(suffix.encode())
    head = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return head + suffix


def _chunks(text):
    """UTF-8 bytes of ``text``: a string, or strings one after the other (a report's pieces; a
    long piece that comes again, as the actions list many findings share, is encoded once)."""
    if isinstance(text, str):
        yield text.encode("utf-8")
        return
    encoded: dict = {}  # id(piece) -> its bytes; the pieces stay alive while this runs
    for piece in text:
        if len(piece) < 4096:
            yield piece.encode("utf-8")
            continue
        data = encoded.get(id(piece))
        if data is None:
            data = encoded[id(piece)] = piece.encode("utf-8")
        yield data


def _pieces(text) -> bytes:
    return b"".join(_chunks(text))


def _temp_name() -> str:
    return f"{_TEMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}.tmp"


def _existing(dir_fd: int, name: str, path) -> os.stat_result | None:
    """The stat of ``name`` in the folder (links not followed); OutputError unless missing or a regular file."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _wrap(exc, path) from None
    if stat.S_ISREG(st.st_mode):
        return st
    kind = ("a symbolic link" if stat.S_ISLNK(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file")
    raise OutputError(path, f"it is {kind}; policy_tf replaces only regular files", refused=True)


def _stage(dir_fd: int, data, mode: int, path, sync: bool) -> str:
    """A temporary file holding ``data`` (bytes, or an iterable of bytes) in the folder; its name."""
    temp = _temp_name()
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                     dir_fd=dir_fd)
    except OSError as exc:
        raise _wrap(exc, path) from None
    try:
        try:
            if isinstance(data, (bytes, bytearray)):
                _write_all(fd, data)
            else:  # many small pieces: gathered into large writes, not one system call each
                pending = bytearray()
                for chunk in data:
                    pending += chunk
                    if len(pending) >= 1 << 20:
                        _write_all(fd, pending)
                        pending.clear()
                _write_all(fd, pending)
            os.fchmod(fd, mode)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        _unlink_quietly(dir_fd, temp)
        if isinstance(exc, OSError):
            raise _wrap(exc, path) from None
        raise
    return temp


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _unlink_quietly(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def _open_folder(path, follow: bool = True, shown=None) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        return os.open(path, flags)
    except OSError as exc:
        if exc.errno == _errno.ENOENT:
            raise OutputError(shown or path, "the folder does not exist", exc.errno) from None
        raise _wrap(exc, shown or path) from None


def write_bytes(path, data, *, sync: bool = False, exclusive: bool = False,
                mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (bytes, or an iterable of bytes) whole or not at all
    (see the module's guarantees).

    ``exclusive``: never replace an existing file (OutputError if one is there), atomically.
    ``sync``: the data and the folder entry reach the disk before this returns (journals).
    The folder must exist; only the last component of ``path`` is checked for links (the
    folder is the one the user named).
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    if not name:
        raise OutputError(path, "it is a folder")
    dir_fd = _open_folder(folder, shown=path)
    try:
        current = _existing(dir_fd, name, path)
        if current is not None and exclusive:
            raise OutputError(path, "it already exists", _errno.EEXIST)
        wanted = mode if mode is not None else (current.st_mode & 0o7777 if current else _new_file_mode())
        temp = _stage(dir_fd, data, wanted, path, sync)
        try:
            if exclusive:
                os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
                os.unlink(temp, dir_fd=dir_fd)
            else:
                _existing(dir_fd, name, path)  # again, just before: something may have been put there
                os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            if sync:
                os.fsync(dir_fd)
        except BaseException as exc:
            _unlink_quietly(dir_fd, temp)
            if isinstance(exc, OSError):
                if exclusive and exc.errno == _errno.EEXIST:
                    raise OutputError(path, "it already exists", exc.errno) from None
                raise _wrap(exc, path) from None
            raise
    finally:
        os.close(dir_fd)


def check_target(path) -> None:
    """OutputError unless ``path`` is missing or a regular file (for writers that must make their
    file elsewhere first, as SQLite does, before ``os.replace``)."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    dir_fd = _open_folder(folder, shown=path)
    try:
        _existing(dir_fd, name, path)
    finally:
        os.close(dir_fd)


def write_text(path, text) -> None:
    """Replace ``path`` with ``text`` (a string, or strings written one after the other)
    atomically: readers see the old file or the new one, never half."""
    write_bytes(path, _chunks(text))


def read_bytes_if_regular(dir_fd: int, name: str) -> bytes | None:
    """The content of a regular file in the folder (links not followed), or None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks: list = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)


class Batch:
    """Many files under one output root, all written or none.

    >>> with Batch("out") as batch:                       # doctest: +SKIP
    ...     batch.write_text("policies/a.json", text)     # staged: a temp file beside its target
    ...     batch.remove("old.json")                      # removed at commit
    ... # leaving the block commits every file; an exception discards them all

    Paths are relative to the root, ``/``-separated, without ``.``/``..``; missing folders are
    created (and removed again if the batch is discarded). The root itself and every folder
    under it are opened without following symbolic links. ``commit()`` and ``discard()`` may
    also be called directly. ``written``/``unchanged``/``removed`` list the relative paths.
    """

    def __init__(self, root, *, create: bool = True, only_if_changed: bool = True, sync: bool = False):
        self.root = os.fspath(root)
        self.only_if_changed = only_if_changed
        self.sync = sync
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.removed: list[str] = []
        self._folders: dict[str, int] = {}  # relative folder ('' = root) -> fd
        self._created: list[tuple[str, str]] = []  # (parent relative folder, name), in creation order
        self._created_root: list[str] = []  # absolute folders made to reach the root
        self._staged: dict[str, tuple[str, str, str]] = {}  # relative path -> (folder, name, temp)
        self._removals: dict[str, tuple[str, str]] = {}
        self._mode = _new_file_mode()
        self._open_root(create)

    # --- folders -----------------------------------------------------------------------------

    def _open_root(self, create: bool) -> None:
        root = os.path.abspath(self.root)
        try:
            st = os.lstat(root)
        except FileNotFoundError:
            if not create:
                raise OutputError(self.root, "the folder does not exist", _errno.ENOENT) from None
            self._make_root(root)
        except OSError as exc:
            raise _wrap(exc, self.root) from None
        else:
            if stat.S_ISLNK(st.st_mode):
                raise OutputError(self.root, "it is a symbolic link; policy_tf never writes through one "
                                             "(name the folder it points to)", _errno.ELOOP)
            if not stat.S_ISDIR(st.st_mode):
                raise OutputError(self.root, "it is not a folder", _errno.ENOTDIR)
        try:
            self._folders[""] = _open_folder(root, follow=False)
        except BaseException:
            self._remove_created_root()
            raise

    def _make_root(self, root: str) -> None:
        missing = []
        path = root
        while not os.path.lexists(path):
            missing.append(path)
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
        for folder in reversed(missing):
            try:
                os.mkdir(folder)
            except FileExistsError:
                continue
            except OSError as exc:
                self._remove_created_root()
                raise _wrap(exc, folder) from None
            self._created_root.append(folder)

    def _remove_created_root(self) -> None:
        for folder in reversed(self._created_root):
            try:
                os.rmdir(folder)
            except OSError:
                break
        self._created_root.clear()

    @staticmethod
    def _split(relative: str) -> list[str]:
        parts = relative.split("/")
        if not relative or any(p in ("", ".", "..") or "\0" in p for p in parts):
            raise ValueError(f"not a relative path inside the output folder: {relative!r}")
        return parts

    def _display(self, relative: str) -> str:
        return os.path.join(self.root, *relative.split("/")) if relative else self.root

    def _folder(self, relative: str, create: bool) -> int | None:
        """fd of a folder under the root, each step opened without following links; None if missing."""
        if relative in self._folders:
            return self._folders[relative]
        parent_rel, _, name = relative.rpartition("/")
        parent = self._folder(parent_rel, create)
        if parent is None:
            return None
        shown = self._display(relative)
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.mkdir(name, 0o777, dir_fd=parent)
            except OSError as exc:
                raise _wrap(exc, shown) from None
            self._created.append((parent_rel, name))
        except OSError as exc:
            raise _wrap(exc, shown) from None
        else:
            if stat.S_ISLNK(st.st_mode):
                raise OutputError(shown, "it is a symbolic link; policy_tf never writes through one", _errno.ELOOP,
                                  refused=True)
            if not stat.S_ISDIR(st.st_mode):
                raise OutputError(shown, "a file is where a folder belongs", _errno.ENOTDIR, refused=True)
        try:
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)
        except OSError as exc:
            raise _wrap(exc, shown) from None
        self._folders[relative] = fd
        return fd

    def read_bytes(self, relative: str) -> bytes | None:
        """The content of a regular file under the root as it is now (no link followed), or None."""
        parts = self._split(relative)
        try:
            folder = self._folder("/".join(parts[:-1]), create=False)
        except OutputError:
            return None
        return None if folder is None else read_bytes_if_regular(folder, parts[-1])

    # --- staging -----------------------------------------------------------------------------

    def write_bytes(self, relative: str, data: bytes) -> bool:
        """Stage ``data`` for ``relative``; False (nothing staged) if the file already holds it."""
        parts = self._split(relative)
        folder_rel, name = "/".join(parts[:-1]), parts[-1]
        shown = self._display(relative)
        if len(name.encode("utf-8")) > NAME_MAX:
            raise OutputError(shown, "File name too long", _errno.ENAMETOOLONG)
        folder = self._folder(folder_rel, create=True)
        if folder is None:  # create=True makes a missing folder: unreachable, said rather than assumed
            raise OutputError(shown, "its folder cannot be made", _errno.ENOENT)
        current = _existing(folder, name, shown)
        if relative in self._staged:
            _unlink_quietly(folder, self._staged.pop(relative)[2])
            self.written.remove(relative)
        self._removals.pop(relative, None)
        if current is not None and self.only_if_changed and read_bytes_if_regular(folder, name) == data:
            if relative not in self.unchanged:
                self.unchanged.append(relative)
            return False
        mode = current.st_mode & 0o7777 if current else self._mode
        self._staged[relative] = (folder_rel, name, _stage(folder, data, mode, shown, self.sync))
        self.written.append(relative)
        return True

    def write_text(self, relative: str, text) -> bool:
        """``write_bytes`` of ``text`` (a string, or strings one after the other) as UTF-8."""
        return self.write_bytes(relative, _pieces(text))

    def remove(self, relative: str) -> None:
        """Remove a regular file at commit (anything else there is left alone); missing is fine."""
        parts = self._split(relative)
        if relative not in self._staged:
            self._removals[relative] = ("/".join(parts[:-1]), parts[-1])

    # --- commit ------------------------------------------------------------------------------

    def commit(self) -> None:
        """Rename every staged file into place and make the removals; on any failure undo all."""
        done: list[tuple[int, str, str | None]] = []  # (folder fd, name, link to the old file or None)
        try:
            for relative, (folder_rel, name, temp) in self._staged.items():
                folder = self._folders[folder_rel]
                shown = self._display(relative)
                backup = self._backup(folder, name, shown)
                try:
                    os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
                except OSError as exc:
                    if backup:
                        _unlink_quietly(folder, backup)
                    raise _wrap(exc, shown) from None
                done.append((folder, name, backup))
            for relative, (folder_rel, name) in sorted(self._removals.items()):
                removal_folder = self._folder(folder_rel, create=False)
                if removal_folder is None or not self._is_file(removal_folder, name):
                    continue
                folder = removal_folder
                backup = self._backup(folder, name, self._display(relative))
                try:
                    os.unlink(name, dir_fd=folder)
                except OSError as exc:
                    if backup:
                        _unlink_quietly(folder, backup)
                    raise _wrap(exc, self._display(relative)) from None
                done.append((folder, name, backup))
                self.removed.append(relative)
            if self.sync:
                for fd in set(self._folders.values()):
                    os.fsync(fd)
        except BaseException:
            self._undo(done)
            self.removed.clear()
            self.discard()
            raise
        for folder, _name, backup in done:
            if backup:
                _unlink_quietly(folder, backup)
        self._staged.clear()
        self._created.clear()
        self._created_root.clear()
        self._prune_emptied()
        self.close()

    @staticmethod
    def _is_file(folder: int, name: str) -> bool:
        try:
            return stat.S_ISREG(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def _backup(self, folder: int, name: str, shown: str) -> str | None:
        """A hard link to the file being replaced (so that it can be put back), or None if none is there."""
        if _existing(folder, name, shown) is None:
            return None
        backup = _temp_name()
        try:
            os.link(name, backup, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
        except OSError as exc:
            raise _wrap(exc, shown) from None
        return backup

    @staticmethod
    def _undo(done) -> None:
        """Put back what ``commit`` changed, newest first: old files over new ones, removed files."""
        for folder, name, backup in reversed(done):
            try:
                if backup:
                    os.replace(backup, name, src_dir_fd=folder, dst_dir_fd=folder)
                else:
                    os.unlink(name, dir_fd=folder)
            except OSError:
                pass

    def _prune_emptied(self) -> None:
        """Folders the removals left empty, from the deepest up (never the root)."""
        folders = sorted({r.rpartition("/")[0] for r in self.removed if "/" in r}, key=lambda f: -f.count("/"))
        seen = set()
        for folder in folders:
            while folder and folder not in seen:
                seen.add(folder)
                parent_rel, _, name = folder.rpartition("/")
                parent = self._folders.get(parent_rel)
                if parent is None:
                    break
                try:
                    os.rmdir(name, dir_fd=parent)
                except OSError:
                    break
                folder = parent_rel

    def discard(self) -> None:
        """Drop every staged file and the folders this batch created; nothing is left behind."""
        for folder_rel, _name, temp in self._staged.values():
            fd = self._folders.get(folder_rel)
            if fd is not None:
                _unlink_quietly(fd, temp)
        self._staged.clear()
        self.written.clear()
        for parent_rel, name in reversed(self._created):
            fd = self._folders.get(parent_rel)
            if fd is not None:
                try:
                    os.rmdir(name, dir_fd=fd)
                except OSError:
                    pass
        self._created.clear()
        self.close()
        self._remove_created_root()

    def close(self) -> None:
        for fd in self._folders.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._folders.clear()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()
