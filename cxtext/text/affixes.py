"""spaCy's rule-based tokenizer algorithm in plain Python, over spaCy's English rules stored as data.

Why not spaCy itself: importing it costs ≈0.6 s of every cold `cxtext classify`, and its tokenizer is
no faster than this on feedback once each whitespace-separated chunk is cached (a text's words repeat
across a batch). The rules (`cxtext.text.english_rules`) are spaCy's, so
tokens and offsets are spaCy's, apart from two intended differences:

1. No URL rule: personal items, URLs among them, are cut out before tokenising (`cxtext.text.pii`), so
   spaCy's URL pattern only ever kept run-on sentences whole ("food.bad" was one token, a URL to it).
2. A full stop between two letters, the next one starting a word of two letters or more, is a token of
   its own: "food.bad" → "food" "." "bad" (spaCy splits "food.Bad" but not "food.bad"), while
   abbreviations such as "e.g." and "a.m." stay whole (they are in the exception table or end in a
   single letter).

Like spaCy, a second pass puts back exception-table entries that the affix rules split ("you:)" →
"you" ":)", "p.m.," → "p.m." ","); unlike spaCy, it looks inside one whitespace-free chunk only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from cxtext.text.common import Line
from cxtext.text.english_rules import EnglishRules

_CHUNKS = re.compile(r"\S+")
_CACHE_LIMIT = 200_000


Piece = tuple[int, int, str]
"""A token of a chunk: (start, end) within the chunk and its normalised form."""


class AffixTokenizer:
    """Whitespace chunks split into prefixes, infixes and suffixes by the rules, cached per chunk.

    `norm` maps a token's text to its normalised form; tokens it maps to "" are dropped. Both the cuts
    and the norms are cached per chunk, so a word seen before costs one dict lookup.
    """

    def __init__(self, rules: EnglishRules, norm: Callable[[str], str] = str) -> None:
        self.rules = rules
        self.norm = norm
        self._cache: dict[str, tuple[Piece, ...]] = {}
        self._merges: dict[str, tuple[str, ...]] | None = None

    def extend(self, line: Line, text: str, offset: int = 0) -> None:
        """Append the tokens of `text` to `line`, their offsets shifted by `offset`."""
        cached = self._cache
        norms, starts, ends = line
        for match in _CHUNKS.finditer(text):
            pieces = cached.get(match.group())
            if pieces is None:
                pieces = self._miss(match.group())
            base = match.start() + offset
            if len(pieces) == 1:  # most chunks are one word
                start, end, norm = pieces[0]
                norms.append(norm)
                starts.append(base + start)
                ends.append(base + end)
            else:
                for start, end, norm in pieces:
                    norms.append(norm)
                    starts.append(base + start)
                    ends.append(base + end)

    def _miss(self, chunk: str) -> tuple[Piece, ...]:
        pieces = self._chunk_pieces(chunk)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[chunk] = pieces
        return pieces

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every token of `text`."""
        line = Line([], [], [])
        self.extend(line, text)
        return list(zip(line.starts, line.ends, strict=True))

    def _chunk_pieces(self, chunk: str) -> tuple[Piece, ...]:
        pieces = self._pieces(chunk, specials=True)
        if len(pieces) > 1:
            pieces = self._merge_specials(pieces)
        out = []
        position = 0
        for piece in pieces:
            if norm := self.norm(piece):
                out.append((position, position + len(piece), norm))
            position += len(piece)
        return tuple(out)

    def _pieces(self, chunk: str, specials: bool) -> list[str]:
        """The chunk cut by the affix rules, with or without the exception table."""
        table = self.rules.specials if specials else {}
        prefixes, rest, suffixes = self._split_affixes(chunk, table)
        return [*prefixes, *self._middle(rest, table), *reversed(suffixes)]

    def _split_affixes(
        self, string: str, specials: Mapping[str, tuple[str, ...]]
    ) -> tuple[list[str], str, list[str]]:
        """Peel prefixes and suffixes off until an exception-table entry or nothing more comes off
        (spaCy's `Tokenizer._split_affixes`, step for step)."""
        find_prefix, find_suffix = self.rules.prefix, self.rules.suffix
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while string and len(string) != last_size:
            if string in specials:
                break
            last_size = len(string)
            pre_len = _length(find_prefix(string))
            if pre_len and (minus_pre := string[pre_len:]) in specials:
                prefixes.append(string[:pre_len])
                return prefixes, minus_pre, suffixes
            suf_len = _length(find_suffix(string[pre_len:]))
            if suf_len and (minus_suf := string[:-suf_len]) in specials:
                suffixes.append(string[-suf_len:])
                return prefixes, minus_suf, suffixes
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                prefixes.append(string[:pre_len])
                suffixes.append(string[-suf_len:])
                string = string[pre_len:-suf_len]
            elif pre_len:
                prefixes.append(string[:pre_len])
                string = string[pre_len:]
            elif suf_len:
                suffixes.append(string[-suf_len:])
                string = string[:-suf_len]
        return prefixes, string, suffixes

    def _middle(self, string: str, specials: Mapping[str, tuple[str, ...]]) -> list[str]:
        """What is left between the affixes: an exception-table entry's pieces, or split at infixes."""
        if not string:
            return []
        special = specials.get(string)
        if special is not None:
            return list(special)
        pieces = []
        start = 0
        for match in self.rules.infixes(string):
            infix_start, infix_end = match.span()
            if infix_start == 0:  # spaCy never splits an infix off the start
                continue
            if infix_start != start:
                pieces.append(string[start:infix_start])
            if infix_start != infix_end:
                pieces.append(string[infix_start:infix_end])
            start = infix_end
        if start < len(string):
            pieces.append(string[start:])
        return pieces

    def _merge_specials(self, pieces: list[str]) -> list[str]:
        """Runs of pieces that spell an exception-table entry the way the affix rules cut it, replaced by
        the entry's own pieces; overlapping runs resolved as spaCy does (longest, then leftmost, first)."""
        merges = self._merge_table()
        found = []
        for i in range(len(pieces)):
            text = ""
            for j in range(i, len(pieces)):
                text += pieces[j]
                if merges.get(text) == tuple(pieces[i : j + 1]):
                    found.append((i, j + 1))
        if not found:
            return pieces
        found.sort(key=lambda span: (span[0] - span[1], span[0]))
        seen: set[int] = set()
        kept = []
        for start, end in found:
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        out: list[str] = []
        position = 0
        for start, end in sorted(kept):
            out += pieces[position:start]
            out += self.rules.specials["".join(pieces[start:end])]
            position = end
        return out + pieces[position:]

    def _merge_table(self) -> dict[str, tuple[str, ...]]:
        """Exception-table entries that the affix rules would cut, with the pieces they cut them into
        (spaCy's `_special_matcher` patterns)."""
        if self._merges is None:
            rules = self.rules
            self._merges = {
                text: tuple(self._pieces(text, specials=False))
                for text in rules.specials
                if not text.isspace()
                and (rules.prefix(text) or rules.suffix(text) or rules.infixes(text) or " " in text)
            }
        return self._merges


def _length(match: re.Match[str] | None) -> int:
    return match.end() - match.start() if match else 0
