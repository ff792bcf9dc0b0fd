"""Persian normalisation and tokenisation: hazm 0.10's `Normalizer()` + `word_tokenize` rules, on spans.

Why a reimplementation: hazm rewrites the whole string a dozen times (≈5k short reviews/s) and loses the
link to the customer's characters. Here the text is mapped once, character for character, to a
"skeleton" (hazm's letter table, digits folded to ASCII), tokenised once with hazm's split rule, and
hazm's string rules are replayed on the token list, so each token keeps its (start, end) in the original.

hazm's steps and where they happen here:

- letter table (ي ك ى → ی ک ی, presentation forms …), `"…"` → «…», `4.5` → `4٫5`: the skeleton;
- diacritics, kashida, hazm's "special" marks, ligatures (ﷲ → الله): `_CLEAN`, per token;
- ZWNJ clean-up (runs, ZWNJ at word edges): per token;
- `correct_spacing`: token_spacing (join «می خواهم», «کتاب ها» by hazm's word/verb lists), then the affix
  rules («نمی خوام» → «نمی‌خوام», «ترین/ها/های», «خانه ام») in `_join_affixes`, then punctuation spacing in
  `join_line`;
- `decrease_repeated_chars` (خیلییییی → خیلی, by hazm's word list) and `seperate_mi` (میخواهم → می‌خواهم).

Intended differences from hazm (the parity test lists them):

- digits are folded to ASCII 0-9 (hazm writes Persian ۰-۹), «٪» to «%»; Latin letters are lower-cased;
- personal data becomes a placeholder token (`<url>`, `<phone>` …, see `cxtext.text.pii`);
- «می/نمی» + a colloquial stem is separated too («میشه» → «می‌شه», like hazm's own «می شه» → «می‌شه»);
- emoji, «…» and the ASCII «,» and «;» are tokens of their own (hazm glues them to the neighbouring word:
  «نیست,» would hide a negation), any Unicode space separates tokens, and bidi marks are dropped;
- «خواهم» with no following word stays a token (hazm drops it), and a `_`-joined auxiliary never takes
  punctuation («خواهد_.»).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from itertools import accumulate, compress, islice

from cxtext.text.common import DIGITS, Line
from cxtext.text.hazm_lexicon import ZWNJ, HazmLexicon, hazm_lexicon
from cxtext.text.persian_verbs import split_informal_mi
from cxtext.text.pii import find_pii

# hazm Normalizer.translation_src → translation_dst, grouped by target letter (1:1 characters).
_HAZM_LETTERS = {
    "ا": "ٵݳݴﭐﭑﺁﺃﺄﺇﺈﺍﺎ",
    "ب": "ٮٻڀݐݑݒݓݔݕݖࢠࢡࢶﭒﭓﭔﭕﭚﭛﭜﭝﺏﺐﺑﺒ",
    "ت": "ٹٺټٽٿࢸﭞﭟﭠﭡﭢﭣﭤﭥﭦﭧﭨﭩﺕﺖﺗﺘ",
    "ث": "ﺙﺚﺛﺜ",
    "ج": "ࢢﺝﺞﺟﺠ",
    "ح": "ځڂڅݗݘݮݯݲݼﭲﭳﭴﭵﭶﭷﭸﭹﺡﺢﺣﺤ",
    "خ": "ﺥﺦﺧﺨ",
    "د": "ڈډڊڋڌڍڎڏڐۮݙݚࢮﮂﮃﮄﮅﮆﮇﮈﮉﺩﺪ",
    "ذ": "ﺫﺬ",
    "ر": "ڑڒړڔڕږڗڙۯݛݫݬݱࢪࢹﮌﮍﺭﺮ",
    "ز": "ࢲﺯﺰ",
    "س": "ښڛڜݜݭݰݽݾﺱﺲﺳﺴ",
    "ش": "ۺﺵﺶﺷﺸ",
    "ص": "ڝڞࢯﺹﺺﺻﺼ",
    "ض": "ۻﺽﺾﺿﻀ",
    "ط": "ڟࢣﻁﻂﻃﻄ",
    "ظ": "ﻅﻆﻇﻈ",
    "ع": "ڠݝݞݟࢳﻉﻊﻋﻌ",
    "غ": "ۼﻍﻎﻏﻐ",
    "ف": "ڡڢڣڤڥڦݠݡࢤࢻﭮﭯﭰﭱﻑﻒﻓﻔ",
    "ق": "ٯڧڨࢥࢼﻕﻖﻗﻘ",
    "ل": "ڵڶڷڸݪࢦﻝﻞﻟﻠ",
    "م": "ݥݦࢧﻡﻢﻣﻤ",
    "ن": "ڹںڻڼڽݧݨݩࢽﮞﮟﮠﮡﮢﮣﻥﻦﻧﻨ",
    "ه": "ھہۂۃەۿﮤﮥﮦﮧﮨﮩﮪﮫﮬﮭﻩﻪﻫﻬ",
    "و": "ٷٶۄۅۆۇۈۉۊۋۏݸݹࢫࢱﺅﺆﻭﻮ",
    "پ": "ࢷﭖﭗﭘﭙ",
    "چ": "ڇڿﭺﭻﭼﭽﭾﭿﮀﮁ",
    "ژ": "ﮊﮋ",
    "ک": "ػكڪګڬڭڮݢݣݤݿࢴﮎﮏﮐﮑﻙﻚﻛﻜ",
    "گ": "ڰڱڲڳڴࢰﮒﮓﮔﮕﮖﮗﮘﮙﮚﮛﮜﮝ",
    "ی": "ؠؽؾؿيٸۍێېۑےۓݵݶݷݺݻࢨࢩࢬࢺﮮﮯﮰﮱﺉﺊﺋﺌﻯﻰﻱﻲﻳﻴى",
    "ء": "ﺀ",
    '"': "“”",
    " ": "\xa0",
}
_SKELETON = {ord(src): dst for dst, sources in _HAZM_LETTERS.items() for src in sources} | DIGITS

_DIACRITICS = "\u064b-\u0652"
_KASHIDA = "\u0640"
# hazm's remove_specials_chars set, as ranges.
_SPECIALS = (
    "\u0605\u0610-\u0616\u0618-\u061a\u061e\u0653-\u065f\u0670\u06d4\u06d6-\u06ed\u06fd-\u06fe\u08ad"
    "\u08d4-\u08ff\ufbb2-\ufbc1\ufc5e-\ufc63\ufcf2-\ufcf4\ufd3e-\ufd3f\ufdfa-\ufdfb\ufe70-\ufe72\ufe76-\ufe7f"
)
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_LIGATURES = {
    "﷽": "بسم الله الرحمن الرحیم",
    "﷼": "ریال",
    "ﷰ": "صلی",
    "ﷹ": "صلی",
    "ﷲ": "الله",
    "ﷳ": "اکبر",
    "ﷴ": "محمد",
    "ﷵ": "صلعم",
    "ﷶ": "رسول",
    "ﷷ": "علیه",
    "ﷸ": "وسلم",
    **dict.fromkeys("ﻵﻶﻷﻸﻹﻺﻻﻼ", "لا"),
}


def _expand(ranges: str) -> str:
    return re.sub(r"(.)-(.)", lambda m: "".join(map(chr, range(ord(m[1]), ord(m[2]) + 1))), ranges)


_DELETED = _expand(_DIACRITICS + _KASHIDA + _SPECIALS + _BIDI)
_CLEAN = (
    dict.fromkeys(map(ord, _DELETED))
    | {ord(k): v for k, v in _LIGATURES.items()}
    | {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
)
_NEEDS_CLEAN = re.compile(f"[{re.escape(''.join(map(chr, _CLEAN)))}{ZWNJ}]")

_LETTERS = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_PUNCT = r':.،؛»\])}"«\[({/\\,;'  # hazm WordTokenizer's single-character class, plus ASCII , and ;
_EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
_NOT_WORD = rf"\s\d؟!?…{_PUNCT}{_EMOJI}"
# One capturing group around a token, so `split` returns [gap, token, gap, token, …, gap] in C. Words come
# first (most tokens are words): letters and ZWNJ-joined letters, never starting or ending with a ZWNJ.
_TOKENS = re.compile(
    rf"([^{_NOT_WORD}{ZWNJ}]+(?:{ZWNJ}+[^{_NOT_WORD}{ZWNJ}]+)*"
    r"|\.\.\.|…"  # hazm's persian_style turns "..." into "…" before tokenising
    r"|[؟!?]+"
    r"|(?:\d|:|\.(?!\.\.))+"
    rf"|[{_PUNCT}]"
    rf"|[{_EMOJI}](?:[\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[{_EMOJI}])*)"
)
_NEEDS_SKELETON = re.compile(f"[{re.escape(''.join(map(chr, _SKELETON)))}]")
_QUOTES = re.compile(r'"([^\n"]+)"')
_DECIMAL = re.compile(r"([\d+])\.([\d+])")
_DIGIT = re.compile(r"\d")
_ZWNJ_EDGES = re.compile(rf"{ZWNJ}+(?=\W|$)|(?:^|(?<=\W)){ZWNJ}+")
_ZWNJ_RUN = re.compile(f"{ZWNJ}{{2,}}")
_TRIPLE = re.compile(rf"([{_LETTERS}])\1{{2,}}")
_ANY_TRIPLE = re.compile(r"(.)\1\1")  # cheaper than _TRIPLE, a gate for it
_REPEATED_WORD = re.compile(rf"[{_LETTERS}]*([{_LETTERS}])\1{{2,}}[{_LETTERS}]*")
_MI_WORD = re.compile(rf"\bن?می[{_LETTERS}]+")
_MI_PREFIX = re.compile(r"^(ن?می)")

# token_spacing joins a following suffix to a known word.
_SUFFIXES = frozenset({"ی", "ای", "ها", "های", "هایی", "تر", "تری", "ترین", "گر", "گری", "ام", "ات", "اش"})
# The affix_spacing_patterns of correct_spacing.
# Colloquial «رو» is the object marker («غذای خوب رو خوردم»), so «خوب رو» is not hazm's literary compound
# «خوب‌رو» (fair-faced), which hid the praise «خوب»; only these «…‌رو» compounds are still joined.
_RO_COMPOUNDS = frozenset(
    f"{left}{ZWNJ}رو" for left in ("روبه", "پیاده", "سواره", "میانه", "دنباله", "گشاده", "خنده", "خوش")
)
_AFFIX_SUFFIXES = frozenset({"تر", "تری", "ترین", "گر", "گری", "ها", "های"})
_AFFIX_PERSONS = frozenset({"ام", "ایم", "اش", "اند", "ای", "اید", "ات"})
_MI = frozenset({"می", "نمی"})
_AFFIX_TRIGGERS = _AFFIX_SUFFIXES | _AFFIX_PERSONS | _MI | {"ی"}
_NOT_BEFORE_SUFFIX = frozenset(".:!،؛؟»])}«[({")
_SPACE_BEFORE = re.compile(r" ([.:!،؛؟»\])},;])")
_SPACE_AFTER = re.compile(r"([«\[({]) ")
_SPACED_QUOTE = re.compile(r'" ([^\n"]+) "')
# Runs hazm's tokenizer keeps whole once punctuation spacing has glued them: «10 .» → «10.», «؟ !» → «؟!».
_GLUED_RUNS = ("0123456789.:", "؟!?")
_GLUE_STARTS = frozenset(".:!؟")
_GLUE_GATE = re.compile(r"[\d.:؟!?][\s\u200c\u200e\u200f\u2066-\u2069]+[.:!؟]")  # only spaced runs need it


@cache
def _join_parts() -> tuple[frozenset[str], frozenset[str]]:
    """Every ZWNJ-prefix and ZWNJ-suffix of a joinable compound: a cheap filter before building pairs."""
    left: set[str] = set()
    right = set(_SUFFIXES)
    for word in hazm_lexicon().joinable:
        pieces = word.split(ZWNJ)
        left.update(ZWNJ.join(pieces[:k]) for k in range(1, len(pieces)))
        right.update(ZWNJ.join(pieces[k:]) for k in range(1, len(pieces)))
    return frozenset(left), frozenset(right)


def _clean(norm: str) -> str:
    """Deletions, ligatures, lower case and hazm's ZWNJ clean-up inside one token."""
    norm = norm.translate(_CLEAN)
    if ZWNJ in norm:
        norm = _ZWNJ_EDGES.sub("", _ZWNJ_RUN.sub(ZWNJ, norm))
    return norm


