#!/usr/bin/env bash
# Start posc-sim in the background, wait until it is ready, run a scenario suite against it,
# write its JUnit report, stop the server. The exit status is the suite's: 0 when every
# scenario passed, 1 when any failed or could not run.
#
#   bash posc-sim-scenarios.sh [SCENARIO FILES OR FOLDERS...]   (none: the built-in suite)
#
# Environment (all optional):
#   POSC_PORT      port on 127.0.0.1 (default 8080)
#   POSC_REPORT    JUnit XML file to write (default posc-sim-junit.xml)
#   POSC_LOG       the server's output (default posc-sim-server.log)
#   POSC_CLIENT    your client's command, run once per scenario (default: the reference client)
#   POSC_WORKERS   server worker processes (default 2)
set -euo pipefail

port="${POSC_PORT:-8080}"
report="${POSC_REPORT:-posc-sim-junit.xml}"
log="${POSC_LOG:-posc-sim-server.log}"
url="http://127.0.0.1:${port}"
data_dir="$(mktemp -d)"

posc-sim serve --port "$port" --data-dir "$data_dir" --workers "${POSC_WORKERS:-2}" >"$log" 2>&1 &
server=$!
stop_server() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$data_dir"
}
trap stop_server EXIT

# Ready once seeding finished: /_sim/v1/ready answers 200 (Python is there: posc-sim needs it).
python - "$url/_sim/v1/ready" "$server" <<'PY' || { cat "$log"; exit 1; }
import os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
token = os.environ.get("POSC_SIM_ADMIN_TOKEN")
request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("posc-sim serve exited before it was ready")
    time.sleep(0.5)
sys.exit("posc-sim serve was not ready in 120 s")
PY

client=()
if [ -n "${POSC_CLIENT:-}" ]; then
    client=(--client "$POSC_CLIENT")
fi
posc-sim scenario run "$@" --url "$url" --junit-xml "$report" "${client[@]}"
