"""Common Persian verb stems, formal and colloquial, for negation and informal «می» forms.

Why a hand-written list: hazm's conjugations are formal only (no «نداره», «نیومد», «میخوام») and its
lemmatiser drops the negation. A negative verb is «ن» or «نمی» + a known stem + a person/clitic ending;
matching the stem (not just a leading «ن») keeps «نان»، «نظر»، «نسبت»، «نمک»، «نوشابه» etc. out.
Stems of one letter (colloquial «ش» شدن, «د» دادن, «ر» رفتن, «گ» گفتن) only take the endings listed for them,
because «نرم» (soft) and «نگه» (keep) look like «ن + ر + م» and «ن + گ + ه».
"""

from __future__ import annotations

from functools import lru_cache

from cxtext.text.hazm_lexicon import ZWNJ

# "past stems | present stems", formal then colloquial; the first past stem is the lemma. Vowel-initial
# stems take a «ی» after «ن» (نیامد، نیومد، نیفتاد); those spellings are generated below.
_VERB_STEMS = """
خرید | خر
خورد | خور
داشت | دار
بود | باش
کرد | کن
شد | شو ش
داد | ده د
زد | زن
گرفت | گیر
خواست | خواه خوا
رسید | رس
آمد اومد | آ ا
رفت | رو ر
گفت | گو گ
دید | بین
آورد اورد | آور ار آر
گذاشت ذاشت زاشت | گذار ذار زار
فرستاد | فرست
ساخت | ساز
پسندید | پسند
شناخت | شناس
دانست دونست | دان دون
توانست تونست | توان تون
کشید | کش
پوشید | پوش
نوشت | نویس
نوشید | نوش
خواند خوند | خوان خون
ماند موند | مان مون
پخت | پز
بست | بند
گشت | گرد
رساند رسوند | رسان رسون
فهمید | فهم
ارزید | ارز
افتاد اوفتاد | افت اوفت وفت
انداخت | انداز
پرداخت | پرداز
ترسید | ترس
چسبید | چسب
شکست | شکن
گذشت | گذر
سوخت | سوز
ریخت | ریز
پرسید | پرس
چشید | چش
بخشید | بخش
برد | بر
پرید | پر
فروخت | فروش
شنید | شنو
کوبید | کوب
ایستاد | ایست
یافت | یاب
گشود | گشا
"""
# «نیست»/«نیس»: negative of «است» (and «هست»); «نباید»: negative modal.
_IRREGULAR = {
    **{"نیست" + e: "است" for e in ("", "م", "ی", "یم", "ید", "ند", "ن", "ین")},
    "نیس": "است",
    "نباید": "باید",
}
# Words that parse as «ن + stem + ending» but are nouns: «نمونه» (sample), «نشون» (sign, colloquial «نشان»).
_EXCEPTIONS = frozenset({"نمونه", "نمونش", "نشون"})

_PERSON = ("", "م", "ی", "د", "یم", "ید", "ند", "ن", "ین", "ه")
_PERFECT = tuple("ه" + j + p for j in ("", ZWNJ) for p in ("ام", "ای", "ایم", "اید", "اند", "است"))
_CLITICS = ("", "ش", "ت", "م", "مون", "تون", "شون", "شو", "مو", "تو", ZWNJ + "ش", ZWNJ + "اش")
_ENDINGS = frozenset({p + c for p in _PERSON for c in _CLITICS} | set(_PERFECT))
_SHORT_ENDINGS = {  # the one-letter colloquial stems, per prefix
    "ن": {
        "ش": {"ه", "م", "ی", "ن", "یم", "ید"},
        "د": {"ه", "م", "ی", "ن", "ین", "یم"},
        "ر": {"ه", "ی", "ن", "ین", "یم", "ید"},
        "گ": {"م", "ی", "ن", "ین", "یم", "ید"},
    },
    "می": {
        "ش": {"ه", "م", "ی", "ن", "ین", "یم", "ید"},
        "د": {"ه", "م", "ی", "ن", "ین", "یم"},
        "ر": {"ه", "م", "ی", "ن", "ین", "یم"},
        "گ": {"ه", "م", "ی", "ن", "ین", "یم"},
        "ا": {"د", "م", "ی", "یم", "ید", "ین"},
        "آ": {"د", "م", "ی", "یم", "ید", "ین"},
    },
}


