"""The services the suite relies on answer (mandatory under .ci/run)."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def test_postgres_schema_fixture_isolates(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (x int)"))
        schema = conn.execute(text("select current_schema()")).scalar_one()
    engine.dispose()
    assert schema.startswith("t_")


def test_redis_answers(redis_url: str) -> None:
    import redis

    assert redis.Redis.from_url(redis_url).ping()
