"""Write-side benchmark: specify_db repositories vs raw SQLAlchemy Core vs the raw driver.

Run with ``python -m benchmarks.repositories`` (or ``nox -s bench``); writes
``docs/benchmarks/repositories.md``. PostgreSQL: ``SPECIFY_DB_BENCH_POSTGRES_URL`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/specify_bench``, created if missing); SQLite: a
temporary file. Only ``telemetry_events`` is written (emptied between cases).

Cases (the three contenders take turns within one run, so machine load hits them alike):

- ``create_many`` of 100,000 events without returned rows (raw PostgreSQL: asyncpg COPY);
- 5,000 gets by id, one unit of work each;
- 2,000 single creates, each its own transaction (commit included);
- ``update_many`` of 10,000 rows; ``upsert_many`` of 10,000 rows, half of them new.

Inputs are built before the clock starts, as ready-made values for every contender: Create
DTOs for the repository, dicts for Core, tuples for the driver. Validation of dict input
(``update_many`` takes dicts) is inside the repository's time.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from specify_db import DatabaseManager
from specify_db.models import TelemetryEvent, TelemetryEventCreate
from specify_db.repositories import TelemetryEventRepository

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/specify_bench"
OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks" / "repositories.md"
BULK_ROWS = 100_000
GETS = 5_000
CREATES = 2_000
UPDATES = 10_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)
TABLE = TelemetryEvent.__table__  # type: ignore[attr-defined]
COLUMNS = [
    "public_id", "trace_id", "span_id", "parent_span_id", "command_id", "name", "kind",
    "status_code", "start_time", "end_time", "duration_ns", "attributes", "resource_attributes",
]  # fmt: skip
TARGETS = {  # on PostgreSQL, repository time / raw driver time (issue 4)
    "create_many": 1.5,
    "get": 2.0,
    "create": 1.8,
    "update_many": 1.25,
    "upsert_many": 1.25,
}


def event(i: int) -> TelemetryEventCreate:
    start = T0 + timedelta(milliseconds=i)
    return TelemetryEventCreate(
        trace_id=f"{i:032x}",
        span_id=f"{i:016x}",
        name=f"span-{i % 100}",
        kind="internal",
        status_code="unset",
        start_time=start,
        end_time=start + timedelta(milliseconds=5),
        duration_ns=5_000_000,
        attributes={"i": i, "op": "bench"},
        resource_attributes={"service.name": "bench"},
    )


def as_dict(dto: TelemetryEventCreate) -> dict[str, Any]:
    return {name: getattr(dto, name) for name in COLUMNS}


JSON_AT = (COLUMNS.index("attributes"), COLUMNS.index("resource_attributes"))


def as_tuple(dto: TelemetryEventCreate, *, sqlite_text: bool) -> tuple[Any, ...]:
    """Driver input: Python values (JSON as dicts, serialised by the raw driver's own code
    while timed); for sqlite3, UUIDs and datetimes already in SQLAlchemy's storage format."""
    row = as_dict(dto)
    if sqlite_text:
        row["public_id"] = row["public_id"].hex
        for name in ("start_time", "end_time"):
            row[name] = row[name].astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return tuple(row[name] for name in COLUMNS)


async def _json_codec(conn: asyncpg.Connection) -> None:
    # Binary format, so COPY can use it too (jsonb's binary form is a version byte + text).
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        format="binary",
        encoder=lambda value: b"\x01" + json.dumps(value).encode(),
        decoder=lambda data: json.loads(data[1:]),
    )


