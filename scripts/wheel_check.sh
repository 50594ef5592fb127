#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment outside the checkout and,
# from an empty folder, run what a new user runs first: init, a dispatch plan on a few
# incidents, a shipped drill. Checks that the wheel installs one top-level package.
# Usage: scripts/wheel_check.sh [PYTHON]   (default: python3)
set -euo pipefail
python="${1:-python3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { printf '\n$ %s\n' "$*"; "$@"; }

"$python" -m venv "$work/build-env"
"$work/build-env/bin/pip" install --quiet --upgrade pip build
step "$work/build-env/bin/python" -m build --wheel --outdir "$work/dist" "$root" > "$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
if grep -i "deprecat" "$work/build.log"; then
    echo "the build printed a deprecation warning (above)"; exit 1
fi
wheel=$(ls "$work"/dist/relief-*.whl)
printf 'wheel: %s (%s bytes)\n' "$(basename "$wheel")" "$(stat -c %s "$wheel")"

tops=$("$python" - "$wheel" <<'PY'
import sys, zipfile
names = {n.split("/")[0] for n in zipfile.ZipFile(sys.argv[1]).namelist()}
print(" ".join(sorted(n for n in names if not n.endswith(".dist-info"))))
PY
)
echo "top-level names in the wheel: $tops"
[ "$tops" = "relief" ] || { echo "expected only 'relief' at the top level"; exit 1; }

"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
step "$work/venv/bin/pip" install --quiet "$wheel"
mkdir "$work/empty"
cd "$work/empty"
export PATH="$work/venv/bin:$PATH" RELIEF_ACTOR=check
step relief --version
step relief init
cat > incidents.csv <<'CSV'
name,lon,lat,people,priority
Aohan earthquake,119.92,42.29,4500,1
Xilinhot blizzard,116.08,43.94,800,2
Ejina flood,101.07,41.96,300,3
CSV
step relief incident import incidents.csv
step relief dispatch plan
step relief drill scenarios
step relief drill run chifeng-m6-winter
step relief stock verify
printf '%s\n' 'a passphrase for the check' > password.txt
step relief user add admin --role admin --password-file password.txt
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
relief serve --port "$port" > serve.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
step "$work/venv/bin/python" - "$port" <<'PY'
# the installed server answers its pages, its vendored files and a sign-in
import sys, time, urllib.parse, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(150):
    try:
        urllib.request.urlopen(base + "/login", timeout=2)
        break
    except OSError:
        time.sleep(0.2)
for path in ("/login", "/docs", "/static/vendor/leaflet.js", "/static/vendor/htmx.min.js",
             "/static/swagger/swagger-ui-bundle.js", "/openapi.json"):
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        print(path, answer.status, len(answer.read()), "bytes")
form = urllib.parse.urlencode({"username": "admin", "password": "a passphrase for the check"}).encode()
with urllib.request.urlopen(base + "/api/token", data=form, timeout=30) as answer:
    print("/api/token", answer.status)
PY
kill "$server"
wait "$server" 2>/dev/null || true
rm serve.log password.txt
leftover=$(ls -A | sort | tr '\n' ' ')
echo "files in the working folder: $leftover"
echo "wheel check passed"
