"""The recognisers of the detection stage, each a small function registered by name.

A recogniser takes a :class:`Context` (the *normalised* text and what ``detect`` was
given) and returns :class:`Span` objects in normalised-text positions; ``detect`` maps
them back onto the original text and resolves overlaps. Recognisers run in three
phases: phase 1 on the text alone, phase 2 (``name_variants``, ``address_block``) with
the phase-1 results in ``Context.prior``, phase 3 (``place_context``, ``capitalised_token``)
to fill what is left.

Everything costly is built once per process and cached: compiled patterns at import,
the name sets from Faker's locale data, the place automaton and word frequencies on
first use. Matching is one pass over the text per recogniser: an Aho-Corasick
automaton for lists of phrases, set look-ups per token for names, and anchored
patterns (found by a literal such as ``@`` or a month name, then widened) elsewhere.
"""

from __future__ import annotations

import bisect
import importlib
import importlib.util
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import NamedTuple

TYPES = (
    "PERSON",
    "PLACE",
    "ORGANISATION",
    "EMAIL",
    "URL",
    "PHONE",
    "POSTCODE",
    "NHS_NUMBER",
    "NI_NUMBER",
    "DATE",
    "ADDRESS",
)


class Span(NamedTuple):
    """A found identifier, in positions of the normalised text (end exclusive)."""

    start: int
    end: int
    type: str
    score: float


class Prior(NamedTuple):
    """A span found in an earlier phase, with the recogniser that found it."""

    start: int
    end: int
    type: str
    score: float
    recogniser: str


@dataclass(frozen=True)
class Recogniser:
    name: str
    find: Callable[[Context], list[Span]]
    phase: int
    types: tuple[str, ...]
    description: str


REGISTRY: dict[str, Recogniser] = {}


def recogniser(name: str, *, types: Sequence[str], phase: int = 1):
    """Register the decorated function as the recogniser ``name``."""

    def decorate(func: Callable[[Context], list[Span]]):
        doc = (func.__doc__ or name).strip().splitlines()[0]
        REGISTRY[name] = Recogniser(name, func, phase, tuple(types), doc)
        return func

    return decorate


# ---------------------------------------------------------------------------
# Word lists and data
# ---------------------------------------------------------------------------

# Faker locales whose person providers give first names and surnames in Latin script:
# English-speaking, Irish, South Asian (en_IN, en_PK), African (Nigerian, Kenyan,
# Ghanaian, Swahili, Zulu), Eastern and Central European and Southern European ones.
# Faker has no person provider of its own for en_AU or en_CA (they fall back to "en");
# Indian, Bengali, Nepali and Sinhala locales give names in their own scripts only.
FAKER_LOCALES = (
    "en", "en_GB", "en_US", "en_IE", "en_IN", "en_NZ", "en_PK", "en_KE", "en_NG", "ga_IE",
    "yo_NG", "ig_NG", "ha_NG", "sw", "tw_GH", "zu_ZA",
    "pl_PL", "ro_RO", "lt_LT", "lv_LV", "cs_CZ", "sk_SK", "hu_HU", "hr_HR", "sl_SI",
    "tr_TR", "it_IT", "pt_PT", "es_ES", "fr_FR", "de_DE",
)  # fmt: skip

MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
}  # fmt: skip
DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

# Tokens that are in the name lists but never a person when they stand alone: months,
# days, particles, nations, languages, faiths and world places that Faker's US lists
# carry as given names. (As part of a pair - "April Smith", "Christian Jones" - they are.)
NOT_ALONE = MONTHS | DAYS | {
    "de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "le", "la", "al",
    "el", "bin", "ibn", "ap", "ab", "mac", "mc", "st", "te", "na", "bo", "les", "des",
    "dos", "das", "y", "e", "o", "sen", "ben", "abu", "san", "santa",
    "english", "british", "welsh", "scottish", "irish", "german", "french", "polish",
    "indian", "african", "asian", "american", "european", "caribbean", "italian",
    "spanish", "christian", "christians", "muslim", "jewish", "hindu", "sikh", "catholic",
    "jesus", "christ", "god", "allah", "isis", "nazi", "easter", "christmas", "ramadan",
    "eid", "diwali", "america", "india", "israel", "asia", "africa", "europe", "ireland",
    "spain", "poland", "kenya", "cuba", "holland", "china", "japan", "france",
    "germany", "italy", "texas", "florida", "arizona", "alabama", "missouri", "tennessee",
    "louisiana", "montana", "nevada", "indiana", "columbia", "maine", "california",
    "carolina", "virginia", "georgia", "dakota", "london", "paris", "washington",
    "boston", "houston", "dallas", "denver", "berlin", "madrid", "rome", "milan",
    "melbourne", "orlando", "cleveland", "hollywood", "brooklyn", "angeles",
    "francisco", "diego", "geneva", "columbus", "math", "unknown", "unnamed", "baby",
    "infant", "male", "female", "boy", "girl", "roma", "romani", "romany", "gypsy", "gypsies",
    "traveller", "travellers",
}  # fmt: skip

TITLES = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lady",
    "lord", "cllr", "councillor", "rev", "revd", "reverend", "nurse", "sister",
}  # fmt: skip

# Acronyms and initialisms of UK health and social care: never names, never flagged.
ACRONYMS = {
    "nhs", "icb", "ics", "ccg", "gp", "gps", "pcn", "cqc", "nice", "dhsc", "ukhsa", "ohid",
    "ons", "jsna", "send", "camhs", "ae", "ed", "hv", "hvs", "salt", "ot", "ceo", "cfo",
    "mp", "mbe", "obe", "phd", "msc", "bsc", "uk", "gb", "eu", "usa", "us", "it", "hr",
    "id", "tv", "ok", "covid", "vcse", "vcs", "lga", "adass", "adcs", "nhse", "ofsted",
    "sen", "senco", "ehcp", "dpo", "gdpr", "dpia", "faq", "bme", "bame", "lgbt",
    "lgbtq", "nb", "ps", "am", "pm", "tbc", "asap", "etc", "ie", "eg", "aka", "vs",
}  # fmt: skip

# Capitalised words that are rare in general English but name nothing identifying in
# this field (national bodies, brands, software), so capitalised_token leaves them.
NOT_IDENTIFYING = {
    "ofsted", "covid", "brexit", "zoom", "whatsapp", "google", "microsoft", "excel",
    "facebook", "instagram", "youtube", "twitter", "linkedin", "healthwatch", "barnardo",
    "barnardo's", "mumsnet", "skype", "powerpoint", "sharepoint", "onedrive", "systmone",
    "emis", "wifi", "wi-fi", "netflix", "tiktok", "amazon", "ipad", "iphone", "email",
    "e-mail", "okay", "um", "erm", "er", "uh", "mm", "hmm", "mhm", "yeah", "yep", "nope",
    "whilst", "interviewer", "interviewee", "facilitator", "respondent", "covid-19",
    "lockdown", "lockdowns", "wellbeing", "safeguarding", "commissioner", "commissioners",
    "co-production", "coproduction", "postnatal", "perinatal", "antenatal",
}  # fmt: skip

# A word after a first name that makes the pair a place or an organisation, not a person
# ("Hope Street", "Grace Church", "Park Lane"), unless the first word is surely a name.
NON_NAME_TAIL = {
    "road", "rd", "street", "st", "lane", "avenue", "ave", "close", "drive", "way",
    "crescent", "court", "place", "gardens", "terrace", "grove", "hill", "square", "walk",
    "row", "mews", "park", "parade", "green", "rise", "end", "farm", "estate", "church",
    "chapel", "school", "college", "academy", "university", "house", "hall", "centre",
    "center", "trust", "council", "board", "hospital", "surgery", "partnership", "hub",
    "group", "team", "service", "services", "unit", "ward", "day", "week", "party", "act",
    "plan", "programme", "strategy", "fund", "network", "forum", "project", "report",
    "review", "practitioner", "lead", "manager", "director", "officer", "consultant",
}  # fmt: skip

LOCATIVES = {
    "in", "from", "to", "near", "at", "around", "across", "outside", "into", "towards",
    "toward", "within", "of", "via", "through", "round", "between", "covering", "serving",
    "throughout", "beyond", "inside", "north", "south", "east", "west", "central",
}  # fmt: skip

