"""`inv drill backup ENV`: base backup and WAL of the replica's Postgres into the emulator's S3,
the primary killed under a writer, a fresh Postgres restored from S3 alone, rows compared.

A backup agent shares the primary's network namespace (replication over loopback, no password on
any command line), streams WAL with pg_receivewal and takes a base backup; the host ships both to
the bucket as they grow. RPO is the time between the last acknowledged write and the last one the
restore holds; RTO runs from the fault to the restored database answering with equal checksums.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenroom.components.aws.provision import create_bucket
from greenroom.drills import faults
from greenroom.drills.common import (
    HINT,
    Timeline,
    Writer,
    api,
    container,
    perform,
    postgres_of,
    psql,
    table,
    wait_for,
)
from greenroom.drills.sql import TABLE, checksums, writer_rows
from greenroom.errors import ReplicaError
from greenroom.suites.target import Target

AGENT = """\
set -eu
mkdir -p /drill/wal
pg_receivewal -h 127.0.0.1 -p 5432 -U "$PGUSER" --slot @SLOT@ --create-slot --if-not-exists
PGAPPNAME=@SLOT@ pg_receivewal -h 127.0.0.1 -p 5432 -U "$PGUSER" -D /drill/wal --slot @SLOT@ \
  --synchronous --no-loop &
