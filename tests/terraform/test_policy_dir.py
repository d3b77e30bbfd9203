"""`policy_tf write-policy-dir` and `write_policy_dir`: one policy file per template, written safely."""
from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest

from policy_tf.cli import main
from policy_tf.core.errors import InputError
from policy_tf.terraform.policy_dir import PROGRESS_FROM, write_policy_dir

REPO = Path(__file__).resolve().parents[2]
OLD = 1_000_000_000_000_000_000  # an mtime (ns) long past, so any rewrite shows


def small(n: int | str) -> str:
    return json.dumps({"mode": "crud", "read": [f"arn:aws:s3:::b-{n}/*"]})


def make(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def age(path: Path) -> None:
    os.utime(path, ns=(OLD, OLD))


def write_policy_output(capsys, path: Path, *options: str) -> str:
    assert main(["write-policy", "-i", str(path), *options]) == 0
    return capsys.readouterr().out


@pytest.fixture
def dirs(tmp_path) -> tuple[Path, Path]:
    return tmp_path / "templates", tmp_path / "policies"


# --- writing -----------------------------------------------------------------------------------


def test_each_template_becomes_exactly_what_write_policy_prints(dirs, capsys):
    src, out = dirs
    shutil.copytree(REPO / "examples" / "templates", src)
    make(src, {"s.json": small(1), "t.yaml": "mode: crud\nread: arn:aws:s3:::b-2/*\n"})
    summary = write_policy_dir(src, out)
    assert summary.counts["written"] == len(list(src.iterdir())) and not summary.errors
    for template in src.iterdir():
        expected = write_policy_output(capsys, template)
        assert (out / (template.stem + ".json")).read_text() == expected


def test_fit_output_is_the_json_list_write_policy_prints(dirs, capsys):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    write_policy_dir(src, out, minimize=0, fit="managed")
    text = (out / "a.json").read_text()
    assert text == write_policy_output(capsys, src / "a.yml", "--minimize", "0", "--fit", "managed")
    assert isinstance(json.loads(text), list)


def test_bad_templates_are_reported_by_name_while_good_ones_are_written(dirs):
    src, out = dirs
    make(src, {"good.yml": small(1), "bad.yml": "mode: nope\n", "broken.json": "{", "also-good.json": small(2)})
    summary = write_policy_dir(src, out)
    assert files_under(out) == ["also-good.json", "good.json"]
    assert [e.path for e in summary.errors] == [str(src / "bad.yml"), str(src / "broken.json")]
    assert "mode" in summary.errors[0].reason and "YAML" in summary.errors[1].reason


def test_cli_exits_2_and_names_each_bad_template(dirs, cli_process):
    src, out = dirs
    make(src, {"good.yml": small(1), "bad.yml": "mode: nope\n"})
    proc = cli_process("write-policy-dir", "--input-dir", str(src), "--output-dir", str(out))
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"policy_tf: error: {src / 'bad.yml'}: mode: expected crud or actions" in proc.stderr
    assert proc.stderr.rstrip().endswith("written 1, unchanged 0, pruned 0, failed 1, warnings 0")
    assert (out / "good.json").is_file()


def test_cli_exits_0_with_a_summary_when_all_templates_are_good(dirs, capsys):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    assert main(["write-policy-dir", "--input-dir", str(src), "--output-dir", str(out)]) == 0
    assert "write-policy-dir: written 1, unchanged 0, pruned 0, failed 0, warnings 0" in capsys.readouterr().err


def test_warnings_are_counted_and_name_their_template(dirs):
    src, out = dirs
    make(src, {"w.yml": json.dumps({"mode": "crud", "write": ["arn:aws:iam::123456789012:role/a"]})})
    summary = write_policy_dir(src, out)
    assert summary.counts["warnings"] == 1 and summary.warnings[0].startswith(f"{src / 'w.yml'}: ")


def test_missing_input_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        write_policy_dir(tmp_path / "nope", tmp_path / "out")


def test_two_workers_write_the_same_files_as_one(tmp_path):
    src = make(tmp_path / "t", {f"p{i}.yml": small(i) for i in range(12)} | {"bad.yml": "mode: nope"})
    one, two = write_policy_dir(src, tmp_path / "one", jobs=1), write_policy_dir(src, tmp_path / "two", jobs=2)
    assert [e.reason for e in one.errors] == [e.reason for e in two.errors] and len(two.errors) == 1
    assert files_under(tmp_path / "one") == files_under(tmp_path / "two")
    for name in files_under(tmp_path / "one"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_many_templates_draw_a_progress_bar_on_a_terminal(dirs, monkeypatch):
    src, out = dirs
    make(src, {f"t{i}.json": small(i) for i in range(PROGRESS_FROM)})
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    write_policy_dir(src, out, progress=True)
    assert "write-policy-dir: 100%" in terminal.getvalue() and f"{PROGRESS_FROM}/{PROGRESS_FROM}" in terminal.getvalue()


def test_progress_stays_silent_when_stderr_is_not_a_terminal(dirs, capsys):
    src, out = dirs
    make(src, {f"t{i}.json": small(i) for i in range(PROGRESS_FROM)})
    write_policy_dir(src, out, progress=True)
    assert capsys.readouterr().err == ""


# --- unchanged outputs ---------------------------------------------------------------------------


def test_unchanged_outputs_are_not_rewritten(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1), "b.yml": small(2)})
    write_policy_dir(src, out)
    for path in out.iterdir():
        age(path)
    summary = write_policy_dir(src, out)
    assert summary.counts["unchanged"] == 2 and summary.counts["written"] == 0
    assert all(path.stat().st_mtime_ns == OLD for path in out.iterdir())


