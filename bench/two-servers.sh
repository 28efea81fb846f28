#!/usr/bin/env bash
# --concurrency auto across two servers of one model that differ only in their slots (SMALL and LARGE at once, 50 ms
# each, refusing with 503 beyond that): how the answers split between them. Each server has its own learnt limit, so
# the large one should answer about LARGE/SMALL times as many. This is a rate, which the CLI's own CPU sets on a busy
# machine, so it is measured here and not asserted in a test (AutoConcurrencyTest.eachServerGetsItsOwnLimit failed
# on it under load: 1,548 against 852 answers); run it on a quiet machine.
# Usage: bench/two-servers.sh [RECORDS] (default 6000); SMALL=4 LARGE=16 pick the slots; STRIDE_JAR=path another build.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-6000}
small=${SMALL:-4}
large=${LARGE:-16}
jar=${STRIDE_JAR:-cli-app/target/stride.jar}
[ -f "$jar" ] || ./mvnw -q -B -DskipTests package -pl cli-app -am
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port_small=18451
port_large=18452
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/in.jsonl" "$records" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"r{i}", "prompt": f"Short question number {i}?"}) + "\n")
PY
java -jar "$jar" serve-sim --port $port_small --latency 50ms --max-concurrent "$small" --when-busy reject \
  > "$work/small.log" 2>&1 &
java -jar "$jar" serve-sim --port $port_large --latency 50ms --max-concurrent "$large" --when-busy reject \
  > "$work/large.log" 2>&1 &
for port in $port_small $port_large; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done
java ${JAVA_OPTS:-} -jar "$jar" run "$work/in.jsonl" --db "$work/two.db" --model bench --log-every 0 \
  --base-url "http://127.0.0.1:$port_small/v1" --base-url "http://127.0.0.1:$port_large/v1" \
  --concurrency auto > "$work/run.log" 2>&1 || { echo "run failed:"; cat "$work/run.log"; exit 1; }
curl -sf "http://127.0.0.1:$port_small/stats" > "$work/small.json"
curl -sf "http://127.0.0.1:$port_large/stats" > "$work/large.json"
python3 - "$work/small.json" "$work/large.json" "$small" "$large" <<'PY'
import json, sys
s, l = (json.load(open(p)) for p in sys.argv[1:3])
n_small, n_large = int(sys.argv[3]), int(sys.argv[4])
ok_s, ok_l = s["byOutcome"]["ok"], l["byOutcome"]["ok"]
def refused(x):
    return (x["byOutcome"]["busy"] + x["byOutcome"]["busy_429"]) / max(1, x["requests"])
ratio = ok_l / max(1, ok_s)
print("| server | slots | answered | refused / requests | avg in flight / slots |")
print("|---|---|---|---|---|")
print(f"| small | {n_small} | {ok_s} | {refused(s) * 100:.1f}% | {s['averageInFlight'] / n_small:.2f} |")
print(f"| large | {n_large} | {ok_l} | {refused(l) * 100:.1f}% | {l['averageInFlight'] / n_large:.2f} |")
print(f"large / small answered: {ratio:.2f} (slots say {n_large / n_small:.2f}; met if above half of that:"
      f" {'yes' if ratio > n_large / n_small / 2 else 'NO'})")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
