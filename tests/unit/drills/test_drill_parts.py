"""The drills' pure parts: table checksums, the writer's rows, the report, unknown drills."""

from __future__ import annotations

import pytest

from greenroom.drills import run_drill
from greenroom.drills.backup import BackupDrill
from greenroom.drills.common import timeline_svg
from greenroom.drills.failover import FailoverDrill
from greenroom.drills.jetstream import drill_subject
from greenroom.drills.sql import TABLE, checksums, writer_rows
from greenroom.errors import ConfigError


def test_every_user_table_but_the_writers_gets_a_checksum() -> None:
    asked: list[str] = []

    def query(sql: str) -> str:
        asked.append(sql)
        return f"public.orders,public.{TABLE},app.events" if "pg_tables" in sql else "abc"

    assert checksums(query) == {"public.orders": "abc", "app.events": "abc"}
    assert "ORDER BY x::text" in asked[1] and asked[1].endswith("FROM public.orders x")


def test_an_empty_database_has_no_tables_to_compare() -> None:
    assert checksums(lambda sql: "") == {}


def test_the_writers_rows_are_a_count_and_the_highest_number() -> None:
    assert writer_rows(lambda sql: "203,203") == (203, 203)


def test_the_report_shows_loss_rpo_rto_and_the_timeline() -> None:
    drill = BackupDrill(
        env="prod",
        bucket="b/run",
        acknowledged=10,
        restored=9,
        lost=1,
        rpo_seconds=0.02,
        rto_seconds=5.4,
        checksums_equal=True,
        tables={"public.orders": True},
        timeline=[(0.4, "WAL streaming"), (7.8, "fault: postgres killed")],
    )
    text = drill.table()
    assert "lost                 1" in text and "RPO                  0.020 s" in text
    assert "RTO                  5.4 s" in text
    assert "   7.800  fault: postgres killed" in text


def test_the_failover_report_shows_what_was_lost_and_when_clients_came_back() -> None:
    drill = FailoverDrill("prod", 91, 0, 135, 0.6, 2.6, [(2.5, "fault: postgres killed")])
    text = drill.table()
    assert "of those lost                  0" in text
    assert "RTO                            0.6 s" in text
    assert "name reaches the new primary   2.6 s" in text


def test_the_jetstream_drill_publishes_inside_the_streams_first_subject() -> None:
    assert drill_subject(["orders.>"]) == "orders.greenroom-drill"
    assert drill_subject(["events.*.created", "other"]) == "events.greenroom-drill.created"


def test_an_unknown_drill_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="drills: backup, failover, jetstream"):
        run_drill("chaos", "prod")


def test_the_timeline_picture_marks_each_event_and_the_fault_in_red() -> None:
    svg = timeline_svg("drill <prod>", [(0.0, "writer started"), (2.5, "fault: postgres killed")])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "drill &lt;prod&gt;" in svg and "2.50 s  fault: postgres killed" in svg
    assert svg.count("<circle") == 2 and 'fill="#c0392b"' in svg
