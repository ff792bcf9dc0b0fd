"""Promote a theme to a custom topic: its comments become labelled examples for review and training.

The shape is the data contract (`cxtext train --data FILE`): every exported row lists *all* its drivers
(the given or predicted ones, plus the new topic for the theme's members), so the file is read with
`empty_drivers: none-mentioned` (the sidecar `cxtext themes --promote` writes). A yes/no head needs both
answers, so as many comments of the same language that are *not* in the theme are exported as
counter-examples (spread over the data by a checksum of their text, not the first rows). Only rows whose
drivers are known (labelled, or predicted with `--model`) are exported: a row with unknown drivers would
teach the other heads "no driver". Column `theme_member` (1/0) tells the reviewer why each row is there.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from cxtext.analysis.frame import ABSENT, NONE, STATES, Frame
from cxtext.schema import SENTIMENTS, Record
from cxtext.taxonomy import Taxonomy, TaxonomyError


class PromotionError(ValueError):
    """The theme cannot be exported (unknown id, bad topic name, no row with known drivers)."""


class TopicNameError(PromotionError):
    """The topic name is not a valid driver name or is already a driver or topic of the taxonomy."""


def topic_config(name: str) -> dict[str, str]:
    """The taxonomy entry (`{"topics": [...]}` item) of the new topic."""
    return {"name": name}


def promoted_taxonomy(taxonomy: Taxonomy, topic: str) -> Taxonomy:
    """`taxonomy` plus the new topic; `TopicNameError` when the name is invalid or already taken."""
    try:
        return taxonomy.with_topics([topic_config(topic)])
    except TaxonomyError as exc:
        raise TopicNameError(f"topic {topic!r}: {exc}") from None


def promotion_records(
    frame: Frame,
    assignments: Sequence[dict],
    theme_id: str,
    topic: str,
    taxonomy: Taxonomy | None = None,
) -> list[Record]:
    """The theme's members labelled with `topic` and as many non-members, as data-contract Records.

    `topic` must be new to `taxonomy` (default: the built-in drivers)."""
    promoted_taxonomy(taxonomy or Taxonomy.default(), topic)
    members = np.array([theme_id in a["themes"] for a in assignments], dtype=bool)
    if not members.any():
        known_ids = sorted({t for a in assignments for t in a["themes"]})
        raise PromotionError(f"no theme {theme_id!r} (themes: {', '.join(known_ids) or 'none'})")
    lang = next(a["lang"] for a, m in zip(assignments, members, strict=True) if m)
    known = frame.drivers_source != NONE
    positive = np.flatnonzero(members & known)
    if len(positive) == 0:
        raise PromotionError(
            f"none of the {int(members.sum())} comments of {theme_id} has known drivers: "
            "give --model to predict them, so the examples can list every driver"
        )
    same_lang = np.array([a["lang"] == lang for a in assignments], dtype=bool)
    others = np.flatnonzero(~members & known & same_lang)
    spread = np.fromiter((zlib.crc32(frame.text[i].encode("utf-8")) for i in others), np.int64, len(others))
    negative = others[np.argsort(spread, kind="stable")[: len(positive)]]
    rows = [(int(i), True) for i in positive] + [(int(i), False) for i in np.sort(negative)]
    return [_record(frame, i, member, lang, theme_id, topic) for i, member in rows]


def _record(frame: Frame, i: int, member: bool, lang: str, theme_id: str, topic: str) -> Record:
    drivers = [name for j, name in enumerate(frame.drivers) if frame.state[i, j] > ABSENT]
    polarity = {
        name: STATES[frame.state[i, j]] for j, name in enumerate(frame.drivers) if frame.state[i, j] > 1
    }
    if member:
        drivers.append(topic)
        if frame.sentiment[i] >= 0:
            polarity[topic] = SENTIMENTS[frame.sentiment[i]]
    return Record(
        text=frame.text[i],
        id=frame.id[i] or None,
        lang=lang,
        drivers=tuple(drivers),
        driver_sentiment=polarity,
        source=f"theme:{theme_id}",
        extra={"theme_member": "1" if member else "0"},
    )
