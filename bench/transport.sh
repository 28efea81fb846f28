#!/usr/bin/env bash
# The CPU floor of the HTTP transport (issue 15, item 3): how much of stride's CPU per prediction the transport alone
# costs, and what another transport would cost. Each row is a process of its own against `stride serve-sim` in another
# process, JVM start included, with the launcher's JIT and collector flags:
#   client   stride's ModelClient (for http://, its lean transport PlainHttp1), the request's JSON, the answer parsed
#   okhttp   OkHttp's blocking calls with its defaults, body read whole and nothing else, a thread per request
#   blocking a bare HTTP/1.1 client (a probe, ~40 lines) on plain sockets, a thread per request: the shape's own cost
#   nio      the same bare client on one selector thread: the floor of a non-blocking transport
#   jdk      the JDK's HttpClient with sendAsync (non-blocking, in the JDK)
#   stride   the whole CLI through ./stride on a new database (JSON, SQLite, cursor, everything)
# The jars are built first when missing, or when the bench jar predates the probe. Rounds alternate the rows; the
# medians are printed with the load average.
# Usage: bench/transport.sh [REQUESTS [IN_FLIGHT [LATENCY [ROUNDS [ROWS...]]]]]   defaults: 50000 64 20ms 3, every row
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/sim.sh
. bench/sim.sh
requests=${1:-50000}
inflight=${2:-64}
latency=${3:-20ms}
rounds=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(client okhttp blocking nio jdk stride)
bench_jar=bench/target/stride-bench.jar
cli_jar=cli-app/target/stride.jar
# grep reads the whole listing: with -q it could stop early, and pipefail would take jar's SIGPIPE for a miss.
if [ ! -f "$cli_jar" ] || [ ! -f "$bench_jar" ] || ! jar tf "$bench_jar" | grep 'dev/stride/bench/TransportProbe.class' >/dev/null; then
  ./mvnw -q -B ${MVNW_OPTS:-} -Pbench -DskipTests package -pl cli-app,bench -am
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
start_sim "$cli_jar" "$latency" "$work/sim.log"
python3 - "$work/in.jsonl" "$requests" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write('{"id":"r%d","prompt":"Short question number %d?"}\n' % (i, i))
PY
# The launcher records its class-data archive at a run that sends its requests (a dry run records none): one
# unmeasured run first, against port 1, which refuses the connection; the run ends there, archive kept.
./stride run "$work/in.jsonl" --db "$work/warm.db" --model bench --base-url http://127.0.0.1:1/v1 > /dev/null 2>&1 \
  || true
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms16m"
echo "$requests requests, $inflight in flight, server latency $latency, $rounds rounds; $(uptime | sed 's/.*load/load/')"
for round in $(seq "$rounds"); do
  for row in "${rows[@]}"; do
    rm -f "$work"/run.db*
    if [ "$row" = stride ]; then
      cmd=(./stride run "$work/in.jsonl" --db "$work/run.db" --model bench --log-every 0 --base-url "$url"
           --concurrency "$inflight")
    else
      # shellcheck disable=SC2206 # the flags are a list of options, split on purpose
      cmd=(java $flags -cp "$bench_jar" dev.stride.bench.TransportProbe "$row" "$url" "$requests" "$inflight")
    fi
    python3 - "$row" "$requests" "$work/results.tsv" "${cmd[@]}" <<'PY'
import resource, subprocess, sys, time
row, n, results, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
start = time.monotonic()
subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
wall = time.monotonic() - start
used = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used.ru_utime + used.ru_stime
print(f"{row:8s} {cpu * 1000 / n:.3f} ms CPU/request ({cpu:.1f} s), {n / wall:.0f} requests/s wall ({wall:.1f} s)",
      flush=True)
with open(results, "a") as out:
    out.write(f"{row}\t{cpu * 1000 / n:.3f}\t{n / wall:.0f}\n")
PY
  done
done
echo "medians (CPU ms per request, JVM start included):"
python3 - "$work/results.tsv" "${rows[@]}" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    row, cpu, rate = line.split("\t")
    rows.setdefault(row, []).append((float(cpu), int(rate)))
for row in sys.argv[2:]:
    runs = rows[row]
    print(f"  {row:8s} {statistics.median(c for c, _ in runs):.3f} ms, {statistics.median(r for _, r in runs):.0f} requests/s"
          f" (runs: {', '.join(f'{c:.3f}' for c, _ in runs)})")
PY
echo "load average at the end: $(uptime | sed 's/.*average: //')"
