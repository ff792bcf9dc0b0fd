"""Language of one feedback text: `fa`, `en`, `fa-Latn` (Persian typed in Latin letters) or `unknown`.

It runs on every text, so it is a few regex scans, no model:

1. No letter at all (empty, digits, punctuation, emoji) → `unknown`; letters only of other scripts → `unknown`.
2. Arabic-script letters and no Latin ones → `fa`. Both scripts → `fa` when the Persian letters are at least
   `FA_SHARE` of all letters or form at least `FA_MIN_WORDS` words («اپلیکیشن crash میکنه» is Persian with
   an English loan word, "thanks, ممنون" is English with a Persian one).
3. Latin only → `fa-Latn` or `en` by a vote over the words (URLs, @handles and #tags removed first):
   - a word of the hand-written Finglish lexicon counts 1 for Finglish (`kheili`, `bood`, `nemikham` …);
     words that are also English (`bad`, `man`, `to`, `in`, `be`, `ham`, `age`, `did` …) are left out;
   - a word with Finglish letter cues counts 0.5: `kh`, `gh` + vowel, or «می/نمی» + stem + a Persian
     ending (`mikhoram`, `nemidonid`). `sh` + vowel and bare endings (-am, -id, -e) were measured as cues
     too: they win one Finglish line but turn 3 of the 90 tricky English lines and 45 of the 29,826 English
     corpus texts into Finglish (`she`, `team`, `paid`, `the`), so they only count inside the verb pattern;
   - an English stop word (spaCy's list, 326 words) counts 1 for English.
   `fa-Latn` needs at least one full point and more points than English; anything else is `en`.
"""

from __future__ import annotations

import re

from cxtext.text.english_rules import english_stop_words

FA_SHARE = 0.3
FA_MIN_WORDS = 3

# The Arabic-script blocks (0600-06FF, 0750-077F, 08A0-08FF, FB50-FDFF, FE70-FEFC) less what is not a letter:
# diacritics 064B-065F, Arabic-Indic digits 0660-066D and 06F0-06F9, «، ؛ ؟» 060C 061B 061F, the kashida 0640.
# One plain class, so a search skips Latin text at C speed (a class behind a lookahead was 3x slower).
_ARABIC_LETTER = re.compile(
    "[\u0600-\u060b\u060d-\u061a\u061c-\u061e\u0620-\u063f\u0641-\u064a\u066e-\u06ef\u06fa-\u06ff"
    "\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]+"
)
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\S+@\S+")
_WORD = re.compile(r"[a-z]+")
_TRIPLE = re.compile(r"([a-z])\1\1")
_RUN = re.compile(r"([a-z])\1+")
_CUE = re.compile(
    r"kh|gh[aeiouy]|^(?:mi|nemi)(?:kh|k|d|g|r|t|sh|z|b|f|p|s|ch|j|y|x)[a-z]*(?:am|im|id|in|e|i|an|and|ad|esh)$"
)

