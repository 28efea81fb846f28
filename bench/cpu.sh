#!/usr/bin/env bash
# CPU per prediction of `stride run` (issue 15, item 3): the CLI in its own JVM, `stride serve-sim` in another, on
# this machine. Prints, for each jar in turn and each round, the CLI's own CPU time (user + system of the child, from
# getrusage: JVM start, JIT and GC included) per prediction, then the median per jar, with the load average.
# Usage: bench/cpu.sh [RECORDS [CONCURRENCY [LATENCY [ROUNDS]]]]   defaults: 50000 64 20ms 3
#   STRIDE_JARS="old.jar new.jar" alternates several builds (default: cli-app/target/stride.jar);
#   STRIDE_JVM_FLAGS="..." are put before -jar (e.g. the launcher's JIT flags, to compare flag sets on one jar);
#   STRIDE_JVM_FLAGS_ALT="..." (optional) alternates a second flag set on each jar.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-50000}
concurrency=${2:-64}
latency=${3:-20ms}
rounds=${4:-3}
jars=${STRIDE_JARS:-cli-app/target/stride.jar}
for jar in $jars; do [ -f "$jar" ] || { echo "no jar at $jar (build it: ./mvnw -o -q -B -DskipTests package -pl cli-app -am)" >&2; exit 1; }; done
server_jar=${jars%% *}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/in.jsonl" "$records" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"r{i}", "prompt": f"Short question number {i}?"}) + "\n")
PY
port=${STRIDE_BENCH_PORT:-18531}
java -jar "$server_jar" serve-sim --port "$port" --latency "$latency" > "$work/sim.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
flagsets=("${STRIDE_JVM_FLAGS:-}")
[ -n "${STRIDE_JVM_FLAGS_ALT+x}" ] && flagsets+=("${STRIDE_JVM_FLAGS_ALT}")
echo "records $records, concurrency $concurrency, server latency $latency, $rounds rounds; $(uptime | sed 's/.*load/load/')"
for round in $(seq "$rounds"); do
  for jar in $jars; do
    for i in "${!flagsets[@]}"; do
      flags=${flagsets[$i]}
      db="$work/run.db"; rm -f "$db" "$db-wal" "$db-shm"
      # shellcheck disable=SC2086 # the flags are a list of options, split on purpose
      python3 - "$records" "$jar" "$i" "$flags" -- java $flags -jar "$jar" run "$work/in.jsonl" --db "$db" \
        --model bench --log-every 0 --base-url "http://127.0.0.1:$port/v1" --concurrency "$concurrency" <<'PY'
import resource, subprocess, sys, time
n, jar, i, flags = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
start = time.monotonic()
subprocess.run(sys.argv[6:], stdout=subprocess.DEVNULL, check=True)
wall = time.monotonic() - start
used = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used.ru_utime + used.ru_stime
print(f"RESULT\t{jar}\t{flags or '-'}\t{cpu * 1000 / n:.3f}\t{n / wall:.0f}\t{wall:.1f}\t{cpu:.1f}\t{used.ru_maxrss // 1024}")
PY
    done
  done
done | tee "$work/results.tsv" | awk -F'\t' '{printf "%s [%s]: CPU %.3f ms/prediction (%.1f s), %d predictions/s wall (%.1f s), max RSS %d MB\n", $2, $3, $4, $7, $5, $6, $8}'
echo "medians (CPU ms/prediction):"
python3 - "$work/results.tsv" <<'PY'
import collections, statistics, sys
by = collections.OrderedDict()
for line in open(sys.argv[1]):
    _, jar, flags, ms, rate, *_ = line.rstrip("\n").split("\t")
    by.setdefault((jar, flags), []).append((float(ms), float(rate)))
for (jar, flags), v in by.items():
    print(f"  {jar} [{flags}]: {statistics.median(m for m, _ in v):.3f} ms CPU/prediction, {statistics.median(r for _, r in v):.0f} predictions/s wall  (runs: {', '.join(f'{m:.3f}' for m, _ in v)})")
PY
echo "$(uptime | sed 's/.*load/load/') at the end"