def _split(skeleton: str, start: int, end: int, clean: bool) -> Line:
    """Tokens of skeleton[start:end] (no newline inside) with their absolute spans."""
    parts = _TOKENS.split(skeleton[start:end])
    offsets = list(accumulate(map(len, parts), initial=start))
    line = Line(parts[1::2], offsets[1:-1:2], offsets[2::2])
    if "..." in parts or clean:
        kept = [
            (norm, a, b)
            for norm, a, b in zip(
                map(_clean if clean else str, line.norms), line.starts, line.ends, strict=True
            )
            if norm
        ]
        line = Line(*(list(column) for column in zip(*kept, strict=True))) if kept else Line([], [], [])
        line.norms[:] = ["…" if norm == "..." else norm for norm in line.norms]
    return line


def _scan(skeleton: str, start: int, end: int, clean: bool, lines: list[Line]) -> None:
    """Tokenise skeleton[start:end] into the current line, opening a new line at each newline."""
    while True:
        newline = skeleton.find("\n", start, end)
        part = _split(skeleton, start, end if newline < 0 else newline, clean)
        if lines[-1].norms:
            for column, extra in zip(lines[-1], part, strict=True):
                column.extend(extra)
        else:
            lines[-1] = part
        if newline < 0:
            return
        lines.append(Line([], [], []))
        start = newline + 1


