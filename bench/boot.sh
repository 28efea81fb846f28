#!/usr/bin/env bash
# The time before the first request (issue 15, "64 in flight, 20 ms"): wall and CPU of `stride run` for a few
# records and for 12,800, through the launcher, two builds alternated.
# Usage: STRIDE_JARS="old.jar new.jar" bench/boot.sh [REPEATS] [URL]
#   URL: a warm OpenAI-compatible server (e.g. `java -jar stride.jar serve-sim --port 0 --latency 20ms`, warmed with a
#   few thousand requests); without one, the script starts serve-sim at 20 ms and warms it.
# Prints one line per run and the medians per jar and size. Each jar gets one unmeasured run first (its CDS archive).
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
url=${2:-}
jars=${STRIDE_JARS:-cli-app/target/stride.jar}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import json, sys
for n in (10, 12800):
    with open(f"{sys.argv[1]}/in-{n}.jsonl", "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"r{i}", "prompt": f"Short question number {i}?"}) + "\n")
PY
if [ -z "$url" ]; then
  first=${jars%% *}
  java -jar "$first" serve-sim --port 18437 --latency 20ms > "$work/sim.log" 2>&1 &
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:18437/health" >/dev/null && break; sleep 0.1; done
  url="http://127.0.0.1:18437/v1"
  ./stride run "$work/in-12800.jsonl" --db "$work/warm.db" --model bench --log-every 0 --base-url "$url" \
    --concurrency 64 >/dev/null 2>&1
fi
for jar in $jars; do # the CDS archive of each jar
  STRIDE_JAR=$jar ./stride run "$work/in-10.jsonl" --db "$work/cds.db" --model bench --log-every 0 --base-url "$url" \
    >/dev/null 2>&1; rm -f "$work/cds.db"
done
echo "load before: $(uptime)"
python3 - "$work" "$url" "$repeats" $jars <<'PY'
import os, resource, statistics, subprocess, sys, time
work, url, repeats, jars = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
results = {}
for r in range(repeats):
    for n in (10, 12800):
        for jar in jars:
            db = f"{work}/run.db"
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.monotonic()
            subprocess.run(["./stride", "run", f"{work}/in-{n}.jsonl", "--db", db, "--model", "bench",
                            "--log-every", "0", "--base-url", url, "--concurrency", "64"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                           env=dict(os.environ, STRIDE_JAR=jar))
            wall = time.monotonic() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            results.setdefault((jar, n), []).append((wall, cpu))
            print(f"{jar} {n:>6} records: wall {wall:.3f} s, CPU {cpu:.3f} s", flush=True)
for (jar, n), runs in sorted(results.items(), key=lambda kv: (kv[0][1], jars.index(kv[0][0]))):
    walls = [w for w, _ in runs]
    cpus = [c for _, c in runs]
    ratio = f", {n / 3200 / statistics.median(walls):.3f} of Little's law" if n == 12800 else ""
    print(f"median {jar} {n:>6} records: wall {statistics.median(walls):.3f} s, CPU {statistics.median(cpus):.3f} s{ratio}")
PY
echo "load after: $(uptime)"