def _stem_table() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(stem → lemma) after «می/نمی» and after a bare «ن», and the set of past stems."""
    after_mi: dict[str, str] = {}
    after_n: dict[str, str] = {}
    past: set[str] = set()
    for line in _VERB_STEMS.strip().splitlines():
        pasts, presents = (part.split() for part in line.split("|"))
        past.update(pasts)
        for stem in (*pasts, *presents):
            after_mi.setdefault(stem, pasts[0])
            if stem[0] == "آ":
                after_n.setdefault("یا" + stem[1:], pasts[0])
            elif stem[0] == "ا":
                after_n.setdefault("ی" + stem[1:], pasts[0])
                after_n.setdefault("یا" + stem[1:], pasts[0])
            else:
                after_n.setdefault(stem, pasts[0])
    return after_mi, after_n, frozenset(past)


_AFTER_MI, _AFTER_N, _PAST = _stem_table()
_MAX_STEM = max(map(len, _AFTER_MI | _AFTER_N))


def _match_stem(rest: str, table: dict[str, str], prefix: str, need_ending: bool) -> str | None:
    """Lemma if `rest` = known stem + allowed ending (longest stem first), else None."""
    for size in range(min(_MAX_STEM, len(rest)), 0, -1):
        lemma = table.get(rest[:size])
        if lemma is None:
            continue
        ending = rest[size:]
        if size == 1:
            if ending in _SHORT_ENDINGS[prefix].get(rest[0], ()):
                return lemma
        elif ending in _ENDINGS and (ending or not need_ending or rest in _PAST):
            return lemma
    return None


@lru_cache(maxsize=1 << 16)
def negative_verb_lemma(word: str) -> str | None:
    """For a negative verb form (نخریدم، نمی‌خوام، نداره، نیومد، نیست) its lemma, else None.

    The lemma is the past stem («خرید», «خواست», «داشت», «آمد», «است»); «نمی» + a stem missing from the
    list still counts as negative and returns the positive surface («نمی‌X» → «می‌X»). A verb whose parts
    hazm joined with "_" is negative if one part is («نخورده_بودم», «دیده_نشده_است»).
    """
    if "_" in word:
        return next(filter(None, map(negative_verb_lemma, word.split("_"))), None)
    if len(word) < 2 or word[0] != "ن":
        return None
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.startswith("نمی") and len(word) > 3:
        rest = word[4:] if word[3] == ZWNJ else word[3:]
        return _match_stem(rest, _AFTER_MI, "می", need_ending=True) or "می" + ZWNJ + rest
    if word in _EXCEPTIONS:
        return None
    return _match_stem(word[1:], _AFTER_N, "ن", need_ending=False)


def split_informal_mi(word: str) -> str | None:
    """«میخوام» → «می‌خوام», «نمیشه» → «نمی‌شه»: a ZWNJ after «می» when a known stem and ending follow.

    hazm separates «می» only for formal conjugations in its list, so «میشه» and «می شه» (which hazm joins
    to «می‌شه») would otherwise be two different tokens. A present stem needs an ending, so «میگو»
    (shrimp) and «میدان» (square) stay whole; «میان» (between) is excluded by the «ا» endings.
    """
    prefix_len = 3 if word.startswith("نمی") else 2 if word.startswith("می") else 0
    if not prefix_len or len(word) <= prefix_len + 1 or word[prefix_len] == ZWNJ:
        return None
    if _match_stem(word[prefix_len:], _AFTER_MI, "می", need_ending=True) is None:
        return None
    return word[:prefix_len] + ZWNJ + word[prefix_len:]
