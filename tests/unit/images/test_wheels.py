"""Lock handling for wheelhouses: continuation lines, and hashes of wheels built from sdists."""

from __future__ import annotations

from greenroom.images.wheels import add_hashes, logical_lines, normalize

LOCK = """\
airspeed-ext==0.6.9 \\
    --hash=sha256:aaa
    # via localstack-core
Jsonpath_RW==1.4.0 \\
    --hash=sha256:bbb \\
    --hash=sha256:ccc
boto3==1.40.0 \\
    --hash=sha256:ddd
"""


def test_logical_lines_join_continuations_and_drop_comments() -> None:
    assert logical_lines(LOCK) == [
        "airspeed-ext==0.6.9 --hash=sha256:aaa",
        "Jsonpath_RW==1.4.0 --hash=sha256:bbb --hash=sha256:ccc",
        "boto3==1.40.0 --hash=sha256:ddd",
    ]


def test_built_wheels_hashes_are_added_to_their_lines_only() -> None:
    out = add_hashes(LOCK, {normalize("jsonpath_rw"): "fff", "airspeed-ext": "eee"})
    assert out.splitlines() == [
        "airspeed-ext==0.6.9 --hash=sha256:aaa --hash=sha256:eee",
        "Jsonpath_RW==1.4.0 --hash=sha256:bbb --hash=sha256:ccc --hash=sha256:fff",
        "boto3==1.40.0 --hash=sha256:ddd",
    ]


def test_locks_without_hashes_stay_without() -> None:
    assert add_hashes("flask==3.1.0\n", {"flask": "abc"}) == "flask==3.1.0\n"
