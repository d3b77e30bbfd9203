"""`policy_tf completion bash|zsh|fish`: static completion scripts generated from the whole parser."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from cli_runner import SUBPROCESS_TIMEOUT

from policy_tf.cli import COMMANDS, main

# Completes one command line as bash would on <Tab>, printing the candidates one per line.
COMPLETE_LINE = r'''
source "$1"
COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMPREPLY=()
_shtab_policy_tf "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
'''


def script(capsys, shell: str) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


@pytest.fixture
def bash_complete(capsys, tmp_path):
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    path = tmp_path / "policy_tf.bash"
    path.write_text(script(capsys, "bash"))

    def complete(line: str, cwd=tmp_path) -> list[str]:
        done = subprocess.run(["bash", "-c", COMPLETE_LINE, "complete", str(path), line],
                              capture_output=True, text=True, cwd=cwd, check=True, timeout=SUBPROCESS_TIMEOUT)
        return done.stdout.split()

    return complete


def test_bash_completes_every_command(bash_complete):
    assert bash_complete("policy_tf ") == list(COMMANDS)
    assert bash_complete("policy_tf write") == ["write-policy", "write-policy-dir"]


def test_bash_completes_subcommands(bash_complete):
    assert bash_complete("policy_tf query a") == ["action-table", "arn-table"]


def test_bash_completes_the_options_of_a_subcommand(bash_complete):
    assert {"--service", "--name", "--access-level", "--resource-type", "--condition", "--fmt"} <= set(
        bash_complete("policy_tf query action-table --"))


def test_bash_completes_choices(bash_complete):
    assert bash_complete("policy_tf query action-table --fmt ") == ["json", "yaml", "table", "csv"]


def test_bash_completes_file_names_for_file_options(bash_complete, tmp_path):
    (tmp_path / "lambda.yml").write_text("mode: crud\n")
    assert bash_complete("policy_tf write-policy --input-file lam") == ["lambda.yml"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_know_every_command(capsys, shell):
    text = script(capsys, shell)
    assert all(name in text for name in COMMANDS) and "--access-level" in text
