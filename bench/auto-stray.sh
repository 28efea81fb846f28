#!/usr/bin/env bash
# --concurrency auto against a server that takes any number at once but refuses a share of its requests at random
# (a gateway's stray 503s or 429s), which say nothing of its load: serve-sim in its own process, the CLI jar in another,
# --max-concurrency 64. The limit should stay near 64. Prints, per jar and per draw of the refusals (serve-sim's
# --seed), the throughput over the second half of the run as a share of 64 in flight at the server's latency, and
# the average the server held at once (its own figures, GET /stats).
# Usage: bench/auto-stray.sh [SHARE [SEEDS [SECONDS]]]   defaults: 0.05 "1 2 3 4" 15
#   STRIDE_JARS="old.jar new.jar" alternates builds (default: cli-app/target/stride.jar); KIND=429 refuses with 429.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/sim.sh
. bench/sim.sh
share=${1:-0.05}
seeds=${2:-1 2 3 4}
seconds=${3:-15}
jars=${STRIDE_JARS:-cli-app/target/stride.jar}
kind=${KIND:-503}
latency_ms=50
max=64
records=$(( max * 1000 / latency_ms * seconds ))
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
write_questions "$work/in.jsonl" "$records"
echo "stray $kind share $share, $records records at --max-concurrency $max, ${latency_ms} ms;" \
  "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for seed in $seeds; do
  for jar in $jars; do
    start_sim "$jar" ${latency_ms}ms "$work/sim.log" --fail-$kind "$share" --retry-after 0s --seed "$seed"
    rm -f "$work/run.db"*
    java -jar "$jar" run "$work/in.jsonl" --db "$work/run.db" --model bench --log-every 0 \
      --base-url "$url" --concurrency auto --max-concurrency "$max" > "$work/run.log" 2>&1 \
      || { echo "run failed:"; cat "$work/run.log"; }
    curl -sf "${url%/v1}/stats" > "$work/stats.json"
    kill $sim; wait $sim 2>/dev/null || true
    python3 - "$work/stats.json" "$jar" "$seed" "$max" "$latency_ms" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
jar, seed, n, latency = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) / 1000
seconds = s["answeredBySecond"][:-1]  # the last second is cut short
half = seconds[len(seconds) // 2:]
steady = sum(half) / len(half) / (n / latency) if half else 0
print(f"{jar} seed {seed}: throughput / {n} in flight, second half {steady:.2f}; server held {s['averageInFlight']:.1f}"
      f" on average; {s['requests']} requests over {s['spanSeconds']:.1f} s", flush=True)
PY
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
