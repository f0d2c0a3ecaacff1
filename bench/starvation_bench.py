#!/usr/bin/env python3
"""Slow and greedy clients against a live daemon (issue 14, item 5).

  python3 bench/starvation_bench.py [--corpus DIR] [--slow 64] [--streams 40]
                                    [--clients 16] [--seconds 30] [--bin PATH]
                                    [--health-timeout 5]

With a forced reindex of the corpus running, it opens --streams reindex
progress streams (SSE; the daemon allows 16, the rest must get 503 at once)
and --slow connections that send their request head a byte a second (each
cut off by the daemon's 10 s head deadline is reopened), then measures:
  - /health over a fresh connection, 50 times: p50, p95, max;
  - --clients clients for --seconds mixing search (70%), status (15%) and list
    (15%) over keep-alive connections: requests, errors, p50/p95/p99;
and prints the streams accepted and refused, the 408s the slow clients got,
the daemon's peak RSS and the load average. The default corpus is the semble
dev split's trees (`python3 ../shared/eval/semble/export_repos.py`).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "trusty-search")
QUERIES = ["how are routes registered", "session management", "parse http header",
           "connection pool", "error handling middleware", "json serialization",
           "retry with backoff", "template rendering", "timer wheel", "config loading"]


def pct(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


class Daemon:
    def __init__(self, data):
        self.data = data
        subprocess.run([BIN, "--data-dir", data, "start"], check=True, capture_output=True)
        self.port = int(subprocess.run([BIN, "--data-dir", data, "port"], check=True,
                                       capture_output=True, text=True).stdout)
        with open(os.path.join(data, "token")) as f:
            self.token = f.read().strip()

    def request(self, conn, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        return resp.status, payload

    def call(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            return self.request(conn, method, path, body)
        finally:
            conn.close()

    def stop(self):
        subprocess.run([BIN, "--data-dir", self.data, "stop"], capture_output=True)


def wait_job_done(d, name, timeout=1800):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = d.call("GET", f"/indexes/{name}/status")
        info = json.loads(body)
        if status == 200 and (info.get("job") or {}).get("state") in ("done", "failed", "cancelled"):
            return info
        time.sleep(0.5)
    raise SystemExit("indexing did not finish")


def slow_client(port, stop, counts):
    """Sends a request head a byte a second; reopens when the daemon cuts it off."""
    head = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: " + "a" * 200
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            counts["connect_errors"] += 1
            time.sleep(1)
            continue
        s.settimeout(0.05)
        try:
            for ch in head:
                if stop.is_set():
                    break
                s.sendall(ch.encode())
                try:
                    got = s.recv(4096)
                except socket.timeout:
                    got = None
                if got is not None:
                    if got.startswith(b"HTTP/1.1 408"):
                        counts["timeouts_408"] += 1
                    break
                time.sleep(1)
        except OSError:
            pass
        finally:
            s.close()


def stream_client(d, name, stop, counts):
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=120)
    try:
        conn.request("GET", f"/indexes/{name}/reindex/stream",
                     headers={"Authorization": "Bearer " + d.token})
        resp = conn.getresponse()
        if resp.status != 200:
            counts["streams_refused"] += 1
            resp.read()
            return
        counts["streams_open"] += 1
        while not stop.is_set() and resp.fp is not None:
            if not resp.fp.readline():
                break
    except OSError:
        counts["stream_errors"] += 1
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="/var/tmp/semble-dev/repos")
    ap.add_argument("--slow", type=int, default=64)
    ap.add_argument("--streams", type=int, default=40)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--health-timeout", type=float, default=5,
                    help="seconds a /health call may take before it counts as unanswered")
    ap.add_argument("--bin", default=None, help="the CLI to start the daemon with (a baseline build)")
    args = ap.parse_args()
    global BIN
    BIN = args.bin or BIN
    tmp = tempfile.mkdtemp(prefix="ts-starve-")
    d = Daemon(os.path.join(tmp, "data"))
    try:
        name = "corpus"
        status, body = d.call("POST", "/indexes", {"path": os.path.abspath(args.corpus),
                                                     "name": name})
        if status != 202:
            raise SystemExit(f"cannot index {args.corpus}: {status} {body[:300]}")
        t0 = time.time()
        info = wait_job_done(d, name)
        print(f"initial index: {time.time() - t0:.1f} s, {info.get('files', '?')} files, "
              f"{info.get('chunks', '?')} chunks")

        stop = threading.Event()
        counts = {"timeouts_408": 0, "connect_errors": 0, "streams_open": 0,
                  "streams_refused": 0, "stream_errors": 0}

        def keep_reindexing():
            while not stop.is_set():
                try:
                    d.call("POST", f"/indexes/{name}/reindex", {"force": True})
                    while not stop.is_set():
                        _, b = d.call("GET", f"/indexes/{name}/status")
                        if (json.loads(b).get("job") or {}).get("state") in ("done", "failed"):
                            break
                        time.sleep(0.5)
                except (OSError, http.client.HTTPException):
                    time.sleep(1)  # a starved daemon: the load figures say so

        threads = [threading.Thread(target=keep_reindexing, daemon=True)]
        threads[0].start()
        time.sleep(1)
        for _ in range(args.streams):
            threads.append(threading.Thread(target=stream_client, args=(d, name, stop, counts),
                                            daemon=True))
        for _ in range(args.slow):
            threads.append(threading.Thread(target=slow_client, args=(d.port, stop, counts),
                                            daemon=True))
        for t in threads[1:]:
            t.start()
        time.sleep(3)  # every slow client and stream connected

        health, unanswered = [], 0
        for _ in range(50):
            t1 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=args.health_timeout)
            try:
                status, _ = d.request(conn, "GET", "/health")
                health.append((time.perf_counter() - t1) * 1000)
                if status != 200:
                    print(f"health status {status}")
            except (OSError, http.client.HTTPException):
                unanswered += 1
            finally:
                conn.close()
            time.sleep(0.05)
        if health:
            print(f"health under load (ms): p50 {pct(health, 0.5):.2f} "
                  f"p95 {pct(health, 0.95):.2f} max {max(health):.2f}; "
                  f"{unanswered} of 50 unanswered within {args.health_timeout:.0f} s")
        else:
            print(f"health under load: 50 of 50 unanswered within {args.health_timeout:.0f} s")

        lat, errors = [], []
        lock = threading.Lock()
        end = time.time() + args.seconds

        def client(seed):
            rnd = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
            while time.time() < end:
                r = rnd.random()
                t1 = time.perf_counter()
                try:
                    if r < 0.7:
                        st, _ = d.request(conn, "POST", f"/indexes/{name}/search",
                                          {"query": rnd.choice(QUERIES), "top_k": 10})
                    elif r < 0.85:
                        st, _ = d.request(conn, "GET", f"/indexes/{name}/status")
                    else:
                        st, _ = d.request(conn, "GET", "/indexes")
                    ok = st == 200
                except (OSError, http.client.HTTPException) as e:
                    ok, st = False, repr(e)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
                ms = (time.perf_counter() - t1) * 1000
                with lock:
                    lat.append(ms)
                    if not ok:
                        errors.append(st)
            conn.close()

        workers = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        print(f"load ({args.clients} clients, {args.seconds:.0f} s, during reindex): "
              f"{len(lat)} requests, {len(errors)} errors, p50 {pct(lat, 0.5):.2f} ms, "
              f"p95 {pct(lat, 0.95):.2f} ms, p99 {pct(lat, 0.99):.2f} ms")
        if errors:
            print(f"errors (first 5): {errors[:5]}")
        stop.set()
        print(f"streams: {counts['streams_open']} open, {counts['streams_refused']} refused (503), "
              f"{counts['stream_errors']} errors")
        print(f"slow clients: {args.slow}, cut off with 408: {counts['timeouts_408']}, "
              f"connect errors: {counts['connect_errors']}")
        with open(os.path.join(d.data, "daemon.pid")) as f:
            pid = f.read().strip()
        with open(f"/proc/{pid}/status") as f:
            hwm = [l.split()[1] for l in f if l.startswith("VmHWM")]
        print(f"daemon peak RSS: {int(hwm[0]) // 1024 if hwm else '?'} MB; "
              f"load average: {os.getloadavg()[0]:.2f}")
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
