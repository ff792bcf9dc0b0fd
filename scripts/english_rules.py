"""Write `cxtext/text/english_rules.json`: spaCy's blank-English tokenizer rules and stop words, as data.

    .venv/bin/python scripts/english_rules.py

Why a generated file: cxtext tokenises English with its own code (`cxtext.text.affixes`) so that the
classify path never imports spaCy (≈0.6 s), but the rules themselves (prefix, suffix and infix patterns,
the exception table: `don't` → `do` + `n't`) are spaCy's, kept exactly. `tests/test_english_tokenizer.py`
checks the file against the installed spaCy, so an upgrade of spaCy shows up as a failing test: rerun this
script then.
"""

from __future__ import annotations

import json
from pathlib import Path

import spacy
from spacy.attrs import ORTH
from spacy.lang.en.stop_words import STOP_WORDS

RULES = Path(__file__).resolve().parent.parent / "cxtext" / "text" / "english_rules.json"


def spacy_rules() -> dict:
    """The rules of the installed spaCy's blank English tokenizer, in the file's layout."""
    tokenizer = spacy.blank("en").tokenizer
    return {
        "spacy": spacy.__version__,
        "prefix": tokenizer.prefix_search.__self__.pattern,
        "suffix": tokenizer.suffix_search.__self__.pattern,
        "infix": tokenizer.infix_finditer.__self__.pattern,
        "specials": {text: [piece[ORTH] for piece in pieces] for text, pieces in tokenizer.rules.items()},
        "stop_words": sorted(STOP_WORDS),
    }


def main() -> None:
    RULES.write_text(json.dumps(spacy_rules(), ensure_ascii=False, indent=0, sort_keys=True) + "\n")
    print(f"wrote {RULES}")


if __name__ == "__main__":
    main()
