"""The museion command as a user runs it: the verb table, output and exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from museion.tools.cli import VERBS, main
from tests.conftest import ASSETS, REPO
from tests.tools.cli import MUSEION
from tests.tools.cli import run_museion as _run


def test_version() -> None:
    done = _run("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("museion ")


def test_help_lists_every_verb_of_the_table_in_its_order() -> None:
    done = _run("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps long lines
    places = [text.index(f" {name} {' '.join(verb.HELP.split())}") for name, verb in VERBS.items()]
    assert places == sorted(places)


@pytest.mark.parametrize("verb", list(VERBS))
def test_each_verb_has_its_own_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([verb, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: museion {verb} ")


@pytest.mark.parametrize("args", [[], ["fly"], ["serve", "--port", "eighty"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert "usage" in done.stderr.lower()


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
    import museion.tools.samples as sample_assets

    def fail(out: Path) -> list[Path]:
        raise OSError(28, "No space left on device", str(out))

    monkeypatch.setattr(sample_assets, "write_samples", fail)
    assert main(["samples", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"museion: SYSTEM_ERROR: {tmp_path}: No space left on device\n"
    )
