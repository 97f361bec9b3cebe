"""Scratch: py-spy the gunicorn worker under wrk load (not committed)."""
import os, signal, subprocess, sys, time, collections
sys.path.insert(0, "bench")
from common import INSTANCE, school_database, start_gunicorn, http_sign_in
from diary import guardians, LUA
url, drop = school_database("postgresql", "spy")
server = None
try:
    people = guardians(url, 8)
    server, base = start_gunicorn(url, 1)
    targets = []
    for login, student in people:
        cookie, _ = http_sign_in(base, login)
        path = os.environ.get("P") or f"/diary/{student}"
        targets.append(f'{{"{path}", "{cookie}"}}')
    script = INSTANCE / "spy.lua"; script.write_text(LUA % ", ".join(targets))
    time.sleep(1)
    workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()]
    wrk = subprocess.Popen(["wrk", "-t1", "-c4", "-d14s", "-s", str(script), base], stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    subprocess.run([".venv/bin/py-spy", "record", "-p", str(workers[0]), "-d", "10", "-r", "500", "--format", "raw",
                    "-o", "/tmp/spy.raw", "--nonblocking"], capture_output=True)
    print(wrk.communicate()[0])
finally:
    if server: os.killpg(server.pid, signal.SIGTERM); server.wait()
    drop()
# aggregate: inclusive samples per function
incl = collections.Counter(); own = collections.Counter(); total = 0
for line in open("/tmp/spy.raw"):
    stack, n = line.rstrip().rsplit(" ", 1); n = int(n); total += n
    frames = stack.split(";")
    seen = set()
    for f in frames:
        key = f.split(" (")[0] + " " + f.split("/")[-1][:40] if "(" in f else f
        if key not in seen: incl[key] += n; seen.add(key)
    own[frames[-1]] += n
print("total samples", total)
for k, v in incl.most_common(int(os.environ.get("TOP", "90"))): print(f"{100*v/total:5.1f}% {k[:150]}")
print("--- own")
for k, v in own.most_common(30): print(f"{100*v/total:5.1f}% {k[:150]}")
