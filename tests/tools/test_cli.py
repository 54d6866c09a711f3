"""The museion command as a user runs it: output and exit codes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from museion.tools.cli import main
from tests.conftest import ASSETS, REPO

MUSEION = [sys.executable, "-m", "museion.tools.cli"]


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MUSEION, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def test_version() -> None:
    done = _run("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("museion ")


@pytest.mark.parametrize("args", [[], ["fly"], ["serve", "--port", "eighty"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert "usage" in done.stderr.lower()


def test_a_missing_relic_is_a_clear_failure() -> None:
    done = _run("serve", "--port", "0", "--scene", "nope.glb")
    assert done.returncode == 1
    assert "NOT_FOUND" in done.stderr
    assert "nope.glb" in done.stderr


def test_a_path_outside_the_assets_is_refused() -> None:
    done = _run("serve", "--port", "0", "--scene", "../setup.cfg")
    assert done.returncode == 1
    assert "URI_OUTSIDE_ROOT" in done.stderr


def test_bad_config_is_a_clear_failure(tmp_path: Path) -> None:
    config = tmp_path / "museion.toml"
    config.write_text("[streaming]\nport = 'eighty'\n")
    done = _run("serve", "--config", str(config))
    assert done.returncode == 1
    assert "CONFIG_INVALID" in done.stderr


@pytest.mark.render
def test_serve_prints_its_address_serves_the_page_and_stops_cleanly() -> None:
    env = {**os.environ, "MUSEION_RUNTIME_ASSET_ROOT": str(ASSETS)}
    server = subprocess.Popen(
        [*MUSEION, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "http://127.0.0.1:" in line, line
        url = line.strip().rsplit(" ", 1)[1]
        with urllib.request.urlopen(url, timeout=10) as reply:
            assert reply.status == 200
            assert b"<video" in reply.read()
        with urllib.request.urlopen(url + "healthz", timeout=10) as reply:
            assert b'"status": "ok"' in reply.read()
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert code == 0
    time.sleep(0)


# -- paths the file system will not open (each once a traceback) -----------------------------

FILE_VERBS = {
    "validate": [],
    "inspect": [],
    "optimize": ["OUT"],
    "preview": ["-o", "OUT"],
}


@pytest.fixture
def unopenable(tmp_path: Path) -> Path:
    """A folder of names that cannot be opened as a file, each in its own way."""
    (tmp_path / "loop.glb").symlink_to("loop.glb")
    (tmp_path / "a.glb").symlink_to("b.glb")
    (tmp_path / "b.glb").symlink_to("a.glb")
    (tmp_path / "dangling.glb").symlink_to("nothing.glb")
    (tmp_path / "folder.glb").mkdir()
    return tmp_path


@pytest.mark.parametrize("verb", sorted(FILE_VERBS))
@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        (
            "loop.glb",
            "PATH_INVALID",
            "'loop.glb' cannot be resolved: its symbolic links form a loop",
        ),
        ("a.glb", "PATH_INVALID", "'a.glb' cannot be resolved: its symbolic links form a loop"),
        ("dangling.glb", "NOT_FOUND", "'dangling.glb' is a link to a file that does not exist"),
        ("folder.glb", "NOT_A_FILE", "'folder.glb' is a folder, not a file"),
        (
            "x" * 300 + ".glb",
            "PATH_INVALID",
            "'" + "x" * 119 + "…' cannot be resolved: file name too long",  # cut to a width
        ),
    ],
    ids=["self-loop", "two-link-loop", "dangling", "folder", "name-too-long"],
)
def test_a_path_that_cannot_be_opened_exits_1_with_a_code_and_a_sentence(
    unopenable: Path,
    capsys: pytest.CaptureFixture[str],
    verb: str,
    name: str,
    code: str,
    words: str,
) -> None:
    if verb == "validate" and name == "folder.glb":
        name = "folder.glb/model.glb"  # validate walks a folder (see the next test)
        code, words = "NOT_FOUND", "no file 'model.glb' in the asset root"
    out = str(unopenable / "out.glb") if verb == "optimize" else str(unopenable / "out.png")
    argv = [verb, str(unopenable / name), *[out if a == "OUT" else a for a in FILE_VERBS[verb]]]
    assert main(argv) == 1
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert f"{code} {words}" in shown, shown
    assert not (unopenable / "out.glb").exists() and not (unopenable / "out.png").exists()


def test_validate_of_a_folder_without_models_says_so(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no models here")
    done = _run("validate", str(tmp_path))
    assert done.returncode == 1
    assert (
        done.stdout == f"{tmp_path}: error NO_GLTF_FILES the folder holds no .gltf or .glb file\n"
    )


def test_a_symlink_loop_prints_no_traceback(unopenable: Path) -> None:
    """The user's view, in a process of its own: a sentence on stdout, nothing on stderr
    but the summary."""
    done = _run("validate", str(unopenable / "loop.glb"))
    assert done.returncode == 1
    assert done.stdout == (
        f"{unopenable / 'loop.glb'}: error PATH_INVALID "
        "'loop.glb' cannot be resolved: its symbolic links form a loop\n"
    )
    assert done.stderr == "1 file: 0 valid, 1 invalid (1 errors, 0 warnings)\n"


def test_an_unreadable_file_exits_1_with_a_sentence(tmp_path: Path) -> None:
    """Root reads a mode-000 file anyway: as root, run without the capabilities that let
    it (setpriv drops them from the bounding set before exec)."""
    model = tmp_path / "relic.glb"
    shutil.copyfile(ASSETS / "pedestal.glb", model)
    model.chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("as root, a mode-000 file is readable without setpriv (util-linux)")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    for verb in ("validate", "inspect"):
        done = subprocess.run(
            [*prefix, *MUSEION, verb, str(model)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout.startswith(
            f"{model}: error FILE_UNREADABLE the file cannot be read: permission denied\n"
        )


def test_a_system_error_no_layer_expected_is_still_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The last net under every verb: an OSError that escaped its layer exits 1 with the
    file and the system's words, not a traceback."""
    import museion.tools.sample_assets as sample_assets

    def fail(out: Path) -> list[Path]:
        raise OSError(28, "No space left on device", str(out))

    monkeypatch.setattr(sample_assets, "write_samples", fail)
    assert main(["samples", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"museion: SYSTEM_ERROR: {tmp_path}: No space left on device\n"
    )
