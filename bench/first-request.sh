#!/usr/bin/env bash
# Time and CPU before the first request (issue 15, ingest): the CLI through the `./stride` launcher on a new database,
# from its start to the moment its first connection reaches a listening socket; the CLI is then killed (SIGKILL), so
# the figures are its JVM start, schema creation and ingest alone. CPU is the child's user + system (getrusage).
# Jars are alternated, round by round; the medians are printed with the load average.
# Usage: bench/first-request.sh [RECORDS [ROUNDS]]   defaults: 100000 3
#   STRIDE_JARS="old.jar new.jar" (default: cli-app/target/stride.jar), each run through this checkout's launcher.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000}
rounds=${2:-3}
jars=${STRIDE_JARS:-cli-app/target/stride.jar}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/in.jsonl" "$records" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write('{"id":"r%d","prompt":"Short question number %d?"}\n' % (i, i))
PY
# One unmeasured run per jar first: the launcher records its class-data archive at a run that sends its requests
# (a dry run records none). Port 1 refuses the connection, and the run ends there with its session, archive kept.
for jar in $jars; do
  STRIDE_JAR="$jar" ./stride run "$work/in.jsonl" --db "$work/warm.db" --model bench \
    --base-url http://127.0.0.1:1/v1 > /dev/null 2>&1 || true
  rm -f "$work"/warm.db*
done
echo "records $records, $rounds rounds; $(uptime | sed 's/.*load/load/')"
for round in $(seq "$rounds"); do
  for jar in $jars; do
    rm -f "$work"/run.db*
    STRIDE_JAR="$jar" python3 - "$jar" "$work/results.tsv" "$work/in.jsonl" "$work/run.db" <<'PY'
import os, resource, signal, socket, subprocess, sys, time
jar, results, data, db = sys.argv[1:5]
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(64)
port = server.getsockname()[1]
t0 = time.monotonic()
p = subprocess.Popen(["./stride", "run", data, "--db", db, "--model", "bench", "--log-every", "0",
                      "--base-url", f"http://127.0.0.1:{port}/v1", "--concurrency", "64"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
conn, _ = server.accept()
first = time.monotonic() - t0
p.send_signal(signal.SIGKILL)
p.wait()
used = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = used.ru_utime + used.ru_stime
print(f"{jar}: first request after {first:.2f} s wall, {cpu:.2f} s CPU", flush=True)
with open(results, "a") as out:
    out.write(f"{jar}\t{first:.3f}\t{cpu:.3f}\n")
PY
  done
done
python3 - "$work/results.tsv" <<'PY'
import collections, statistics, sys
by = collections.OrderedDict()
for line in open(sys.argv[1]):
    jar, wall, cpu = line.rstrip("\n").split("\t")
    by.setdefault(jar, []).append((float(wall), float(cpu)))
for jar, v in by.items():
    print(f"  {jar}: median {statistics.median(w for w, _ in v):.2f} s wall, {statistics.median(c for _, c in v):.2f} s CPU"
          f" before the first request (runs: {', '.join(f'{w:.2f}/{c:.2f}' for w, c in v)})")
PY
echo "$(uptime | sed 's/.*load/load/') at the end"
