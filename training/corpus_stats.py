"""Statistics of the starter corpus, as Markdown (pasted into training/corpus/README.md).

Run: .venv/bin/python -m training.corpus_stats
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cxtext.io.records import load_records
from training.near_duplicates import near_duplicate_rate
from training.train import corpus_files


def _table(title: str, counts: dict[str, Counter[str]], columns: list[str]) -> str:
    lines = [
        f"### {title}\n",
        "| | " + " | ".join(columns) + " | total |",
        "|---|" + "---|" * (len(columns) + 1),
    ]
    for row, counter in counts.items():
        lines.append(
            f"| {row} | " + " | ".join(str(counter[c]) for c in columns) + f" | {sum(counter.values())} |"
        )
    return "\n".join(lines) + "\n"


def corpus_markdown(files: list[Path] | None = None) -> str:
    files = files or corpus_files()
    records = load_records(files).records
    setting_of = {r.id: (r.id or "").split("-")[2] for r in records}
    langs = ["fa", "fa-Latn", "en"]
    by_setting: dict[str, Counter[str]] = {}
    drivers: dict[str, Counter[str]] = {}
    sentiment: dict[str, Counter[str]] = {}
    other: dict[str, Counter[str]] = {}
    for r in records:
        lang = r.lang or "?"
        by_setting.setdefault(setting_of[r.id], Counter())[lang] += 1
        for d in r.drivers or ("(none)",):
            drivers.setdefault(d, Counter())[lang] += 1
        sentiment.setdefault(r.sentiment or "?", Counter())[lang] += 1
        other.setdefault(f"churn = {int(bool(r.churn))}", Counter())[lang] += 1
        other.setdefault(f"NPS {r.nps_category}", Counter())[lang] += 1
        if r.score is not None:
            other.setdefault("with a 0-10 score", Counter())[lang] += 1
        if r.drivers and len(r.drivers) > 1:
            other.setdefault("two or more drivers", Counter())[lang] += 1
    rate = near_duplicate_rate([r.text for r in records], 0.8)
    parts = [
        f"{len(records)} rows in {len(files)} files.\n",
        _table("Rows per setting and language", dict(sorted(by_setting.items())), langs),
        _table("Rows per driver (a row counts once per driver)", drivers, langs),
        _table("Rows per sentiment", sentiment, langs),
        _table("Churn, NPS, scores, combinations", dict(sorted(other.items())), langs),
        f"**Near-duplicate rate** (rows with another row at character 5-gram Jaccard ≥ 0.8): {100 * rate:.2f} %\n",
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(corpus_markdown())
