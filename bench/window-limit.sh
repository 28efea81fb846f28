#!/usr/bin/env bash
# A hosted budget that comes back whole at the end of each window (a fixed window, as many gateways count) instead of
# dripping back at its pace (OpenAI's bucket): the server below allows LIMIT requests per WINDOW seconds, says so in
# OpenAI's x-ratelimit-* headers on every answer (the reset: when the window ends) and refuses the rest with a bare
# 429, no Retry-After. Prints, per jar, the run's wall time and the 429s the server sent. The least a run can take is
# the windows its records need (RECORDS / LIMIT - 1 of them waited out), plus its start.
# Usage: bench/window-limit.sh [RECORDS [LIMIT [WINDOW]]]   defaults: 60 40 60 (about a minute a jar)
#   STRIDE_JARS="old.jar new.jar" alternates several builds (default: cli-app/target/stride.jar).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-60}
limit=${2:-40}
window=${3:-60}
jars=${STRIDE_JARS:-cli-app/target/stride.jar}
for jar in $jars; do
  [ -f "$jar" ] || {
    echo "no jar at $jar (build it: ./mvnw -o -q -B -DskipTests package -pl cli-app -am)" >&2
    exit 1
  }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18461
python3 - "$work/in.jsonl" "$records" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"id": f"r{i}", "prompt": f"Short question number {i}?"}) + "\n")
PY
cat > "$work/server.py" <<'PY'
import http.server, json, sys, threading, time
port, limit, window = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
lock = threading.Lock()
state = {"window": 0, "used": 0, "answered": 0, "refused": 0}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # /stats
        with lock:
            self.reply(200, {"answered": state["answered"], "refused": state["refused"]})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = time.monotonic() - start
        with lock:
            current = int(now // window)
            if current != state["window"]:
                state["window"], state["used"] = current, 0
            admitted = state["used"] < limit
            state["used" if admitted else "refused"] += 1
            state["answered"] += admitted
            said = [("x-ratelimit-limit-requests", str(limit)),
                    ("x-ratelimit-remaining-requests", str(limit - state["used"])),
                    ("x-ratelimit-reset-requests", f"{(current + 1) * window - now:.3f}s")]
        if not admitted:
            self.reply(429, {"error": {"message": "Rate limit reached for requests", "code": "rate_limit_exceeded"}},
                       said)
            return
        time.sleep(0.02)
        self.reply(200, {"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": "yes"},
                                      "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9}}, said)

http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
echo "$records records, $limit requests per ${window} s window; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for jar in $jars; do
  python3 "$work/server.py" $port "$limit" "$window" &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/stats" >/dev/null && break; sleep 0.1; done
  db="$work/run.db"; rm -f "$db" "$db-wal" "$db-shm"
  start=$(date +%s.%N)
  java -XX:TieredStopAtLevel=1 -jar "$jar" run "$work/in.jsonl" --db "$db" --model m --log-every 0 \
    --base-url "http://127.0.0.1:$port/v1" --concurrency 8 > "$work/run.log" 2>&1 || true
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  stats=$(curl -s "http://127.0.0.1:$port/stats")
  done_count=$(sqlite3 "$db" "select count(*) from predictions where status = 'done'")
  printf '%s: %s of %s done in %.1f s; server %s\n' "$jar" "$done_count" "$records" "$wall" "$stats"
  kill $server; wait $server 2>/dev/null || true
done
