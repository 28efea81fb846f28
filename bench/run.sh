#!/usr/bin/env bash
# The whole benchmark table in one command (a few minutes on 2 cores): end-to-end runs against the in-process
# simulator (concurrency, checkpoint cost vs a no-op store, instant server vs a plain loop and the seed's design),
# one million records (ingest, -Xmx128m, resume, status, size), startup, and JMH on the SQLite store.
# Usage: bench/run.sh [SECTION,...]   sections: concurrency,checkpoint,instant,scale,startup,jmh (default: all)
# The rows are printed as Markdown and kept in bench/target/results.md. Not part of ./mvnw verify.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -Pbench -DskipTests package -pl cli-app,bench -am
mkdir -p bench/target
out=bench/target/results.md
: > "$out"
only=()
[ $# -gt 0 ] && only=(--only "$1")
java ${JAVA_OPTS:-} -jar bench/target/stride-bench.jar --jar cli-app/target/stride.jar --out "$out" "${only[@]}"
