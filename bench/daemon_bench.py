#!/usr/bin/env python3
"""Daemon benchmark on the Linux kernel index (issue 5's figures).

  python3 bench/daemon_bench.py [--corpus DIR] [--load-seconds 60] [--clients 16]

Prints "key: value" lines:
  - search latency over HTTP, idle (one client, keep-alive), p50/p95;
  - kill -9 then restart: spawn -> port open, first search latency, total,
    and whether the top hit is the same as before the kill;
  - search p50/p95 while a forced reindex of the kernel runs, and the ratio to idle;
  - a load test: N clients for S seconds mixing search (70%), status (15%) and
    list (15%), once idle and once during a reindex: requests, errors,
    throughput, p50/p95/p99;
  - save -> searchable over 5 edits (median), and a deleted file disappearing;
  - the daemon's peak RSS.
The corpus comes from bench/run_kernel_bench.sh's cache (run that once first).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "trusty-search")


def pct(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None):
        # Bytes, so http.client sends headers and body in one write.
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                payload = resp.read()
                return resp.status, json.loads(payload) if payload else None
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 1:
                    raise
        return None


def cli(data, *args, check=True):
    r = subprocess.run([BIN, "--data-dir", data, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"{args} failed: {r.stderr}")
    return r


def port_of(data):
    return int(cli(data, "port").stdout)


def search_latencies(client, queries, repeat=1):
    lat = []
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            status, _ = client.request("POST", "/indexes/linux/search", {"query": q, "top_k": 10})
            lat.append((time.perf_counter() - t) * 1000)
            assert status == 200, status
    return lat


def job_running(client):
    _, st = client.request("GET", "/indexes/linux/status")
    return st.get("state") in ("indexing", "updating")


def load_test(port, queries, clients, seconds, label):
    stop = time.time() + seconds
    lat, errors, counts = [], [0], [0]
    lock = threading.Lock()

    def worker(seed):
        rnd = random.Random(seed)
        c = Client(port)
        local = []
        while time.time() < stop:
            r = rnd.random()
            t = time.perf_counter()
            try:
                if r < 0.70:
                    status, _ = c.request("POST", "/indexes/linux/search", {"query": rnd.choice(queries), "top_k": 10})
                elif r < 0.85:
                    status, _ = c.request("GET", "/indexes/linux/status")
                else:
                    status, _ = c.request("GET", "/indexes")
                ok = status == 200
            except Exception:
                ok = False
            ms = (time.perf_counter() - t) * 1000
            with lock:
                counts[0] += 1
                if not ok:
                    errors[0] += 1
            local.append(ms)
        with lock:
            lat.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - start
    print(f"load_{label}_requests: {counts[0]}")
    print(f"load_{label}_errors: {errors[0]}")
    print(f"load_{label}_rps: {counts[0] / elapsed:.0f}")
    print(f"load_{label}_p50_ms: {pct(lat, 0.50):.2f}")
    print(f"load_{label}_p95_ms: {pct(lat, 0.95):.2f}")
    print(f"load_{label}_p99_ms: {pct(lat, 0.99):.2f}")
    return pct(lat, 0.95)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(os.environ.get("TS_BENCH_CACHE", "/var/tmp/trusty-bench"),
                                                     "linux-source-6.1"))
    ap.add_argument("--load-seconds", type=int, default=60)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    if not os.path.isdir(args.corpus):
        sys.exit("corpus missing: run bench/run_kernel_bench.sh once first")
    subprocess.run(["make", "-C", ROOT, "build"], check=True, stdout=subprocess.DEVNULL)
    queries = [q.strip() for q in open(os.path.join(ROOT, "bench/queries/kernel.txt")) if q.strip()]
    data = tempfile.mkdtemp(prefix="ts-daemon-bench-", dir="/var/tmp")
    probe = os.path.join(args.corpus, "trusty_bench_probe.c")
    try:
        t = time.time()
        cli(data, "index", args.corpus, "--name", "linux")
        print(f"index_s: {time.time() - t:.1f}")
        c = Client(port_of(data))
        search_latencies(c, queries)  # warm
        idle = search_latencies(c, queries, repeat=5)
        print(f"idle_search_p50_ms: {pct(idle, 0.5):.2f}")
        print(f"idle_search_p95_ms: {pct(idle, 0.95):.2f}")
        _, before = c.request("POST", "/indexes/linux/search", {"query": "spin_lock_irqsave", "top_k": 1})

        # kill -9, then a new daemon: spawn -> port open -> first answer.
        pid = int(open(os.path.join(data, "daemon.pid")).read())
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        t0 = time.perf_counter()
        proc = subprocess.Popen([BIN, "--data-dir", data, "start", "--foreground"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port = None
        while port is None:
            try:
                port = port_of(data) if os.path.exists(os.path.join(data, "port")) else None
                if port is not None:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            except (OSError, SystemExit):
                port = None
            if port is None:
                time.sleep(0.002)
        t_open = time.perf_counter()
        c = Client(port)
        status, after = c.request("POST", "/indexes/linux/search", {"query": "spin_lock_irqsave", "top_k": 1})
        t_answer = time.perf_counter()
        print(f"restart_spawn_to_port_open_ms: {(t_open - t0) * 1000:.1f}")
        print(f"restart_first_search_ms: {(t_answer - t_open) * 1000:.1f}")
        print(f"restart_spawn_to_first_answer_ms: {(t_answer - t0) * 1000:.1f}")
        print(f"restart_same_top_hit: {before['results'][0]['id'] == after['results'][0]['id']}")

        # Search latency while the whole kernel is re-indexed (force).
        c.request("POST", "/indexes/linux/reindex", {"force": True})
        time.sleep(1)
        busy = []
        while job_running(c):
            busy += search_latencies(c, queries)
        print(f"reindex_search_samples: {len(busy)}")
        print(f"reindex_search_p50_ms: {pct(busy, 0.5):.2f}")
        print(f"reindex_search_p95_ms: {pct(busy, 0.95):.2f}")
        print(f"reindex_vs_idle_p95_ratio: {pct(busy, 0.95) / max(pct(idle, 0.95), 1e-9):.2f}")

        load_idle = load_test(port, queries, args.clients, min(20, args.load_seconds), "idle")
        c.request("POST", "/indexes/linux/reindex", {"force": True})
        time.sleep(1)
        load_busy = load_test(port, queries, args.clients, args.load_seconds, "reindex")
        print(f"load_reindex_still_running_at_end: {job_running(c)}")
        print(f"load_p95_ratio_reindex_vs_idle: {load_busy / max(load_idle, 1e-9):.2f}")
        while job_running(c):
            time.sleep(1)

        # Save -> searchable, 5 edits.
        delays = []
        for n in range(5):
            name = f"trusty_bench_probe_fn_{n}_{random.randint(0, 1 << 30)}"
            t = time.perf_counter()
            with open(probe, "w") as f:
                f.write(f"int {name}(void)\n{{\n\treturn {n};\n}}\n")
            while True:
                _, r = c.request("POST", "/indexes/linux/search", {"query": name, "top_k": 1})
                if r["results"] and r["results"][0]["function_name"] == name:
                    break
                time.sleep(0.01)
            delays.append(time.perf_counter() - t)
        print("save_to_searchable_s: " + ", ".join(f"{d:.3f}" for d in delays))
        print(f"save_to_searchable_median_s: {statistics.median(delays):.3f}")
        os.remove(probe)
        t = time.perf_counter()
        while True:
            _, r = c.request("POST", "/indexes/linux/search", {"query": name, "top_k": 1})
            if not r["results"] or r["results"][0]["function_name"] != name:
                break
            time.sleep(0.01)
        print(f"delete_to_gone_s: {time.perf_counter() - t:.3f}")
        pid = int(open(os.path.join(data, "daemon.pid")).read())
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM"):
                print(f"daemon_peak_rss_mb: {int(line.split()[1]) // 1024}")
    finally:
        if os.path.exists(probe):
            os.remove(probe)
        cli(data, "stop", check=False)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
