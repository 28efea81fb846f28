#!/usr/bin/env bash
# Issue 15's end-to-end targets, measured as a user runs stride: the CLI through the `stride` launcher in its own JVM
# (JVM start included), the simulator (`stride serve-sim`) in another process, on this machine. Prints each target
# with its figure, the ratio and PASS/FAIL, and the CLI's CPU time and peak resident memory (getrusage of the child).
#
# Usage: bench/e2e.sh [TARGET...]     targets: little64 seed wrk little1024 (default: all four, about 3 min idle)
# Environment:
#   STRIDE_JAR=path       another build of the CLI jar, run through this checkout's launcher (its JVM flags)
#   STRIDE_LAUNCHER=path  another checkout's `stride` launcher (its flags and its jar), for a before/after
#   WRK_CONNECTIONS="16 64"  wrk's connection counts to try (the best rate is the reference)
#   STRIDE_WRK_CONCURRENCY=64  stride's concurrency in the wrk comparison
#   MVNW_OPTS=-o          passed to the Maven wrapper when a jar has to be built
#   E2E_COLD_SERVER=1     little64 and little1024 against a freshly started simulator (default: each simulator is
#                         warmed by an unmeasured run first)
#   E2E_KEEP=1            keep the work directory (inputs, databases, logs) and print where it is
# Needs: java 17+, python3, curl, wrk (Debian: apt-get install wrk; installed here when missing and running as root).
# The machine's load is printed first: on a shared machine wall-clock figures are noise; compare CPU figures, and
# re-run on a quiet machine for the record.
set -euo pipefail
set -m # background jobs get their own process group and keep SIGINT/SIGTERM handling (see TOOLCHAIN.md)
cd "$(dirname "$0")/.."
root=$PWD
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(little64 seed wrk little1024)
wants() { local t; for t in "${targets[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

launcher=${STRIDE_LAUNCHER:-$root/stride}
jar=${STRIDE_JAR:-$(dirname "$launcher")/cli-app/target/stride.jar}
bench_jar=$root/bench/target/stride-bench.jar
if [ ! -f "$jar" ]; then
  [ -z "${STRIDE_JAR:-}" ] || { echo "e2e: STRIDE_JAR=$jar does not exist" >&2; exit 2; }
  (cd "$(dirname "$launcher")" && ./mvnw -q -B ${MVNW_OPTS:-} -DskipTests package -pl cli-app -am)
fi
if wants seed && [ ! -f "$bench_jar" ]; then
  ./mvnw -q -B ${MVNW_OPTS:-} -Pbench -DskipTests package -pl bench -am
fi
if wants wrk && ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
  else
    echo "e2e: wrk is missing: install it (Debian/Ubuntu: sudo apt-get install wrk) or leave out the 'wrk' target" >&2
    exit 2
  fi
fi
export STRIDE_JAR=$jar
export LC_ALL=C.UTF-8 # the CLI's messages in English, whatever the machine's locale

work=$(mktemp -d "${TMPDIR:-/tmp}/stride-e2e.XXXXXX")
servers=()
cleanup() {
  local pid
  for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${E2E_KEEP:-}" ]; then echo "e2e: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# measure LOG -- COMMAND...: runs COMMAND with its output in LOG and prints "wall cpu maxrss_mb exit" of that process
# (os.wait4: the rusage of this child alone; the launcher execs the JVM, so it is the JVM's).
cat > "$work/measure.py" <<'PY'
import os, subprocess, sys, time
log, cmd = sys.argv[1], sys.argv[3:]
with open(log, "wb") as out:
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
print(f"{wall:.3f} {ru.ru_utime + ru.ru_stime:.3f} {ru.ru_maxrss / 1024:.0f} {os.waitstatus_to_exitcode(status)}")
PY
measure() { python3 "$work/measure.py" "$@"; }

# serve LATENCY: starts `stride serve-sim` on a free port (it picks one and says it) and sets $url.
serve() {
  local log="$work/sim-$1.log"
  java -jar "$jar" serve-sim --port 0 --latency "$1" > "$log" 2>&1 &
  servers+=($!)
  url=""
  for _ in $(seq 300); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/v1' "$log" | head -n 1 || true)
    [ -n "$url" ] && curl -sf "${url%/v1}/health" >/dev/null && return 0
    sleep 0.1
  done
  echo "e2e: serve-sim did not start: $(cat "$log")" >&2
  exit 1
}
stop_servers() {
  local pid
  for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  servers=()
}

# The dataset: short questions, the same lines bench's Records makes (the seed's design asks the same prompts).
python3 - "$work/in.jsonl" 100000 <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write('{"id":"r%d","prompt":"Short question number %d?"}\n' % (i, i))
PY
input() { head -n "$1" "$work/in.jsonl" > "$work/in-$1.jsonl"; echo "$work/in-$1.jsonl"; }

# stride_run NAME RECORDS CONCURRENCY: one `stride run` on a new database; sets wall cpu rss rc and summary_rate.
stride_run() {
  local name=$1 n=$2 c=$3 file
  file=$(input "$n")
  read -r wall cpu rss rc < <(measure "$work/$name.log" -- "$launcher" run "$file" --db "$work/$name.db" \
    --model bench --base-url "$url" --concurrency "$c" --template 'Answer briefly: {{prompt}}')
  summary_rate=$(sed -n 's/.*Wall time:.*(\([0-9.,]*\) predictions\/s.*/\1/p' "$work/$name.log" | tr -d ',' | head -n 1)
  if [ "$rc" != 0 ]; then
    echo "e2e: stride run ($name) exited $rc:" >&2
    tail -n 20 "$work/$name.log" >&2
    exit 1
  fi
}
calc() { python3 -c "print(format($1, '$2'))"; }
verdict() { python3 -c "print('PASS' if $1 else 'FAIL')"; }
report_run() { # N: the CLI's own figures for the last stride_run
  echo "    stride: $1 records in ${wall} s wall = $(calc "$1/$wall" .0f)/s (the run's own summary, JVM start" \
    "excluded: ${summary_rate:-?}/s); CPU $cpu s = $(calc "$cpu*1000/$1" .3f) ms/prediction; peak RSS $rss MB"
}

echo "stride end-to-end targets (issue 15), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "launcher $launcher, jar $jar ($(git -C "$(dirname "$jar")" log -1 --format=%h 2>/dev/null || echo '?'));" \
  "$(java -version 2>&1 | head -n 1)"
"$launcher" --version > /dev/null # the launcher's JVM flags are valid

# Warm-up, not measured: the launcher's class-data sharing archive is recorded by a run that sends its requests (not
# by the --version above); a new one here, so every measured start maps this jar's run classes.
serve 0ms
rm -f "${jar%.jar}.jsa" "${jar%.jar}.jsa.kept"
stride_run warm-up 2000 16

if wants seed; then
  echo
  echo "Target: 20,000 records, instant server, concurrency 16: >= 5x the seed's design (both processes of their own," \
    "JVM start included)"
  read -r swall scpu srss src < <(measure "$work/seed.log" -- java -cp "$bench_jar" \
    dev.stride.bench.SeedDesignProcess "$url" 20000 16 10)
  [ "$src" = 0 ] || { echo "e2e: the seed's design failed:" >&2; cat "$work/seed.log" >&2; exit 1; }
  stride_run seed-stride 20000 16
  ratio=$(calc "$swall/$wall" .2f)
  echo "    seed's design (16-thread pool, whole map serialized every 10 results): 20000 records in $swall s wall =" \
    "$(calc "20000/$swall" .0f)/s ($(grep -o '[0-9.]*/s' "$work/seed.log" | tail -n 1) by its own clock); CPU $scpu s"
  report_run 20000
  echo "  => stride / seed's design = ${ratio}x (target >= 5x): $(verdict "$ratio >= 5")"
fi

if wants wrk; then
  c=${STRIDE_WRK_CONCURRENCY:-64}
  echo
  echo "Target: 100,000 records, instant server: >= 0.3 of wrk's request rate against the same server" \
    "(stride at concurrency $c, JVM start included)"
  cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench","messages":[{"role":"user","content":"Answer briefly: Short question number 12345?"}]}'
LUA
  best=0
  for conns in ${WRK_CONNECTIONS:-16 64}; do
    rate=$(wrk -t2 -c"$conns" -d10s -s "$work/post.lua" "$url/chat/completions" | awk '/Requests\/sec/ {print $2}')
    echo "    wrk -t2 -c$conns -d10s, a POST of a chat-completions body: $rate requests/s"
    best=$(calc "max($best, $rate)" .1f)
  done
  stride_run wrk-stride 100000 "$c"
  report_run 100000
  ratio=$(calc "100000/$wall/$best" .3f)
  echo "  => stride / wrk = $ratio (target >= 0.3): $(verdict "$ratio >= 0.3")"
fi
stop_servers

if wants little64; then
  echo
  echo "Target: 64 in flight, 20 ms server, 12,800 records, JVM start included: >= 0.85 of Little's law (3,200/s)"
  serve 20ms
  # A real inference server has been up for a while; a simulator started a moment ago still compiles its own code
  # (wrk reaches 0.87 of Little's law against a fresh one, 0.97 against a warm one). Warm it with an unmeasured run;
  # E2E_COLD_SERVER=1 measures against the fresh server instead.
  [ -n "${E2E_COLD_SERVER:-}" ] || stride_run little64-warm-up 12800 64
  stride_run little64 12800 64
  report_run 12800
  ratio=$(calc "12800/$wall/3200" .3f)
  echo "  => of Little's law: $ratio (target >= 0.85): $(verdict "$ratio >= 0.85")"
  stop_servers
fi

if wants little1024; then
  echo
  echo "Target: 1,024 in flight, 1 s server, 20,480 records, JVM start included: >= 0.90 of Little's law (1,024/s)," \
    "peak RSS <= 512 MB"
  serve 1s
  # Warmed as for little64, and more so here: a fresh simulator meets the first 1,024 connections at once with its
  # code uncompiled and a thread to start for each, and answered them up to 2.8 s late instead of 1 s (measured:
  # 24.8 s cold, 22.1 s warm for the same run). 4,096 records at 1,024 in flight start its threads (they stay: the
  # simulator keeps idle threads 30 s) and compile its first code. Its JIT goes on for a few runs more: its own CPU
  # for the measured run falls from 13.7 s to about 8 s by the third (BENCHMARKS.md), left as it is so that the
  # figures stay comparable with the earlier ones.
  [ -n "${E2E_COLD_SERVER:-}" ] || stride_run little1024-warm-up 4096 1024
  stride_run little1024 20480 1024
  report_run 20480
  ratio=$(calc "20480/$wall/1024" .3f)
  echo "  => of Little's law: $ratio (target >= 0.90): $(verdict "$ratio >= 0.9"); peak RSS $rss MB" \
    "(target <= 512): $(verdict "$rss <= 512")"
  stop_servers
fi
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
