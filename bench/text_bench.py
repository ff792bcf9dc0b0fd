"""Throughput of the text layer (language detection, normalisation, tokenisation) on the shared corpus.

Every text of every CSV under the shared data folder is processed, Persian and English separately (grouped
by the `lang` column), in this single process. Rates are documents per CPU-second (`time.process_time`,
best of `--repeats` passes, results discarded as a streaming pipeline would), i.e. per core; wall-clock rates
are printed alongside. Peak RSS comes from `resource.getrusage` and is read before the optional hazm reference
run, which loads hazm's own (much larger) data.

    .venv/bin/python bench/text_bench.py            # writes bench/results/text_bench.json
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cxtext.language import detect_language
from cxtext.normalize import normalize
from cxtext.paths import shared_data_dir
from cxtext.text.english import english_tokenizer
from cxtext.text.hazm_lexicon import hazm_lexicon
from cxtext.text.persian import persian_lines
from cxtext.tokens import tokenize

RESULTS = Path(__file__).resolve().parent / "results" / "text_bench.json"


def load_corpus(data_dir: Path) -> dict[str, list[str]]:
    """All texts of all CSVs, by their `lang` column."""
    corpus: dict[str, list[str]] = {}
    for path in sorted(data_dir.glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                corpus.setdefault(row["lang"], []).append(row["text"])
    return corpus


def rate(texts: list[str], step: Callable[[str], object], repeats: int) -> tuple[float, float]:
    """(docs per CPU-second, docs per wall-second), best pass of `repeats`."""
    for text in texts[:100]:  # warm caches that a long-running service would have warm
        step(text)
    best_cpu = best_wall = float("inf")
    for _ in range(repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        for text in texts:
            step(text)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return len(texts) / best_cpu, len(texts) / best_wall


def _both_unshared(text: str) -> None:
    normalize(text)
    persian_lines.cache_clear()
    tokenize(text)


def steps(lang: str) -> dict[str, Callable[[str], object]]:
    """The measured operations; `lang=None` ones include language detection, as in the service."""
    measured: dict[str, Callable[[str], object]] = {
        "detect_language": detect_language,
        "normalize": lambda text: normalize(text, lang),
        "tokenize": lambda text: tokenize(text, lang),
        "normalize+tokenize (lang detected)": lambda text: (normalize(text), tokenize(text)),
    }
    if lang == "fa":
        measured["normalize+tokenize (no shared analysis)"] = _both_unshared
    return measured


def spacy_reference(texts: list[str], repeats: int) -> dict[str, float]:
    """spaCy 3.8's blank English tokenizer (whose rules ours applies) beside ours, tokens alone."""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    return {
        "spaCy blank('en') tokenizer": rate(texts, tokenizer, repeats)[0],
        "cxtext English tokenizer (same rules)": rate(texts, english_tokenizer().spans, repeats)[0],
    }


def hazm_reference(texts: list[str], repeats: int) -> dict[str, float]:
    """hazm 0.10 on the same Persian texts: Normalizer alone, and Normalizer + word_tokenize."""
    import hazm

    normalizer = hazm.Normalizer()
    return {
        "hazm Normalizer": rate(texts, normalizer.normalize, repeats)[0],
        "hazm Normalizer+word_tokenize": rate(
            texts, lambda text: hazm.word_tokenize(normalizer.normalize(text)), repeats
        )[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-hazm", action="store_true", help="skip the hazm and spaCy reference runs")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    corpus = load_corpus(shared_data_dir())
    started = time.perf_counter()
    hazm_lexicon()
    lexicon_s = time.perf_counter() - started
    started = time.perf_counter()
    english_tokenizer().spans("warm up: the rules and the exception-table merges")
    english_s = time.perf_counter() - started

    results: dict[str, dict[str, dict[str, float]]] = {}
    for lang in ("fa", "en"):
        results[lang] = {}
        for name, step in steps(lang).items():
            cpu, wall = rate(corpus[lang], step, args.repeats)
            results[lang][name] = {"docs_per_cpu_s": round(cpu), "docs_per_wall_s": round(wall)}
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    reference = {} if args.no_hazm else hazm_reference(corpus["fa"], args.repeats)
    english_reference = {} if args.no_hazm else spacy_reference(corpus["en"], args.repeats)

    print(f"{'lang':<5}{'operation':<42}{'docs/CPU-s':>12}{'docs/wall-s':>13}")
    for lang, table in results.items():
        for name, numbers in table.items():
            print(f"{lang:<5}{name:<42}{numbers['docs_per_cpu_s']:>12,}{numbers['docs_per_wall_s']:>13,}")
    for lang, table in (("fa", reference), ("en", english_reference)):
        for name, value in table.items():
            print(f"{lang:<5}{name:<42}{round(value):>12,}{'':>13}")
    print(
        f"peak RSS {peak_rss_mb:.0f} MB (before the hazm reference); "
        f"load: hazm lexicon {lexicon_s:.2f} s, English tokenizer rules {english_s:.2f} s"
    )

    report = {
        "corpus": {lang: len(texts) for lang, texts in corpus.items()} | {"source": "shared/data/*/*.csv"},
        "timing": f"time.process_time per core, best of {args.repeats} passes, single process",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "results": results,
        "hazm_reference_docs_per_cpu_s": {name: round(value) for name, value in reference.items()},
        "peak_rss_mb": round(peak_rss_mb, 1),
        "spacy_reference_docs_per_cpu_s": {name: round(value) for name, value in english_reference.items()},
        "load_seconds": {"hazm_lexicon": round(lexicon_s, 3), "english_tokenizer": round(english_s, 3)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