def _merge_left(line: Line, keep: int, drop: int, norm: str) -> None:
    """Token `drop` joins token `keep` (to its left) as `norm`; `drop` is marked with None."""
    line.norms[keep] = norm
    line.ends[keep] = line.ends[drop]
    line.norms[drop] = None  # type: ignore[call-overload]


def _compact(line: Line) -> Line:
    if None not in line.norms:
        return line
    alive = [i for i, norm in enumerate(line.norms) if norm is not None]
    return Line(
        [line.norms[i] for i in alive], [line.starts[i] for i in alive], [line.ends[i] for i in alive]
    )


def _space_tokens(line: Line, lex: HazmLexicon) -> Line:
    """hazm token_spacing: glue `a b` into `a‌b` when hazm's lists know the compound or the suffix.

    Only pairs whose parts occur in some known compound (or whose right part is a suffix) are built; a
    token right after a merge is re-checked, since the merged word may start a longer compound.
    """
    left, right = _join_parts()
    norms = line.norms
    n = len(norms)
    pending = [
        i
        for i in compress(range(1, n), map(right.__contains__, islice(norms, 1, None)))
        if norms[i - 1] in left or norms[i] in _SUFFIXES
    ]
    k = 0
    while k < len(pending):
        i = pending[k]
        k += 1
        j = i - 1
        while norms[j] is None:
            j -= 1
        prev, norm = norms[j], norms[i]
        if norm == "رو" and prev + ZWNJ + norm not in _RO_COMPOUNDS:
            continue
        if (prev in left and (pair := prev + ZWNJ + norm) in lex.joinable) or (
            norm in _SUFFIXES and prev in lex.words and (pair := prev + ZWNJ + norm)
        ):
            _merge_left(line, j, i, pair)
            if i + 1 < n and norms[i + 1] in right and (k == len(pending) or pending[k] != i + 1):
                pending.insert(k, i + 1)
    return _compact(line)


