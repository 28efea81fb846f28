#!/usr/bin/env bash
# Several stride run processes on one SQLite file against a 20 ms simulator (serve-sim): throughput with 1, 2 and 4
# workers, and the requests repeated when one of 4 workers is SIGKILLed midway. Each worker is a separate JVM.
# The first worker makes the run; the others are started once it has answers (as a user adds workers to a run).
# Usage: bench/workers.sh [RECORDS] [CONCURRENCY]   (needs cli-app/target/stride.jar: ./mvnw -o -q -pl cli-app -am package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-8000}
conc=${2:-16}
jar=cli-app/target/stride.jar
work=$(mktemp -d /tmp/stride-workers.XXXXXX)
port=$((20000 + RANDOM % 20000))
java -jar "$jar" serve-sim --port "$port" --latency 20ms > "$work/sim.out" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "http://" "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
python3 -c "
import json
with open('$work/in.jsonl','w') as f:
    for i in range($records): f.write(json.dumps({'id':'r%d'%i,'prompt':'question %d'%i})+'\n')"
done_in() { # done_in DB: records done so far (0 while the file is not made yet)
  [ -s "$1" ] && sqlite3 -readonly "$1" 'SELECT coalesce(sum(done),0) FROM progress' 2>/dev/null || echo 0
}
start_workers() { # start_workers DB PREFIX N: the first makes the run, the others join it once it answers
  pids=()
  run "$1" "$2-1" & pids+=($!)
  until [ "$(done_in "$1")" -gt 0 ]; do sleep 0.05; done
  for i in $(seq 2 "$3"); do run "$1" "$2-$i" & pids+=($!); done
}
run() { # run DB LABEL: one worker
  java -jar "$jar" run "$work/in.jsonl" --db "$1" --model bench --base-url "http://127.0.0.1:$port/v1" \
    --concurrency "$conc" --log-every 0 > "$work/$2.out" 2>&1
}
echo "| workers | records | concurrency each | wall s | predictions/s |"
echo "|---|---|---|---|---|"
for w in 1 2 4; do
  db="$work/w$w.db"
  start=$(date +%s.%N)
  start_workers "$db" "w$w" "$w"
  for p in "${pids[@]}"; do wait "$p" || true; done
  end=$(date +%s.%N)
  python3 -c "w=$end-$start; print('| $w | $records | $conc | %.1f | %.0f |' % (w, $records/w))"
done
# Four workers, one killed with SIGKILL once a quarter of the records is done: requests repeated.
before=$(grep -o 'served [0-9]*' "$work/sim.out" || true)
db="$work/kill.db"
start_workers "$db" k 4
victim=${pids[1]}
jpid=$(pgrep -P "$victim" java || echo "$victim")
by_victim() { sqlite3 -readonly "$db" "SELECT coalesce(max(done),0) FROM workers WHERE pid = $jpid" 2>/dev/null || echo 0; }
until [ "$(by_victim)" -ge $((records / 16)) ]; do sleep 0.05; done
held=$(sqlite3 -readonly "$db" "SELECT count(*) FROM claims JOIN workers USING (run_id, worker_id) WHERE pid = $jpid" 2>/dev/null || echo '?')
victim_done=$(by_victim)
kill -9 "$jpid" 2>/dev/null || true
for p in "${pids[@]}"; do wait "$p" || true; done
kill -TERM $sim; wait $sim || true
trap - EXIT
echo
echo "killed worker (pid $jpid, $victim_done done) held $held claims; simulator: $(tail -n 3 "$work/sim.out" | tr '\n' ' ')"
echo "results: $(sqlite3 -readonly "$db" 'SELECT state, done, pending FROM progress')"
echo "work folder: $work"
