#!/usr/bin/env bash
# Predictions per second of `stride run` against the built-in simulator on this machine.
# Usage: bench/throughput.sh [RECORDS] ; prints one line per (latency, concurrency) case.
# STRIDE_JAR=path measures another build of the CLI (e.g. the jar of an earlier commit, for a before/after).
# Both processes share the machine's cores, so the figures are a floor for stride alone.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-20000}
jar=${STRIDE_JAR:-cli-app/target/stride.jar}
[ -f "$jar" ] || ./mvnw -q -B -DskipTests package -pl cli-app -am
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/in.jsonl" "$records" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"r{i}", "prompt": f"Short question number {i}?"}) + "\n")
PY
port=18431
for latency in 0ms 20ms; do
  java -jar "$jar" serve-sim --port $port --latency $latency > "$work/sim-$latency.log" 2>&1 &
  sim=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  for concurrency in 16 64; do
    db="$work/run-$latency-$concurrency.db"
    # The CLI's own CPU time (user + system, JIT included) is printed too: on a busy machine it moves far less than
    # the wall time, so it is the figure to compare two builds by.
    python3 - "$records" "$latency" "$concurrency" -- java ${JAVA_OPTS:-} -jar "$jar" run "$work/in.jsonl" \
      --db "$db" --model bench --log-every 0 --base-url "http://127.0.0.1:$port/v1" --concurrency $concurrency \
      --save-interval 10 <<'PY'
import resource, subprocess, sys, time
n, latency, c = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
start = time.monotonic()
subprocess.run(sys.argv[5:], stdout=subprocess.DEVNULL, check=True)
wall = time.monotonic() - start
used = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used.ru_utime + used.ru_stime
ideal = "" if latency == "0ms" else f", Little's-law ideal {c / (int(latency[:-2]) / 1000):.0f}/s"
print(f"server latency {latency:>4}, concurrency {c:>3}: {n} records in {wall:.1f} s wall (JVM start included) = {n / wall:.0f} predictions/s{ideal}; CLI CPU {cpu:.1f} s = {cpu * 1000 / n:.2f} ms/prediction")
PY
  done
  kill $sim; wait $sim 2>/dev/null || true
done
