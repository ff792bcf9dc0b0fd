"""`cxtext classify`: print the JSON a support tool would get for one or more texts.

One text prints one object; several print one JSON array (a document any JSON reader parses), or with
`--jsonl` one object per line for line-oriented tools.
"""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "classify",
        help="classify texts and print the JSON result",
        description="Classify one or more texts (Persian, Finglish or English) and print JSON.",
    )
    parser.add_argument("texts", nargs="+", metavar="TEXT")
    parser.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    parser.add_argument("--lang", choices=("fa", "en", "fa-Latn"), help="skip language detection")
    parser.add_argument("--score", type=float, help="the customer's score, if any (NPS then comes from it)")
    parser.add_argument("--scale", default=None, help="scale of --score (default 0-10)")
    parser.add_argument("--jsonl", action="store_true", help="one compact JSON object per line")
    return parser


def run(args: argparse.Namespace) -> int:
    from cli import CommandError
    from cxtext.paths import models_dir
    from cxtext.scores import ScoreError, validate_score
    from models.artifact import ArtifactError, load_artifact

    try:
        loaded = load_artifact(args.model or models_dir() / "default")
        if args.score is not None:
            validate_score(args.score, args.scale)
    except (ArtifactError, ScoreError) as exc:
        hint = "" if args.model else " (build it with `cxtext train --default`)"
        raise CommandError(f"{exc}{hint}") from None
    n = len(args.texts)
    results = loaded.model.classify(
        args.texts, [args.lang] * n, scores=[args.score] * n, score_scales=[args.scale] * n
    )
    answers = [
        {"text": text, **result, "model_version": loaded.version}
        for text, result in zip(args.texts, results, strict=True)
    ]
    if args.jsonl:
        for answer in answers:
            print(json.dumps(answer, ensure_ascii=False))
    else:
        print(json.dumps(answers[0] if n == 1 else answers, ensure_ascii=False, indent=2))
    return 0
