#!/usr/bin/env bash
# How fast the dashboard answers on a run of a million records: each API view and page, timed with curl.
# Usage: bench/dashboard.sh [RECORDS] ; prints one line per view: the first request (a run's summary is then read
# from the database; later ones find it cached while the run does not change) and the median of the 5 after it.
# The database is made by a real run of 100 records against the simulator (so the schema is stride's own), then
# grown to RECORDS with plain SQL in the sqlite3 shell: inputs, answers with latencies and tokens over an hour, 2%
# failed with two error kinds. STRIDE_JAR=path measures another build; STRIDE_BENCH_DB=path keeps the grown
# database there (made on the first call, reused after: old and new builds measured on the same file).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
jar=${STRIDE_JAR:-cli-app/target/stride.jar}
[ -f "$jar" ] || ./mvnw -q -B -DskipTests package -pl cli-app -am
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
db=${STRIDE_BENCH_DB:-$work/big.db}
if [ ! -f "$db" ]; then
python3 -c 'import json
for i in range(100): print(json.dumps({"id": f"seed{i}", "prompt": f"question {i}"}))' > "$work/in.jsonl"
java -jar "$jar" serve-sim --port 18432 > "$work/sim.log" 2>&1 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:18432/health >/dev/null && break; sleep 0.1; done
java -jar "$jar" run "$work/in.jsonl" --db "$db" --run big --model bench --log-every 0 \
  --base-url http://127.0.0.1:18432/v1 >/dev/null
start=$(date +%s)
sqlite3 "$db" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $records - 100)
INSERT INTO records (run_id, record_id, seq, line, payload, content_hash)
SELECT 1, 'r' || i, 100 + i, 101 + i, '{"id":"r' || i || '","prompt":"question ' || i || '"}', 'h' || i FROM n;
INSERT INTO predictions (run_id, record_id, status, output, finish_reason, prompt_tokens, completion_tokens,
                         latency_ms, attempts, error_kind, error, finished_at)
SELECT 1, record_id, CASE WHEN seq % 50 = 7 THEN 'failed' ELSE 'done' END,
       CASE WHEN seq % 50 = 7 THEN NULL ELSE 'Answer to: question ' || seq END,
       CASE WHEN seq % 50 = 7 THEN NULL WHEN seq % 97 = 0 THEN 'length' ELSE 'stop' END,
       12, 40, 50 + (seq * 7919) % 900, 1,
       CASE WHEN seq % 50 = 7 THEN (CASE WHEN seq % 100 = 7 THEN 'http_500' ELSE 'timeout' END) END,
       CASE WHEN seq % 50 = 7 THEN 'gave up after 3 attempts' END,
       strftime('%Y-%m-%d %H:%M:%f', '2026-01-01 00:00:00', '+' || (seq * 3600.0 / $records) || ' seconds')
  FROM records WHERE run_id = 1 AND seq >= 100;
UPDATE runs SET total = $records, state = 'done' WHERE run_id = 1;
COMMIT;
SQL
echo "seeded $records records in $(( $(date +%s) - start )) s: $(sqlite3 "$db" 'SELECT done, failed, total FROM progress')"
kill %1 2>/dev/null || true
fi
java -jar "$jar" dashboard --db "$db" --port 18484 > "$work/dashboard.log" 2>&1 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:18484/api/runs >/dev/null && break; sleep 0.1; done
uptime
for view in /api/runs /api/runs/big "/api/runs/big/records?limit=50" "/api/runs/big/records?after=500000&limit=50" \
    "/api/runs/big/records?status=failed&limit=50" "/api/runs/big/records?status=failed&after=900000&limit=50" \
    "/api/runs/big/records?q=r999999&limit=50" "/api/runs/big/records?q=question%20123456&limit=50" \
    /api/runs/big/records/r123456 "/api/compare?a=big&b=big" / /runs/big /assets/app.js; do
  python3 - "$view" <<'PY'
import subprocess, sys, statistics
view = sys.argv[1]
def one():
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}",
                          "http://127.0.0.1:18484" + view], capture_output=True, text=True, check=True).stdout.split()
    return out[0], float(out[1]), int(float(out[2]))
first = one()
runs = [one() for _ in range(5)]
print(f"{view:<58} HTTP {runs[0][0]}  first {first[1] * 1000:7.1f} ms  median"
      f" {statistics.median(r[1] for r in runs) * 1000:7.1f} ms  max {max(r[1] for r in runs) * 1000:7.1f} ms"
      f"  {runs[0][2]:>8} bytes")
PY
done
