"""usage-review package writes its zip through the one writer: a device in the output's place stays a
device (run as root over /dev/null, it was replaced by a regular file)."""
from __future__ import annotations

import os
import stat

import pytest


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_as_the_package_output_is_refused_and_kept(cli, tmp_path):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    code, _, err = cli("usage-review", "package", "--output", str(node))
    assert code == 2 and "it is a device" in err and stat.S_ISCHR(os.lstat(node).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_link_as_the_package_output_is_refused_and_its_target_kept(cli, tmp_path):
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0::/root:/bin/sh\n")
    (tmp_path / "usage-review.zip").symlink_to(target)
    code, _, err = cli("usage-review", "package", "--output", str(tmp_path / "usage-review.zip"))
    assert code == 2 and "symbolic link" in err and target.read_text() == "root:x:0:0::/root:/bin/sh\n"