def test_nothing_is_written_outside_the_output_folder(dirs, monkeypatch, tmp_path):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    home = tmp_path / "home"
    monkeypatch.setenv("POLICY_TF_HOME", str(home))
    write_policy_dir(src, out)
    age(out / "a.json")
    assert write_policy_dir(src, out).counts["unchanged"] == 1
    assert not home.exists()
    assert (out / "a.json").stat().st_mtime_ns == OLD


def test_a_changed_template_rewrites_only_its_output(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1), "b.yml": small(2)})
    write_policy_dir(src, out)
    age(out / "a.json"), age(out / "b.json")
    (src / "b.yml").write_text(small(3))
    summary = write_policy_dir(src, out)
    assert summary.written == [str(out / "b.json")]
    assert (out / "a.json").stat().st_mtime_ns == OLD and "b-3" in (out / "b.json").read_text()


def test_an_output_edited_by_hand_is_rewritten(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    write_policy_dir(src, out)
    (out / "a.json").write_text("{}")
    assert write_policy_dir(src, out).counts["written"] == 1
    assert "b-1" in (out / "a.json").read_text()


def test_changed_options_regenerate_outputs(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    write_policy_dir(src, out)
    assert write_policy_dir(src, out, fit="managed").counts["written"] == 1
    assert isinstance(json.loads((out / "a.json").read_text()), list)


def test_an_unchanged_rerun_still_reports_warnings(dirs):
    src, out = dirs
    make(src, {"w.yml": json.dumps({"mode": "crud", "write": ["arn:aws:iam::123456789012:role/a"]})})
    first, second = write_policy_dir(src, out), write_policy_dir(src, out)
    assert second.counts["unchanged"] == 1 and second.warnings == first.warnings != []


def test_a_replaced_output_keeps_its_permissions(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    write_policy_dir(src, out)
    os.chmod(out / "a.json", 0o640)
    (src / "a.yml").write_text(small(2))
    write_policy_dir(src, out)
    assert (out / "a.json").stat().st_mode & 0o777 == 0o640


# --- pruning -------------------------------------------------------------------------------------


def test_prune_removes_stale_policies_only(dirs, tmp_path):
    src, out = dirs
    make(src, {"keep.yml": small(1), "gone.yml": small(2), "failing.yml": small(3)})
    write_policy_dir(src, out)
    (src / "gone.yml").unlink()
    (src / "failing.yml").write_text("mode: nope")
    make(out, {"package.json": '{"name": "not a policy"}', "notes.txt": "x", "broken.json": "{"})
    outside = make(tmp_path / "elsewhere", {"x.json": (out / "keep.json").read_text()})
    (out / "link.json").symlink_to(outside / "x.json")
    summary = write_policy_dir(src, out, prune=True)
    assert summary.pruned == [str(out / "gone.json")]
    assert files_under(out) == ["broken.json", "failing.json", "keep.json", "link.json", "notes.txt", "package.json"]
    assert (outside / "x.json").is_file()


def test_without_prune_stale_policies_stay(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1), "b.yml": small(2)})
    write_policy_dir(src, out)
    (src / "b.yml").unlink()
    assert write_policy_dir(src, out).pruned == [] and (out / "b.json").is_file()


def test_prune_without_recursive_leaves_subfolders_alone(dirs):
    src, out = dirs
    make(src, {"sub/a.yml": small(1)})
    write_policy_dir(src, out, recursive=True)
    (src / "sub" / "a.yml").unlink()
    assert write_policy_dir(src, out, prune=True).pruned == []
    assert write_policy_dir(src, out, prune=True, recursive=True).pruned == [str(out / "sub" / "a.json")]


def test_prune_removes_split_policy_lists(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    write_policy_dir(src, out, fit="managed")
    (src / "a.yml").unlink()
    assert write_policy_dir(src, out, prune=True).pruned == [str(out / "a.json")]


# --- folders ------------------------------------------------------------------------------------


def test_recursive_mirrors_subfolders(dirs):
    src, out = dirs
    make(src, {"top.yml": small(1), "team/a.yml": small(2), "team/deep/b.json": small(3), ".hidden/c.yml": small(4)})
    write_policy_dir(src, out, recursive=True)
    assert files_under(out) == ["team/a.json", "team/deep/b.json", "top.json"]


def test_without_recursive_subfolders_are_ignored(dirs):
    src, out = dirs
    make(src, {"top.yml": small(1), "team/a.yml": small(2)})
    write_policy_dir(src, out)
    assert files_under(out) == ["top.json"]


def test_templates_with_the_same_output_are_both_errors(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1), "a.json": small(2), "A.yaml": small(3), "b.yml": small(4)})
    summary = write_policy_dir(src, out)
    assert sorted(e.path for e in summary.errors) == sorted(str(src / n) for n in ("A.yaml", "a.json", "a.yml"))
    assert all("same file" in e.reason for e in summary.errors)
    assert files_under(out) == ["b.json"]


