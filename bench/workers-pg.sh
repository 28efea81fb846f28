#!/usr/bin/env bash
# bench/workers.sh's twin on PostgreSQL: 1, 2 and 4 stride run processes sharing one run through a throwaway
# PostgreSQL cluster (Debian's postgresql package, started as the postgres user on a free port, removed after)
# against a 20 ms simulator (serve-sim). Each worker is a separate JVM.
# Usage: bench/workers-pg.sh [RECORDS] [CONCURRENCY]   (needs cli-app/target/stride.jar and postgresql installed)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-8000}
conc=${2:-16}
jar=${JAR:-cli-app/target/stride.jar}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/stride-workers-pg.XXXXXX)
chmod 755 "$work"
pgdata="$work/pg"
mkdir "$pgdata" && chown postgres "$pgdata"
pgport=$((40000 + RANDOM % 20000))
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$bin/initdb" -D "$pgdata" -A trust -U postgres > "$work/initdb.out"
as_pg "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/log" -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1" -w start > /dev/null
port=$((20000 + RANDOM % 20000))
java -jar "$jar" serve-sim --port "$port" --latency 20ms > "$work/sim.out" 2>&1 &
sim=$!
cleanup() {
  kill $sim 2>/dev/null || true
  as_pg "$bin/pg_ctl" -D "$pgdata" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q "http://" "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
python3 -c "
import json
with open('$work/in.jsonl','w') as f:
    for i in range($records): f.write(json.dumps({'id':'r%d'%i,'prompt':'question %d'%i})+'\n')"
psql_() { "$bin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -At "$@"; }
done_in() { psql_ -d "$1" -c 'SELECT coalesce(sum(done),0) FROM progress' 2>/dev/null || echo 0; }
run() { # run DBNAME LABEL: one worker
  java -jar "$jar" run "$work/in.jsonl" --db "postgresql://postgres@127.0.0.1:$pgport/$1" --model bench \
    --base-url "http://127.0.0.1:$port/v1" --concurrency "$conc" --log-every 0 > "$work/$2.out" 2>&1
}
echo "| workers | records | concurrency each | wall s | predictions/s |"
echo "|---|---|---|---|---|"
for w in ${WORKERS:-1 2 4}; do
  db="w$w"
  psql_ -d postgres -c "CREATE DATABASE $db" > /dev/null
  start=$(date +%s.%N)
  pids=()
  run "$db" "$db-1" & pids+=($!)
  until [ "$(done_in "$db")" -gt 0 ]; do sleep 0.05; done
  for i in $(seq 2 "$w"); do run "$db" "$db-$i" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || true; done
  end=$(date +%s.%N)
  python3 -c "w=$end-$start; print('| $w | $records | $conc | %.1f | %.0f |' % (w, $records/w))"
  echo "  results: $(psql_ -d "$db" -c 'SELECT state, done, pending FROM progress');" \
    "first worker's own line: $(grep -h -m1 'Wall time' "$work/$db-1.out" | tr -s ' ')"
done