_FINGLISH_WORDS = """
    kheili kheyli kheily khaili kheli xeili khyli khili besyar besiar aslan asln kamelan vaghean vaghan vaqean
    vagean ziad ziyad zyad kami yekam yekami tamoom tamum hamash hamishe hanooz hanuz dige digeh dg
    emrooz emruz dirooz diruz farda yek khob khoob khub khube khoobe khoobeh khobe aali aalie aaliye awli awlie
    bade badi badesh vali valy vli ama chon chun choon chonke chera chra ke ki az ro tu tuye tooye ru baraye
    bara vase vaseye mese mesle hamin hamun hamoon inja unja oonja injoori injuri unjuri chetor chetori chi chie
    chiye koja kojast hala agar agei pas faghat faqat fght un oon inha unha shoma baad badan hamechi
    hamechiz hichi hich hargez bedoone bedoon bedun bedune
    bood bud boodam budam boode bude nabood nabud naboodam nabudam hast hastam hasti hastim hastan hastesh nist
    nistam nisti nistan nis nistesh shod shode shodam shodim nashod nashode mishe mishod nemishe mikonam mikone
    mikoni mikonim mikonan mikonid nemikonam nemikone kard kardam kardim kardan kardid nakard nakardam nakardan
    konid konin mikham mikhay mikhad mikhaym mikhastam nemikham nemikhay nemikhad mitunam mitoonam mitune
    mitoone mituni nemitunam nemitoonam nemitune dadam dadan dade nadad nadadan midam mide midan nemide
    gereftam gereft gerefte migiram migire nagereftam nagereft kharidam kharid kharide kharidim nakharidam
    nakharid khordam khord khorde nakhordam nakhord residam resid reside naresid naresideh nareside umad oomad
    omad umade oomade nayumad nayoomad nayomad miad miyad nemiad nemiyad raftam raft miram mire nemiram goftam
    goft gofte migam mige migan nemige dashtam dasht dashte nadashtam nadasht daram dare dari darim daran nadaram
    nadare nadari nadaran didam dide nadidam bezar bezarid bede bedid bedin bekhar bekharid bekhor bekhorid
    bebin bebinid begid bia biyad biad bashe bashid bashin nabashe nabashid shodan
    ghaza ghazaa ghazash ghazaye ghazahash gheimat gheymat ghimat gheimatesh gheymatesh ghimatesh geroon gerun
    geroone gerune gerooneh arzoon arzun arzoone arzune sard sarde garm garme khoshmaze khoshmazeh bimaze
    bamaze tamiz kasif kasife poshtibani poshtibany poshtiban payam payamak peyk paik ersal ersale sefaresh
    sefareshi sefareshe sefaresham tahvil tahvile dir zood zud zoodtar dirtar raftar barkhord barkhorde keyfiat
    keyfiyat kefiat kifiat kiyfiat kiyfiyat keifiat keyfiatesh mahsool mahsul kala kalaa jens jensesh ghate ghat
    ghatei vasl sorat sorate soraat samane barname barnameh narmafzar gooshi gushi khat shomare hesab hesabam pul
    tooman toman takhfif mamnoon mamnun mamnunam mamnoonam mersi merci mersii salam slm khodafez khodahafez lotfan
    lotfa lotfn tashakor tashakkor sepas sepasgozaram azizam dadash dadashi bache bacheha rahat rahati sakht sakhte
    asoon asun asan behtar behtarin badtar badtarin ajib ajibe aftezah aftezahe zaif zaeef ghavi kharab kharabe
    khareb bahal bahale khafan khafane mozakhraf mozakhrafe ghalat dorost doros eshtebah moshkel moshkele
    moshkeli moshkelat shekayat rezayat razi razy narazi naraziam entezar entezaram tajrobe tajrobam hatman
    hatmn shoor tond irani ajab vay vaay akhe aakhe ahan areh ye che saat montazer chand dafe bayad nabayad chizi
    khodam khodet hame kasi
"""
FINGLISH = frozenset(_FINGLISH_WORDS.split())
"""Frequent Finglish words. Left out on purpose: words that are also English or common names (`bad`, `man`,
`to`, `in`, `be`, `ham`, `are`, `age`, `did`, `va`, `ba`, `alan`, `ali`, `shirin`)."""


def _squeezed(word: str) -> tuple[str, ...]:
    """`kheiliiii` → (`kheilii`, `kheili`): lengthened words in both plausible spellings."""
    return (_RUN.sub(r"\1\1", word), _RUN.sub(r"\1", word))


def _finglish_vote(text: str) -> tuple[float, float]:
    """(Finglish points, English points) of a Latin-script text; see the module docstring."""
    stop_words = english_stop_words()
    lowered = text.lower()
    if "@" in lowered or "#" in lowered or "http" in lowered or "www." in lowered:  # all _NOISE can match
        lowered = _NOISE.sub(" ", lowered)
    words = _WORD.findall(lowered)
    english = sum(map(stop_words.__contains__, words))
    finglish = sum(map(FINGLISH.__contains__, words))
    if english >= len(words) - english:  # even all other words as cues could not outvote English
        return float(finglish), float(english)
    cues = 0.0
    for word in words:
        if word in stop_words or word in FINGLISH:
            continue
        if _TRIPLE.search(word) and not FINGLISH.isdisjoint(_squeezed(word)):
            finglish += 1
        elif _CUE.search(word):
            cues += 0.5
    return finglish + cues, float(english)


def detect_language(text: str) -> str:
    """`fa`, `en`, `fa-Latn` or `unknown` for one text (rules in the module docstring)."""
    has_persian = _ARABIC_LETTER.search(text) is not None
    has_latin = _LATIN_LETTER.search(text) is not None
    if has_persian and not has_latin:
        return "fa"
    if has_persian:
        persian_runs = _ARABIC_LETTER.findall(text)
        persian = sum(map(len, persian_runs))
        latin = sum(map(len, _LATIN_LETTER.findall(text)))
        return "fa" if persian >= FA_SHARE * (persian + latin) or len(persian_runs) >= FA_MIN_WORDS else "en"
    if not has_latin:
        return "unknown"
    finglish, english = _finglish_vote(text)
    return "fa-Latn" if finglish >= 1 and finglish > english else "en"