def test_output_folder_equal_to_input_folder_is_refused(dirs):
    src, _ = dirs
    make(src, {"a.yml": small(1)})
    with pytest.raises(InputError, match="is the input folder"):
        write_policy_dir(src, src / ".." / src.name)


def test_output_folder_inside_input_folder_is_refused_with_recursive(dirs):
    src, _ = dirs
    make(src, {"a.yml": small(1)})
    with pytest.raises(InputError, match="inside --input-dir"):
        write_policy_dir(src, src / "policies", recursive=True)
    assert not (src / "policies").exists()


def test_output_folder_inside_input_folder_works_without_recursive(dirs):
    src, _ = dirs
    make(src, {"a.yml": small(1)})
    write_policy_dir(src, src / "policies")
    summary = write_policy_dir(src, src / "policies", prune=True)  # the outputs are not read as templates
    assert summary.counts == {"written": 0, "unchanged": 1, "pruned": 0, "failed": 0, "warnings": 0}


def test_input_folder_inside_output_folder_is_refused_with_recursive(tmp_path):
    src = make(tmp_path / "out" / "templates", {"a.json": small(1)})
    with pytest.raises(InputError, match="inside --output-dir"):
        write_policy_dir(src, tmp_path / "out", recursive=True, prune=True)
    assert (src / "a.json").is_file()


def test_a_symlinked_output_subfolder_is_refused_and_nothing_is_written_outside(dirs, tmp_path):
    src, out = dirs
    make(src, {"team/a.yml": small(1), "b.yml": small(2)})
    outside = tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "team").symlink_to(outside, target_is_directory=True)
    summary = write_policy_dir(src, out, recursive=True)
    assert [e.path for e in summary.errors] == [str(src / "team" / "a.yml")]
    assert "symbolic link" in summary.errors[0].reason
    assert list(outside.iterdir()) == [] and (out / "b.json").is_file()


def test_an_output_subfolder_replaced_by_a_symlink_is_refused(dirs, tmp_path):
    src, out = dirs
    make(src, {"team/a.yml": small(1)})
    write_policy_dir(src, out, recursive=True)
    outside = tmp_path / "outside"
    (out / "team").rename(outside)
    (out / "team").symlink_to(outside, target_is_directory=True)
    summary = write_policy_dir(src, out, recursive=True)
    assert summary.counts["unchanged"] == 0 and "symbolic link" in summary.errors[0].reason


def test_a_symlinked_output_file_is_not_replaced(dirs, tmp_path):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    target = make(tmp_path / "outside", {"t.json": "{}"}) / "t.json"
    out.mkdir()
    (out / "a.json").symlink_to(target)
    summary = write_policy_dir(src, out)
    assert "symbolic link" in summary.errors[0].reason
    assert target.read_text() == "{}" and (out / "a.json").is_symlink()


def test_a_symlinked_input_subfolder_is_not_followed(dirs, tmp_path):
    src, out = dirs
    elsewhere = make(tmp_path / "elsewhere", {"x.yml": small(1)})
    make(src, {"a.yml": small(2)})
    (src / "linked").symlink_to(elsewhere, target_is_directory=True)
    (src / "loop").symlink_to(src, target_is_directory=True)
    summary = write_policy_dir(src, out, recursive=True)
    assert files_under(out) == ["a.json"]
    assert summary.notes == [f"{src / 'linked'}: symbolic link to a folder, not followed",
                             f"{src / 'loop'}: symbolic link to a folder, not followed"]


# --- atomic writes -------------------------------------------------------------------------------


def test_no_temp_files_are_left_after_a_run_with_failures(dirs):
    src, out = dirs
    make(src, {"a.yml": small(1), "bad.yml": "mode: nope", "sub/b.yml": small(2)})
    write_policy_dir(src, out, recursive=True)
    (src / "a.yml").write_text(small(3))
    write_policy_dir(src, out, recursive=True)
    assert files_under(out) == ["a.json", "sub/b.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(dirs, monkeypatch):
    src, out = dirs
    make(src, {"a.yml": small(1)})
    write_policy_dir(src, out)
    before = (out / "a.json").read_text()
    (src / "a.yml").write_text(small(2))

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    summary = write_policy_dir(src, out)
    assert "No space left on device" in summary.errors[0].reason
    assert files_under(out) == ["a.json"] and (out / "a.json").read_text() == before

