"""asyncpg against the gateway: its connection setup and type introspection (a query
over a type asyncpg does not know by heart triggers its pg_type introspection), masked
rows through prepared statements, and a C3 column refused.
Usage: python3 asyncpg_fetch.py host port user password db"""
import asyncio
import sys

import asyncpg


class Counting(asyncpg.Connection):
    """Counts asyncpg's type introspection queries (run for types it has no codec for)."""

    introspections = 0

    async def _introspect_types(self, *args, **kwargs):
        Counting.introspections += 1
        return await super()._introspect_types(*args, **kwargs)


async def main(host, port, user, password, db):
    conn = await asyncpg.connect(
        host=host,
        port=int(port),
        user=user,
        password=password,
        database=db,
        ssl=False,
        connection_class=Counting,
    )
    # Range types have no built-in codec in asyncpg: it introspects pg_type for them.
    span = await conn.fetchval("select int4range(1, 10)")
    print("introspected", Counting.introspections > 0 and span.upper == 10)
    rows = await conn.fetch(
        "select name, mobile, email from customers where customer_id = any($1::int[]) "
        "order by customer_id",
        [1, 2, 3],
    )
    for r in rows:
        print("row", "|".join(map(str, r.values())))
    try:
        await conn.fetch("select password_hash from customers")
        print("c3 NOT REFUSED")
    except asyncpg.exceptions.InsufficientPrivilegeError as e:
        print("c3 refused", e.sqlstate)
    await conn.close()


asyncio.run(main(*sys.argv[1:6]))
