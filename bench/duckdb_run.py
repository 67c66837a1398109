# Runs bench/duckdb.sql through the DuckDB Python module (when no duckdb CLI is installed).
# Usage: python3 bench/duckdb_run.py bench/duckdb.sql INPUT.ndjson
import sys, duckdb
lines = [l for l in open(sys.argv[1]).read().splitlines() if not l.lstrip().startswith('--')]
sql = "\n".join(lines).replace('INPUT', sys.argv[2])
con = duckdb.connect()
for stmt in sql.split(';'):
    if stmt.strip():
        con.execute(stmt)
