"""hazm 0.10's word and verb lists, read straight from its data files.

Why not `import hazm`: the package pulls in nltk and builds ~350k conjugations (≈2 s, ≈300 MB RSS).
The Persian rules only need a few sets, and they are rebuilt here from hazm's own files with hazm's own
conjugation templates; `tests/test_hazm_parity.py` checks them against hazm's objects.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

ZWNJ = "\u200c"

# hazm.lemmatizer.Conjugation.get_all(): every template without a space, as (prefixes, endings).
_PAST_PREFIXES = ("", "ن", "می" + ZWNJ, "نمی" + ZWNJ)
_PAST_ENDINGS = (
    "",
    "م",
    "ی",
    "یم",
    "ید",
    "ند",
    "ه",
    *("ه" + ZWNJ + e for e in ("ام", "ای", "ایم", "اید", "اند")),
)
_PRESENT_PREFIXES = ("", "ب", "ن", "می" + ZWNJ, "نمی" + ZWNJ)
_PRESENT_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند")

# hazm.WordTokenizer(join_verb_parts=True): auxiliaries glued to a participle or main verb with "_".
_PERSON = ("م", "ی", "", "یم", "ید", "ند")
_PERSON_D = ("م", "ی", "د", "یم", "ید", "ند")
_AUX = (
    ("ام", "ای", "است", "ایم", "اید", "اند"),
    tuple("بود" + e for e in _PERSON),
    tuple("باش" + e for e in _PERSON_D),
)
_PASSIVE = tuple(
    f"{stem}{e}" for stem in ("شو", "نشو", "می" + ZWNJ + "شو", "نمی" + ZWNJ + "شو") for e in _PERSON_D
) + tuple(f"{stem}{e}" for stem in ("شد", "نشد", "می" + ZWNJ + "شد", "نمی" + ZWNJ + "شد") for e in _PERSON)
_FUTURE = tuple("خواه" + e for e in _PERSON_D)


@dataclass(frozen=True, slots=True)
class HazmLexicon:
    """The sets hazm's Normalizer and word_tokenize consult."""

    words: frozenset[str]
    """Every entry of words.dat (hazm's `words` dict keys)."""
    joinable: frozenset[str]
    """`a‌b` compounds token_spacing joins: verb forms, or words with a positive frequency."""
    zwnj_verbs: frozenset[str]
    """Conjugated forms containing a ZWNJ (what seperate_mi looks up)."""
    verbs: frozenset[str]
    """All conjugated forms without a space (finite verbs, infinitives, participles)."""
    before_verbs: frozenset[str]
    after_verbs: frozenset[str]
    participles: frozenset[str]
    """`<past stem>ه` and `ن<past stem>ه`: what an auxiliary may follow (hazm's `verbe`)."""


def hazm_data_dir() -> Path:
    """hazm's bundled data folder, located without importing the package."""
    spec = importlib.util.find_spec("hazm")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("hazm is not installed; it is a runtime dependency of cxtext")
    return Path(spec.origin).parent / "data"


def _conjugations(stem_pairs: list[tuple[str, str]]) -> set[str]:
    # "ببین"/"نبین": hazm's imperative template returns these literals for every verb.
    forms = {"است", "ببین", "نبین"}
    for past, present in stem_pairs:
        forms.add(past + "ن")
        forms.update(p + past + e for p in _PAST_PREFIXES for e in _PAST_ENDINGS)
        forms.update(p + present + e for p in _PRESENT_PREFIXES for e in _PRESENT_ENDINGS)
    return {f for f in forms if " " not in f}


_LOADED: list[HazmLexicon] = []


def hazm_lexicon() -> HazmLexicon:
    """Load once per process (≈0.2 s, ≈60 MB; or adopted ready-built, see `adopt_hazm_lexicon`);
    everything Persian calls this lazily."""
    if not _LOADED:
        _LOADED.append(_build())
    return _LOADED[0]


def stored_hazm_lexicon() -> tuple[str, HazmLexicon]:
    """The lexicon with the hazm version whose data files it was built from (what a model artifact keeps)."""
    return _hazm_version(), hazm_lexicon()


def adopt_hazm_lexicon(stored: tuple[str, HazmLexicon]) -> None:
    """Use a lexicon built earlier when it comes from the installed hazm's data; otherwise it is built."""
    version, lexicon = stored
    if not _LOADED and version == _hazm_version() and isinstance(lexicon, HazmLexicon):
        _LOADED.append(lexicon)


def _hazm_version() -> str:
    from importlib.metadata import version

    return version("hazm")


def _build() -> HazmLexicon:
    data = hazm_data_dir()
    frequency: dict[str, int] = {}  # a repeated entry keeps its last count, as in hazm's dict
    with (data / "words.dat").open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 3:
                frequency[fields[0]] = int(fields[1])
    frequent = {w for w, count in frequency.items() if count > 0 and ZWNJ in w}
    with (data / "verbs.dat").open(encoding="utf-8") as handle:
        pairs = [(line.split("#")[0], line.split("#")[1]) for line in map(str.strip, handle) if line]
    verbs = _conjugations(pairs)
    zwnj_verbs = {v for v in verbs if ZWNJ in v}
    auxiliaries = [form for group in _AUX for form in group]
    after = {*auxiliaries, *_PASSIVE}
    after.update(f"{p}_{aux}" for p in ("شده", "نشده") for aux in auxiliaries)
    after.update(f"{p}{f}_شد" for p in ("", "ن") for f in _FUTURE)
    bons = {past for past, _ in pairs}
    return HazmLexicon(
        words=frozenset(frequency),
        joinable=frozenset(zwnj_verbs | frequent),
        zwnj_verbs=frozenset(zwnj_verbs),
        verbs=frozenset(verbs),
        before_verbs=frozenset(_FUTURE + tuple("ن" + f for f in _FUTURE)),
        after_verbs=frozenset(after),
        participles=frozenset({b + "ه" for b in bons} | {"ن" + b + "ه" for b in bons}),
    )
