#!/usr/bin/env bash
# Hosted rate limits, end to end: `stride serve-sim` enforcing a budget (with OpenAI's x-ratelimit-* headers and
# 429 + Retry-After) in one process, the CLI jar in another. For each case it prints the rate reached as a share of
# the allowed rate (JVM start included), the 429s the server sent, and the records that needed more than one attempt.
# Usage: bench/ratelimit.sh [RPM] [RECORDS]   (defaults 6000 and 3000: about 30 s a case)
# CASES="rpm-silent tpm-silent" runs only those cases (all by default); rpm-silent-auto and tpm-silent-auto are the
# silent ones at --concurrency auto.
# STRIDE_JAR=path measures another build. The server refuses bursts: its bucket holds one second of the budget
# (--rate-window 1s), far stricter than the minute OpenAI describes.
set -euo pipefail
cd "$(dirname "$0")/.."
rpm=${1:-6000}
records=${2:-3000}
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
port=18441
tpm=$((rpm * 30))   # about 25 tokens a request (prompt and an answer cut at 20): requests bind before tokens
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
case_run() { # name, server options, client options[, --concurrency: 32 unless given]
  local name=$1 server=$2 client=$3 concurrency=${4:-32}
  java -jar "$jar" serve-sim --port $port --latency 20ms --rate-window 1s $server > "$work/sim-$name.log" 2>&1 &
  local sim=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  local db="$work/$name.db"
  python3 - "$records" "$name" "$rpm" "$tpm" "$db" -- java ${JAVA_OPTS:-} -jar "$jar" run "$work/in.jsonl" --db "$db" \
    --model bench --log-every 0 --base-url "http://127.0.0.1:$port/v1" --concurrency "$concurrency" --max-tokens 20 \
    $client <<'PY'
import resource, sqlite3, subprocess, sys, time
n, name, rpm, tpm, db = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
start = time.monotonic()
subprocess.run(sys.argv[7:], stdout=subprocess.DEVNULL)  # exit 1 when records failed: counted below
wall = time.monotonic() - start
cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
n = sqlite3.connect(db).execute("select count(*) from predictions where status = 'done'").fetchone()[0]
if name.startswith("tpm"):
    tokens = sqlite3.connect(db).execute("select sum(prompt_tokens + completion_tokens) from predictions").fetchone()[0]
    share = f"{tokens / wall:.0f} tokens/s = {tokens / wall / (tpm / 60):.2f} of the allowed {tpm / 60:.0f}/s"
else:
    share = f"{n / wall / (rpm / 60):.2f} of the allowed {rpm / 60:.0f}/s"
print(f"{name:<17} {n} records done in {wall:5.1f} s = {n / wall:6.1f}/s, {share} (JVM start included);"
      f" CLI CPU {cpu.ru_utime + cpu.ru_stime:.1f} s")
PY
  kill $sim; wait $sim 2>/dev/null || true
  local served; served=$(grep -o 'Served [0-9]* requests ([^)]*)' "$work/sim-$name.log" || echo "Served ?")
  local retried; retried=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from predictions where attempts > 1\").fetchone()[0])" "$db")
  local failed; failed=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from predictions where status = 'failed'\").fetchone()[0])" "$db")
  echo "  server: $served; records with more than one attempt: $retried; records failed: $failed"
}
want() { [ -z "${CASES:-}" ] || case " $CASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
want rpm-given        && case_run "rpm-given"      "--rpm $rpm" "--rpm $rpm"
want headers-only     && case_run "headers-only"   "--rpm $rpm" ""
want tpm-given        && case_run "tpm-given"      "--tpm $tpm" "--tpm $tpm"
want tpm-headers-only && case_run "tpm-headers-only" "--tpm $tpm" ""
want rpm-given-auto   && case_run "rpm-given-auto" "--rpm $rpm" "--rpm $rpm" auto   # --concurrency auto paced by the gate
# A server that says nothing of its budget but its 429s, to a run given none: each record waits its turn.
want rpm-silent       && case_run "rpm-silent"     "--rpm $rpm --no-rate-headers" ""
want tpm-silent       && case_run "tpm-silent"     "--tpm $tpm --no-rate-headers" ""
want rpm-silent-auto  && case_run "rpm-silent-auto" "--rpm $rpm --no-rate-headers" "" auto
want tpm-silent-auto  && case_run "tpm-silent-auto" "--tpm $tpm --no-rate-headers" "" auto
true
