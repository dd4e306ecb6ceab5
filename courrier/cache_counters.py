"""Counts kept in the cache over a window (rate budgets: sign-in failures per address, citizens'
requests per address). With BANNETTE_CACHE_URL every web process shares them."""

from __future__ import annotations

from django.core.cache import cache


def bump(key: str, window_seconds: int) -> int:
    """Add one to the count under `key`, started with the window; the new count."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window ended between add and incr: this one starts the next
        cache.add(key, 1, timeout=window_seconds)
        return 1