def _join_affixes(line: Line, text_start: bool) -> Line:
    """hazm's affix_spacing_patterns, replayed left to right on tokens instead of the joined string."""
    norms = line.norms
    if _AFFIX_TRIGGERS.isdisjoint(norms):
        return line
    last = -1  # index of the previous surviving token
    i, n = 0, len(norms)
    while i < n:
        norm = norms[i]
        if (
            last >= 0
            and len(prev := norms[last]) >= 2
            and (
                (norm == "ی" and prev[-1] == "ه" and i < n - 1)
                or (norm in _AFFIX_PERSONS and prev[-1] == "ه")
                or (
                    norm in _AFFIX_SUFFIXES
                    and prev[-1] not in _NOT_BEFORE_SUFFIX
                    and prev[-2] not in _NOT_BEFORE_SUFFIX
                    and not prev[-1].isdecimal()
                    and not prev[-2].isdecimal()
                )
            )
        ):
            _merge_left(line, last, i, prev + ZWNJ + norm)
        elif norm in _MI and i < n - 1 and (last >= 0 or text_start) and norms[i + 1][0].isalpha():
            _merge_left(line, i, i + 1, norm + ZWNJ + norms[i + 1])
            last = i
            i += 1
        else:
            last = i
        i += 1
    return _compact(line)


def _reduce_repeats(norm: str, lex: HazmLexicon) -> str:
    """hazm decrease_repeated_chars: «خیلییییی» → «خیلی» if the word list knows it, else two letters."""
    for match in _REPEATED_WORD.finditer(norm):
        word = match.group()
        if word in lex.words:
            continue
        single = _TRIPLE.sub(r"\1", word)
        double = _TRIPLE.sub(r"\1\1", word)
        if (single in lex.words) != (double in lex.words):
            norm = norm.replace(word, single if single in lex.words else double)
        else:
            norm = norm.replace(word, double)
    return norm


