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


def test_triage_prints_the_playbook_and_a_draft():
    text = "充電中にスマホが発火して、子どもが手をやけどしました"
    brief = run("triage", text)
    assert "playbook    worst_case.product_accident" in brief.stdout
    md = run("triage", "--format", "markdown", text)
    assert md.returncode == 0 and md.stdout.startswith("# kujo-triage") and "### First-reply draft" in md.stdout
    assert "消費者庁" in md.stdout
    draft = run("triage", "--draft", text)
    assert draft.returncode == 0 and draft.stdout.startswith("【お客様名】様") and "【次回ご連絡日時】" in draft.stdout


def test_playbooks_command_lists_and_checks_a_team_folder(tmp_path):
    out = run("playbooks")
    assert out.returncode == 0 and "worst_case.data_leak" in out.stdout and "flag.legal" in out.stdout
    (tmp_path / "ours.toml").write_text('id = "routine.ours"\ntier = "routine"\n', encoding="utf-8")
    bad = run("playbooks", str(tmp_path))
    assert bad.returncode == 1 and "ours.toml: key 'title': expected a non-empty string" in bad.stderr
    bad = run("triage", "--playbooks", str(tmp_path), "届かない")
    assert bad.returncode == 1 and "ours.toml" in bad.stderr
    show = run("playbooks", "--show", "serious", "--format", "markdown")
    assert show.returncode == 0 and show.stdout.startswith("## ")
    missing = run("playbooks", "--show", "nope")
    assert missing.returncode == 2 and "the ids are" in missing.stderr


def test_triage_reads_a_cp932_message_on_stdin():
    out = subprocess.run([EXE, "triage", "--json"], input="充電中にスマホが発火して、子どもが手をやけどしました".encode("cp932"),
                         capture_output=True)
    assert out.returncode == 0, out.stderr.decode()
    assert json.loads(out.stdout)["tier"] == "worst_case"


def test_triage_refuses_two_output_choices():
    out = run("triage", "--json", "--draft", "届かない")
    assert out.returncode == 1 and "choose one output" in out.stderr


def test_evidence_is_never_only_whitespace():
    out = run("triage", "--json", "-", stdin="発火\n")
    assert all(e["text"].strip() for e in json.loads(out.stdout)["evidence"])
