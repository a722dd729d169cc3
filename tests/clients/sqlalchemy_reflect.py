"""SQLAlchemy 2 (psycopg 3 driver) against the gateway: the dialect's connection setup,
reflection (has_table, table names, columns, primary and foreign keys, indexes, views),
an ORM-style select of masked columns, and a C3 column refused.
Usage: python3 sqlalchemy_reflect.py 'postgresql+psycopg://user:pw@host:port/db'
Prints one line per check; the Rust test reads them."""
import sys

import sqlalchemy as sa
from sqlalchemy import exc

engine = sa.create_engine(sys.argv[1])
insp = sa.inspect(engine)
print("has_table", insp.has_table("customers"))
print("tables", ",".join(sorted(insp.get_table_names())))
print("views", ",".join(sorted(insp.get_view_names())))
print("columns", ",".join(c["name"] for c in insp.get_columns("customers")))
print("pk", ",".join(insp.get_pk_constraint("cards")["constrained_columns"]))
print("fks", ",".join(fk["referred_table"] for fk in insp.get_foreign_keys("cards")))
print("indexes", len(insp.get_indexes("cards")))

meta = sa.MetaData()
cards = sa.Table("cards", meta, autoload_with=engine)
customers = sa.Table("customers", meta, autoload_with=engine)
query = (
    sa.select(customers.c.name, customers.c.mobile, cards.c.card_no)
    .join(cards, cards.c.customer_id == customers.c.customer_id)
    .order_by(cards.c.card_id)
    .limit(5)
)
with engine.connect() as conn:
    for row in conn.execute(query):
        print("row", "|".join(map(str, row)))
    try:
        conn.execute(sa.select(cards.c.cvv)).fetchall()
        print("c3 NOT REFUSED")
    except exc.DBAPIError as e:
        print("c3 refused", e.orig.sqlstate)
