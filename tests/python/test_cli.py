"""The three command-line tools, run as processes, print the API's JSON shapes."""
import json
import os
import subprocess
import sys

from support.paths import BACKEND


def run_tool(tool, *args, stdin=None):
    """Run python-backend/TOOL with ARGS; (exit code, parsed JSON stdout)."""
    proc = subprocess.run([sys.executable, os.path.join(BACKEND, tool), *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, BULKMSG_DEFAULT_REGION="US"))
    return proc.returncode, json.loads(proc.stdout)


def test_extract_contacts(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Name;Téléphone\nAmélie;06 12 34 56 78\nBruno;0612345678\nChloé;12\n", encoding="cp1252")
    code, body = run_tool("extract_contacts.py", str(path), "--region", "FR")
    assert code == 0
    assert [(c["name"], c["number"]) for c in body["contacts"]] == [("Amélie", "+33612345678")]
    assert body["duplicates"][0]["duplicate_of_row"] == 2 and body["invalid"][0]["reason"] == "too_short"


def test_extract_contacts_errors_are_json(tmp_path):
    code, body = run_tool("extract_contacts.py", str(tmp_path / "missing.csv"))
    assert code == 2 and body["code"] == "no_file"
    code, body = run_tool("extract_contacts.py", str(tmp_path / "missing.csv"), "--region", "XX")
    assert code == 2 and body["code"] == "bad_region"


def test_parse_manual_numbers_from_argument_and_stdin():
    code, body = run_tool("parse_manual_numbers.py", "+44 7911 123456, 020 7946 0018", "--region", "GB")
    assert code == 0 and [c["number"] for c in body["contacts"]] == ["+447911123456", "+442079460018"]
    code, body = run_tool("parse_manual_numbers.py", "-", "--region", "IN", stdin="Meera 98765 43210\n")
    assert code == 0 and body["contacts"][0]["number"] == "+919876543210"


def test_validate_number():
    code, body = run_tool("validate_number.py", "020 7946 0018", "--region", "GB")
    assert code == 0 and body["valid"] is True and body["e164"] == "+442079460018" and body["region"] == "GB"
    code, body = run_tool("validate_number.py", "not a number")
    assert code == 0 and body["valid"] is False and body["reason"] == "not_a_number"
