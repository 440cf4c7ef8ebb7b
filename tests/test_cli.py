"""The installed kujo-triage command."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("kujo-triage"))


def run(*args, stdin=None):
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True)


def test_help_lists_the_commands_with_examples():
    out = run("--help")
    assert out.returncode == 0 and "triage" in out.stdout and "check" in out.stdout
    assert "kujo-triage triage" in run("triage", "--help").stdout


def test_triage_prints_a_readable_result():
    out = run("triage", "充電中にスマホが発火して、子どもが手をやけどしました")
    assert out.returncode == 0, out.stderr
    assert "worst_case" in out.stdout and "product_accident" in out.stdout and "evidence" in out.stdout


@pytest.mark.parametrize("args", [("triage", "--json"), ("triage", "--json", "-")])
def test_triage_reads_stdin_and_prints_json(args):
    out = run(*args, stdin="荷物がまだ届きません。いつ届きますか？\n")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["tier"] in ("routine", "serious", "worst_case") and isinstance(d["evidence"], list)


def test_empty_text_is_an_error_with_exit_code_1():
    out = run("triage", "   ")
    assert out.returncode == 1 and "empty or only whitespace" in out.stderr


def test_missing_model_directory_is_an_error(tmp_path):
    out = run("triage", "--model", str(tmp_path), "届かない")
    assert out.returncode == 1 and "no meta.json" in out.stderr
