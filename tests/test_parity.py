"""Id-for-id parity with tiktoken on varied text and on every text file in the repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from textgen import long_runs, varied_texts

TEXTS = varied_texts(600)
SKIP_DIRS = {"venv", "build", "dist", "node_modules", "__pycache__", "bench-data", "bench-results"}


def repo_text_files() -> list[Path]:
    """Every tracked text file (git ls-files), else every file outside build and work folders."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
        ).stdout
        paths = [REPO / name for name in listed.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for root, dirs, files in os.walk(REPO):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            paths += [Path(root, name) for name in sorted(files)]
    found = []
    for path in paths:
        try:
            path.read_bytes().decode("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found.append(path)
    return found


def first_difference(ours: list[int], theirs: list[int]) -> str:
    pairs = enumerate(zip(ours, theirs, strict=False))
    at = next((i for i, (a, b) in pairs if a != b), min(len(ours), len(theirs)))
    return (
        f"first difference at token {at}: ours {ours[at : at + 5]} tiktoken {theirs[at : at + 5]}"
    )


def test_varied_texts_are_many_and_distinct():
    assert len(TEXTS) == len(set(TEXTS)) == 600


def test_varied_texts(encoding, reference):
    mismatches = [
        (text, first_difference(encoding.encode_ordinary(text), reference.encode_ordinary(text)))
        for text in TEXTS
        if encoding.encode_ordinary(text) != reference.encode_ordinary(text)
    ]
    assert not mismatches, f"{len(mismatches)} of {len(TEXTS)} differ, first: {mismatches[0]!r}"


@pytest.mark.parametrize("text", long_runs(), ids=lambda t: repr(t[:6]) + f"*{len(t)}")
def test_long_runs(encoding, reference, text):
    assert encoding.encode_ordinary(text) == reference.encode_ordinary(text)


def test_repo_text_files(encoding, reference):
    files = repo_text_files()
    assert len(files) > 20  # the tree itself, not a stray subset
    for path in files:
        text = path.read_text(encoding="utf-8")
        ours, theirs = encoding.encode_ordinary(text), reference.encode_ordinary(text)
        assert ours == theirs, f"{path.relative_to(REPO)}: {first_difference(ours, theirs)}"


def test_special_text_as_ordinary_and_allowed(encoding, reference):
    for text in ("<|endoftext|>", "a <|endoftext|> b <|endofprompt|>\n", "<|endoftext|>" * 3):
        assert encoding.encode(text, disallowed_special=()) == reference.encode(
            text, disallowed_special=()
        )
        assert encoding.encode(text, allowed_special="all") == reference.encode(
            text, allowed_special="all"
        )