_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]+(?:['’-][A-Za-z\u00C0-\u024F\u1E00-\u1EFF]+)*$")


def _data_text(name: str) -> str:
    return resources.files("qualframe").joinpath("data", "anonymise", name).read_text(encoding="utf-8")


def _data_lines(name: str) -> list[str]:
    return [line.rstrip("\n") for line in _data_text(name).splitlines() if line.strip() and not line.startswith("#")]


class NameData(NamedTuple):
    first: frozenset[str]  # lower case
    last: frozenset[str]  # lower case
    common: frozenset[str]  # names that are everyday English words, lower case


def _faker_names(attrs: Iterable[str], provider: type) -> Iterable[str]:
    for attr in attrs:
        value = getattr(provider, attr, ())
        if isinstance(value, dict):
            value = value.keys()
        elif not isinstance(value, (tuple, list, set, frozenset)):
            continue
        for name in value:
            if isinstance(name, str):
                yield from name.split()


@lru_cache(maxsize=1)
def name_data() -> NameData:
    """First names and surnames from the installed Faker's locale data (built once)."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in FAKER_LOCALES:
        try:
            module = importlib.import_module(f"faker.providers.person.{locale}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] == "faker" and "providers" not in exc.name:
                raise
            continue  # a locale this Faker release does not have
        provider = module.Provider
        # first_names, first_names_female, ...; last_names, male_last_names, unisex_last_names, ...
        attrs = [a for a in dir(provider) if not a.startswith("_") and ("first_names" in a or "last_names" in a)]
        for token in _faker_names([a for a in attrs if "first_names" in a], provider):
            if len(token) > 1 and _LATIN.match(token):
                first.add(token.lower())
        for token in _faker_names([a for a in attrs if "last_names" in a], provider):
            if len(token) > 1 and _LATIN.match(token):
                last.add(token.lower())
    if not first or not last:  # pragma: no cover - a broken Faker install
        raise RuntimeError("qualframe.anonymise: Faker's name lists could not be read")
    # Accented names are found with or without their accents ("Zoë", "Zoe"; "Siobhán").
    first |= {fold(w) for w in first if not w.isascii()}
    last |= {fold(w) for w in last if not w.isascii()}
    for word in TITLES:
        first.discard(word)
        last.discard(word)
    common = frozenset(w.strip().lower() for w in _data_lines("name_common_words.txt"))
    return NameData(frozenset(first), frozenset(last), common)


_FOLD_EXTRA = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss"})


def fold(word: str) -> str:
    """A lower-case word without accents ("zoë" -> "zoe", "łukasz" -> "lukasz")."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_ZIPF: dict[str, float] = {}


def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of a lower-case word in English, memoised."""
    value = _ZIPF.get(word)
    if value is None:
        from wordfreq import zipf_frequency

        value = _ZIPF[word] = zipf_frequency(word, "en")
    return value


def is_everyday(low: str) -> bool:
    """A name that is also an everyday English word ("will", "hope", "brown")."""
    return low in name_data().common or low in NOT_ALONE


@lru_cache(maxsize=1)
def place_data() -> tuple[object, frozenset[str]]:
    """The Aho-Corasick automaton of UK place names, and the set of the names."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    names = set()
    for line in _data_lines("uk_places.txt"):
        name, _, flag = line.partition("\t")
        name = name.strip()
        if not name:
            continue
        names.add(name)
        automaton.add_word(name, (name, flag.strip() == "word", " " in name or "-" in name))
    automaton.make_automaton()
    return automaton, frozenset(names)


_LINE_LABEL = re.compile(r"[^\W\d_][\w'’.-]*(?:[ ]+[\w'’.()-]+){0,3}[ ]?:[ ]")


@lru_cache(maxsize=1)
def place_lower_automaton():
    """Lower-case UK place names that are no everyday words, for lower-case text."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for line in _data_lines("uk_places.txt"):
        name, _, flag = line.partition("\t")
        name = name.strip()
        if name and flag.strip() != "word" and len(name) > 3:
            automaton.add_word(name.lower(), (name.lower(), " " in name or "-" in name))
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=64)
def _automaton(keys: tuple[tuple[str, object], ...]):
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for key, payload in keys:
        automaton.add_word(key, (key, payload))
    automaton.make_automaton()
    return automaton


def collapse(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------
# The context a recogniser works on
# ---------------------------------------------------------------------------

# A word: letters, with inner apostrophes ("O'Brien") and hyphens ("Okonkwo-Smith").
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*")
_SENTENCE_END = set(".!?:;\n\r…")
_SKIP_BACK = set(" \t\"“”‘'([*_")


@dataclass
class Context:
    """The normalised text and what ``detect`` was given, with derived views cached."""

    text: str
    register: Sequence = ()
    speakers: Sequence[str] = ()
    prior: list[Prior] = field(default_factory=list)

    @cached_property
    def flat(self) -> str:
        """The text with tabs and line ends as spaces (same length)."""
        return self.text.translate(_FLAT)

    @cached_property
    def lower(self) -> str:
        """``flat`` in lower case, one character for one."""
        low = self.flat.lower()
        if len(low) == len(self.flat):
            return low
        return "".join(c if len(c.lower()) != 1 else c.lower() for c in self.flat)

    @cached_property
    def tokens(self) -> list[tuple[int, int, str]]:
        """Words as (start, end, word); a possessive 's is left off the word."""
        out = []
        append = out.append
        for m in WORD.finditer(self.text):
            word = m.group()
            end = m.end()
            if len(word) > 3 and word[-2] in "'’" and word[-1] in "sS":
                word = word[:-2]
                end -= 2
            append((m.start(), end, word))
        return out

    @cached_property
    def token_starts(self) -> list[int]:
        return [t[0] for t in self.tokens]

    def token_at(self, pos: int) -> int:
        """Index of the token starting at ``pos``, or -1."""
        i = bisect.bisect_left(self.token_starts, pos)
        if i < len(self.tokens) and self.tokens[i][0] == pos:
            return i
        return -1

    def token_index(self, pos: int) -> int:
        """Index of the first token starting at or after ``pos``."""
        return bisect.bisect_left(self.token_starts, pos)

    def sentence_start(self, pos: int) -> bool:
        """Whether the word at ``pos`` opens a sentence, line or speaker turn."""
        text = self.text
        i = pos - 1
        while i >= 0 and text[i] in _SKIP_BACK:
            i -= 1
        return i < 0 or text[i] in _SENTENCE_END

    def previous_word(self, pos: int) -> str:
        i = bisect.bisect_left(self.token_starts, pos) - 1
        if i < 0:
            return ""
        start, end, word = self.tokens[i]
        if self.text[end:pos].strip(" "):
            return ""
        return word.lower()

    def whole_word(self, start: int, end: int) -> bool:
        text = self.text
        if start > 0 and text[start].isalnum() and text[start - 1].isalnum():
            return False
        return not (end < len(text) and text[end - 1].isalnum() and text[end].isalnum())

    @cached_property
    def covered(self) -> tuple[list[int], list[int]]:
        """The prior spans merged into sorted, non-overlapping (starts, ends)."""
        starts: list[int] = []
        ends: list[int] = []
        for p in sorted(self.prior):
            if starts and p.start <= ends[-1]:
                ends[-1] = max(ends[-1], p.end)
            else:
                starts.append(p.start)
                ends.append(p.end)
        return starts, ends

    def is_covered(self, start: int, end: int) -> bool:
        starts, ends = self.covered
        i = bisect.bisect_right(starts, start) - 1
        return i >= 0 and ends[i] >= end


_FLAT = {ord("\n"): " ", ord("\r"): " ", ord("\t"): " ", 0x0B: " ", 0x0C: " ", 0x85: " "}


# ---------------------------------------------------------------------------
# Patterns: e-mail, URL, phone, postcode, NHS number, NI number, date, address
# ---------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[\w.%+'-]{1,64}\Z")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])")


@recogniser("email", types=["EMAIL"])
def email(ctx: Context) -> list[Span]:
    """E-mail addresses (local@domain.tld); score 0.95."""
    text = ctx.text
    out = []
    at = text.find("@")
    while at != -1:
        left = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        right = _EMAIL_DOMAIN.match(text, at + 1)
        if left and right:
            start = left.start()
            while start < at and text[start] in ".'-":
                start += 1
            if start < at:
                out.append(Span(start, right.end(), "EMAIL", 0.95))
        at = text.find("@", at + 1)
    return out


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_TLD = re.compile(
    r"\.(?:gov\.uk|nhs\.uk|nhs\.net|org\.uk|co\.uk|ac\.uk|sch\.uk|ltd\.uk|com|org|net|uk|info|io)(?![\w.-]*\w)",
    re.IGNORECASE,
)
_HOST_LEFT = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\Z")
_URL_PATH = re.compile(r"/[^\s<>\"'`]*")
_URL_TRAIL = ".,;:!?)]}'\"’”"


def _trim_url(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _URL_TRAIL:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


@recogniser("url", types=["URL"])
def url(ctx: Context) -> list[Span]:
    """Web addresses: http(s)://..., www...., and bare host names under a common TLD; 0.9 (bare 0.8)."""
    text = ctx.text
    out = []
    taken_until = -1
    for m in _URL.finditer(text):
        start = m.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "@./"):
            continue
        end = _trim_url(text, start, m.end())
        if end - start > 7:
            out.append(Span(start, end, "URL", 0.9))
            taken_until = end
    starts = [s.start for s in out]
    for m in _TLD.finditer(text):
        left = _HOST_LEFT.search(text, max(0, m.start() - 200), m.start())
        if not left:
            continue
        start = left.start()
        if start > 0 and (text[start - 1] in "@./-" or text[start - 1].isalnum()):
            continue
        end = m.end()
        path = _URL_PATH.match(text, end)
        if path:
            end = _trim_url(text, start, path.end())
        i = bisect.bisect_right(starts, start) - 1
        if (i >= 0 and out[i].end > start) or start < taken_until:
            continue
        out.append(Span(start, end, "URL", 0.8))
    return out


_PHONE = re.compile(r"(?:\+44[ -]?(?:\(0\)[ -]?)?|\(0|0)[1235789](?:[ -]?\)?[ -]?\d){8,9}(?!\d)")


@recogniser("uk_phone", types=["PHONE"])
def uk_phone(ctx: Context) -> list[Span]:
    """UK telephone numbers, landline and mobile, national or +44; 0.85 (0.9 with +44 or a mobile)."""
    text = ctx.text
    out = []
    for m in _PHONE.finditer(text):
        start = m.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "+/.-"):
            continue
        body = m.group()
        if body.count(")") > (1 if "(0)" in body else 0) + body.startswith("("):
            continue
        if body.startswith("(") and ")" not in body:
            continue
        end = m.end()
        if end < len(text) and (text[end] in "/" or (text[end] == "." and end + 1 < len(text) and text[end + 1].isdigit())):
            continue
        digits = re.sub(r"\D", "", body)
        nsn = digits[2:] if body.startswith("+") else digits[1:]
        if nsn.startswith("0"):
            nsn = nsn[1:]
        if len(nsn) not in (9, 10):
            continue
        score = 0.9 if body.startswith("+") or nsn.startswith("7") else 0.85
        out.append(Span(start, end, "PHONE", score))
    return out


_POSTCODE_BODY = (
    r"(?:GIR ?0AA|[A-PR-UWYZ](?:[0-9][0-9]?|[A-HK-Y][0-9][0-9]?|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})"
)
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])" + _POSTCODE_BODY + r"(?![A-Za-z0-9])", re.IGNORECASE)


