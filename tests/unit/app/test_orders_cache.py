"""Rate-limit windows: one key per client per minute, Retry-After until the window ends."""

from __future__ import annotations

from orders.cache import order_key, rate_window


def test_same_minute_same_key_next_minute_new_key() -> None:
    a = rate_window("10.0.0.1", 120.0)
    b = rate_window("10.0.0.1", 179.9)
    c = rate_window("10.0.0.1", 180.0)
    assert a.key == b.key != c.key


def test_clients_do_not_share_a_window() -> None:
    assert rate_window("10.0.0.1", 120.0).key != rate_window("10.0.0.2", 120.0).key


def test_retry_after_counts_down_to_the_window_end() -> None:
    assert rate_window("c", 120.0).retry_after == 60
    assert rate_window("c", 170.0).retry_after == 10
    assert rate_window("c", 179.5).retry_after == 1


def test_order_key() -> None:
    assert order_key("abc") == "orders:order:abc"
