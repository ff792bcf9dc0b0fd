"""Negation scopes: which tokens a negation applies to, so models can tell "good" from "not good".

English (spaCy-rule tokens): a cue (`not no never n't nothing nobody none neither nor cannot hardly without`,
plus `nt` from "dont") negates every following token up to a clause break: punctuation (`. , ; : ! ? …`,
brackets, dashes) or `but / however / although / though`. The cue itself is not marked.

Persian, which is verb-final and marks negation on the verb:

- a negative verb form («نخریدم»، «نمی‌خوام»، «نداره»، «نیومد»، «نیست») is itself negated
  (`persian_verbs.negative_verb_lemma`: «ن/نمی» + a known stem, so «نان»، «نظر»، «نمک» are not);
- when that verb is a copula or light verb (است، بود، شد، کرد، داشت، داد، زد، گرفت; آمد and خورد only in
  «خوشم نیومد» and «به درد نمی‌خوره») the predicate word before it is negated too — «خوب نیست» → «خوب»,
  «دوست نداشتم» → «دوست», «خوشم نیومد» → «خوشم», but «پیک نیومد» leaves «پیک» alone — and
  one intensifier before that («اصلا راضی نبودم» → «اصلا», «راضی»); «را/رو», prepositions and
  conjunctions stop it, so the object or subject is left alone;
- a manner adverb right before a negative verb, or before its predicate, is negated with it: «خوب
  نپخته بود» (not cooked well), «خوب سوخاری نشده بود» → «خوب»; alone, «خوب» reads as praise;
- «نه، هیچ، هیچی، هیچ‌وقت، هیچ‌کس، هیچ‌کدوم، هرگز، بدون، بی» negate the next tokens, at most `FA_WINDOW`,
  stopping at punctuation, a conjunction («و، ولی، اما، که، چون» …) or a positive verb (informal Persian
  often has no punctuation between clauses), and ending after a negative verb
  («هیچ مشکلی نداشت» → «مشکلی», «نداشت»).
- «بی» is a prefix typed apart («بی کیفیت», "quality-less"): it negates only the word it belongs to, so
  in «بی کیفیته اصلا» an unknown suffixed word does not carry the scope on to «اصلا».

Finglish: the English rule with Finglish cues added (`na hich hichi bedoone hargez` …); words that start
like a negative verb (`nemi…`, `nist…`, `nadare…`, `nabood…`) are negated, and the light ones among them
negate the word before, as in Persian («khoob nist» → «khoob»).
"""

from __future__ import annotations

from collections.abc import Set

from cxtext.text.hazm_lexicon import ZWNJ
from cxtext.text.persian_verbs import negative_verb_lemma

EN_CUES = frozenset(
    {
        "not",
        "no",
        "never",
        "n't",
        "n’t",
        "n‘t",
        "nt",
        "without",
        "nothing",
        "nobody",
        "none",
        "neither",
        "nor",
        "cannot",
        "hardly",
    }
)
_EN_BREAK_WORDS = frozenset({"but", "however", "although", "though"})
_BREAK_CHARS = frozenset('.,;:!?…()[]{}"«»،؛؟-–—')

FA_WINDOW = 3
FA_FORWARD = frozenset(
    {
        "نه",
        "هیچ",
        "هیچی",
        "هیچوقت",
        "هیچ" + ZWNJ + "وقت",
        "هیچکس",
        "هیچ" + ZWNJ + "کس",
        "هیچکدوم",
        "هیچ" + ZWNJ + "کدوم",
        "هیچکدام",
        "هیچ" + ZWNJ + "کدام",
        "هرگز",
        "بدون",
        "بی",
    }
)
_FA_PREFIX_CUES = frozenset({"بی"})  # scope: the one next word
_FA_BREAK_WORDS = frozenset(
    {"و", "ولی", "اما", "که", "چون", "چونکه", "بلکه", "تا", "اگر", "اگه", "لیکن", "منتها", "ضمنا", "درحالیکه"}
)
_FA_LIGHT = frozenset({"است", "بود", "شد", "کرد", "داشت", "داد", "زد", "گرفت"})
# «آمد» and «خورد» are light only in «خوشم نیومد» (didn't like) and «به درد نمی‌خوره» (useless); elsewhere
# the word before is their subject or object («پیک نیومد»).
_FA_IDIOMS = {"آمد": "خوش", "خورد": "درد"}
_FA_INTENSIFIERS = frozenset(
    {
        "خیلی",
        "خیلیم",
        "زیاد",
        "زیادی",
        "اصلا",
        "اصلاً",
        "اصلن",
        "چندان",
        "چندون",
        "واقعا",
        "واقعاً",
        "کاملا",
        "کاملاً",
        "انقدر",
        "اونقدر",
        "آنقدر",
        "اینقدر",
        "همچین",
        "چنین",
        "چنان",
    }
)
# "well / properly / fully": praise alone, a complaint before a negative verb («خوب نپخته بود»)
_FA_MANNER = frozenset({"خوب", "درست", "کامل", "حسابی"})
_FA_BEFORE_PREDICATE = _FA_INTENSIFIERS | _FA_MANNER  # negated with the predicate they modify
_FA_NOT_PREDICATE = (
    frozenset(
        {
            "را",
            "رو",
            "و",
            "که",
            "هم",
            "از",
            "به",
            "با",
            "در",
            "تو",
            "توی",
            "برای",
            "این",
            "اون",
            "آن",
            "ولی",
            "اما",
            "یه",
            "یک",
        }
    )
    | FA_FORWARD
)

