"""Physically sensible bounds on the numbers of a scenario.

Every number symnet reads must be finite; beyond that, a number outside these bounds is
almost surely a typo or a unit mix-up (1e308 t, -500 C), and is refused with a message
naming the bound rather than taken as real.
"""

from __future__ import annotations

MAX_QUANTITY = 1e9
"""Largest quantity per year in its canonical unit (t, MWh, m3, pieces): 1e9 t/yr is
more than Sweden's whole annual waste, a hundred times over."""
ABSOLUTE_ZERO_C = -273.15
"""Lowest temperature, degrees Celsius."""
MAX_PRICE = 1e7
"""Largest price, tax, fee or cost per unit (currency per t, MWh, m3, piece, truck-km or metre), in absolute value."""
MAX_FIXED_COST = 1e12
"""Largest fixed cost per year (currency per year), in absolute value."""
MIN_CIRCUITY, MAX_CIRCUITY = 1.0, 5.0
"""Road or pipe length over the straight line: at least 1, at most 5 (mountain roads are 1.5-2)."""
