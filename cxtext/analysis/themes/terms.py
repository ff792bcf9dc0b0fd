"""Theme terms: the content words and adjacent word pairs of a comment, as the customer wrote them.

Why our own tokens rather than a plain vectorizer: Persian needs cxtext's normaliser and tokenizer (ZWNJ
words kept whole, Arabic letters folded), and every term keeps the span of the original text it came from,
so a theme's name can be shown in the customer's spelling and its phrases highlighted in quotes. Function
words (spaCy's English list, hazm's Persian list, a short Finglish list, negators) carry no theme; negation
is dropped from terms because a theme is a subject ("delivery"), its polarity is the sentiment mix.
Sentiment words stay: "friendly" and "rude" are how customers talk about staff (measured: removing
them cost the staff theme 0.1 F1 on SemEval-14).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache

from cxtext.text.english_rules import english_stop_words
from cxtext.tokens import Token


# Finglish function words and light verbs (hazm's list is in Persian script only).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FINGLISH_STOP = _words(
    "va ke az be ba dar in on an ham ya ta bara baraye rooye roye ro ra man to ma shoma oon una ina "
    "hast hastesh ast bood boodan shod shode kard kardam kardan mikonam mikone kone konid dare daram "
    "nadare nist na nah kheili kheyli khili kheily kh yek ye chi chera vali amma age agar dige ham "
    "mesle khob khoob"
)
# Words that qualify rather than name a subject, in every language we read.
_EXTRA_STOP = {
    "en": _words("n't 's 'm 're 've 'd 'll im ive dont didnt doesnt cant wont isnt wasnt u ur"),
    "fa": _words(
        "خیلی بسیار هم اما ولی یه یک این اون آن که را رو به از با در برای تا هست است بود بودن شد شده "
        "کرد کردم کنم کنید میکنم می‌کنم میکنه می‌کنه داره دارم دارد نداره ندارد نیست هیچ واقعا واقعاً "
        "اصلا دیگه دیگر چون اگه اگر باید"
    ),
}
MIN_CHARS = 2


@cache
def stop_words(lang: str) -> frozenset[str]:
    """Function words of `lang` (`en`, `fa`, `fa-Latn`), in the tokenizer's normalised form."""
    if lang == "en":
        return english_stop_words() | _EXTRA_STOP["en"]
    if lang == "fa-Latn":
        return english_stop_words() | _FINGLISH_STOP | _EXTRA_STOP["en"]
    from hazm import stopwords_list

    from cxtext.normalize import normalize

    words = {normalize(word.replace("_", " "), "fa") for word in stopwords_list()} | _EXTRA_STOP["fa"]
    return frozenset(words | {normalize(word, "fa") for word in _EXTRA_STOP["fa"]})


def is_content(norm: str, stops: frozenset[str]) -> bool:
    """A word that can name a subject: has a letter, is not a function word or a placeholder."""
    return (
        len(norm) >= MIN_CHARS
        and not all(part in stops for part in norm.split("_"))  # hazm joins verb parts: «شده_بود»
        and not norm.startswith(("<", "@"))  # placeholders, @handles (who is addressed, not a subject)
        and any(ch.isalpha() for ch in norm)
    )


def content_terms(tokens: Sequence[Token], lang: str) -> list[tuple[str, int, int]]:
    """Unigrams and bigrams of adjacent content words as (term, first token, last token + 1).

    Terms are keys (`term_key`): "waiters" and "waiter", «قیمتش» and «قیمت» are one term. Bigrams are
    written "a b" (a space never occurs inside a token).
    """
    keys = [content_key(token.norm, lang) for token in tokens]
    out = [(key, i, i + 1) for i, key in enumerate(keys) if key]
    out += [(f"{keys[i]} {keys[i + 1]}", i, i + 2) for i in range(len(keys) - 1) if keys[i] and keys[i + 1]]
    return out


@lru_cache(maxsize=500_000)
def content_key(norm: str, lang: str) -> str:
    """The word's term key, or "" for a word that names no subject (cached: words repeat)."""
    return term_key(norm, lang) if is_content(norm, stop_words(lang)) else ""


def term_key(norm: str, lang: str) -> str:
    """The word's key: its lemma for Persian (`persian_key`), Porter's stem for English; Finglish
    spellings vary too much for a stemmer and are kept as they are."""
    if lang == "fa":
        return persian_key(norm)
    if lang == "en":
        return _porter().stem(norm) or norm
    return norm


def persian_key(norm: str) -> str:
    """hazm's lemma of a Persian word, reached through its written form when it is spelled as spoken.

    Why a lemmatizer and not hazm's Stemmer: the stemmer cuts suffix letters blindly, so «قیمت» became
    «قیم» while «قیمتش» became «قیمت» (one word, two terms) and «گران» became «گر»; the lemmatizer only
    removes a suffix when what remains is in hazm's word list. Reviews are written as spoken, so a word
    the list lacks is tried in its written form (`_written`). Measured on ParsiNLU food train + dev with
    the price labels hidden: the price theme's F1 went from 0.42-0.55 to 0.50-0.56 for 5-9 themes (better
    for 9 of 10 theme counts and seeds), and varied less between seeds.
    """
    lemmatizer = _persian_lemmatizer()
    lemma = lemmatizer.lemmatize(norm)
    if lemma != norm:
        return lemma
    written = _written(norm)
    return norm if written is None else persian_key(written)


def _written(norm: str) -> str | None:
    """The written form of a spoken spelling, if it is a known word: «ـه» as the copula dropped («خوبه»)
    or as a verb ending «ـد» («می‌ارزه» → «می‌ارزد»), for words not in hazm's list; and «ـون» as «ـان»
    («گرون» → «گران», «ارزونه» → «ارزون» → «ارزان») for words its written-Persian counts never saw
    («خون», «نون» are seen and stay)."""
    lemmatizer = _persian_lemmatizer()
    words = lemmatizer.words
    candidates: list[str] = []
    if norm not in words and norm.endswith("ه") and len(norm) > 2:
        if norm.startswith(("می\u200c", "نمی\u200c")):
            candidates.append(norm[:-1] + "د")
        candidates.append(norm[:-1])
    if norm.endswith("ون") and words.get(norm, (0,))[0] == 0:
        candidates.append(norm[:-2] + "ان")
    for candidate in candidates:
        if candidate in words or lemmatizer.lemmatize(candidate) != candidate:
            return candidate
        deeper = _written(candidate)
        if deeper is not None:
            return deeper
    return None


@cache
def _persian_lemmatizer():
    from hazm import Lemmatizer

    return Lemmatizer()


@cache
def _porter():
    from nltk.stem import PorterStemmer

    return PorterStemmer()