FINGLISH_CUES = EN_CUES | {"na", "hich", "hichi", "bedoone", "bedoon", "bedun", "bedune", "hargez"}
_FINGLISH_LIGHT = (
    "nist",
    "nabood",
    "nabud",
    "nashod",
    "nashe",
    "nakard",
    "nakon",
    "nadar",
    "nadasht",
    "nayomad",
    "nayoomad",
    "nayumad",
    "nemish",
    "nemikon",
    "nemia",
    "nemiy",
)
_FINGLISH_NEGATIVE = (
    *_FINGLISH_LIGHT,
    "nemi",
    "nmi",
    "nakhar",
    "nakhor",
    "nadid",
    "naresid",
    "nagereft",
    "nagoft",
    "nadad",
    "nazad",
    "natoon",
    "natun",
    "natavan",
    "nakhast",
    "nakham",
    "nabayad",
)
_FINGLISH_INTENSIFIERS = frozenset({"kheili", "kheyli", "khaili", "aslan", "ziad", "vaghean", "kamelan"})


def _breaks(norm: str) -> bool:
    return norm[0] in _BREAK_CHARS or norm in _EN_BREAK_WORDS


def _negate_predicate(norms: list[str], flags: list[bool], verb: int, intensifiers: Set[str]) -> None:
    """A negative copula/light verb also negates the word before it, and an intensifier before that."""
    j = verb - 1
    if j < 0 or not norms[j][0].isalpha() or norms[j] in _FA_NOT_PREDICATE:
        return
    flags[j] = True
    if j > 0 and norms[j - 1] in intensifiers:
        flags[j - 1] = True


def english_negation(norms: list[str], finglish: bool = False) -> list[bool]:
    """Negation flags for English tokens (Finglish when `finglish`)."""
    flags = [False] * len(norms)
    if not finglish and EN_CUES.isdisjoint(norms):
        return flags
    cues = FINGLISH_CUES if finglish else EN_CUES
    active = False
    for i, norm in enumerate(norms):
        if norm in cues:
            active = True
        elif _breaks(norm):
            active = False
        elif finglish and (norm.startswith(_FINGLISH_NEGATIVE) or norm == "nis"):
            flags[i] = True
            if norm.startswith(_FINGLISH_LIGHT) or norm == "nis":
                _negate_predicate(norms, flags, i, _FINGLISH_INTENSIFIERS)
        else:
            flags[i] = active
    return flags


def persian_negation(norms: list[str], verbs: Set[str]) -> list[bool]:
    """Negation flags for Persian tokens; `verbs` (hazm's conjugations) ends a forward scope."""
    flags = [False] * len(norms)
    n = len(norms)
    for i, norm in enumerate(norms):
        if (norm[0] == "ن" or "_" in norm) and (lemma := negative_verb_lemma(norm)) is not None:
            flags[i] = True
            light = lemma in _FA_LIGHT or (i and norms[i - 1].startswith(_FA_IDIOMS.get(lemma, "\0")))
            if light and norm[0] == "ن":  # not «دیده_نشده_است»: its participle is its own predicate
                _negate_predicate(norms, flags, i, _FA_BEFORE_PREDICATE)
            elif i and norms[i - 1] in _FA_MANNER:
                flags[i - 1] = True
        elif norm in FA_FORWARD:
            window = 1 if norm in _FA_PREFIX_CUES else FA_WINDOW
            for k in range(i + 1, min(n, i + 1 + window)):
                word = norms[k]
                if word in FA_FORWARD or word in _FA_BREAK_WORDS or _breaks(word):
                    break
                negative_verb = (word[0] == "ن" or "_" in word) and negative_verb_lemma(word) is not None
                if not negative_verb and (word in verbs or word.startswith("می" + ZWNJ)):
                    break
                flags[k] = True
                if negative_verb:
                    break
    return flags
