"""A fleet: many box offices, many workers, one PostgreSQL (see docs/fleet.md).

Needs the ``fleet`` extra (``pip install 'tickettailor[fleet]'``): psycopg,
cryptography and prometheus-client.
"""
