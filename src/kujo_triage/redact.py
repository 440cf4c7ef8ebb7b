"""Mask personal data in complaint text, so a scored CRM export can be shared.

:func:`redact` replaces each piece of personal data with a fixed token and leaves every other
character of the text exactly as it was:

==================  ===============  ====================================================
token               kind             found by
==================  ===============  ====================================================
``【メール】``      e-mail address   regex (full-width ``＠`` and letters too)
``【カード番号】``  payment card     13–19 digits; Luhn check, see below
``【マイナンバー】``  My Number        12 digits with a valid check digit, or any 12 digits
                                     right after マイナンバー / 個人番号
``【郵便番号】``    postal code      ``〒`` / 郵便番号 + 7 digits, or ``123-4567`` just
                                     before an address
``【電話番号】``    phone number     Japanese fixed, mobile, IP, free-dial, ``+81``
``【住所】``        address          prefecture or city (市/区/郡) through the block
                                     numbers (1-2-3, 一丁目2番3号) and building/room
``【氏名】``        person name      MeCab/UniDic 名詞-固有名詞-人名 tokens
==================  ===============  ====================================================

Kinds are looked for in that order, and a later kind never looks inside an earlier match (an
e-mail address made of digits is never also a phone number). Labels stay: ``〒123-4567`` →
``〒【郵便番号】``, ``山田太郎様`` → ``【氏名】様``, ``TEL 03-1234-5678`` → ``TEL 【電話番号】``.

Matching runs on the NFKC-normalised text (full-width digits and letters, half-width kana)
with every dash variant (－ ‐ ― − …, and ー between digits) read as ``-``; the spans found are
mapped back to the original text, which is what gets cut.

Decisions
---------
* Card numbers: a number grouped exactly 4-4-4-4 is masked even when it fails the Luhn check
  (a customer mistyping their card number still typed their card number; gift and point cards
  print the same way). Every other shape (4-6-5, 4-4-4-1…3, 14–19 digits in one run) must
  pass Luhn, and a run must start like a card (2–6). After a card label (カード番号,
  クレジットカード …) any 13–19 digits are masked.
* An order or customer number label (注文番号, お客様番号, 会員番号, ID …) right before a
  number stops it being read as a phone number, a Luhn-only card number or a check-digit-only
  My Number: ``お客様番号 0412-338-901`` stays.
* Addresses need block numbers: ``東京都港区に住んでいます`` or ``大阪市の店舗`` stay (a city
  alone identifies nobody, and triage needs the place). Without a prefecture the match starts
  at the first proper noun MeCab finds before 市/区/郡, so ``先日横浜市…`` keeps ``先日``.
* Names: a lone token must look like a name on its own. Kept as they are: given names of one
  kanji (「翔」じゃなくて), hiragana-only words (dialect 「けん」), UniDic's 人名-一般 (mostly
  loanwords: デビット, ピラティス) and a few listed surnames that are usually words or places
  (金, 羽田), unless an honorific follows (金さん) or the token is part of a 姓+名 pair. A
  surname followed by 商店/銀行/駅/… or preceded by 株式会社 is a company or place.
* ``redact`` is idempotent by construction: masks already in the text are skipped, and a pass
  that changed something is run again until nothing changes (usually one extra pass, only for
  texts that had personal data).

Known misses: names MeCab does not know or splits (rare or foreign names, names in romaji,
hiragana-only names without a partner token); addresses without 市/区/郡 or without numbers
(``緑町三丁目``), with kanji-written block numbers other than 丁目/番/号, or with placeholders
(``○○町``); phone numbers written in kanji (〇九〇…) or with dots; e-mail addresses written
``taro(at)example.com``; bank account numbers, birthdays, licence and insurance numbers are
not personal data kinds here at all.

Examples
--------
>>> redact("山田太郎様の携帯は０９０－１２３４－５６７８、メールはtaro@example.co.jpです")
'【氏名】様の携帯は【電話番号】、メールは【メール】です'
"""

from __future__ import annotations

import re
from bisect import bisect_left
from types import MappingProxyType
from typing import Callable, Final, Iterable, Mapping, Sequence

from .normalize import normalize
from .resources import read_json
from .tokenize import Token, Tokenizer

EMAIL: Final = "【メール】"
CARD: Final = "【カード番号】"
MY_NUMBER: Final = "【マイナンバー】"
POSTAL_CODE: Final = "【郵便番号】"
PHONE: Final = "【電話番号】"
ADDRESS: Final = "【住所】"
NAME: Final = "【氏名】"