def _separate_mi(norm: str, lex: HazmLexicon) -> str:
    """hazm seperate_mi («میخواهم» → «می‌خواهم»), extended to colloquial stems («میشه» → «می‌شه»)."""
    for match in _MI_WORD.finditer(norm):
        word = match.group()
        formal = _MI_PREFIX.sub(r"\1" + ZWNJ, word)
        if formal in lex.zwnj_verbs:
            norm = norm.replace(word, formal)
        elif informal := split_informal_mi(word):
            norm = norm.replace(word, informal)
    return norm


@lru_cache(maxsize=1 << 16)
def _finish(norm: str) -> str:
    """hazm's last word-level steps on one token; cached, as feedback repeats the same words."""
    lex = hazm_lexicon()
    if _TRIPLE.search(norm):
        norm = _reduce_repeats(norm, lex)
    if "می" in norm:
        norm = _separate_mi(norm, lex)
    return norm.replace("هها", "ه" + ZWNJ + "ها")


@lru_cache(maxsize=256)
def persian_lines(text: str) -> tuple[Line, ...]:
    """The text's tokens, line by line, with hazm's normalisation applied to each `norm`.

    Memoised for the last 256 texts, because feedback is usually both normalised (to store or dedupe it)
    and tokenised (to classify it): the pair then costs one analysis. Callers must not mutate the lists.
    """
    lex = hazm_lexicon()
    skeleton = text.translate(_SKELETON) if _NEEDS_SKELETON.search(text) else text
    if '"' in skeleton:
        skeleton = _QUOTES.sub(r"«\1»", skeleton)
    if "." in skeleton and _DIGIT.search(skeleton):
        skeleton = _DECIMAL.sub(r"\1٫\2", skeleton)
    clean = _NEEDS_CLEAN.search(skeleton) is not None
    lines = [Line([], [], [])]
    position = 0
    for start, end, placeholder in find_pii(text):
        _scan(skeleton, position, start, clean, lines)
        for column, value in zip(lines[-1], (placeholder, start, end), strict=True):
            column.append(value)
        position = end
    _scan(skeleton, position, len(text), clean, lines)

    finish = clean or "می" in skeleton or "هها" in skeleton or _ANY_TRIPLE.search(skeleton) is not None
    result = []
    for number, line in enumerate(lines):
        line = _join_affixes(_space_tokens(line, lex), text_start=number == 0)
        if finish:
            line.norms[:] = map(_finish, line.norms)
        result.append(line)
    return tuple(result)


def join_line(line: Line) -> str:
    """One normalised line: tokens joined by spaces, then hazm's punctuation spacing."""
    joined = " ".join(line.norms)
    if '"' in joined:
        joined = _SPACED_QUOTE.sub(r'"\1"', joined)
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", joined))


def glue_runs(line: Line, text: str) -> Line:
    """Merge tokens that hazm's word_tokenize, re-reading the normalised line, sees as one run.

    Punctuation spacing removes the space before «. : ! ؟», so «10 .» or «؟ !» become one string and one
    token in hazm; the spans are merged the same way here.
    """
    if not _GLUE_GATE.search(text):
        return line
    norms = line.norms
    pending = [i for i in range(1, len(norms)) if norms[i][0] in _GLUE_STARTS]
    merged = False
    for i in pending:
        j = i - 1
        while norms[j] is None:
            j -= 1
        for chars in _GLUED_RUNS:
            if not norms[i].strip(chars) and not norms[j].strip(chars):
                if not merged:
                    line = Line(list(norms), list(line.starts), list(line.ends))  # the input may be memoised
                    norms, merged = line.norms, True
                _merge_left(line, j, i, norms[j] + norms[i])
                break
    return _compact(line)


def join_verb_parts(line: Line, lex: HazmLexicon) -> Line:
    """hazm word_tokenize's join_verb_parts: «خواهد رفت» → «خواهد_رفت», «رفته است» → «رفته_است»."""
    if lex.before_verbs.isdisjoint(line.norms) and (
        lex.after_verbs.isdisjoint(line.norms) or lex.participles.isdisjoint(line.norms)
    ):
        return line
    line = Line(list(line.norms), list(line.starts), list(line.ends))  # the input may be memoised
    norms = line.norms
    following = -1  # the token (or chain) to the right, walking right to left as hazm does
    for i in range(len(norms) - 1, -1, -1):
        norm = norms[i]
        if following >= 0 and (
            (norm in lex.before_verbs and norms[following][0].isalpha())
            or (norms[following] in lex.after_verbs and norm in lex.participles)
        ):
            norms[i] = norm + "_" + norms[following]
            line.ends[i] = line.ends[following]
            norms[following] = None  # type: ignore[call-overload]
        following = i
    return _compact(line)
