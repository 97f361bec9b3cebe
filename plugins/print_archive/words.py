"""Numbers in Russian words for the certification text («21 (двадцать один) лист»): a sheet count
written out cannot be altered by adding a digit."""
from __future__ import annotations

from core.toolkit import ru_plural

_UNITS_M = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_UNITS_F = ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_TEENS = ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
          "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"]
_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят",
         "девяносто"]
_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот",
             "девятьсот"]


def _triple(n: int, feminine: bool) -> list[str]:
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest < 20:
        words.append(_TEENS[rest - 10])
    else:
        words += [_TENS[rest // 10], (_UNITS_F if feminine else _UNITS_M)[rest % 10]]
    return [w for w in words if w]


def number_words(n: int) -> str:
    """0 ≤ n < 1 000 000, masculine (лист): 1 → «один», 21 → «двадцать один», 1002 → «одна тысяча два»."""
    if n == 0:
        return "ноль"
    if not 0 < n < 1_000_000:
        return str(n)
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        words += _triple(thousands, feminine=True) + [ru_plural(thousands, "тысяча", "тысячи", "тысяч")]
    words += _triple(rest, feminine=False)
    return " ".join(words)