class RawDriver:
    """The hand-written baseline: asyncpg or aiosqlite with the same SQL."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url
        self.pg: asyncpg.Pool | None = None
        self.lite: aiosqlite.Connection | None = None

    async def open(self) -> None:
        if self.kind == "postgresql":
            dsn = make_url(self.url).set(drivername="postgresql").render_as_string(False)
            self.pg = await asyncpg.create_pool(dsn, min_size=1, max_size=5, init=_json_codec)
        else:
            self.lite = await aiosqlite.connect(
                make_url(self.url).database or "", isolation_level=None
            )
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
                await self.lite.execute(f"PRAGMA {pragma}")

    async def close(self) -> None:
        if self.pg is not None:
            await self.pg.close()
        if self.lite is not None:
            await self.lite.close()

    def _p(self, n: int) -> str:
        return f"${n}" if self.kind == "postgresql" else "?"

    def _cast(self, name: str, n: int) -> str:
        return f"${n}::jsonb" if self.kind == "postgresql" and "attributes" in name else self._p(n)

    @property
    def insert_sql(self) -> str:
        values = ", ".join(self._cast(name, i + 1) for i, name in enumerate(COLUMNS))
        return f"INSERT INTO telemetry_events ({', '.join(COLUMNS)}) VALUES ({values})"

    def _lite(self, records: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """sqlite3 has no JSON adapter: serialise the JSON columns (inside the timing)."""
        if self.lite is None:
            return records
        a, b = JSON_AT
        out = []
        for record in records:
            row = list(record)
            row[a], row[b] = json.dumps(row[a]), json.dumps(row[b])
            out.append(tuple(row))
        return out

    async def _many(self, sql: str, records: list[tuple[Any, ...]]) -> None:
        if self.pg is not None:
            async with self.pg.acquire() as conn, conn.transaction():
                await conn.executemany(sql, records)
        else:
            assert self.lite is not None
            await self.lite.execute("BEGIN")
            await self.lite.executemany(sql, records)
            await self.lite.commit()

    async def bulk_insert(self, records: list[tuple[Any, ...]]) -> None:
        if self.pg is not None:
            async with self.pg.acquire() as conn, conn.transaction():
                await conn.copy_records_to_table(
                    "telemetry_events", records=records, columns=COLUMNS
                )
        else:
            await self._many(self.insert_sql, self._lite(records))

    async def get(self, id_: int) -> Any:
        sql = f"SELECT * FROM telemetry_events WHERE id = {self._p(1)}"
        if self.pg is not None:
            async with self.pg.acquire() as conn:
                return await conn.fetchrow(sql, id_)
        assert self.lite is not None
        async with self.lite.execute(sql, (id_,)) as cursor:
            return await cursor.fetchone()

    async def create(self, record: tuple[Any, ...]) -> Any:
        sql = self.insert_sql + " RETURNING id"
        if self.pg is not None:
            async with self.pg.acquire() as conn, conn.transaction():
                return await conn.fetchval(sql, *record)
        assert self.lite is not None
        await self.lite.execute("BEGIN")
        async with self.lite.execute(sql, self._lite([record])[0]) as cursor:
            found = await cursor.fetchone()
        await self.lite.commit()
        return found

    async def update_many(self, records: list[tuple[Any, ...]]) -> None:
        p = self._p
        sql = (
            f"UPDATE telemetry_events SET status_code = {p(1)}, end_time = {p(2)} WHERE id = {p(3)}"
        )
        await self._many(sql, records)

    async def upsert_many(self, records: list[tuple[Any, ...]]) -> None:
        updated = [c for c in COLUMNS if c != "public_id"]
        sets = ", ".join(f"{c} = excluded.{c}" for c in updated)
        sql = f"{self.insert_sql} ON CONFLICT (public_id) DO UPDATE SET {sets}"
        await self._many(sql, self._lite(records))


async def contest(
    contenders: list[Callable[[], Awaitable[Any]]], reset: Callable[[], Awaitable[Any]], n: int
) -> list[float]:
    """Median time of each contender over ``n`` rounds; each round runs them in turn, so a
    busy neighbour slows them alike instead of whichever happened to run at the time."""
    samples: list[list[float]] = [[] for _ in contenders]
    for _ in range(n):
        for fn, times in zip(contenders, samples, strict=True):
            await reset()
            start = time.perf_counter()
            await fn()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in samples]


async def per_operation(
    contenders: list[Callable[[Any], Awaitable[Any]]], chunks: list[list[Any]]
) -> list[float]:
    """Total time of each contender over all chunks, the contenders taking turns by chunk."""
    totals = [0.0 for _ in contenders]
    for chunk in chunks:
        for index, fn in enumerate(contenders):
            start = time.perf_counter()
            for item in chunk:
                await fn(item)
            totals[index] += time.perf_counter() - start
    return totals


def chunked(items: list[Any], parts: int) -> list[list[Any]]:
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


async def run_backend(kind: str, url: str) -> list[tuple[str, str, float, float, float]]:
    db = DatabaseManager(url, pool_size=5)
    await db.create_all()
    repo = TelemetryEventRepository(db)
    raw = RawDriver(kind, url)
    await raw.open()
    engine = db.engine
    upsert_core = (postgresql if kind == "postgresql" else sqlite).insert(TABLE)
    upsert_core = upsert_core.on_conflict_do_update(
        index_elements=["public_id"],
        set_={c: upsert_core.excluded[c] for c in COLUMNS if c != "public_id"},
    )
    sqlite_text = kind == "sqlite"

    async def empty() -> None:
        async with engine.begin() as conn:
            if kind == "postgresql":
                await conn.exec_driver_sql("TRUNCATE telemetry_events")
            else:
                await conn.execute(TABLE.delete())

    async def load(n: int) -> list[int]:
        await empty()
        await repo.create_many([event(i) for i in range(n)], returning=False)
        async with engine.connect() as conn:
            return list((await conn.execute(select(TABLE.c.id).order_by(TABLE.c.id))).scalars())

    results: list[tuple[str, str, float, float, float]] = []

    def record(case: str, label: str, ours: float, core: float, drv: float) -> None:
        print(time.strftime("%H:%M:%S"), end=" ")
        print(f"{kind:10} {case:12} ours {ours:8.3f}s core {core:8.3f}s raw {drv:8.3f}s "
              f"ratio {ours / drv:5.2f}x", flush=True)  # fmt: skip
        results.append((case, label, ours, core, drv))

    # create_many without returned rows
    dtos = [event(i) for i in range(BULK_ROWS)]
    dicts = [as_dict(d) for d in dtos]
    tuples = [as_tuple(d, sqlite_text=sqlite_text) for d in dtos]

    async def core_bulk() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(TABLE), dicts)

    # Three runs of each bulk case (one for the 100,000-row insert on SQLite, which takes
    # seconds); the per-operation loops are thousands of units each.
    reps = 3
    ours, core, drv = await contest(
        [
            lambda: repo.create_many(dtos, returning=False),
            core_bulk,
            lambda: raw.bulk_insert(tuples),
        ],
        empty,
        reps if kind == "postgresql" else 1,
    )
    raw_label = "asyncpg COPY" if kind == "postgresql" else "aiosqlite executemany"
    record("create_many", f"{BULK_ROWS:,} events, no rows back; raw = {raw_label}", ours, core, drv)

    # gets by id, one unit each
    ids = (await load(GETS))[:GETS]
    stmt = select(TABLE).where(TABLE.c.id == bindparam("id"))

    async def core_get(id_: int) -> None:
        async with engine.connect() as conn:
            (await conn.execute(stmt, {"id": id_})).one()

    async def nothing() -> None:
        return None

    ours, core, drv = await per_operation([repo.get, core_get, raw.get], chunked(ids, 5))
    record("get", f"{GETS:,} gets by id, one unit each", ours / GETS, core / GETS, drv / GETS)

    # single creates, each committed
    await empty()
    fresh = [event(BULK_ROWS + i) for i in range(3 * CREATES)]
    mine, theirs, raws = fresh[:CREATES], fresh[CREATES : 2 * CREATES], fresh[2 * CREATES :]

    async def core_create(dto: TelemetryEventCreate) -> None:
        async with engine.begin() as conn:
            (await conn.execute(insert(TABLE).returning(TABLE.c.id), as_dict(dto))).one()

    async def raw_create(dto: TelemetryEventCreate) -> None:
        await raw.create(as_tuple(dto, sqlite_text=sqlite_text))

    totals = [0.0, 0.0, 0.0]
    for part in zip(chunked(mine, 5), chunked(theirs, 5), chunked(raws, 5), strict=True):
        for index, (fn, chunk) in enumerate(
            zip([repo.create, core_create, raw_create], part, strict=True)
        ):
            start = time.perf_counter()
            for dto in chunk:
                await fn(dto)
            totals[index] += time.perf_counter() - start
    ours, core, drv = totals
    record("create", f"{CREATES:,} single creates + commit", ours / CREATES, core / CREATES,
           drv / CREATES)  # fmt: skip

    # update_many of 10,000 rows
    ids = await load(UPDATES)
    end = T0 + timedelta(days=1)
    patches = [{"id": id_, "status_code": "ok", "end_time": end} for id_ in ids]
    core_params = [{"k": id_, "status_code": "ok", "end_time": end} for id_ in ids]
    raw_end: Any = end.replace(tzinfo=None).isoformat(" ") if sqlite_text else end
    raw_params = [("ok", raw_end, id_) for id_ in ids]
    core_update = (
        update(TABLE)
        .where(TABLE.c.id == bindparam("k"))
        .values(status_code=bindparam("status_code"), end_time=bindparam("end_time"))
    )

    async def core_updates() -> None:
        async with engine.begin() as conn:
            await conn.execute(core_update, core_params)

    ours, core, drv = await contest(
        [lambda: repo.update_many(patches), core_updates, lambda: raw.update_many(raw_params)],
        nothing,
        reps,
    )
    record("update_many", f"{UPDATES:,} rows by id", ours, core, drv)

    # upsert_many of 10,000 rows, half new
    existing = [event(i) for i in range(UPDATES // 2)]
    changed = [e.model_copy(update={"status_code": "ok"}) for e in existing] + [
        event(UPDATES + i) for i in range(UPDATES // 2)
    ]
    up_dicts = [as_dict(d) for d in changed]
    up_tuples = [as_tuple(d, sqlite_text=sqlite_text) for d in changed]

    async def reload_half() -> None:
        await empty()
        await repo.create_many(existing, returning=False)

    async def core_upserts() -> None:
        async with engine.begin() as conn:
            await conn.execute(upsert_core, up_dicts)

    ours, core, drv = await contest(
        [lambda: repo.upsert_many(changed), core_upserts, lambda: raw.upsert_many(up_tuples)],
        reload_half,
        reps,
    )
    record("upsert_many", f"{UPDATES:,} rows by public_id, half new", ours, core, drv)

    await empty()
    await raw.close()
    await db.dispose()
    return results


async def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parsed.database)
        if not found:
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


def fmt(seconds: float, per_op: bool) -> str:
    return f"{seconds * 1e6:.0f} µs" if per_op else f"{seconds * 1e3:.0f} ms"


NOTES = """
### Reading the figures

