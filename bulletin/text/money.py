"""Money: currency symbols and scale words around numbers.

``$30 млн`` → ``"отуз миллион доллар"``; ``$500дөн`` → ``"беш жүз доллардан"``;
``1,6 млрд долларга`` → ``"бир бүтүн ондон алты миллиард долларга"``.
"""

from __future__ import annotations

from bulletin.text.data import mapping


def currency_word(symbol: str) -> str:
    """доллар for $, евро for €, ..."""
    return mapping("currencies").get(symbol, "")


def scale_word(abbr: str) -> str:
    """миллион for млн, миллиард for млрд, триллион for трлн."""
    return mapping("scales").get(abbr.rstrip("."), abbr)
