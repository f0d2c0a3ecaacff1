#!/usr/bin/env python3
"""Symbol graph benchmark: what the graph adds to an index build, its size,
and call_chain latency, on the Linux kernel by default.

  make build && python3 bench/graph_bench.py [--corpus DIR] [--depth 5] [--repeat 20]

Steps, all through a daemon of a temporary data dir (watching off):
  1. index the corpus with --no-kg (lexical only), then remove it;
  2. index it again with the graph (the default): the difference is the graph's cost;
  3. count the graph's nodes and edges of each kind (GET /indexes/{id}/graph), timing each walk;
  4. call_chain at --depth for a list of symbols, --repeat times each: median and p95 of the
     latency the daemon reports (latency_ms) and of the client's wall time (HTTP round trip);
     "cold" is each symbol's first query (its files' import contexts not cached yet), and
     the first query after a daemon start (which loads the index's file list) is timed apart.
Prints one "key: value" a line.
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_SYMBOLS = ["kmalloc", "kfree", "mutex_lock", "schedule", "copy_from_user", "printk",
                  "spin_lock_irqsave", "ext4_map_blocks", "tcp_sendmsg", "vfs_read",
                  "alloc_pages", "queue_work", "netif_rx", "dev_err", "kobject_put",
                  "usb_submit_urb", "pci_enable_device", "wake_up_process", "do_sys_open",
                  "btrfs_search_slot"]


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def vmhwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(os.environ.get("TS_BENCH_CACHE", "/var/tmp/trusty-bench"),
                                                     "linux-source-6.1"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "trusty-search"))
    ap.add_argument("--depth", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--symbols", default=",".join(KERNEL_SYMBOLS))
    ap.add_argument("--skip-lexical", action="store_true", help="do not time the --no-kg build")
    ap.add_argument("--kinds", default="calls,imports,inherits,contains")
    ap.add_argument("--max-nodes", type=int, default=0, help="call_chain max_nodes (0: the daemon's default, 200)")
    ap.add_argument("--keep", help="keep the index in this data dir and skip indexing when it is there")
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        sys.exit(f"{a.bin} not found: run `make build` first")
    data = a.keep or tempfile.mkdtemp(prefix="ts-graph-bench.", dir="/var/tmp")
    reuse = bool(a.keep) and os.path.exists(os.path.join(data, "indexes", "k"))
    cli = lambda *args, **kw: subprocess.run([a.bin, "--data-dir", data, *args], check=True,
                                             capture_output=True, text=True, **kw)
    try:
        print(f"corpus: {a.corpus}")
        print(f"cores: {os.cpu_count()}")
        subprocess.run(f"cat $(find '{a.corpus}' -type f -size -1100k | head -100000) > /dev/null 2>&1",
                       shell=True)
        def start():
            cli("start", "--no-watch")
            return int(open(os.path.join(data, "daemon.pid")).read()), int(cli("port").stdout.strip())

        if reuse:
            a.skip_lexical = True
        if not a.skip_lexical:
            # A daemon of its own, so that its peak RSS is this build's alone.
            pid, port = start()
            t0 = time.time()
            out = json.loads(cli("index", a.corpus, "--name", "k", "--no-kg", "--json").stdout)
            lex = time.time() - t0
            print(f"index_no_kg_s: {lex:.2f}")
            print(f"index_no_kg_peak_rss_mb: {vmhwm_mb(pid)}")
            cli("remove", "k")
            cli("stop")
        pid, port = start()
        t0 = time.time()
        if reuse:
            st = json.loads(cli("status", "k", "--json").stdout)
            out = {"files_indexed": st["files"], "total_chunks": st["chunks"]}
        else:
            out = json.loads(cli("index", a.corpus, "--name", "k", "--json").stdout)
            print(f"index_with_graph_s: {time.time() - t0:.2f}")
        full = time.time() - t0
        if not a.skip_lexical:
            print(f"graph_overhead_s: {full - lex:.2f}")
        print(f"index_peak_rss_mb: {vmhwm_mb(pid)}")
        print(f"files_indexed: {out['files_indexed']}")
        print(f"chunks: {out['total_chunks']}")
        disk = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(data, "indexes", "k"))
                   for f in fs)
        print(f"index_disk_mb: {disk // (1 << 20)}")
        # A restarted daemon: its first graph query loads the file list.
        cli("stop")
        pid, port = start()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        conn.request("GET", "/indexes/k/call_chain?symbol=__no_such_symbol__&depth=1")
        conn.getresponse().read()
        print(f"call_chain_first_after_start_ms: {(time.perf_counter() - t0) * 1000:.1f}")
        conn.close()

        for kind in a.kinds.split(","):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
            t0 = time.time()
            conn.request("GET", f"/indexes/k/graph?kind={kind}")
            resp = conn.getresponse()
            tail, size = b"", 0
            while True:
                chunk = resp.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                tail = (tail + chunk)[-4096:]
            secs = time.time() - t0
            summary = json.loads("{" + tail[tail.rindex(b"],") + 2:].decode())
            print(f"graph_{kind}_edges: {summary['count']}")
            print(f"graph_{kind}_walk_s: {secs:.1f}")
            if kind == "calls":
                print(f"graph_nodes: {summary['nodes']}")
                print(f"graph_calls_unresolved: {summary['unresolved']}")
                print(f"graph_calls_ambiguous: {summary['ambiguous']}")
                print(f"graph_calls_local: {summary['local']}")
            if "error" in summary:
                print(f"graph_{kind}_error: {summary['error']}")
            conn.close()

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        server, wall, nodes, cold = [], [], [], []
        extra = f"&max_nodes={a.max_nodes}" if a.max_nodes else ""
        for sym in a.symbols.split(","):
            for i in range(a.repeat):
                t0 = time.perf_counter()
                conn.request("GET", f"/indexes/k/call_chain?symbol={sym}&direction=both&depth={a.depth}{extra}")
                resp = conn.getresponse()
                body = json.loads(resp.read())
                w = (time.perf_counter() - t0) * 1000
                if resp.status != 200:
                    print(f"call_chain_error_{sym}: {body}")
                    break
                if i > 0:  # the first call of a symbol warms its pages
                    server.append(body["latency_ms"])
                    wall.append(w)
                if i == 0:
                    nodes.append(body["nodes"])
                    cold.append(body["latency_ms"])
        print(f"call_chain_depth: {a.depth}")
        print(f"call_chain_symbols: {len(nodes)}")
        print(f"call_chain_nodes_median: {statistics.median(nodes) if nodes else 0}")
        print(f"call_chain_cold_ms_p50: {pct(cold, 50):.2f}")
        print(f"call_chain_cold_ms_p95: {pct(cold, 95):.2f}")
        print(f"call_chain_server_ms_p50: {pct(server, 50):.2f}")
        print(f"call_chain_server_ms_p95: {pct(server, 95):.2f}")
        print(f"call_chain_http_ms_p50: {pct(wall, 50):.2f}")
        print(f"call_chain_http_ms_p95: {pct(wall, 95):.2f}")
        # Includes the edge walks above, which load every symbol of the index.
        print(f"query_daemon_peak_rss_mb: {vmhwm_mb(pid)}")
    finally:
        subprocess.run([a.bin, "--data-dir", data, "stop"], capture_output=True)
        if not a.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
