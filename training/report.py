"""Markdown rendering of an evaluation report (the JSON stays the source of truth)."""

from __future__ import annotations

COLUMNS = (
    ("n", ("n",)),
    ("sentiment acc", ("sentiment", "accuracy")),
    ("sentiment macro-F1", ("sentiment", "macro_f1")),
    ("drivers micro-F1", ("drivers", "micro_f1")),
    ("drivers macro-F1", ("drivers", "macro_f1")),
    ("driver sentiment acc", ("driver_sentiment", "accuracy")),
    ("NPS macro-F1", ("nps_category", "macro_f1")),
    ("churn F1", ("churn", "f1")),
)


def _get(section: dict, path: tuple[str, ...]) -> object:
    value: object = section
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def to_markdown(report: dict, brief: bool = False) -> str:
    """A table per grouping; `brief` gives just the table (for the terminal)."""
    header = "| group | " + " | ".join(name for name, _ in COLUMNS) + " |"
    rule = "|---|" + "---|" * len(COLUMNS)
    rows = [("overall", report["overall"])]
    rows += [(f"dataset {k}", v) for k, v in report.get("by_dataset", {}).items()]
    rows += [(f"language {k}", v) for k, v in report.get("by_language", {}).items()]
    lines = [header, rule]
    lines += [
        "| " + name + " | " + " | ".join(_cell(_get(s, p)) for _, p in COLUMNS) + " |" for name, s in rows
    ]
    table = "\n".join(lines) + "\n"
    if brief:
        return table
    parts = [f"# Evaluation of model {report.get('model', '?')}\n", table]
    overall = report["overall"]
    per_driver = (overall.get("drivers") or {}).get("per_driver") or {}
    if per_driver:
        parts.append(
            "\n## Drivers (overall)\n\n| driver | precision | recall | F1 | support |\n|---|---|---|---|---|"
        )
        parts += [
            f"| {d} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
            for d, v in per_driver.items()
        ]
    for head in ("sentiment", "nps_category"):
        confusion = (overall.get(head) or {}).get("confusion")
        if confusion:
            labels = list(confusion)
            parts.append(f"\n## {head} confusion (rows gold, columns predicted)\n")
            parts.append("| gold \\ predicted | " + " | ".join(labels) + " |\n|---|" + "---|" * len(labels))
            parts += [
                f"| {g} | " + " | ".join(str(row.get(p, 0)) for p in labels) + " |"
                for g, row in confusion.items()
            ]
        errors = (overall.get(head) or {}).get("errors") or []
        if errors:
            parts.append(f"\n## {head}: sample of errors\n")
            parts += [
                f"- gold **{e['gold']}**, predicted **{e['predicted']}**: {e['text'][:160]}" for e in errors
            ]
    return "\n".join(parts) + "\n"
