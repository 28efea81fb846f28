#!/usr/bin/env bash
# CPU per prediction of `stride run` (issue 15, item 3): the CLI in its own JVM, `stride serve-sim` in another, on
# this machine. Prints, for each jar in turn and each round, the CLI's own CPU time (user + system of the child, from
# getrusage: JVM start, JIT and GC included) and its context switches per prediction, then the median per jar and
# flag set, with the load average. CPU time moves far less than wall time on a shared machine: it is the figure to
# compare builds by.
# Usage: bench/cpu.sh [RECORDS [CONCURRENCY [LATENCY [ROUNDS]]]]   defaults: 50000 64 20ms 3
#   STRIDE_JARS="old.jar new.jar" alternates several builds (default: cli-app/target/stride.jar);
#   STRIDE_JVM_FLAGS="..." are put before -jar (e.g. -XX:TieredStopAtLevel=1, as the ./stride launcher does);
#   STRIDE_JVM_FLAGS_ALT="..." (optional) alternates a second flag set on each jar.
#   STRIDE_RUN_ARGS="..." are added to each run's own options (e.g. --save-interval 1000).
#   STRIDE_LAUNCHER=1 runs each jar as a user does, through this checkout's `stride` launcher (STRIDE_JAR=jar): its
#   own JVM flags and its class-data archive, recorded first by an unmeasured run of 2,000 records per jar; the
#   STRIDE_JVM_FLAGS then go in JAVA_OPTS, after the launcher's. Without it, `java FLAGS -jar JAR` and no archive.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/sim.sh
. bench/sim.sh
records=${1:-50000}
concurrency=${2:-64}
latency=${3:-20ms}
rounds=${4:-3}
jars=${STRIDE_JARS:-cli-app/target/stride.jar}
for jar in $jars; do
  [ -f "$jar" ] || { echo "no jar at $jar (build it: ./mvnw -o -q -B -DskipTests package -pl cli-app -am)" >&2; exit 1; }
done
server_jar=${jars%% *}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/in.jsonl" "$records" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"r{i}", "prompt": f"Short question number {i}?"}) + "\n")
PY
start_sim "$server_jar" "$latency" "$work/sim.log"
via_launcher=${STRIDE_LAUNCHER:-}
if [ -n "$via_launcher" ]; then
  head -n 2000 "$work/in.jsonl" > "$work/warm.jsonl"
  for jar in $jars; do
    # The launcher records its archive by a run that sends requests, and maps it from the next start on.
    abs=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
    rm -f "${abs%.jar}.jsa" "${abs%.jar}.jsa.kept"
    STRIDE_JAR=$abs ./stride run "$work/warm.jsonl" --db "$work/warm-$$.db" --model bench --log-every 0 \
      --base-url "$url" --concurrency "$concurrency" > /dev/null
    rm -f "$work/warm-$$.db"*
    [ -f "${abs%.jar}.jsa.kept" ] || { echo "cpu.sh: the launcher kept no class-data archive for $jar" >&2; exit 1; }
  done
fi
flagsets=("${STRIDE_JVM_FLAGS:-}")
[ -n "${STRIDE_JVM_FLAGS_ALT+x}" ] && flagsets+=("${STRIDE_JVM_FLAGS_ALT}")
echo "records $records, concurrency $concurrency, server latency $latency, $rounds rounds; $(uptime | sed 's/.*load/load/')"
for round in $(seq "$rounds"); do
  for jar in $jars; do
    for flags in "${flagsets[@]}"; do
      db="$work/run.db"; rm -f "$db" "$db-wal" "$db-shm"
      # shellcheck disable=SC2086 # the flags are a list of options, split on purpose
      if [ -n "$via_launcher" ]; then
        start=(env "STRIDE_JAR=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")" "JAVA_OPTS=$flags" ./stride)
        label="launcher${flags:+ $flags}"
      else
        start=(java $flags -jar "$jar")
        label=$flags
      fi
      python3 - "$records" "$jar" "$label" "$work/results.tsv" -- "${start[@]}" run \
        "$work/in.jsonl" --db "$db" --model bench --log-every 0 --base-url "$url" \
        --concurrency "$concurrency" ${STRIDE_RUN_ARGS:-} <<'PY'
import resource, subprocess, sys, time
n, jar, flags, results = int(sys.argv[1]), sys.argv[2], sys.argv[3] or "-", sys.argv[4]
start = time.monotonic()
subprocess.run(sys.argv[6:], stdout=subprocess.DEVNULL, check=True)
wall = time.monotonic() - start
used = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used.ru_utime + used.ru_stime
print(f"{jar} [{flags}]: CPU {cpu * 1000 / n:.3f} ms/prediction ({cpu:.1f} s), {n / wall:.0f} predictions/s wall"
      f" ({wall:.1f} s), max RSS {used.ru_maxrss // 1024} MB, context switches {used.ru_nvcsw / n:.2f} voluntary"
      f" + {used.ru_nivcsw / n:.2f} involuntary per prediction", flush=True)
with open(results, "a") as out:
    out.write(f"{jar}\t{flags}\t{cpu * 1000 / n:.3f}\t{n / wall:.0f}\n")
PY
    done
  done
done
echo "medians (CPU ms/prediction):"
python3 - "$work/results.tsv" <<'PY'
import collections, statistics, sys
by = collections.OrderedDict()
for line in open(sys.argv[1]):
    jar, flags, ms, rate = line.rstrip("\n").split("\t")
    by.setdefault((jar, flags), []).append((float(ms), float(rate)))
for (jar, flags), v in by.items():
    print(f"  {jar} [{flags}]: {statistics.median(m for m, _ in v):.3f} ms CPU/prediction,"
          f" {statistics.median(r for _, r in v):.0f} predictions/s wall (runs: {', '.join(f'{m:.3f}' for m, _ in v)})")
PY
echo "$(uptime | sed 's/.*load/load/') at the end"