MASKS: Final[Mapping[str, str]] = MappingProxyType({
    "email": EMAIL,
    "card": CARD,
    "my_number": MY_NUMBER,
    "postal_code": POSTAL_CODE,
    "phone": PHONE,
    "address": ADDRESS,
    "name": NAME,
})
"""Kind → token, in the order kinds are looked for."""

_DATA: Final = read_json("redact.json")
_TOKENIZER: Final = Tokenizer()  # MeCab is started on first use, once per process

# The working text is the NFKC text with dashes folded; it has the same length, so offsets
# agree. Matched spans are overwritten with _BLANK (NUL never survives normalize()), so a
# later kind cannot match inside them.
_BLANK: Final = "\x00"
_DASHES: Final = str.maketrans({c: "-" for c in _DATA["hyphens"]})
_CHOON_IN_NUMBER: Final = re.compile(r"(?<=[0-9])[ーｰ](?=[0-9])")
_MASK_TOKENS: Final = re.compile("|".join(map(re.escape, MASKS.values())))

_KANJI: Final = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff"
_KATA: Final = "\u30a1-\u30fa\u30fc"
_HIRAGANA: Final = re.compile("[\u3041-\u3096]+")
_ONE_KANJI: Final = re.compile(f"[{_KANJI}]")

Span = tuple[int, int]
Finder = Callable[[str, Sequence[Token]], list[Span]]


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation of ``words``, longest first; Latin words must not continue a word."""
    alts = []
    for w in sorted(set(words), key=len, reverse=True):
        alts.append(("(?<![a-z])" if w[:1].isascii() and w[:1].isalpha() else "") + re.escape(w))
    return "(?:" + "|".join(alts) + ")"


def _label(words: Iterable[str], gap: str) -> re.Pattern[str]:
    """Pattern for a label (one of ``words``) then ``gap``, at the very end of a string."""
    return re.compile(_alternation(words) + gap + r"\Z")


_SEP_CHARS: Final = r" :=#.,、()「」『』\[\]"
_ID_LABEL: Final = _label(_DATA["id_context"], f"[{_SEP_CHARS}]{{0,3}}(?:は|が)?[{_SEP_CHARS}]{{0,2}}")
_MY_NUMBER_LABEL: Final = _label(_DATA["mynumber_context"], r"[^0-9\n\x00]{0,12}")
_CARD_LABEL: Final = _label(_DATA["card_context"], r"[^0-9\n\x00]{0,10}")
_POSTAL_LABEL: Final = _label(_DATA["postal_context"], f"[{_SEP_CHARS}]{{0,3}}(?:は|が)?[{_SEP_CHARS}]{{0,2}}")
_LABEL_WINDOW: Final = 40


def _labelled(work: str, start: int, label: re.Pattern[str]) -> bool:
    """True when the text just before ``start`` ends with ``label``."""
    return label.search(work, max(0, start - _LABEL_WINDOW), start) is not None


def _blank(work: str, spans: Iterable[Span]) -> str:
    """``work`` with every span overwritten by _BLANK (same length)."""
    parts, pos = [], 0
    for s, e in sorted(spans):
        parts.append(work[pos:s])
        parts.append(_BLANK * (e - s))
        pos = e
    if not parts:
        return work
    parts.append(work[pos:])
    return "".join(parts)


# --- e-mail ---------------------------------------------------------------------------------

_EMAIL_RE: Final = re.compile(
    r"(?<![a-z0-9._%+\-])[a-z0-9._%+\-]+@(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,24}(?![a-z0-9\-])"
)


def _find_emails(work: str, tokens: Sequence[Token]) -> list[Span]:
    return [m.span() for m in _EMAIL_RE.finditer(work)]


# --- payment cards --------------------------------------------------------------------------

def _luhn(digits: str) -> bool:
    """Luhn (mod 10) check used by payment card numbers.

    Examples
    --------
    >>> _luhn("4111111111111111"), _luhn("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


_NB: Final = r"(?<![0-9a-z\-])"  # a number starts here (not inside a longer number or code)
_NE: Final = r"(?![0-9]|-[0-9])"  # … and ends here
_CARD_ANY: Final = re.compile(_NB + r"[0-9]{2,}(?:[ -][0-9]{2,}){0,6}" + _NE)
_CARD_4X4_TAIL: Final = re.compile(_NB + r"[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}\1[0-9]{1,3}" + _NE)
_CARD_4X4: Final = re.compile(_NB + r"[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}" + _NE)
_CARD_4_6_5: Final = re.compile(_NB + r"[0-9]{4}([ -])[0-9]{6}\1[0-9]{4,5}" + _NE)
_CARD_4X3_TAIL: Final = re.compile(_NB + r"[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,3}" + _NE)
_CARD_RUN: Final = re.compile(_NB + r"[2-6][0-9]{13,18}" + _NE)


def _digits(s: str) -> str:
    return "".join(c for c in s if "0" <= c <= "9")


def _find_cards(work: str, tokens: Sequence[Token]) -> list[Span]:
    found: list[Span] = []

    def take(pattern: re.Pattern[str], ok: Callable[[re.Match[str]], bool]) -> None:
        nonlocal work
        spans = [m.span() for m in pattern.finditer(work) if ok(m)]
        found.extend(spans)
        work = _blank(work, spans)

    take(_CARD_ANY, lambda m: 13 <= len(_digits(m[0])) <= 19 and _labelled(work, m.start(), _CARD_LABEL))
    take(_CARD_4X4_TAIL, lambda m: _luhn(_digits(m[0])) and not _labelled(work, m.start(), _ID_LABEL))
    take(_CARD_4X4, lambda m: not _labelled(work, m.start(), _ID_LABEL))  # even if Luhn fails
    for pattern in (_CARD_4_6_5, _CARD_4X3_TAIL, _CARD_RUN):
        take(pattern, lambda m: _luhn(_digits(m[0])) and not _labelled(work, m.start(), _ID_LABEL))
    return found


# --- My Number ------------------------------------------------------------------------------

def _my_number_ok(digits: str) -> bool:
    """Check digit of a 12-digit individual number (マイナンバー), as the law defines it.

    Examples
    --------
    >>> _my_number_ok("123456789018"), _my_number_ok("123456789012")
    (True, False)
    """
    body = digits[:11]
    total = sum(int(body[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    rest = total % 11
    return int(digits[11]) == (0 if rest <= 1 else 11 - rest)


_MY_NUMBER_RE: Final = re.compile(_NB + r"[0-9]{4}([ -]?)[0-9]{4}\1[0-9]{4}" + _NE)


def _find_my_numbers(work: str, tokens: Sequence[Token]) -> list[Span]:
    found = []
    for m in _MY_NUMBER_RE.finditer(work):
        if _labelled(work, m.start(), _MY_NUMBER_LABEL) or (
            _my_number_ok(_digits(m[0])) and not _labelled(work, m.start(), _ID_LABEL)
        ):
            found.append(m.span())
    return found


# --- addresses (the city part is shared with postal codes) ----------------------------------

_PREF: Final = _alternation(_DATA["prefectures"])
_CITY: Final = f"[{_KANJI}{_KATA}\u3041-\u3096]{{1,5}}?(?:市|区|郡)"
_TOWN: Final = f"[{_KANJI}{_KATA}0-9○◯△□×][{_KANJI}{_KATA}のが0-9○◯△□×]{{0,23}}?"  # ○: redacted by hand
_KNUM: Final = "[一二三四五六七八九十〇百千]"
_UNIT: Final = r"(?:丁目|番地(?:の[0-9]+)?|番(?![目線手組台])|号(?![車機店線館棟]))"
_BLOCK: Final = (
    rf"(?:(?:[0-9]+|{_KNUM}+|[○◯]+){_UNIT}(?:-?(?:[0-9]+|(?:{_KNUM}+|[○◯]+)(?=[番号])){_UNIT}?){{0,3}}"
    r"|[0-9]+(?:-[0-9]+){1,3})" + _NE
)
_BNAME: Final = f"[{_KANJI}{_KATA}a-z・]"
_BNAME_INNER: Final = f"[{_KANJI}{_KATA}a-z・のヶ]"  # 丸の内ビル
_ROOM: Final = r"[0-9]+(?:号室|階|f|号)?"
_BUILDING: Final = (
    rf"(?: ?(?:(?:{_BNAME}{_BNAME_INNER}{{0,19}}?)?{_alternation(_DATA['building_words'])}{_BNAME}{{0,12}}(?: ?{_ROOM})?"
    rf"|{_BNAME}{_BNAME_INNER}{{0,19}}? ?[0-9]+(?:号室|階|f)|[0-9]+号室))?"
)
_ADDRESS_PREF: Final = re.compile(f"{_PREF}{_TOWN} ?{_BLOCK}{_BUILDING}")
_ADDRESS_CITY: Final = re.compile(f"(?P<city>{_CITY})(?:{_TOWN})? ?{_BLOCK}{_BUILDING}")


def _find_addresses(work: str, tokens: Sequence[Token]) -> list[Span]:
    found = [m.span() for m in _ADDRESS_PREF.finditer(work)]
    work = _blank(work, found)
    starts = [t.start for t in tokens]
    for m in _ADDRESS_CITY.finditer(work):
        # Start at the first proper noun before 市/区/郡: 「先日横浜市…」 → 横浜. No proper noun
        # (「この都市3番…」) means no address.
        i = bisect_left(starts, m.start())
        while i < len(tokens) and tokens[i].start < m.end("city") - 1:
            if tokens[i].pos.startswith("名詞-固有名詞"):
                found.append((tokens[i].start, m.end()))
                break
            i += 1
    return found


# --- postal codes ---------------------------------------------------------------------------

_POSTAL_RE: Final = re.compile(r"(?<![0-9\-])(?:[0-9]{3}(-)[0-9]{4}|[0-9]{7})" + _NE)
_ADDRESS_AHEAD: Final = re.compile(f" {{0,2}}(?:{_PREF}|{_CITY})")


def _find_postal_codes(work: str, tokens: Sequence[Token]) -> list[Span]:
    found = []
    for m in _POSTAL_RE.finditer(work):
        if _labelled(work, m.start(), _POSTAL_LABEL) or (m[1] and _ADDRESS_AHEAD.match(work, m.end())):
            found.append(m.span())
    return found


# --- phone numbers --------------------------------------------------------------------------

_INTL: Final = r"\+ ?81[ -]?(?:\(0\)[ -]?)?"
_PHONE_RE: Final = re.compile(
    r"(?:(?<![0-9a-z+@._\-])|(?<=tel)|(?<=fax))(?:"
    # grouped: area code, exchange, subscriber (03-1234-5678, (03)1234-5678, 03(1234)5678, +81 90 …)
    rf"(?:{_INTL}[1-9][0-9]{{0,3}}[ -]|{_INTL}\([1-9][0-9]{{0,3}}\) ?|\(0[0-9]{{1,4}}\)[ -]?|0[0-9]{{1,4}}(?:[ -]|(?=\()))"
    r"(?:\([0-9]{1,4}\)[ -]?|[0-9]{1,4}[ -])[0-9]{3,4}"
    # or one run of digits (09012345678, +81312345678)
    rf"|(?:\+ ?81[ -]?|0)[1-9][0-9]{{8,9}}"
    r")(?![0-9]|[-.][0-9]|@)"
)
_ELEVEN_DIGIT_PREFIXES: Final = frozenset({"020", "050", "060", "070", "080", "090"})


def _phone_ok(s: str) -> bool:
    """Whether a matched phone-shaped string has the digits of a Japanese number."""
    if s.startswith("+"):
        national = "0" + _digits(s.replace("(0)", ""))[2:]
    else:
        national = _digits(s)
    if national[1] == "0":
        return False
    return len(national) == 10 or (len(national) == 11 and national[:3] in _ELEVEN_DIGIT_PREFIXES)


def _find_phones(work: str, tokens: Sequence[Token]) -> list[Span]:
    return [m.span() for m in _PHONE_RE.finditer(work)
            if _phone_ok(m[0]) and not _labelled(work, m.start(), _ID_LABEL)]


# --- names ----------------------------------------------------------------------------------

_PERSON: Final = "名詞-固有名詞-人名"
_HONORIFICS: Final = frozenset(_DATA["honorifics"])
_LOOSE_HONORIFICS: Final = frozenset(_DATA["loose_honorifics"])
_NOT_PERSON_TOKENS: Final = frozenset(w for w in _DATA["non_person_suffixes"] if len(w) == 1)
_NOT_PERSON_PREFIX: Final = re.compile(_alternation(w for w in _DATA["non_person_suffixes"] if len(w) > 1))
_NEVER: Final = frozenset(_DATA["never_names"])
_AMBIGUOUS: Final = frozenset(_DATA["ambiguous_names"])
_ORG_BEFORE: Final = re.compile(_alternation(_DATA["org_prefixes"]) + r" ?\Z")
_NAME_GAP: Final = re.compile(r"(?: {1,2}|・)?")  # between 姓 and 名: nothing, a space, a middle dot


def _is_person(t: Token, work: str) -> bool:
    return t.pos.startswith(_PERSON) and t.surface not in _NEVER and _BLANK not in work[t.start:t.end]


def _keep_name_run(run: Sequence[Token], work: str, after: Token | None) -> bool:
    """Whether a run of 人名 tokens is a person's name (see the module notes)."""
    start, end = run[0].start, run[-1].end
    if _ORG_BEFORE.search(work, max(0, start - 8), start) or _NOT_PERSON_PREFIX.match(work, end):
        return False
    gap = work[end:after.start] if after is not None else ""
    if after is not None and not gap and after.surface in _NOT_PERSON_TOKENS:
        return False
    lone = len(run) == 1
    if after is not None and gap in ("", " ") and after.surface in _HONORIFICS:
        # 「ミラーちゃんと」「たっちゃん」: a lone loanword-like token needs a real honorific
        return not (lone and run[0].pos.endswith("-一般") and after.surface in _LOOSE_HONORIFICS)
    if not lone:
        # kana-only text glued together (「みっかめ」「あおいそら」) is words, not a name
        return not (all(_HIRAGANA.fullmatch(t.surface) for t in run)
                    and all(a.end == b.start for a, b in zip(run, run[1:])))
    t = run[0]
    return not (
        t.surface in _AMBIGUOUS
        or t.pos.endswith("-一般")
        or _HIRAGANA.fullmatch(t.surface)
        or (len(t.surface) == 1 and t.pos.endswith("-名"))
    )


def _find_names(work: str, tokens: Sequence[Token]) -> list[Span]:
    found: list[Span] = []
    n, i = len(tokens), 0
    while i < n:
        if not _is_person(tokens[i], work):
            i += 1
            continue
        run = [tokens[i]]
        j = i + 1
        while True:  # extend the run: 山田|太郎, 佐藤 花子, パク・ジヒョン
            k = j + 1 if j < n and tokens[j].surface == "・" else j
            if not (k < n and _is_person(tokens[k], work)
                    and _NAME_GAP.fullmatch(work, run[-1].end, tokens[k].start)):
                break
            run.append(tokens[k])
            j = k + 1
        start, end = run[0].start, run[-1].end
        after = tokens[j] if j < n else None
        if _keep_name_run(run, work, after):
            last = run[-1]
            if (after is not None and after.start == end and last.pos.endswith("-名")
                    and len(last.surface) == 1 and len(after.surface) == 1
                    and _ONE_KANJI.fullmatch(after.surface)
                    and after.surface not in _HONORIFICS and after.surface not in _NOT_PERSON_TOKENS
                    and _BLANK not in work[after.start:after.end]):
                end = after.end  # MeCab split an unknown given name: 陽|向 → 陽向
                j += 1
            found.append((start, end))
        i = j
    return found


# --- driver ---------------------------------------------------------------------------------

_FINDERS: Final[tuple[tuple[str, Finder], ...]] = (
    (EMAIL, _find_emails),
    (CARD, _find_cards),
    (MY_NUMBER, _find_my_numbers),
    (POSTAL_CODE, _find_postal_codes),
    (PHONE, _find_phones),
    (ADDRESS, _find_addresses),
    (NAME, _find_names),
)


def _redact_once(text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
    """One pass of every finder over ``text``; the original characters outside matches stay.

    Returns the new text and its changed blocks ``(old_start, old_end, new_start, new_end)``.
    """
    norm = normalize(text, max_chars=len(text))
    work = _CHOON_IN_NUMBER.sub("-", norm.text.translate(_DASHES))
    work = _blank(work, (m.span() for m in _MASK_TOKENS.finditer(work)))  # masks stay masks
    tokens = _TOKENIZER(norm.text)
    spans: list[tuple[int, int, str]] = []
    for mask, finder in _FINDERS:
        found = finder(work, tokens)
        if found:
            spans.extend((s, e, mask) for s, e in found)
            work = _blank(work, found)
    if not spans:
        return text, []
    out: list[str] = []
    blocks: list[tuple[int, int, int, int]] = []
    pos = length = 0
    for s, e, mask in sorted(spans):
        start, end = norm.span(s, e)
        if start < pos:  # two matches inside one original character cluster (rare): keep one
            pos = max(pos, end)
            continue
        out.append(text[pos:start])
        length += start - pos
        blocks.append((start, end, length, length + len(mask)))
        out.append(mask)
        length += len(mask)
        pos = end
    out.append(text[pos:])
    return "".join(out), blocks


def redact(text: str) -> str:
    """Return ``text`` with personal data replaced by fixed tokens, everything else unchanged.

    Parameters
    ----------
    text : str
        A complaint as exported (any length; may be empty).

    Returns
    -------
    str
        The text with e-mail addresses, card numbers, My Numbers, postal codes, phone
        numbers, addresses and person names masked as ``【メール】``, ``【カード番号】``,
        ``【マイナンバー】``, ``【郵便番号】``, ``【電話番号】``, ``【住所】`` and ``【氏名】``.
        Labels and honorifics around them stay (``〒【郵便番号】``, ``【氏名】様``).
        ``redact(redact(x)) == redact(x)``.

    Raises
    ------
    TypeError
        ``text`` is not a str (bytes: decode first; a missing cell read by pandas is a
        float NaN: fill it first).

    Examples
    --------
    >>> redact("〒100-0005 東京都千代田区丸の内一丁目2番3号 佐藤花子様 03-1234-5678")
    '〒【郵便番号】 【住所】 【氏名】様 【電話番号】'
    >>> redact("注文番号 12345678 の商品が2024年1月15日に届きません（3,980円）")
    '注文番号 12345678 の商品が2024年1月15日に届きません（3,980円）'
    """
    if not isinstance(text, str):
        if isinstance(text, (bytes, bytearray)):
            hint = " (decode it first, e.g. data.decode('utf-8'))"
        elif isinstance(text, float):
            hint = " (a missing value? fill empty cells first, e.g. df[column].fillna(''))"
        else:
            hint = ""
        raise TypeError(f"redact expected a str, got {type(text).__name__}{hint}")
    return _redact_passes(text)[0]


def _redact_passes(text: str) -> tuple[str, list["OffsetMap"]]:
    """``redact`` and the offset map of each pass that changed something."""
    # A pass that masked something can make a neighbour look different to MeCab or a regex;
    # passes repeat until nothing changes. Each such pass masks at least one more character,
    # so there are at most len(text) of them (in practice: one more, and only when needed).
    maps: list[OffsetMap] = []
    for _ in range(len(text) + 1):
        out, blocks = _redact_once(text)
        if not blocks or out == text:
            return out, maps
        maps.append(OffsetMap(blocks))
        text = out
    return text, maps


class OffsetMap:
    """Maps character offsets of a text to offsets in its redacted form (see :func:`redact_mapped`)."""

    def __init__(self, blocks: list[tuple[int, int, int, int]]):
        self._blocks = blocks  # changed blocks: (old_start, old_end, new_start, new_end), in order

    def start(self, pos: int) -> int:
        """Where a span starting at ``pos`` starts: a span starting inside a mask takes all of it."""
        shift = 0
        for i1, i2, j1, j2 in self._blocks:
            if pos < i1:
                break
            if pos < i2:
                return j1
            shift = j2 - i2
        return pos + shift

    def end(self, pos: int) -> int:
        """Where a span ending at ``pos`` ends: a span ending inside a mask takes all of it."""
        shift = 0
        for i1, i2, j1, j2 in self._blocks:
            if pos <= i1:
                break
            if pos <= i2:
                return j2
            shift = j2 - i2
        return pos + shift


def redact_mapped(text: str) -> tuple[str, "ChainedMap"]:
    """``redact(text)`` and a map from offsets in ``text`` to offsets in the result.

    For evidence spans: ``out[m.start(s):m.end(e)]`` is the redacted form of ``text[s:e]``,
    with any mask it overlaps included whole — so a span inside an e-mail address shows
    ``【メール】``, never a fragment of the address. The map comes from the replacements
    themselves (linear in the text), not from diffing the two texts.

    >>> out, m = redact_mapped("連絡先はyamada.hanako@example.jpです")
    >>> out[m.start(4):m.end(10)]
    '【メール】'
    >>> out, m = redact_mapped("電話090-1234-5678番")
    >>> out[m.start(2):m.end(16)], out[m.start(15):m.end(16)]
    ('【電話番号】番', '番')
    """
    out, maps = _redact_passes(text)
    return out, ChainedMap(maps)


class ChainedMap:
    """Offset maps of successive redaction passes, applied in order."""

    def __init__(self, maps: list[OffsetMap]):
        self._maps = maps

    def start(self, pos: int) -> int:
        for m in self._maps:
            pos = m.start(pos)
        return pos

    def end(self, pos: int) -> int:
        for m in self._maps:
            pos = m.end(pos)
        return pos