@recogniser("uk_postcode", types=["POSTCODE"])
def uk_postcode(ctx: Context) -> list[Span]:
    """Full UK postcodes (incl. GIR 0AA), any case, with or without the space; 0.9 (0.7 lower case or unspaced)."""
    out = []
    for m in _POSTCODE.finditer(ctx.text):
        value = m.group()
        score = 0.9 if value.isupper() and " " in value else 0.7
        out.append(Span(m.start(), m.end(), "POSTCODE", score))
    return out


_NHS = re.compile(r"(?<![\w.+/-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w/-]|\.\d)")


def nhs_check_digit(nine: str) -> int | None:
    """The modulus-11 check digit for the first nine digits of an NHS number (None: no valid number)."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def valid_nhs_number(value: str) -> bool:
    digits = re.sub(r"[ -]", "", value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


@recogniser("nhs_number", types=["NHS_NUMBER"])
def nhs_number(ctx: Context) -> list[Span]:
    """NHS numbers: 10 digits (3-3-4 with spaces or dashes, or ungrouped) with a valid modulus-11 check digit; 0.95 (0.85 ungrouped)."""
    out = []
    for m in _NHS.finditer(ctx.text):
        digits = m.group(1) + m.group(3) + m.group(4)
        if nhs_check_digit(digits[:9]) != int(digits[9]):
            continue
        out.append(Span(m.start(), m.end(), "NHS_NUMBER", 0.95 if m.group(2) else 0.85))
    return out


# HMRC: D, F, I, Q, U and V are not used as the first or second letter of a prefix, O not
# as the second; BG, GB, KN, NK, NT, TN and ZZ are not used. Suffix A to D.
_NI = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)


@recogniser("ni_number", types=["NI_NUMBER"])
def ni_number(ctx: Context) -> list[Span]:
    """UK National Insurance numbers (AB 12 34 56 C) with HMRC's prefix exclusions; 0.9 (0.7 lower case)."""
    out = []
    for m in _NI.finditer(ctx.text):
        out.append(Span(m.start(), m.end(), "NI_NUMBER", 0.9 if m.group().isupper() else 0.7))
    return out


_MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_MONTH = re.compile(r"\b(?:" + _MONTH_NAMES + "|" + _MONTH_NAMES.upper() + r")\b")
_ORD_WORDS = (
    r"(?:(?:twenty|thirty)[- ])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth"
    r"|eighteenth|nineteenth|twentieth|thirtieth"
)
_DAY_NUM = r"(?:[12][0-9]|3[01]|0?[1-9])"
_YEAR = r"(?:1[89][0-9]{2}|20[0-9]{2})"
_DATE_LEFT = re.compile(
    r"(?:\b" + _DAY_NUM + r"(?:st|nd|rd|th)?(?:[ ]+of)?|\b(?:" + _ORD_WORDS + r")[ ]+of)[ ]+\Z", re.IGNORECASE
)
_DATE_RIGHT_DAY = re.compile(
    r"\.?[ ]+(?:the[ ]+)?(?:" + _DAY_NUM + r"(?:st|nd|rd|th)?|(?:" + _ORD_WORDS + r"))\b(?![/:.]\d)",
    re.IGNORECASE,
)
_DATE_RIGHT_YEAR = re.compile(r"\.?,?[ ]+" + _YEAR + r"\b(?![/:.-]\d)")
_WEEKDAY_BEFORE = re.compile(
    r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?[ ]+(?:the[ ]+)?\Z", re.IGNORECASE
)
_RANGE_BEFORE = re.compile(
    r"\b" + _DAY_NUM + r"(?:st|nd|rd|th)?[ ]*(?:to|-|–|and|or)[ ]*(?:the[ ]+)?\Z", re.IGNORECASE
)
_MONTH_LOWER = re.compile(r"\b(?:" + _MONTH_NAMES.lower() + r")\b")
_FESTIVAL_YEAR = re.compile(
    r"\b(?:Christmas(?:[ ]+(?:Eve|Day))?|Easter(?:[ ]+(?:Sunday|Monday))?|Boxing[ ]+Day|New[ ]+Year['’]?s?(?:[ ]+(?:Eve|Day))?"
    r"|Bonfire[ ]+Night|Hallowe['’]?en|Eid(?:[ ]+al-(?:Fitr|Adha))?|Diwali|Hanukkah|Vaisakhi)[ ]+(?:of[ ]+)?"
    + _YEAR + r"\b(?![/:.-]\d)"
)
_NUM_DATE = re.compile(
    r"(?<![\w/.-])(?:(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})|(\d{4})-(\d{2})-(\d{2}))(?![\w/-]|\.\d)"
)


def _date_widen(text: str, start: int, has_day: bool) -> int:
    """Take in a range's first day ("1st to the 15th of May") and a weekday before the date."""
    if has_day:
        rng = _RANGE_BEFORE.search(text, max(0, start - 20), start)
        if rng:
            start = rng.start()
    day = _WEEKDAY_BEFORE.search(text, max(0, start - 16), start)
    return day.start() if day else start


