# Sourced by the bench scripts: start_sim JAR LATENCY LOG [SERVE-SIM OPTIONS...] starts `stride serve-sim` in the
# background on a free port the simulator picks and says (a fixed port would measure whatever server already holds it,
# without a word), waits until it answers, and sets `url` to its API base and `sim` to its pid; it exits 1, with the
# simulator's own message, if it did not start. The caller's EXIT trap kills its background jobs.
start_sim() {
  local jar=$1 latency=$2 log=$3
  shift 3
  java -jar "$jar" serve-sim --port "${STRIDE_BENCH_PORT:-0}" --latency "$latency" "$@" > "$log" 2>&1 &
  sim=$!
  url=""
  for _ in $(seq 300); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/v1' "$log" | head -n 1 || true)
    [ -n "$url" ] && curl -sf "${url%/v1}/health" >/dev/null && return 0
    url=""
    sleep 0.1
  done
  echo "$(basename "$0"): serve-sim did not start: $(cat "$log")" >&2
  exit 1
}

# write_questions FILE N: N short JSONL records ({"id": "r0", "prompt": "Short question number 0?"}, ...).
write_questions() {
  python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"r{i}", "prompt": f"Short question number {i}?"}) + "\n")
PY
}
