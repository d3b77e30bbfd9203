"""save-template: the template module's file writer, run by Terraform as a program (no shell)."""
from __future__ import annotations

import os

import pytest

from policy_tf.cli import main

HEADER = ("# policy_tf template rendered by Terraform (terraform/modules/template): "
          "change the module's inputs, not this file.\n")
TEMPLATE = HEADER + "mode: crud\nname: Reader\nread:\n- arn:aws:s3:::acme-reports\n"


def run(capsys, monkeypatch, *args, text=None) -> tuple:
    if text is None:
        monkeypatch.delenv("POLICY_TF_TEMPLATE", raising=False)
    else:
        monkeypatch.setenv("POLICY_TF_TEMPLATE", text)
    code = main(["save-template", *args])
    out = capsys.readouterr()
    return code, out.err


def test_writes_the_template_from_the_environment_creating_its_folder(tmp_path, capsys, monkeypatch):
    target = tmp_path / "templates" / "Reader.yml"
    assert run(capsys, monkeypatch, "--output-file", str(target), text=TEMPLATE)[0] == 0
    assert target.read_text(encoding="utf-8") == TEMPLATE
    assert [p.name for p in target.parent.iterdir()] == ["Reader.yml"]  # no temp file left


def test_refuses_text_that_is_not_a_template_and_writes_nothing(tmp_path, capsys, monkeypatch):
    target = tmp_path / "Reader.yml"
    code, err = run(capsys, monkeypatch, "--output-file", str(target), text="mode: crud\nname: [\n")
    assert code == 2 and "$POLICY_TF_TEMPLATE" in err
    assert not target.exists()


def test_never_replaces_a_fifo_or_a_symbolic_link(tmp_path, capsys, monkeypatch):
    fifo = tmp_path / "pipe.yml"
    os.mkfifo(fifo)
    code, err = run(capsys, monkeypatch, "--output-file", str(fifo), text=TEMPLATE)
    assert code == 2 and "pipe.yml: exists and is not a regular file" in err and "Traceback" not in err
    assert not fifo.is_file()
    link = tmp_path / "link.yml"
    link.symlink_to(tmp_path / "elsewhere.yml")
    code, err = run(capsys, monkeypatch, "--output-file", str(link), text=TEMPLATE)
    assert code == 2 and link.is_symlink() and not (tmp_path / "elsewhere.yml").exists()


def test_a_read_only_folder_is_a_clean_error(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user that can write anywhere")
        code, err = run(capsys, monkeypatch, "--output-file", str(folder / "x.yml"), text=TEMPLATE)
        assert code == 2 and "cannot write the template" in err
    finally:
        folder.chmod(0o700)


def test_delete_removes_only_a_file_the_module_wrote(tmp_path, capsys, monkeypatch):
    ours, theirs = tmp_path / "ours.yml", tmp_path / "theirs.yml"
    ours.write_text(TEMPLATE, encoding="utf-8")
    theirs.write_text("mode: crud\nname: HandWritten\n", encoding="utf-8")
    assert run(capsys, monkeypatch, "--delete", "--output-file", str(ours))[0] == 0 and not ours.exists()
    code, err = run(capsys, monkeypatch, "--delete", "--output-file", str(theirs))
    assert code == 2 and "left alone" in err and theirs.exists()
    assert run(capsys, monkeypatch, "--delete", "--output-file", str(ours))[0] == 0  # already gone: fine


def test_delete_never_follows_a_symbolic_link(tmp_path, capsys, monkeypatch):
    real = tmp_path / "real.yml"
    real.write_text(TEMPLATE, encoding="utf-8")
    link = tmp_path / "link.yml"
    link.symlink_to(real)
    code, err = run(capsys, monkeypatch, "--delete", "--output-file", str(link))
    assert code == 2 and "not a regular file" in err
    assert real.exists() and link.is_symlink()
