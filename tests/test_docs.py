"""The README's set-up commands are the ones CI and users actually run."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    command = ci_lines[-1]
    assert "pytest" in command
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")


def test_installed_cli_help_runs():
    exe = Path(sys.executable).with_name("kujo-triage")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    assert "usage: kujo-triage" in out and "check" in out


def test_cli_check_validates_the_shipped_corpus():
    exe = Path(sys.executable).with_name("kujo-triage")
    res = subprocess.run([str(exe), "check", str(ROOT / "data/samples/complaints.csv"), "--require-split"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "all labels valid" in res.stdout and "tier: routine=" in res.stdout


def test_cli_check_reports_a_bad_file_and_exits_1(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text,tier,category,emotion,intensity,flags\na,x,urgent,,anger,low,\n", encoding="utf-8")
    exe = Path(sys.executable).with_name("kujo-triage")
    res = subprocess.run([str(exe), "check", str(bad)], capture_output=True, text=True)
    assert res.returncode == 1
    assert "line 2 (id a): tier 'urgent' is not one of routine, serious, worst_case" in res.stderr
