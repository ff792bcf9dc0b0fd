"""The Cython build of the scoring hot path (setup.py): every listed module is compiled from its current
source, and the compiled package classifies real feedback exactly as the interpreted one does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cxtext.io.records import load_records
from tests.conftest import every_nth, shared_file

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter: classify stdin's texts with the model in argv[2] and print which of the listed
# modules are compiled and the full results. With argv[1] == "interpreted", cxtext's modules are imported
# from their .py files even where a compiled one sits beside them (a source-only path hook on the cxtext
# package's folders).
_CLASSIFY = """
import json, sys
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, SourceFileLoader
mode, model_dir, package, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
if mode == "interpreted":
    def source_only(path):
        if path.startswith(package):
            return FileFinder(path, (SourceFileLoader, SOURCE_SUFFIXES))
        raise ImportError(path)
    sys.path_hooks.insert(0, source_only)
    sys.path_importer_cache.clear()
import importlib
from models.artifact import load_artifact
model = load_artifact(model_dir).model
texts = json.load(sys.stdin)
compiled = [n for n in names if not importlib.import_module(n).__file__.endswith(".py")]
print(json.dumps({"compiled": compiled, "results": model.classify(texts)}))
"""


def _compiled_modules() -> list[str]:
    """Module names of the list setup.py compiles (compiled.txt)."""
    lines = (ROOT / "compiled.txt").read_text(encoding="utf-8").splitlines()
    return [line.removesuffix(".py").replace("/", ".") for line in lines if line and not line.startswith("#")]


def test_every_listed_module_is_compiled_from_its_current_source() -> None:
    """A missing build would silently score at interpreted speed, and a compiled module older than its
    source would run code that no longer exists: run `make setup` (or `pip install -e .`) after editing one."""
    names = _compiled_modules()
    assert "cxtext.features" in names and "cxtext.lexicon" in names
    for name in names:
        source = ROOT / (name.replace(".", "/") + ".py")
        builds = list(source.parent.glob(f"{source.stem}.cpython-*.so"))
        assert builds, f"{name} is not compiled: run `make setup`"
        assert builds[0].stat().st_mtime >= source.stat().st_mtime, f"{builds[0]} is older than {source}"


def test_compiled_and_interpreted_packages_classify_real_feedback_identically(small_model_dir: Path) -> None:
    texts = [
        r.text
        for name in ("fa/snappfood_dev.csv", "en/airline_tweets_test.csv", "fa/deepsentipers_dev.csv")
        for r in every_nth(load_records([shared_file(name)]).records, 10)[:100]
    ]
    names = _compiled_modules()
    runs = {}
    for mode in ("compiled", "interpreted"):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _CLASSIFY,
                mode,
                str(small_model_dir),
                str(ROOT / "cxtext"),
                ",".join(names),
            ],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        runs[mode] = json.loads(done.stdout)
    assert runs["compiled"]["compiled"] == names
    assert runs["interpreted"]["compiled"] == []
    assert len(runs["compiled"]["results"]) == len(texts) >= 200
    assert runs["compiled"]["results"] == runs["interpreted"]["results"]