- **Machine load.** The load average is printed above: on a shared 2-core machine a busy
  neighbour inflates every per-operation ratio, Core's included (compare the Core / raw
  column with NOTES-ECOSYSTEM §12: a Core get at 2.0-2.3x raw on a quiet machine).
- **get** (target 2.0x): a repository get is a whole unit of work through
  `DatabaseManager.run`: pool checkout, `BEGIN`, `SELECT`, `COMMIT`, an ORM object, plus the
  retry wrapper and latency statistics of the manager. Raw asyncpg is one `fetchrow` on a
  pooled connection with no transaction; Core pays `BEGIN`/`ROLLBACK` too, so the Core
  column is the floor for any SQLAlchemy path. What is left between the repository and Core
  is the ORM session and identity map and the per-unit retry machinery of the engine layer.
- **create** (target 1.8x): the same unit-of-work costs, plus an ORM-enabled
  `INSERT ... ON CONFLICT (public_id) DO NOTHING RETURNING *` that builds the model object
  (what makes the create exactly-once); raw asyncpg gets back only the id.
- **create_many** (target 1.5x of COPY): the repository also uses COPY, but turns 100,000
  DTOs into COPY records in Python through SQLAlchemy's bind processors (JSON serialised,
  UUIDs and datetimes checked); raw COPY receives ready tuples with pre-serialised JSON.