def _plausible(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


@recogniser("date", types=["DATE"])
def date(ctx: Context) -> list[Span]:
    """Dates with a day or a year: 12 March 2024, 12/03/2024, 2024-03-12, March 2024, the 3rd of May; 0.75-0.9."""
    text = ctx.text
    out = []
    for m in _MONTH.finditer(text):
        start, end = m.start(), m.end()
        has_day = False
        left = _DATE_LEFT.search(text, max(0, start - 30), start)
        if left:
            start = left.start()
            has_day = True
        else:
            right = _DATE_RIGHT_DAY.match(text, end)
            if right:
                end = right.end()
                has_day = True
        year = _DATE_RIGHT_YEAR.match(text, end)
        if year:
            end = year.end()
        if not has_day and not year:
            continue  # a month alone is no date
        score = 0.9 if has_day and year else 0.8 if has_day else 0.75
        out.append(Span(_date_widen(text, start, has_day), end, "DATE", score))
    for m in _MONTH_LOWER.finditer(text):
        # lower case, as automatic transcription writes: only with a day before it ("the
        # ninth of january") or a year after it; "may" and "march" only with a day before
        start, end = m.start(), m.end()
        left = _DATE_LEFT.search(text, max(0, start - 30), start)
        year = _DATE_RIGHT_YEAR.match(text, end)
        if left and m.group() in ("may", "march") and not re.search(r"(?:st|nd|rd|th)\b|\bof\b", left.group()):
            left = None  # "about 12 may need"
        if left:
            start = left.start()
        elif not year or m.group() in ("may", "march"):
            continue
        if year:
            end = year.end()
        out.append(Span(_date_widen(text, start, bool(left)), end, "DATE", 0.7))
    for m in _FESTIVAL_YEAR.finditer(text):
        out.append(Span(m.start(), m.end(), "DATE", 0.75))
    for m in _NUM_DATE.finditer(text):
        if m.group(1):
            a, b, sep, year = int(m.group(1)), int(m.group(3)), m.group(2), m.group(4)
            if sep == "." and len(year) != 4:
                continue
            if not (_plausible(a, b) or _plausible(b, a)):
                continue
        else:
            if not _plausible(int(m.group(7)), int(m.group(6))):
                continue
        out.append(Span(m.start(), m.end(), "DATE", 0.9))
    return out


_STREET_SUFFIX = (
    "Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Way|Crescent|Court|Ct|Place|Pl|Gardens|Gdns"
    "|Terrace|Grove|Hill|Square|Sq|Walk|Row|Mews|Parade|Rise|Green|Park|Vale|Wharf|Yard|Croft"
    "|Chase|Fold|Gate|Boulevard|Meadows|Meadow|Brow|Bank|Hollow|Approach|Arcade|Bridge|Broadway"
    "|Buildings|Causeway|Circus|Common|Copse|Corner|Cottages|Cross|Dale|Dell|Dene|Drove|Embankment"
    "|End|Estate|Field|Fields|Garth|Glade|Glen|Grange|Heights|Hey|Knoll|Lea|Leys|Link|Lodge|Manor"
    "|Market|Mead|Mount|Orchard|Paddock|Passage|Path|Plain|Point|Precinct|Promenade|Quay|Ridge"
    "|Ride|Spur|Steps|Strand|Top|Towers|View|Villas|Wood|Woods|Wynd"
)
# Without a house number, only the plain street words ("on Albion Street", "Sycamore Drive").
_STREET_ALONE = re.compile(
    r"\b((?:[A-Z][\w'’]*(?:-[\w'’]+)*[ ]+){1,3})(Road|Street|Lane|Avenue|Close|Drive|Crescent|Terrace|Grove"
    r"|Gardens|Mews|Way|Rd|Ave)\b"
)
_STREET_ALONE_PLAIN = {"Road", "Street", "Lane", "Avenue", "Crescent", "Terrace", "Mews", "Rd", "Ave"}
_STREET_LEADING = {
    "the", "a", "an", "this", "that", "our", "my", "in", "on", "at", "and", "but", "so", "if", "by", "it", "its",
    "is", "we", "i", "you", "he", "she", "they", "your", "his", "her", "their", "postcode", "post", "code",
}  # fmt: skip
# An address after "lives at", "address is", "moved to": a house number and capitalised
# words, whatever the street word, and a town after a comma.
_ADDRESS_CUE = re.compile(
    r"(?i:\baddress(?:[ ]+is|[ ]+was)?[ ]*:?|\blives?[ ]+at|\bliving[ ]+at|\blocated[ ]+at|\bmoved[ ]+to"
    r"|\b(?:is|are|was|were)[ ]+(?:now[ ]+)?at|\bsent[ ]+to|\bsend[ ]+it[ ]+to|\breturn[ ]+(?:it[ ]+)?to|\bdelivered[ ]+to|\bwrite[ ]+to[ ]+me[ ]+at)[ ]+"
    r"((?:(?:Flat|Apartment|Apt|Unit|Studio)\.?[ ]+\d{1,4}[A-Za-z]?,?[ ]+)?\d{1,4}[A-Za-z]?[ ]+[A-Z][\w'’-]*"
    r"(?:[ ]+[A-Z][\w'’-]*){0,3}(?:,[ ]+[A-Z][\w'’-]*(?:[ ]+[A-Z][\w'’-]*){0,2}){0,2})(?![\w'’])",
)
_HOUSE_NUMBER = re.compile(
    r"(?<![\w.,/£$€-])\d{1,4}[A-Za-z]?(?:[ ]?[-–][ ]?\d{1,4}[A-Za-z]?)?,?[ ]+"
    r"((?:[A-Z][\w'’]*(?:-[\w'’]+)*[ ]+){1,3})(?:" + _STREET_SUFFIX + r")\b\.?"
)
_FLAT_BEFORE = re.compile(r"(?:Flat|Apartment|Apt|Unit|Room)\.?[ ]+\d{1,4}[A-Za-z]?,?[ ]+\Z", re.IGNORECASE)
_TOWN = r"[A-Z][^\W\d_]+(?:['’][^\W\d_]+)?(?:(?:[ ]+|-)(?:(?:upon|on|under|in|le|next|the|by)(?:[ ]+|-))*[A-Z][^\W\d_]+(?:['’][^\W\d_]+)?){0,2}"
_TOWN_POSTCODE_AFTER = re.compile(r",?[ ]+" + _TOWN + r",?[ ]+" + "(?i:" + _POSTCODE_BODY + r")(?![A-Za-z0-9])")
_TOWN_AFTER = re.compile(r",?[ ]+(" + _TOWN + r")\b")
_POSTCODE_AFTER = re.compile(r",?[ ]+" + _POSTCODE_BODY + r"(?![A-Za-z0-9])", re.IGNORECASE)


@recogniser("street_address", types=["ADDRESS"])
def street_address(ctx: Context) -> list[Span]:
    """House number + street name + street suffix, with a following known town and/or postcode; 0.85 (0.95 with postcode)."""
    text = ctx.text
    out = []
    places = None
    for m in _HOUSE_NUMBER.finditer(text):
        words = m.group(1).split()
        if any(w.lower() in MONTHS or w.lower() in ACRONYMS for w in words):
            continue
        start, end = m.start(), m.end()
        if text[end - 1] == ".":
            end -= 1
        flat = _FLAT_BEFORE.search(text, max(0, start - 20), start)
        if flat:
            start = flat.start()
        score = 0.85
        tail = _TOWN_POSTCODE_AFTER.match(text, end)
        if tail:
            end, score = tail.end(), 0.95
        else:
            town = _TOWN_AFTER.match(text, end)
            if town:
                if places is None:
                    places = place_data()[1]
                if town.group(1) in places:
                    end = town.end()
            postcode = _POSTCODE_AFTER.match(text, end)
            if postcode:
                end, score = postcode.end(), 0.95
        out.append(Span(start, end, "ADDRESS", score))
    for m in _STREET_ALONE.finditer(text):
        words = m.group(1).split()
        while words and words[0].lower() in _STREET_LEADING:
            words.pop(0)
        if not words or any(w.lower() in MONTHS or w.lower() in DAYS or w.lower() in ACRONYMS for w in words):
            continue
        if m.group(2) not in _STREET_ALONE_PLAIN and not any(_distinctive(w) for w in words):
            continue  # "the Long Way", "Last Close"
        start = text.rfind(words[0], m.start(), m.end(1))
        out.append(Span(start, m.end(), "ADDRESS", 0.6))
    for m in _ADDRESS_CUE.finditer(text):
        value = m.group(1)
        words = [w.strip(",") for w in value.split() if w[0].isalpha() and w[0].isupper()]
        if any(w.isupper() or w.lower() in MONTHS or w.lower() in DAYS or w.lower() in ACRONYMS for w in words):
            continue  # "at 3 PM", "is at 2 March"
        out.append(Span(m.start(1), m.end(1), "ADDRESS", 0.8))
    return out


_CAPWORD = r"(?:\(?[A-Z][\w'’.&()-]*|\d{1,4}[A-Za-z]?)"
_LINK = r"(?:upon|on|under|in|le|la|by|the|and|&|of|de|next|sur|en)"
_SECONDARY = r"(?:Flat|Apartment|Apt|Unit|Studio|Suite|Room|Floor)\.?[ ]?\d{1,4}[A-Za-z]?"
# One part of an address block: "Flat 2", "41 Beechwood Avenue", "Studio 21y 2 Payne Run", "Harrowfield".
_ADDRESS_PART = re.compile(
    r"(?:" + _SECONDARY + r"(?:,?[ ]+\d{1,4}[A-Za-z]?(?:[-–]\d{1,4}[A-Za-z]?)?)?"
    r"|(?:" + _SECONDARY + r",?[ ]+)?(?:\d{1,4}[A-Za-z]?(?:[ ]?[-–][ ]?\d{1,4}[A-Za-z]?)?,?[ ]+)?"
    r"[A-Z][\w'’.&-]*(?:[ ]+(?:" + _LINK + r"[ ]+)*" + _CAPWORD + r"){0,11})\Z"
)
# The end of a line of prose before a postcode: a number and a street, or a town.
_ADDRESS_TAIL = re.compile(
    r"(?:(?:" + _SECONDARY + r",?[ ]+)?\d{1,4}[A-Za-z]?(?:[-–]\d{1,4}[A-Za-z]?)?[ ]+[A-Z][\w'’-]*(?:[ ]+(?:" + _LINK
    + r"[ ]+)?" + _CAPWORD + r"){0,8}"
    r"|" + _SECONDARY + r"|[A-Z][\w'’-]*(?:[ ]+(?:" + _LINK + r"[ ]+)?[A-Z][\w'’-]*){0,3})\Z"
)
_PART_JUNK = " \t>}{?*•·-–|#"


@recogniser("address_block", types=["ADDRESS"], phase=2)
def address_block(ctx: Context) -> list[Span]:
    """An address written over lines or commas before a postcode found in phase 1 ("Flat 2 / 41 Beechwood Avenue / Harrowfield / HF2 6LU"), back to a blank line, a label, a person or an organisation; 0.9."""
    text = ctx.text
    anchors = sorted({(p.start, p.end) for p in ctx.prior if p.type == "POSTCODE"})
    if not anchors:
        return []
    # people and organisations found surely enough end the block ("Priya Raman, 4 Mill Lane")
    # (a pair from the name lists does not: Faker's and many real streets are named after people)
    people = sorted(
        (p.start, p.end)
        for p in ctx.prior
        if (p.type == "PERSON" and p.score >= 0.9) or (p.type == "ORGANISATION" and p.score >= 0.75)
    )

    # above the street line ("41 Beechwood Avenue"), a line that is a name is the addressee
    names = {(p.start, p.end) for p in ctx.prior if p.type in ("PERSON", "ORGANISATION") and p.score >= 0.45}

    def name_end(start: int, end: int) -> int:
        """The end of the last such name overlapping [start, end), or -1."""
        found = -1
        for p_start, p_end in people[max(0, bisect.bisect_left(people, (start - 200, 0))) :]:
            if p_start >= end:
                break
            if p_end > start:
                found = max(found, p_end)
        return found

    out = []
    for anchor_start, anchor_end in anchors:
        start = anchor_start
        pos = anchor_start
        blank_crossed = False
        numbered_seen = False
        for part_no in range(8):
            j = pos
            while j > 0 and text[j - 1] in _PART_JUNK:
                j -= 1
            if j > 0 and text[j - 1] == ",":
                j -= 1
            elif j > 0 and text[j - 1] == "\n":
                j -= 1
                if j > 0 and text[j - 1] == "\r":
                    j -= 1
                k = j
                while k > 0 and text[k - 1] in _PART_JUNK:
                    k -= 1
                if k == 0:
                    break
                if text[k - 1] == "\n":  # a blank line: crossed once, to an address line above it
                    above_start = text.rfind("\n", 0, k - 1) + 1
                    above = text[above_start : k - 1].strip(_PART_JUNK)
                    if blank_crossed or not above or not (above[0].isdigit() or _ADDRESS_PART.match(above)):
                        break
                    if name_end(above_start, k - 1) >= 0:
                        break
                    blank_crossed = True
                    j = k - 1
            elif part_no > 0 and j == pos:
                break
            line_start = text.rfind("\n", 0, j) + 1
            part_start = max(line_start, text.rfind(",", line_start, j) + 1)
            while part_start < j and text[part_start] in _PART_JUNK:
                part_start += 1
            blocked = name_end(part_start, j)
            if blocked >= 0:  # keep what follows the name, then stop
                tail = _ADDRESS_TAIL.search(text, blocked, j)
                if tail and tail.start() < j:
                    start = tail.start()
                break
            part = text[part_start:j]
            if not part:
                break
            if numbered_seen and ((part_start, j) in names or not (part[0].isdigit() or re.match(_SECONDARY, part))):
                break
            if _ADDRESS_PART.match(part) and len(part.split()) <= 12 and part.split()[0].lower() not in _STREET_LEADING:
                start = pos = part_start
                numbered_seen = numbered_seen or part[0].isdigit() or bool(re.match(_SECONDARY, part))
                continue
            tail = _ADDRESS_TAIL.search(part)
            if tail and tail.start() < len(part):
                t_start = part_start + tail.start()
                first_word = part[tail.start() :].split()[0]
                if not (
                    first_word[0].isupper()
                    and not re.match(_SECONDARY, first_word + part[tail.start() + len(first_word) :])
                    and ctx.sentence_start(t_start)
                    and zipf(first_word.lower()) >= 4.0
                ):
                    start = t_start
            break
        if start < anchor_start:
            out.append(Span(start, anchor_end, "ADDRESS", 0.9))
    return out


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

STRONG_TITLES = "Mr|Mrs|Ms|Mx|Dr|Prof|Professor|Sir|Dame|Cllr|Councillor|Rev|Revd|Reverend"
WEAK_TITLES = "Miss|Lady|Lord|Nurse|Sister"
_TITLE = re.compile(r"\b(" + STRONG_TITLES + "|" + WEAK_TITLES + r")\b\.?[ ]+(?=[A-Z])")
_TITLE_LOWER = re.compile(r"\b(mr|mrs|ms|mx|dr|prof|professor|cllr|councillor|miss|nurse)\b\.?[ ]+(?=[a-z])")
_WEAK = set(WEAK_TITLES.lower().split("|"))


def _classify(word: str) -> tuple[bool, bool]:
    """(is a first name, is a surname) for a word, hyphenated ones by their parts."""
    names = name_data()
    low = word.lower()
    if not low.isascii():
        low = fold(low)
    f, s = low in names.first, low in names.last
    if not (f or s) and "-" in low:
        # "Mary-Jane" (first names), "Okonkwo-Smith" (double-barrelled): every part a
        # name or a rare word, and none an everyday word ("Parent-Infant" is no name).
        parts = [p for p in low.split("-") if p]
        known = [p in names.first or p in names.last for p in parts]
        if parts and any(known) and all(
            (k or zipf(p) < 3.0) and not (p in names.common or p in NOT_ALONE) for p, k in zip(parts, known)
        ):
            if all(p in names.first for p in parts):
                f = True
            else:
                s = True
    return f, s


def _rare(low: str, threshold: float = 3.0) -> bool:
    """A word rare in general English (every part of a hyphenated word counts)."""
    parts = [p for p in low.replace("’", "'").split("-") if p]
    return bool(parts) and min(zipf(p) for p in parts) < threshold


def _acronym(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def _name_word(word: str) -> bool:
    """A capitalised word that could be part of a name after a title or first name."""
    if not word[0].isupper() or word.lower() in NON_NAME_TAIL or word.lower() in MONTHS or word.lower() in DAYS:
        return False
    if _acronym(word) and word.lower() in ACRONYMS:
        return False
    f, s = _classify(word)
    return f or s or _surname_like(word.lower())


def _surname_like(low: str) -> bool:
    """A capitalised word after a first name that is no everyday word: an unlisted surname
    ("Goldberg", "Lister"), unless it is common in English."""
    if low in MONTHS or low in DAYS or low in NON_NAME_TAIL or low in ACRONYMS or low in NOT_IDENTIFYING:
        return False
    if "-" in low:
        # double-barrelled: every part a listed surname ("Knight-Smith", "Grant-Davies"), or
        # every part rare ("Okonkwo-Adeyemi"); not "Parent-Infant", "Bengali-speaking"
        names = name_data()
        parts = [p for p in low.split("-") if p]
        if len(parts) > 1 and all(p in names.last and p not in NOT_ALONE for p in parts):
            return True
        return bool(parts) and all(_rare(p) and p not in NOT_ALONE for p in parts)
    if is_everyday(low):
        return False
    return _rare(low) or (len(low) > 2 and _rare(low, 4.0))


@recogniser("titled_name", types=["PERSON"])
def titled_name(ctx: Context) -> list[Span]:
    """A title (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Professor, Sir, Dame, Lady, Lord, Cllr, Councillor, Rev, Nurse, Sister) and a name; 0.9 (0.75 for Miss/Lady/Lord/Nurse/Sister; 0.6 lower case)."""
    text, tokens = ctx.text, ctx.tokens
    out = []
    for m in _TITLE.finditer(text):
        weak = m.group(1).lower() in _WEAK
        i = ctx.token_at(m.end())
        if i < 0:
            continue
        last_end = None
        count = 0
        given = False  # the words so far are a given name (or initials): a surname may follow
        expected = m.end()
        while i < len(tokens) and count < 4:
            start, end, word = tokens[i]
            if start != expected:
                break
            if not word[0].isupper():
                break
            low = word.lower()
            f, s = _classify(word)
            if len(word) == 1:  # an initial
                ok = True
            elif count == 0:
                if weak:  # "Nurse Practitioner", "Lord Street" are no names
                    ok = low not in NON_NAME_TAIL and (f or (s and low not in name_data().common) or _rare(low))
                else:
                    ok = low not in NON_NAME_TAIL and low not in MONTHS and low not in DAYS and not (
                        _acronym(word) and (low in ACRONYMS or not (f or s))
                    )
            else:
                ok = given and _name_word(word)
            if not ok:
                break
            last_end = end
            count += 1
            given = len(word) == 1 or (f and count == 1) or (given and f)
            gap = 2 if len(word) == 1 and text.startswith(". ", end) else 1
            if not text.startswith(" " if gap == 1 else ". ", end):
                break
            expected = end + gap
            i += 1
        if last_end is not None:
            out.append(Span(m.start(), last_end, "PERSON", 0.75 if weak else 0.9))
    names = name_data()
    for m in _TITLE_LOWER.finditer(text):
        i = ctx.token_at(m.end())
        if i < 0:
            continue
        start, end, word = tokens[i]
        if not word.islower() or is_everyday(word) or not (word in names.first or word in names.last):
            continue
        if i + 1 < len(tokens) and word in names.first:
            s2, e2, w2 = tokens[i + 1]
            if s2 == end + 1 and text[end] == " " and w2.islower() and not is_everyday(w2):
                if w2 in names.last or _rare(w2, 2.0):
                    end = e2
        out.append(Span(m.start(), end, "PERSON", 0.6))
    return out


@recogniser("name_list", types=["PERSON"])
def name_list(ctx: Context) -> list[Span]:
    """First names and surnames from Faker's locale lists: pairs 0.85 (0.7 with an unlisted surname or two everyday words), lone first names 0.6, lone surnames 0.45, lower-case pairs 0.55."""
    names = name_data()
    first, last, common = names.first, names.last, names.common
    text, tokens = ctx.text, ctx.tokens
    n = len(tokens)
    out = []
    i = 0
    while i < n:
        start, end, word = tokens[i]
        low = word.lower()
        c0 = word[0]
        if c0.isupper():
            if _acronym(word):
                # capitals: only a known first name and surname, neither an everyday word
                # ("MARGARET THORNTON", not "AUTHOR DISCLAIMS" or "SHA")
                if i + 1 < n and low in first and not is_everyday(low) and low not in ACRONYMS:
                    s2, e2, w2 = tokens[i + 1]
                    l2 = w2.lower()
                    if text[end:s2] == " " and _acronym(w2) and l2 in last and not is_everyday(l2) and l2 not in ACRONYMS:
                        out.append(Span(start, e2, "PERSON", 0.6))
                        i += 2
                        continue
                i += 1
                continue
            is_f, is_s = low in first, low in last
            if not (is_f or is_s) and ("-" in low or not low.isascii()):
                is_f, is_s = _classify(word)
            if not (is_f or is_s):
                # an unlisted given name before a listed surname ("Sanjay Patel"), or two
                # unlisted words rare in English ("Imran Siddiqui")
                if i + 1 < n and len(word) > 2 and _surname_like(low) and low not in TITLES:
                    s2, e2, w2 = tokens[i + 1]
                    l2 = w2.lower()
                    if text[end:s2] == " " and w2[0].isupper() and not _acronym(w2) and l2 not in NON_NAME_TAIL:
                        if l2 in last and not is_everyday(l2):
                            out.append(Span(start, e2, "PERSON", 0.7))
                            i += 2
                            continue
                        if (
                            _rare(low, 3.5) and _rare(l2, 3.0) and not is_everyday(l2) and l2 not in ACRONYMS
                            and l2 not in NOT_IDENTIFYING
                        ):
                            out.append(Span(start, e2, "PERSON", 0.55))
                            i += 2
                            continue
                if "-" in low and _surname_like(low):  # "Holland-Hamilton": a person or a firm
                    out.append(Span(start, end, "PERSON", 0.5))
                i += 1
                continue
            # A run: first name, optional middle names, then a surname or unlisted rare word.
            j = i
            tail_known = False
            tail_seen = False
            if is_f:
                k = i
                while k + 1 < n and k - i < 3:
                    s2, e2, w2 = tokens[k + 1]
                    gap = text[tokens[k][1] : s2]  # "'s " after a possessive ends the run
                    if (gap != " " and (len(gap) > 4 or gap.strip(" "))) or not w2[0].isupper():
                        break
                    l2 = w2.lower()
                    if len(w2) == 1 and k + 2 < n:  # a middle initial: "Wayne X King", "Janet B. Rose"
                        s3, e3, w3 = tokens[k + 2]
                        if text[e2:s3] in (" ", ". ") and w3[0].isupper() and not _acronym(w3):
                            l3 = w3.lower()
                            if (l3 in last or l3 in first or _surname_like(l3)) and l3 not in NON_NAME_TAIL:
                                k += 2
                                tail_seen = True
                                tail_known = l3 in last or l3 in first
                                break
                        break
                    if _acronym(w2):
                        break
                    f2, s2_ = l2 in first, l2 in last
                    if not (f2 or s2_) and ("-" in l2 or not l2.isascii()):
                        f2, s2_ = _classify(w2)
                    if s2_ or f2:
                        k += 1
                        tail_seen = True
                        tail_known = True
                        if not f2:
                            break
                    elif _surname_like(l2):
                        k += 1
                        tail_seen = True
                        tail_known = False
                        break
                    else:
                        break
                j = k
            if tail_seen and j > i:
                words = [tokens[x][2].lower() for x in range(i, j + 1)]
                tail = words[-1]
                head_everyday = is_everyday(words[0])
                all_everyday = all(is_everyday(w) for w in words)
                if tail in NON_NAME_TAIL or tail in MONTHS or tail in DAYS:
                    if head_everyday:
                        i += 1
                        continue
                    score = 0.5
                elif not tail_known:
                    score = 0.7
                elif all_everyday:
                    score = 0.5 if ctx.sentence_start(start) else 0.7
                else:
                    score = 0.85
                out.append(Span(start, tokens[j][1], "PERSON", score))
                i = j + 1
                continue
            if low in common or low in NOT_ALONE:
                i += 1
                continue
            opening = ctx.sentence_start(start)
            if is_f:
                out.append(Span(start, end, "PERSON", 0.5 if opening else 0.6))
            else:
                out.append(Span(start, end, "PERSON", 0.35 if opening else 0.45))
            i += 1
            continue
        # lower case, as automatic transcription writes: only a first name and a surname
        # (0.55), another first name (0.5) or a word rare in English (0.45)
        if c0.islower() and low in first and i + 1 < n and low not in common and low not in NOT_ALONE and zipf(low) < 5.5:
            k = i
            score = 0.0
            while k + 1 < n and k - i < 2:
                s2, e2, w2 = tokens[k + 1]
                gap = text[tokens[k][1] : s2]
                if (gap != " " and (len(gap) > 4 or gap.strip(" "))) or not w2.islower() or w2 in common or w2 in NOT_ALONE:
                    break
                if w2 in last and zipf(w2) < 5.5:
                    k, score = k + 1, 0.55
                    break
                if w2 in first and zipf(w2) < 5.5:
                    k, score = k + 1, 0.5
                    continue
                if len(w2) > 2 and _rare(w2, 3.0) and w2 not in ACRONYMS:
                    k, score = k + 1, 0.45
                break
            if k > i:
                out.append(Span(start, tokens[k][1], "PERSON", score))
                i = k + 1
                continue
            if len(low) > 3 and _rare(low, 3.0):  # a lone first name rare in English ("ayesha")
                out.append(Span(start, end, "PERSON", 0.4))
                i += 1
                continue
        i += 1
    return out


_NAME_CUE = re.compile(
    r"\b(?:(?:my|her|his|their|our|your)[ ]+(?:wife|husband|partner|son|daughter|mum|mam|mom|mother|dad|father"
    r"|brother|sister|nan|nana|nanna|gran|granny|grandma|grandad|grandson|granddaughter|grandchild|friend"
    r"|neighbour|colleague|manager|boss|cousin|auntie|aunt|uncle|niece|nephew|eldest|youngest|ex|fiancée?"
    r"|stepson|stepdaughter|twin|baby|boy|girl)|(?:a|the|this)[ ]+(?:lad|lass|guy|bloke|fella|gentleman|woman"
    r"|lady)|called|named|name[ ]+is|name['’]s|name[ ]+was|known[ ]+as|me[ ]+and)[ ]+",
    re.IGNORECASE,
)
_CUE_STOP = {
    "i", "the", "a", "an", "and", "but", "so", "he", "she", "they", "we", "it", "is", "was", "who", "that",
    "this", "there", "then", "you", "me", "him", "her", "them", "us", "my", "his", "their", "our", "your",
    "in", "on", "at", "to", "for", "of", "with", "from", "back", "out", "up", "off", "round", "over", "again",
    "mum", "mam", "dad", "nan", "mother", "father", "sister", "brother", "about", "just", "really",
}  # fmt: skip


@recogniser("name_context", types=["PERSON"])
def name_context(ctx: Context) -> list[Span]:
    """A name after "my wife", "her son", "called", "named", "her name was", ...: any capitalised word (0.6), or a lower-case listed first name or rare word (0.5); a surname may follow."""
    text, tokens = ctx.text, ctx.tokens
    first = name_data().first
    out = []
    for m in _NAME_CUE.finditer(text):
        i = ctx.token_at(m.end())
        if i < 0:
            continue
        start, end, word = tokens[i]
        low = word.lower()
        if low in _CUE_STOP or low in TITLES or low in ACRONYMS or low in MONTHS or low in DAYS or len(word) < 2:
            continue
        weak_cue = m.group().lower().startswith(("me ", "a ", "the ", "this "))
        if weak_cue and not (low in first and not is_everyday(low)):
            continue  # "me and him", "a lad who": only a listed first name
        if word[0].isupper():
            if word.isupper() and len(word) > 1 or low in NOT_IDENTIFYING or (zipf(low) > 5.0 and low not in first):
                continue
            score = 0.6
        elif word.islower() and not is_everyday(low) and ((low in first and zipf(low) < 5.0) or _rare(low, 3.5)):
            score = 0.5
        else:
            continue
        if i + 1 < len(tokens):
            s2, e2, w2 = tokens[i + 1]
            l2 = w2.lower()
            same_case = w2[0].isupper() if word[0].isupper() else w2.islower()
            if text[end:s2] == " " and same_case and not _acronym(w2):
                if (l2 in name_data().last and not is_everyday(l2)) or _surname_like(l2):
                    end = e2
        out.append(Span(start, end, "PERSON", score))
    return out


_GENERIC_SPEAKER = re.compile(
    r"^(?:(?:the\s+)?(?:interviewer|interviewee|participant|respondent|facilitator|moderator|researcher"
    r"|speaker|note[- ]?taker|observer|unknown|inaudible|crosstalk|both|all|group|int|iv|ie|i|p|r|q|a|m|f)"
    r"(?:\s*[-#]?\s*\d+[a-z]?)?|[a-z]{0,3}\s*\d+[a-z]?)$",
    re.IGNORECASE,
)
_ROLE_WORDS = {
    "interviewer", "interviewee", "participant", "respondent", "facilitator", "moderator",
    "researcher", "speaker", "observer", "unknown", "the",
}  # fmt: skip


def speaker_names(speakers: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(full name, parts) for the speaker labels that are names, not roles or codes."""
    out = []
    for label in speakers:
        label = collapse(re.sub(r"[(\[][^)\]]*[)\]]", " ", str(label))).strip(" :*_-")
        if not label or _GENERIC_SPEAKER.match(label):
            continue
        parts = []
        for m in WORD.finditer(label):
            word = m.group()
            if len(word) > 3 and word[-2] in "'’" and word[-1] in "sS":
                word = word[:-2]
            low = word.lower()
            if len(word) < 2 or low in TITLES or low in _ROLE_WORDS or low in ACRONYMS:
                continue
            parts.append(word)
        if parts:
            out.append((label, parts))
    return out


def _find_names(
    ctx: Context,
    full: Iterable[str],
    parts: Iterable[str],
    full_score: float,
    part_score: float,
    everyday_score: float,
    lower_score: float,
) -> list[Span]:
    """Whole-word mentions of known full names (any case) and their parts (case rules below)."""
    keys: dict[str, tuple[bool, bool]] = {}
    for name in full:
        key = collapse(name).lower()
        if len(key) > 1:
            keys[key] = (True, False)
    for part in parts:
        key = part.lower()
        if len(key) > 1 and key not in keys:
            keys[key] = (False, is_everyday(key) or key in TITLES)
    if not keys:
        return []
    automaton = _automaton(tuple(sorted(keys.items())))
    text, low = ctx.text, ctx.lower
    out = []
    for last_index, (key, (is_full, everyday)) in automaton.iter(low):
        end = last_index + 1
        start = end - len(key)
        if not ctx.whole_word(start, end):
            continue
        if is_full:
            out.append(Span(start, end, "PERSON", full_score))
            continue
        if text[start].isupper():
            if everyday:
                if ctx.sentence_start(start):
                    continue
                out.append(Span(start, end, "PERSON", everyday_score))
            else:
                out.append(Span(start, end, "PERSON", part_score))
        elif not everyday and text[start:end].islower():
            out.append(Span(start, end, "PERSON", lower_score))
    return out


@recogniser("speaker_label", types=["PERSON"])
def speaker_label(ctx: Context) -> list[Span]:
    """The names given as ``speakers`` (roles and codes like "Interviewer", "P03" are skipped) and their parts; 0.95 full, 0.8 part."""
    found = speaker_names(ctx.speakers)
    if not found:
        return []
    return _find_names(
        ctx,
        [f for f, _ in found],
        [p for _, ps in found for p in ps],
        full_score=0.95,
        part_score=0.8,
        everyday_score=0.6,
        lower_score=0.5,
    )


_TITLE_BEFORE = re.compile(r"\b(?:" + STRONG_TITLES + "|" + WEAK_TITLES + r")\.?[ ]+\Z")
_SEED_SOURCES_EXCLUDED = {"capitalised_token", "name_variants"}


@recogniser("name_variants", types=["PERSON"], phase=2)
def name_variants(ctx: Context) -> list[Span]:
    """Other mentions of a person already found (full name seen anywhere, the register, speakers): parts, "Ms Thornton", possessives; 0.85 full, 0.75 part."""
    text = ctx.text
    full: set[str] = set()
    parts: set[str] = set()

    def seed(name: str, single_ok: bool) -> bool:
        words = []
        for m in WORD.finditer(name):
            word = m.group()
            if len(word) > 3 and word[-2] in "'’" and word[-1] in "sS":
                word = word[:-2]
            low = word.lower()
            if len(word) < 2 or low in TITLES or low in NOT_ALONE - MONTHS:
                continue
            words.append(word)
        if len(words) >= 2:
            full.add(" ".join(words))
            parts.update(words)
            return True
        if words and single_ok and not is_everyday(words[0].lower()):
            parts.update(words)
            return True
        return False

    seeded: list[tuple[int, int]] = []
    for p in ctx.prior:
        if p.type != "PERSON" or p.score < 0.55 or p.recogniser in _SEED_SOURCES_EXCLUDED:
            continue
        if seed(text[p.start : p.end], single_ok=p.recogniser in ("titled_name", "register", "speaker_label")):
            seeded.append((p.start, p.end))
    for entry in ctx.register:
        if entry.type == "PERSON":
            for name in [entry.text, *entry.variants]:
                seed(name, single_ok=True)
    for name, _ in speaker_names(ctx.speakers):
        seed(name, single_ok=True)
    if not parts:
        return []
    spans = _find_names(ctx, full, parts, full_score=0.85, part_score=0.75, everyday_score=0.55, lower_score=0.5)
    seeded.sort()
    seeded_starts = [k[0] for k in seeded]
    out = []
    for sp in spans:
        k = bisect.bisect_right(seeded_starts, sp.start) - 1
        if k >= 0 and seeded[k][1] >= sp.end:
            continue  # the very mention that gave the name

        title = _TITLE_BEFORE.search(text, max(0, sp.start - 14), sp.start) if text[sp.start].isupper() else None
        out.append(sp._replace(start=title.start()) if title else sp)
    return out


# ---------------------------------------------------------------------------
# Places and organisations
# ---------------------------------------------------------------------------


@recogniser("uk_place", types=["PLACE"])
def uk_place(ctx: Context) -> list[Span]:
    """UK towns, cities, counties and local-authority areas from the shipped GeoNames-based list; 0.8 multi-word, 0.7 single, 0.5-0.7 when the name is also an everyday word; 0.55 in lines written all in lower case (automatic transcription) after "in", "from", ... or when rare."""
    automaton, _ = place_data()
    text = ctx.text
    out = []
    for last_index, (name, everyday, multi) in automaton.iter(ctx.flat):
        end = last_index + 1
        start = end - len(name)
        if not ctx.whole_word(start, end):
            continue
        if end < len(text) and text[end] in "-'’" and end + 1 < len(text) and text[end + 1].isalpha():
            continue  # part of a longer hyphenated word
        if not multi and (name.lower() in MONTHS or name.lower() in DAYS):
            continue  # "in March" is a month, not the town
        opening = ctx.sentence_start(start)
        if not everyday:
            score = 0.8 if multi else 0.7
            if opening and not multi:
                score = 0.6
            out.append(Span(start, end, "PLACE", score))
            continue
        if opening:
            continue
        nxt = WORD.match(text, end + 1) if text.startswith(" ", end) else None
        if nxt and nxt.group()[0].isupper():
            continue  # "Hope Street", "Church Lane": part of a longer proper name
        if ctx.previous_word(start) in LOCATIVES:
            out.append(Span(start, end, "PLACE", 0.75 if multi else 0.7))
        elif multi:
            out.append(Span(start, end, "PLACE", 0.6))
        elif zipf(name.lower()) < 4.5:
            out.append(Span(start, end, "PLACE", 0.5))
    # lower case, as automatic transcription writes: after "in", "from", "near", ..., or
    # a name of several words, or one rare in English
    low = ctx.lower
    lines: dict[int, bool] = {}
    for last_index, (name, multi) in place_lower_automaton().iter(low):
        end = last_index + 1
        start = end - len(name)
        if not text[start:end].islower() or not ctx.whole_word(start, end):
            continue
        line = text.rfind("\n", 0, start) + 1
        if line not in lines:  # only in lines written without capitals (after a speaker label)
            stop = text.find("\n", start)
            body = text[line : len(text) if stop < 0 else stop]
            label = _LINE_LABEL.match(body)
            body = body[label.end() :] if label else body
            lines[line] = not any(c.isupper() for c in body[1:].replace(" I ", " "))
        if not lines[line]:
            continue
        if end < len(text) and text[end] in "-'’" and end + 1 < len(text) and text[end + 1].isalpha():
            continue
        if ctx.previous_word(start) in LOCATIVES or multi or _rare(name, 2.5):
            out.append(Span(start, end, "PLACE", 0.55))
    return out


_ORG_SUFFIX = re.compile(
    r"\b(?:NHS Foundation Trust|Foundation Trust|NHS Trust|Integrated Care Board|Integrated Care System"
    r"|Integrated Care Partnership|ICB|ICS|CCG|Clinical Commissioning Group|Metropolitan Borough Council"
    r"|City Council|County Council|Borough Council|District Council|Town Council|Parish Council|Council"
    r"|Family Hubs?|Primary School|Secondary School|Infant School|Junior School|High School|Academy"
    r"|Children['’]s Centre|Surgery|Medical Centre|Medical Practice|Health Centre|Hospitals?|Hospice"
    r"|Partnership|Primary Care Network|PCN|Infirmary|University Health Board|Health Board"
    r"|Health and Social Care Trust|Housing Association|Ltd|Limited|PLC|plc|LLP|LLC|Inc"
    r"|(?:and|&)[ ]+Sons|&[ ]+Co)\b"
)
_COMPANY_SUFFIXES = {"Ltd", "Limited", "PLC", "plc", "LLP", "LLC", "Inc"}
_DIRECTIONS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central"}
# Suffixes that also end everyday phrases ("the Leisure Centre", "a Steering Group"): the
# name needs a distinctive word before them (a place, a listed name or a rare word).
# The last group names buildings: PLACE, not ORGANISATION.
_ORG_WEAK_SUFFIX = re.compile(
    r"\b(?:(Centre|Center|Church|Chapel|Mosque|Gurdwara|Mandir|Synagogue|Temple|College|Nursery"
    r"|Foundation|Forum|Homes|Healthcare|Trust|Charity|Society|Association|Project|Service|Services"
    r"|Group|Club|Team)|(House|Town Hall|Grange|Lodge|Hall|Court|Manor|Buildings|Estate))\b"
)
# "of"/"for" and a name after an organisation ("Council for Voluntary Service").
_ORG_TAIL = re.compile(r"[ ]+(?:for|of)[ ]+[A-Z][\w'’-]*(?:[ ]+(?:and[ ]+|&[ ]+)?[A-Z][\w'’-]*){0,3}")
_ORG_TAIL_AFTER = {"Council", "Forum", "Association", "Society", "Centre", "Trust", "Foundation", "Charity"}
# A firm named after partners: "Smith, Fisher and Shah".
_FIRM = re.compile(r"\b([A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?),[ ]+([A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?)[ ]+(?:and|&)[ ]+([A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?)\b")
_BOROUGH_OF = re.compile(
    r"\b(?:(?:The[ ]+)?(?:London|Royal|Metropolitan|County)[ ]+Borough|Borough|City)[ ]+of[ ]+"
    r"([A-Z][\w'’]*(?:-[\w'’]+)*(?:[ ]+(?:(?:and|upon|on|with)[ ]+)?[A-Z][\w'’]*(?:-[\w'’]+)*){0,3})"
    r"(?:[ ]+Council)?"
)
_ORG_GAPS = {" ", "-", " & ", " - ", "'s ", "’s ", "' ", "’ "}
_ORG_LINKS = {"and", "of", "upon", "on", "the", "for", "in", "with", "under", "by", "&"}
_ORG_LEADING = {
    "the", "a", "an", "our", "this", "that", "their", "my", "your", "his", "her", "its",
    "these", "those", "every", "each", "any", "some", "local", "at", "in", "and",
}  # fmt: skip
# Words that on their own name no particular organisation ("the County Council").
GENERIC_ORG_WORDS = {
    "nhs", "health", "care", "social", "integrated", "community", "primary", "secondary",
    "local", "strategic", "senior", "mental", "public", "children", "children's", "adult",
    "adults", "family", "families", "services", "service", "partnership", "board",
    "trust", "council", "county", "city", "borough", "district", "town", "parish", "joint",
    "regional", "national", "clinical", "commissioning", "teaching", "university",
    "general", "royal", "hospitals", "hospital", "medical", "wellbeing", "leadership",
    "provider", "voluntary", "sector", "network", "group", "our", "the", "new", "early",
    "help", "best", "start", "alliance", "place", "system", "foundation", "acute",
    "specialist", "maternity", "neonatal", "and", "of", "&", "for", "st", "saint",
    "infant", "junior", "high", "school", "academy", "centre", "surgery", "practice",
    "hub", "hubs", "unitary", "metropolitan", "combined", "authority", "england",
    "department", "executive", "cabinet", "full", "policy", "scrutiny", "main", "old",
    "big", "whole", "same", "other", "another", "both", "all", "every", "central", "north",
    "south", "east", "west", "northern", "southern", "eastern", "western", "upper", "lower",
}  # fmt: skip


def _distinctive(word: str) -> bool:
    """A word that makes a name of an everyday phrase: a UK place, a listed name that is no
    everyday word, or a word rare in English."""
    low = word.lower()
    if low in GENERIC_ORG_WORDS or low in _ORG_LINKS or low in ACRONYMS:
        return False
    if word in place_data()[1]:
        return True
    f, s = _classify(word)
    if (f or s) and not is_everyday(low):
        return True
    return _rare(low.replace("'s", "").replace("’s", ""), 3.5)


_ORG_STOP = {
    "Centre", "Center", "Church", "Chapel", "Mosque", "Temple", "College", "Nursery", "Foundation",
    "Forum", "Homes", "Trust", "Charity", "Society", "Association", "Project", "Service", "Services",
    "Group", "Club", "Team", "House", "Hall", "Grange", "Lodge", "Court", "Manor", "Buildings", "Estate",
    "Council", "Surgery", "Hospital", "Hospitals", "Infirmary", "Academy", "School", "Hub", "Hubs",
}  # fmt: skip


def _org_words_before(ctx: Context, pos: int, weak: bool = False) -> list[int]:
    """Token indexes of up to five capitalised words (with links) right before ``pos``;
    for a weak suffix, not across another organisation's suffix word."""
    text, tokens = ctx.text, ctx.tokens
    i = ctx.token_index(pos) - 1
    chosen: list[int] = []  # token indexes, right to left
    capitals = 0
    while i >= 0 and capitals < 5:
        start, end, word = tokens[i]
        gap = text[end:pos]
        if gap not in _ORG_GAPS and not (gap == ". " and word in ("St", "Dr")):
            break
        if weak and word in _ORG_STOP:
            break
        if word[0].isupper() or word.isupper():
            chosen.append(i)
            capitals += 1
        elif word in _ORG_LINKS and chosen and gap == " " and not (weak and word == "the"):
            chosen.append(i)
        else:
            break
        pos = start
        i -= 1
    chosen.reverse()
    while chosen and (tokens[chosen[0]][2].lower() in _ORG_LINKS or tokens[chosen[0]][2].lower() in _ORG_LEADING):
        chosen.pop(0)
    return chosen


@recogniser("org_pattern", types=["ORGANISATION", "PLACE"])
def org_pattern(ctx: Context) -> list[Span]:
    """Named organisations: one to five capitalised words before "Council", "NHS Trust", "ICB", "Surgery", "Hospital", "Family Hub", "Ltd", ...; "London Borough of ..."; 0.85. Before "Centre", "Church", "Trust", ... (0.7) and buildings ("... House", PLACE 0.6) only with a distinctive word."""
    text, tokens = ctx.text, ctx.tokens
    places = None
    out = []
    for m in _ORG_WEAK_SUFFIX.finditer(text):
        chosen = _org_words_before(ctx, m.start(), weak=True)
        if chosen and ctx.sentence_start(tokens[chosen[0]][0]) and len(chosen) > 1:
            first = tokens[chosen[0]][2]
            if zipf(first.lower()) >= 4.5 and not _distinctive(first) and first not in ("St", "Saint"):
                chosen.pop(0)
        words = [tokens[x][2] for x in chosen]
        if not any(_distinctive(w) for w in words):
            continue
        end = m.end()
        if m.group(1) in _ORG_TAIL_AFTER:
            tail = _ORG_TAIL.match(text, end)
            if tail:
                end = tail.end()
        if m.group(2):
            out.append(Span(tokens[chosen[0]][0], end, "PLACE", 0.6))
        else:
            out.append(Span(tokens[chosen[0]][0], end, "ORGANISATION", 0.7))
    for m in _FIRM.finditer(text):
        last = name_data().last
        parts = [re.sub(r"['’]s$", "", m.group(k).lower()) for k in (1, 2, 3)]
        if all(all(p in last for p in part.split("-")) for part in parts):
            out.append(Span(m.start(), m.end(), "ORGANISATION", 0.75))
    for m in _ORG_SUFFIX.finditer(text):
        chosen = _org_words_before(ctx, m.start())
        if m.group() in _COMPANY_SUFFIXES or m.group().endswith(("Sons", "Co")):
            # "Trevor Lewis of Robinson Ltd": a company's name has no "of" or "the" in it
            cut = [k for k, x in enumerate(chosen) if tokens[x][2] in _ORG_LINKS and tokens[x][2] not in ("and", "&")]
            if cut:
                chosen = chosen[cut[-1] + 1 :]
        if chosen and ctx.sentence_start(tokens[chosen[0]][0]):
            first = tokens[chosen[0]][2]
            if places is None:
                places = place_data()[1]
            company = m.group() in _COMPANY_SUFFIXES or m.group().endswith(("Sons", "Co"))
            if (
                zipf(first.lower()) >= 4.5 and first not in places and first.lower() not in GENERIC_ORG_WORDS
                and not (company and first.lower() in name_data().last)
            ):
                chosen.pop(0)  # "Yesterday Hollinsbridge Council ..."
                while chosen and tokens[chosen[0]][2].lower() in _ORG_LINKS:
                    chosen.pop(0)
        if not chosen:
            continue
        words = [tokens[x][2].lower() for x in chosen]
        capitals = sum(1 for x in chosen if tokens[x][2][0].isupper())
        regional = m.group().endswith(("Health Board", "Social Care Trust")) and any(w in _DIRECTIONS for w in words)
        company = m.group() in _COMPANY_SUFFIXES or m.group().endswith(("Sons", "Co"))
        surname = company and any(w in name_data().last for w in words)
        if all(w in GENERIC_ORG_WORDS or w in _ORG_LINKS for w in words) and capitals < 3 and not (regional or surname):
            continue  # "the County Council"; but "Western Health and Social Care Trust", "West and Sons"
        end = m.end()
        if m.group() == "Council":
            tail = _ORG_TAIL.match(text, end)
            if tail:
                end = tail.end()
        out.append(Span(tokens[chosen[0]][0], end, "ORGANISATION", 0.85))
    for m in _BOROUGH_OF.finditer(text):
        name = m.group(1).split()
        if all(w.lower() in GENERIC_ORG_WORDS for w in name):
            continue
        if not m.group(0).startswith(("London", "Royal", "Metropolitan", "County", "The")) and not m.group(0).endswith(
            "Council"
        ):
            continue  # "City of Culture" is no council; "City of Hollinsbridge Council" is
        out.append(Span(m.start(), m.end(), "ORGANISATION", 0.85))
    return out


# ---------------------------------------------------------------------------
# Catch-all, register, optional spaCy
# ---------------------------------------------------------------------------


PLACE_PREFIXES = {
    "Lake", "Port", "New", "East", "West", "North", "South", "Upper", "Lower", "Great", "Little",
    "Old", "Mount", "Fort", "County",
}  # fmt: skip


@recogniser("place_context", types=["PLACE"], phase=3)
def place_context(ctx: Context) -> list[Span]:
    """"Lake", "Port", "New", "East", ..., "County" before a name or a rare capitalised word ("Port Carly", "East Marie", "County Tyrone"); PLACE 0.5."""
    text, tokens = ctx.text, ctx.tokens
    names = name_data()
    places = place_data()[1]
    out = []
    for i in range(len(tokens) - 1):
        start, end, word = tokens[i]
        if word not in PLACE_PREFIXES:
            continue
        s2, e2, w2 = tokens[i + 1]
        if text[end:s2] != " " or not w2[0].isupper() or _acronym(w2):
            continue
        l2 = w2.lower()
        if l2 in GENERIC_ORG_WORDS or l2 in MONTHS or l2 in DAYS or l2 in NON_NAME_TAIL or l2 in NOT_ALONE:
            continue
        if l2 in NOT_IDENTIFYING or l2 in TITLES or l2 in ACRONYMS:
            continue
        if w2 in places or ((l2 in names.first or l2 in names.last) and not is_everyday(l2)) or _rare(l2):
            out.append(Span(start, e2, "PLACE", 0.5))
    return out


@recogniser("capitalised_token", types=["PERSON"], phase=3)
def capitalised_token(ctx: Context) -> list[Span]:
    """Capitalised words rare in English (wordfreq Zipf < 3.0; < 2.0 opening a sentence) not inside another candidate; PERSON 0.3, for recall."""
    out = []
    for start, end, word in ctx.tokens:
        if not word[0].isupper() or len(word) < 2 or word.isupper():
            continue
        low = word.lower()
        if low in MONTHS or low in DAYS or low in TITLES or low in ACRONYMS or low in NOT_IDENTIFYING:
            continue
        if ctx.prior and ctx.is_covered(start, end):
            continue
        threshold = 2.0 if ctx.sentence_start(start) else 3.0
        if not _rare(low, threshold):
            continue
        out.append(Span(start, end, "PERSON", 0.3))
    return out


@recogniser("register", types=TYPES)
def register(ctx: Context) -> list[Span]:
    """The project's register of known identifiers and their variants: any case, whole words; type as given, score 1.0."""
    keys: dict[str, str] = {}
    for entry in ctx.register:
        for value in [entry.text, *entry.variants]:
            key = collapse(value).lower()
            if key and key not in keys:
                keys[key] = entry.type
    if not keys:
        return []
    automaton = _automaton(tuple(sorted(keys.items())))
    out = []
    for last_index, (key, typ) in automaton.iter(ctx.lower):
        end = last_index + 1
        start = end - len(key)
        if ctx.whole_word(start, end):
            out.append(Span(start, end, typ, 1.0))
    return out


_SPACY_LABELS = {"PERSON": "PERSON", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "ORG": "ORGANISATION"}


def _spacy_available() -> bool:
    try:
        return importlib.util.find_spec("spacy") is not None and importlib.util.find_spec("en_core_web_sm") is not None
    except (ImportError, ValueError):  # pragma: no cover
        return False


@lru_cache(maxsize=1)
def _spacy_model():  # pragma: no cover - only where spaCy and its model are installed
    import spacy

    return spacy.load("en_core_web_sm", disable=["lemmatizer", "textcat"])


if _spacy_available():  # pragma: no cover - only where spaCy and its model are installed

    @recogniser("spacy_ner", types=["PERSON", "PLACE", "ORGANISATION"])
    def spacy_ner(ctx: Context) -> list[Span]:
        """spaCy's en_core_web_sm entities (PERSON, GPE/LOC/FAC, ORG); 0.6. Present only where spaCy and the model are installed."""
        nlp = _spacy_model()
        text = ctx.text
        out = []
        chunk = 100_000
        pos = 0
        while pos < len(text):
            end = min(len(text), pos + chunk)
            if end < len(text):
                cut = text.rfind("\n", pos, end)
                end = cut + 1 if cut > pos else end
            for ent in nlp(text[pos:end]).ents:
                typ = _SPACY_LABELS.get(ent.label_)
                if typ:
                    out.append(Span(pos + ent.start_char, pos + ent.end_char, typ, 0.6))
            pos = end
        return out
