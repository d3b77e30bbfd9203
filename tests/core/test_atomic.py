"""The one writer: temp file and rename, regular files only, no links followed, clean errors, batches all-or-nothing."""
from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys

import pytest

from policy_tf.core.atomic import Batch, OutputError, fit_name, write_bytes, write_text
from policy_tf.core.errors import InputError


def tree(root) -> list[str]:
    """Every entry under ``root`` (links not followed), relative, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def char_device(path) -> None:
    """A /dev/full look-alike (major 1, minor 7) where the test can make one."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, AttributeError):
        pytest.skip("cannot create a device node here")


# --- one file ----------------------------------------------------------------------------------

def test_a_file_is_written_whole_with_nothing_left_beside_it(tmp_path):
    write_text(tmp_path / "r.json", ["{", "}\n"])
    assert (tmp_path / "r.json").read_text() == "{}\n" and tree(tmp_path) == ["r.json"]


def test_a_replaced_file_keeps_its_mode(tmp_path):
    (tmp_path / "r.json").write_text("old")
    os.chmod(tmp_path / "r.json", 0o640)
    write_text(tmp_path / "r.json", "new")
    assert stat.S_IMODE(os.stat(tmp_path / "r.json").st_mode) == 0o640


def test_a_device_in_the_way_is_refused_not_replaced(tmp_path):
    device = tmp_path / "full"
    char_device(device)
    with pytest.raises(OutputError, match="it is a device; policy_tf replaces only regular files"):
        write_text(device, "x")
    assert stat.S_ISCHR(os.lstat(device).st_mode) and tree(tmp_path) == ["full"]


def test_a_fifo_a_folder_and_a_link_in_the_way_are_refused(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    (tmp_path / "elsewhere").write_text("keep")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    for name, kind in (("fifo", "a FIFO"), ("dir", "a folder"), ("link", "a symbolic link")):
        with pytest.raises(OutputError, match=f"it is {kind}"):
            write_text(tmp_path / name, "x")
    assert (tmp_path / "elsewhere").read_text() == "keep" and (tmp_path / "link").is_symlink()
    assert tree(tmp_path) == ["dir", "elsewhere", "fifo", "link"]


def test_errors_name_the_path_and_are_both_input_and_os_errors(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError) as caught:
        write_text(tmp_path / "file" / "r.json", "x")
    assert str(caught.value).startswith(f"cannot write {tmp_path / 'file' / 'r.json'}: ")
    assert isinstance(caught.value, InputError) and isinstance(caught.value, OSError)
    assert caught.value.errno == errno.ENOTDIR and caught.value.exit_code == 2


def test_a_missing_folder_is_an_error_for_a_single_file(tmp_path):
    with pytest.raises(OutputError, match="the folder does not exist"):
        write_text(tmp_path / "missing" / "r.json", "x")
    assert tree(tmp_path) == []


def test_a_disk_that_fills_up_leaves_the_old_file_and_no_temp_file(tmp_path):
    # A file size limit makes the kernel refuse the write as a full disk would (EFBIG, "File too large").
    (tmp_path / "r.json").write_text("old")
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
            "from policy_tf.core.atomic import write_text, OutputError\n"
            "try:\n    write_text(sys.argv[1], 'x' * 100000)\n"
            "except OutputError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.json")], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == f"cannot write {tmp_path / 'r.json'}: File too large", done.stderr
    assert tree(tmp_path) == ["r.json"] and (tmp_path / "r.json").read_text() == "old"


def test_exclusive_never_replaces_an_existing_file(tmp_path):
    write_bytes(tmp_path / "j.json", b"first", exclusive=True, sync=True)
    with pytest.raises(OutputError, match="it already exists"):
        write_bytes(tmp_path / "j.json", b"second", exclusive=True)
    assert (tmp_path / "j.json").read_bytes() == b"first" and tree(tmp_path) == ["j.json"]


def test_long_names_are_shortened_deterministically_and_keep_their_extension():
    long = "role-" + "a" * 300 + ".yml"
    short = fit_name(long)
    assert len(short.encode()) <= 255 and short.endswith(".yml") and short == fit_name(long)
    assert fit_name("role-" + "a" * 299 + "b.yml") != short and fit_name("ok.yml") == "ok.yml"


# --- batches -----------------------------------------------------------------------------------