- **update_many** (target 1.25x): each PATCH is validated through the Update DTO (unknown
  keys refused) and the keys are counted first (one `count(*)` per 5,000 keys) so that a
  missing row raises `NotFound` and nothing is written; then one `executemany`.
- **upsert_many** (target 1.25x): one `INSERT ... ON CONFLICT DO UPDATE` `executemany`; the
  gap to raw is SQLAlchemy's per-row bind processing.
- On SQLite every statement is a hop to aiosqlite's worker thread; a unit of work takes
  several (BEGIN, statement, COMMIT, pool reset), so per-operation ratios against a single
  raw aiosqlite connection are large there and say more about the thread hops than about
  the repository.
"""


def report(all_results: dict[str, list[tuple[str, str, float, float, float]]]) -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or platform.machine(),
    )  # fmt: skip
    lines = [
        "## Repositories (write side)",
        "",
        "Written by `python -m benchmarks.repositories`. Ratios are time relative to the raw",
        "driver doing the same work in the same run (lower is better); `get` and `create` are",
        "per operation (mean over the loop), the bulk cases per call (median of 3 runs; 1 for",
        "the 100,000-row insert on SQLite). The contenders take turns within each run.",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"SQLAlchemy {version('sqlalchemy')}, SQLModel {version('sqlmodel')}, "
        f"asyncpg {version('asyncpg')}, aiosqlite {version('aiosqlite')}. "
        f"Load average during the run: {LOAD[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end.",
        "",
    ]
    for kind, results in all_results.items():
        lines += [
            f"### {kind}",
            "",
            "| case | specify-db | SQLAlchemy Core | raw driver | specify-db / raw | "
            "Core / raw | target |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for case, label, ours, core, drv in results:
            per_op = case in ("get", "create")
            target = TARGETS[case] if kind == "postgresql" else None
            verdict = "" if target is None else (
                f"≤ {target}x {'met' if ours / drv <= target else 'missed'}"
            )  # fmt: skip
            lines.append(
                f"| {case} ({label}) | {fmt(ours, per_op)} | {fmt(core, per_op)} | "
                f"{fmt(drv, per_op)} | {ours / drv:.2f}x | {core / drv:.2f}x | {verdict} |"
            )
        lines.append("")
    return "\n".join(lines) + NOTES


LOAD: list[float] = []


async def main() -> None:
    LOAD.append(os.getloadavg()[0])
    pg_url = os.environ.get("SPECIFY_DB_BENCH_POSTGRES_URL", DEFAULT_PG)
    only = os.environ.get("SPECIFY_DB_BENCH_ONLY", "postgresql,sqlite").split(",")
    all_results: dict[str, list[tuple[str, str, float, float, float]]] = {}
    if "postgresql" in only:
        await ensure_database(pg_url)
        all_results["postgresql"] = await run_backend("postgresql", pg_url)
    if "sqlite" in only:
        with tempfile.TemporaryDirectory() as tmp:
            lite_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            all_results["sqlite"] = await run_backend("sqlite", lite_url)
    text = report(all_results)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
