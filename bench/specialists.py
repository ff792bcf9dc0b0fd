"""The multi-domain cost: cxtext trained on one dataset alone vs the joint model of `bench/quality.py`.

Reads the joint model's numbers from bench/results/quality.json (run quality.py first) and trains, per
dataset with at least 500 evaluation rows, a cxtext model on that dataset's train split only. Writes
bench/results/specialists.md. Run: .venv/bin/python bench/specialists.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import METRICS, MIN_ROWS_FOR_CLAIM, RESULTS, cxtext_scores, fmt, splits

from cxtext.model import FeedbackModel
from cxtext.paths import shared_data_dir


def main() -> int:
    joint = json.loads(RESULTS.read_text(encoding="utf-8"))["cxtext"]
    train, held = splits(shared_data_dir())
    lines = [
        "| dataset | metric | joint (all shared train) | alone (this train split) | joint − alone (points) |",
        "|---|---|---|---|---|",
    ]
    for dataset, row in sorted(joint.items()):
        if row["n"] < MIN_ROWS_FOR_CLAIM:
            continue
        own = [r for r in train if r.source == dataset]
        alone = cxtext_scores(FeedbackModel().fit(own), [r for r in held if r.source == dataset])[dataset]
        for metric in METRICS:
            if row.get(metric) is None or alone.get(metric) is None:
                continue
            delta = 100 * (row[metric] - alone[metric])
            lines.append(
                f"| {dataset} | {metric} | {fmt(row[metric])} | {fmt(alone[metric])} | {delta:+.1f} |"
            )
            print(lines[-1], flush=True)
    out = RESULTS.with_name("specialists.md")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