def test_a_batch_writes_every_file_in_created_folders(tmp_path):
    with Batch(tmp_path / "out") as batch:
        batch.write_text("a/b/c.json", "1")
        batch.write_text("d.json", "2")
        assert tree(tmp_path / "out") != ["a", "a/b", "a/b/c.json", "d.json"]  # staged, not yet in place
    assert tree(tmp_path / "out") == ["a", "a/b", "a/b/c.json", "d.json"]
    assert (tmp_path / "out/a/b/c.json").read_text() == "1"


def test_a_failed_batch_leaves_nothing_not_even_its_folders(tmp_path):
    with pytest.raises(RuntimeError):
        with Batch(tmp_path / "out") as batch:
            batch.write_text("a/b.json", "1")
            raise RuntimeError("a later input failed")
    assert tree(tmp_path) == []


def test_a_failed_batch_keeps_the_previous_files(tmp_path):
    with Batch(tmp_path) as batch:
        batch.write_text("a.json", "old")
    with pytest.raises(OutputError):
        with Batch(tmp_path) as batch:
            batch.write_text("a.json", "new")
            (tmp_path / "sub").write_text("a file where a folder belongs")
            batch.write_text("sub/b.json", "x")
    assert (tmp_path / "a.json").read_text() == "old" and tree(tmp_path) == ["a.json", "sub"]


def test_a_failure_while_renaming_puts_back_what_was_already_renamed(tmp_path, monkeypatch):
    with Batch(tmp_path) as batch:
        batch.write_text("a.json", "old a")
        batch.write_text("gone.json", "old")
    real_replace = os.replace
    calls = []

    def replace(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match="b.json: No space left on device"):
        with Batch(tmp_path) as batch:
            batch.write_text("a.json", "new a")
            batch.write_text("b.json", "new b")
            batch.remove("gone.json")
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "a.json").read_text() == "old a" and tree(tmp_path) == ["a.json", "gone.json"]


def test_a_link_planted_under_the_root_is_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "policies").symlink_to(outside)
    with pytest.raises(OutputError, match="symbolic link"):
        with Batch(tmp_path / "out") as batch:
            batch.write_text("a.json", "1")
            batch.write_text("policies/p.json", "2")
    assert tree(outside) == [] and tree(tmp_path / "out") == ["policies"]


def test_a_link_as_the_root_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")
    with pytest.raises(OutputError, match="symbolic link"):
        Batch(tmp_path / "out")
    assert tree(tmp_path / "real") == []


def test_a_link_as_a_file_in_the_batch_is_refused(tmp_path):
    (tmp_path / "secret").write_text("keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.json").symlink_to(tmp_path / "secret")
    with pytest.raises(OutputError, match="a symbolic link"):
        with Batch(tmp_path / "out") as batch:
            batch.write_text("a.json", "1")
    assert (tmp_path / "secret").read_text() == "keep" and tree(tmp_path / "out") == ["a.json"]


def test_unchanged_files_are_not_rewritten_and_removals_prune_empty_folders(tmp_path):
    with Batch(tmp_path) as batch:
        batch.write_text("a.json", "1")
        batch.write_text("x/y/old.json", "2")
    inode = os.stat(tmp_path / "a.json").st_ino
    with Batch(tmp_path) as batch:
        assert batch.write_text("a.json", "1") is False
        batch.remove("x/y/old.json")
        batch.remove("never-there.json")
    assert os.stat(tmp_path / "a.json").st_ino == inode and tree(tmp_path) == ["a.json"]
    assert batch.unchanged == ["a.json"] and batch.removed == ["x/y/old.json"]


def test_paths_that_climb_out_are_refused(tmp_path):
    with Batch(tmp_path) as batch:
        for bad in ("../x.json", "/etc/x", "a//b", "./a", ""):
            with pytest.raises(ValueError):
                batch.write_text(bad, "x")
    assert tree(tmp_path) == []


def test_a_name_too_long_is_a_clean_error(tmp_path):
    with pytest.raises(OutputError, match="File name too long"):
        with Batch(tmp_path) as batch:
            batch.write_text("x" * 300 + ".json", "1")
    assert tree(tmp_path) == []


def test_a_read_only_file_system_is_one_error_naming_the_file(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OutputError, match=f"cannot write {tmp_path / 'r.json'}: Read-only file system"):
        write_text(tmp_path / "r.json", "x")
    with pytest.raises(OutputError, match="out/a/b.json: Read-only file system"):
        with Batch(tmp_path / "out") as batch:
            batch.write_text("a/b.json", "x")
    monkeypatch.setattr(os, "open", real_open)
    assert tree(tmp_path) == []