sleep 1
pg_basebackup -h 127.0.0.1 -p 5432 -U "$PGUSER" -D /drill/base -Ft -z -X none -c fast
touch /drill/base.done
wait
"""

SLOT = "greenroom_drill"
"""The agent's replication slot (the primary keeps WAL until the agent has it) and its name as a
synchronous standby: while the drill runs, a commit is acknowledged only once the agent has
flushed its WAL, as a zero-RPO archive is set up."""
AGENT = AGENT.replace("@SLOT@", SLOT)

RESTORE = """\
set -eu
PGDATA=/var/lib/postgresql/data
mkdir -p "$PGDATA" /restore/ready /var/run/postgresql
tar -xzf /restore/base.tar.gz -C "$PGDATA"
for f in /restore/wal/*; do cp "$f" "/restore/ready/$(basename "$f" .partial)"; done
touch "$PGDATA/recovery.signal"
chown -R postgres:postgres "$PGDATA" /restore/ready /var/run/postgresql
chmod 700 "$PGDATA"
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" \\
  -c "restore_command=cp /restore/ready/%f %p" -c listen_addresses=
"""


@dataclass(frozen=True)
class BackupDrill:
    """What the drill measured."""

    env: str
    bucket: str
    acknowledged: int
    restored: int
    lost: int
    rpo_seconds: float
    rto_seconds: float
    checksums_equal: bool
    tables: dict[str, bool]
    timeline: list[tuple[float, str]]

    def table(self) -> str:
        return table(
            f"backup drill of {self.env} (s3://{self.bucket})",
            [
                ("acknowledged writes", str(self.acknowledged)),
                ("restored", str(self.restored)),
                ("lost", str(self.lost)),
                ("RPO", f"{self.rpo_seconds:.3f} s"),
                ("RTO", f"{self.rto_seconds:.1f} s (fault to restored, checksums equal)"),
                ("checksums equal", "yes" if self.checksums_equal else "NO"),
            ],
            self.timeline,
        )

    def measures(self) -> dict[str, str]:
        return {
            "rows_lost": str(self.lost),
            "rpo_seconds": str(self.rpo_seconds),
            "rto_seconds": str(self.rto_seconds),
        }

    def failure(self) -> str | None:
        if self.lost == 0 and self.checksums_equal:
            return None
        checksums = "equal" if self.checksums_equal else "differ"
        return f"backup drill of {self.env}: {self.lost} row(s) lost, checksums {checksums}"


def _ship(s3: Any, bucket: str, folder: Path, prefix: str, sent: dict[str, float]) -> None:
    """Upload every file of ``folder`` that is new or changed since the last round."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stamp = path.stat().st_mtime
        key = f"{prefix}/{path.relative_to(folder)}"
        if sent.get(key) != stamp:
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())  # a still-growing file
            sent[key] = stamp


def _download(s3: Any, bucket: str, prefix: str, folder: Path) -> None:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/")
    for page in pages:
        for item in page.get("Contents", []):
            path = folder / str(item["Key"]).removeprefix(f"{prefix}/")
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(path))


def run_backup_drill(target: Target, project: str, image: str) -> BackupDrill:
    """The drill on a running replica: ``project`` is its Compose project, ``image`` Postgres's."""
    name, pg = postgres_of(target)
    aws = next((c for n, c in target.connections.items() if target.parts[n].kind == "aws"), None)
    if aws is None:
        raise ReplicaError(f"{target.env} has no AWS emulator to hold the backup", hint="envs/")
    s3 = aws.client("s3")
    bucket = f"greenroom-backups-{project}"[:63]
    create_bucket(s3, bucket, aws.region)
    run = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    clock = Timeline()
    work = Path(tempfile.mkdtemp(prefix="greenroom-drill-"))
    (work / "drill").mkdir(mode=0o777)
    (work / "drill").chmod(0o777)
    (work / "restore").mkdir()
    primary = faults.containers(project, name)[0]
    with pg.connect() as conn:
        conn.autocommit = True
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(f"CREATE TABLE {TABLE} (n bigint PRIMARY KEY, at timestamptz DEFAULT now())")
    sent: dict[str, float] = {}
    try:
        with container(
            image=image,
            entrypoint=["sh", "-c", AGENT],
            user="postgres",
            environment={"PGUSER": pg.user},
            host_config=api().create_host_config(
                network_mode=f"container:{primary['Id']}", binds=[f"{work / 'drill'}:/drill"]
            ),
        ):
            wait_for("WAL streaming", lambda: any((work / "drill").glob("wal/*.partial")))
            _synchronous(pg, SLOT)
            clock.mark("WAL streaming to the backup agent, synchronously")
            wait_for("the base backup", lambda: (work / "drill" / "base.done").exists())
            _ship(s3, bucket, work / "drill" / "base", f"{run}/base", sent)
            clock.mark("base backup in S3")
            writer = Writer([pg.connect])
            writer.start()
            clock.mark("writer started")
            for _ in range(6):
                _ship(s3, bucket, work / "drill" / "wal", f"{run}/wal", sent)
                time.sleep(0.5)
            with pg.connect() as conn:
                before = checksums(lambda sql: str(conn.execute(sql).fetchone()[0]))
            with faults.killed(project, name) as fault:
                fault_at = clock.mark(f"fault: {name} killed ({fault.wall})")
                writer.join(timeout=10)
                _ship(s3, bucket, work / "drill" / "wal", f"{run}/wal", sent)
                clock.mark("WAL the agent received is in S3")
                acked = list(writer.acked)
                _download(s3, bucket, run, work / "restore")
                clock.mark("restore: base backup and WAL downloaded from S3")
                where = f"{bucket}/{run}"
                result = _restore(work, image, pg, acked, before, clock, fault_at, target, where)
    finally:
        _cleanup(pg, work)
    return result


def _restore(
    work: Path,
    image: str,
    pg: Any,
    acked: list[tuple[int, float]],
    before: dict[str, str],
    clock: Timeline,
    fault_at: float,
    target: Target,
    bucket: str,
) -> BackupDrill:
    binds = [f"{work / 'restore'}:/restore"]
    (work / "restore" / "base.tar.gz").unlink(missing_ok=True)
    shutil.move(str(work / "restore" / "base" / "base.tar.gz"), str(work / "restore"))
    with container(
        image=image,
        entrypoint=["sh", "-c", RESTORE],
        host_config=api().create_host_config(binds=binds),
    ) as restored:

        def promoted() -> bool:
            if not api().inspect_container(restored)["State"]["Running"]:
                from greenroom.runtime.containers import container_logs

                raise ReplicaError(
                    "the restored Postgres stopped", details=container_logs(restored), hint=HINT
                )
            return psql(restored, "SELECT pg_is_in_recovery()", pg.user, pg.database) == "f"

        wait_for("the restored Postgres to finish recovery", promoted)
        clock.mark("restored Postgres answers")
        count, last = writer_rows(lambda sql: psql(restored, sql, pg.user, pg.database))
        after = checksums(lambda sql: psql(restored, sql, pg.user, pg.database))
        done = clock.mark("checksums compared")
    lost = sum(1 for n, _ in acked if n > last) + (last - count if count < last else 0)
    when = dict(acked)
    rpo = acked[-1][1] - when[last] if lost and last in when else 0.0
    tables = {t: before.get(t) == after.get(t) for t in sorted(set(before) | set(after))}
    return BackupDrill(
        env=target.env,
        bucket=bucket,
        acknowledged=len(acked),
        restored=count,
        lost=lost,
        rpo_seconds=round(rpo, 3),
        rto_seconds=round(done - fault_at, 1),
        checksums_equal=all(tables.values()),
        tables=tables,
        timeline=clock.events,
    )


def _synchronous(pg: Any, standby: str) -> None:
    """Commits wait for ``standby`` ("" for none again)."""
    with pg.connect(timeout=5) as conn:
        conn.autocommit = True
        if standby:
            conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{standby}'")
        else:
            conn.execute("ALTER SYSTEM RESET synchronous_standby_names")
        conn.execute("SELECT pg_reload_conf()")


def _cleanup(pg: Any, work: Path) -> None:
    """The primary back (crash recovery after the kill), committing without the agent again, its
    drill table gone, files removed."""

    def answers() -> bool:
        try:
            _synchronous(pg, "")
            with pg.connect(timeout=2) as conn:
                conn.autocommit = True
                conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
                conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    "WHERE slot_name = %s",
                    (SLOT,),
                )
            return True
        except Exception:
            return False

    try:
        wait_for("the primary to answer again", answers)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def drill_backup(env_name: str, overrides: Sequence[str] = ()) -> BackupDrill:
    """Run the drill on ``env_name``'s replica, print its table, record it in the ledger."""

    def run(target: Target, project: str) -> BackupDrill:
        from greenroom.errors import ConfigError

        assert target.model is not None
        if not target.model.backup.wal_archive:
            raise ConfigError(
                f"{env_name} archives no WAL (backup.wal_archive is off): nothing to drill",
                hint="set backup: {wal_archive: true} in its env file, or drill one that has it",
            )
        name, _ = postgres_of(target)
        image = str(faults.containers(project, name)[0]["ImageID"])
        return run_backup_drill(target, project, image)

    return perform("backup", env_name, overrides, run)
