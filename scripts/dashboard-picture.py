#!/usr/bin/env python3
"""Renders docs/dashboard.png: the panels of docs/grafana-dashboard.json over a real run of a HAKit pair.

Not run by CI (about three minutes). What it does, so that the picture can be trusted:
  1. starts a real Prometheus server (Debian's `prometheus`) that scrapes two real `hakit agent` processes'
     /metrics once a second;
  2. runs the pair through a scenario: both start and synchronize, files are written on the active (a sync burst),
     the active is killed with SIGKILL (failover), files are written on the new active while the old one is down
     (failed rounds, lag), the killed node comes back, catches up and takes its role back (failback);
  3. evaluates every query of every panel of the dashboard on that Prometheus (query_range, one point a second;
     $node is every node, $__rate_interval is 5 s), and draws each panel with gnuplot where the dashboard places
     it. The picture is not Grafana's: colours, legends and fonts are this script's.

Needs: java 17+, the CLI jar (./mvnw -pl ha-cli -am package -DskipTests, or ./hakit once), and
`apt-get install prometheus gnuplot-nox`. Usage: scripts/dashboard-picture.py [--out docs/dashboard.png]
[--keep DIR] (keep the run's directory: agent logs, scrapes, the query results).
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = ("node-a", "node-b")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


def wait_until(what, test, limit=60):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            if test():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


class Pair:
    """Two hakit agent processes on loopback with mutual TLS, a synchronized root each and /metrics."""

    def __init__(self, work, jar):
        self.work = work
        self.jar = jar
        self.procs = {}
        ka_a, sync_a, ka_b, sync_b, http_a, http_b = free_ports(6)
        self.http = {"node-a": http_a, "node-b": http_b}
        subprocess.run(["java", "-jar", jar, "cert", "generate", "--out", f"{work}/certs", "--nodes",
                        ",".join(NODES)], check=True, stdout=subprocess.DEVNULL)
        spec = {"node-a": (150, ka_a, sync_a, "node-b", ka_b, sync_b),
                "node-b": (100, ka_b, sync_b, "node-a", ka_a, sync_a)}
        for node, (prio, ka, sync, peer, peer_ka, peer_sync) in spec.items():
            data = f"{work}/{node}/data"
            os.makedirs(data)
            settings = {
                "keepalive.cluster-id": "picture", "keepalive.node-id": node, "keepalive.priority": prio,
                "keepalive.preempt": "true", "keepalive.bind": f"127.0.0.1:{ka}",
                "keepalive.peer.address": f"127.0.0.1:{peer_ka}", "keepalive.peer.node-id": peer,
                "keepalive.heartbeat.interval": "200 ms", "keepalive.heartbeat.dead-interval": "2 s",
                "keepalive.heartbeat.alarm-after": "5 s",
                "keepalive.tls.cert-dir": f"{work}/certs/{node}", "keepalive.state-dir": f"{work}/{node}/state",
                "keepalive.arbiter": "none", "sync.bind": f"127.0.0.1:{sync}",
                "sync.peer.address": f"127.0.0.1:{peer_sync}", "sync.root.data": data, "sync.period": "20 s",
                "agent.http.bind": f"127.0.0.1:{self.http[node]}",
            }
            with open(f"{work}/{node}.properties", "w") as f:
                f.writelines(f"{k}={v}\n" for k, v in settings.items())

    def start(self, node):
        out = open(f"{self.work}/{node}.log", "a")
        self.procs[node] = subprocess.Popen(
            ["java", "-Xmx256m", "-XX:+UseSerialGC", "-jar", self.jar, "agent", "--config",
             f"{self.work}/{node}.properties"], stdout=out, stderr=subprocess.STDOUT)
        log(f"started {node} (pid {self.procs[node].pid})")

    def kill(self, node):
        self.procs[node].send_signal(signal.SIGKILL)
        self.procs[node].wait()
        log(f"killed {node} with SIGKILL")

    def stop(self):
        for node, p in self.procs.items():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()

    def role(self, node):
        m = re.search(r'hakit_keepalive_role\{node="[^"]+",role="(\w+)"\} 1\.0',
                      http_get(f"http://127.0.0.1:{self.http[node]}/metrics"))
        return m.group(1) if m else None

    def in_sync(self, node):
        return re.search(r'hakit_sync_in_sync\{node="[^"]+"\} 1\.0',
                         http_get(f"http://127.0.0.1:{self.http[node]}/metrics")) is not None

    def write_files(self, node, count, size, seed):
        rnd = random.Random(seed)
        d = f"{self.work}/{node}/data/batch-{seed}"
        os.makedirs(d, exist_ok=True)
        for i in range(count):
            with open(f"{d}/f{i:03d}.bin", "wb") as f:
                f.write(rnd.randbytes(size))
        log(f"wrote {count} x {size // 1024} KiB on {node}")


def run_scenario(work, jar, prometheus_port):
    pair = Pair(work, jar)
    targets = [f"127.0.0.1:{pair.http[n]}" for n in NODES]
    with open(f"{work}/prometheus.yml", "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n"
                f"  - job_name: hakit\n    static_configs:\n      - targets: {json.dumps(targets)}\n")
    prom = subprocess.Popen(["prometheus", f"--config.file={work}/prometheus.yml",
                             f"--storage.tsdb.path={work}/tsdb", f"--web.listen-address=127.0.0.1:{prometheus_port}"],
                            stdout=open(f"{work}/prometheus.log", "w"), stderr=subprocess.STDOUT)
    wait_until("Prometheus", lambda: http_get(f"http://127.0.0.1:{prometheus_port}/-/ready").strip() != "")
    start = time.time()
    try:
        pair.start("node-a")
        pair.start("node-b")
        wait_until("node-a active", lambda: pair.role("node-a") == "active")
        wait_until("node-b in sync", lambda: pair.in_sync("node-b"))
        time.sleep(15)
        pair.write_files("node-a", 40, 512 * 1024, 1)           # a sync burst on the active
        time.sleep(20)
        pair.kill("node-a")                                     # failover
        wait_until("node-b active", lambda: pair.role("node-b") == "active")
        time.sleep(8)
        pair.write_files("node-b", 20, 512 * 1024, 2)           # written while node-a is down
        time.sleep(20)
        pair.start("node-a")                                    # comes back, catches up, takes its role back
        wait_until("node-a active again", lambda: pair.role("node-a") == "active", limit=120)
        time.sleep(20)
    finally:
        end = time.time()
        pair.stop()
        time.sleep(2)
        prom.terminate()
        prom.wait(timeout=30)
    return start, end


def query_panels(dashboard, prometheus_port, start, end):
    """Every panel with its targets' series: [(panel, [(legend, [(t, value), ...]), ...]), ...]."""
    out = []
    for p in dashboard["panels"]:
        series = []
        for t in p["targets"]:
            expr = t["expr"].replace("$__rate_interval", "5s").replace("$node", ".*")
            q = urllib.parse.urlencode({"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": "1"})
            body = json.loads(http_get(f"http://127.0.0.1:{prometheus_port}/api/v1/query_range?{q}", timeout=30))
            if body.get("status") != "success":
                raise SystemExit(f"query of panel {p['title']!r} failed: {body}")
            for r in sorted(body["data"]["result"], key=lambda r: json.dumps(r["metric"], sort_keys=True)):
                legend = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: r["metric"].get(m.group(1), ""),
                                t.get("legendFormat", "")) or json.dumps(r["metric"])
                series.append((legend, [(float(ts) - start, float(v)) for ts, v in r["values"]]))
        out.append((p, series))
    return out


def gp_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


UNITS = {"s": "seconds", "Bps": "bytes/s"}
# Grafana's named colours the dashboard's value mappings use
COLOURS = {"green": "#37872d", "blue": "#1f60c4", "red": "#c4162a", "text": "#8e8e8e"}


def mapping(panel, v):
    """(text, colour) of value v under the panel's value mappings (value and range mappings), or the value."""
    for m in panel.get("fieldConfig", {}).get("defaults", {}).get("mappings", []):
        o = m["options"]
        if m["type"] == "value" and str(int(v)) in o:
            r = o[str(int(v))]
        elif m["type"] == "range" and o["from"] <= v <= o["to"]:
            r = o["result"]
        else:
            continue
        return r.get("text", f"{v:g}"), COLOURS.get(r.get("color"), r.get("color", "#000000"))
    return f"{v:g}", "#000000"


def legend_of_mappings(panel):
    """Every (text, colour) a panel's mappings give, in their order."""
    out = []
    for m in panel.get("fieldConfig", {}).get("defaults", {}).get("mappings", []):
        results = m["options"].values() if m["type"] == "value" else [m["options"]["result"]]
        for r in sorted(results, key=lambda r: r.get("index", 0)):
            out.append((r["text"], COLOURS.get(r.get("color"), r.get("color", "#000000"))))
    return out


def render(panels, out, data_dir, duration):
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p, _ in panels)
    width, height = 1800, 64 * rows + 60
    script = [f"set terminal pngcairo size {width},{height} font 'DejaVu Sans,10' background rgb '#ffffff' "
              "noenhanced",
              f"set output {gp_quote(out)}", "set multiplot",
              "set border lc rgb '#808080'", "set grid lc rgb '#e0e0e0'", "set key top left horizontal font ',9'",
              f"set xrange [0:{duration:.0f}]", "set xtics 20 font ',9'", "set ytics font ',9'"]
    top_margin = 50 / height
    usable = 1 - top_margin
    title = ("HAKit pair: the panels of docs/grafana-dashboard.json over a real run (Prometheus 2.42 scraping two "
             "hakit agents once a second; drawn by gnuplot, not Grafana)")
    script.append(f"set label 99 {gp_quote(title)} at screen 0.01, screen {1 - 0.4 * top_margin:.4f} font ',12'")
    for n, (p, series) in enumerate(panels):
        g = p["gridPos"]
        x0, w = g["x"] / 24, g["w"] / 24
        y0 = usable * (1 - (g["y"] + g["h"]) / rows)
        h = usable * g["h"] / rows
        script += ["unset label 99" if n else "",
                   f"set origin {x0:.4f},{y0:.4f}", f"set size {w:.4f},{h:.4f}",
                   f"set title {gp_quote(p['title'])} font ',11'", "set xlabel 's since the agents started' font ',8' offset 0,0.5"]
        unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit")
        script.append(f"set ylabel {gp_quote(UNITS.get(unit, ''))} font ',8'")
        if not series:
            script += ["set yrange [0:1]", "set label 1 'no data' at graph 0.45, graph 0.5",
                       "plot NaN notitle", "unset label 1", "set autoscale y"]
            continue
        if p["type"] == "state-timeline":
            script += render_states(p, series, data_dir, n)
            continue
        custom = p.get("fieldConfig", {}).get("defaults", {}).get("custom", {})
        style = "boxes fs solid 0.7" if custom.get("drawStyle") == "bars" else \
            "steps lw 1.5" if custom.get("lineInterpolation") == "stepAfter" else "lines lw 1.5"
        plots = []
        for i, (legend, values) in enumerate(series):
            f = os.path.join(data_dir, f"panel{n}-{i}.dat")
            write_series(f, values)
            plots.append(f"{gp_quote(f)} using 1:2 with {style} title {gp_quote(legend)}")
        top = max((v for _, values in series for _, v in values if v == v), default=1) or 1
        script += [f"set yrange [0:{top * 1.25:.6g}]", "set boxwidth 0.9", "set format y '%g'",
                   "plot " + ", ".join(plots)]
    script.append("unset multiplot")
    path = os.path.join(data_dir, "dashboard.gp")
    with open(path, "w") as f:
        f.write("\n".join(s for s in script if s) + "\n")
    subprocess.run(["gnuplot", path], check=True)


def write_series(path, values):
    """One 'seconds value' line per point; a blank line where points are missing (a scrape the agent did not
    answer, NaN), so that gnuplot leaves a gap as Grafana does instead of joining the points across it."""
    with open(path, "w") as fh:
        last = None
        for t, v in values:
            if v != v:
                continue
            if last is not None and t - last > 1.5:
                fh.write("\n")
            fh.write(f"{t:.1f} {v!r}\n")
            last = t


def render_states(panel, series, data_dir, n):
    """A state timeline: one band per series, coloured and labelled by the panel's value mappings."""
    lines = ["set key outside right top vertical", f"set yrange [-0.5:{len(series) - 0.5}]", "set ytics (" + ", ".join(
        f"{gp_quote(legend)} {i}" for i, (legend, _) in enumerate(series)) + ")", "unset ylabel",
        "set style fill solid 1.0 noborder"]
    plots = []
    for i, (legend, values) in enumerate(series):
        f = os.path.join(data_dir, f"panel{n}-{i}.dat")
        with open(f, "w") as fh:
            for t, v in values:
                if v == v:
                    fh.write(f"{t:.1f} {i} {mapping(panel, v)[1].replace('#', '0x')}\n")
        plots.append(f"{gp_quote(f)} using 1:2:(0.5):(0.35):3 with boxxyerror lc rgb variable notitle")
        # a label at the start of each stretch in one state that is long enough to hold it
        stretches = []
        for t, v in values:
            if v != v:
                continue
            text = mapping(panel, v)[0]
            if stretches and stretches[-1][2] == text and t - stretches[-1][1] <= 1.5:
                stretches[-1][1] = t
            else:
                stretches.append([t, t, text])
        for first, last, text in stretches:
            if last - first >= 8:
                lines.append(f"set label {gp_quote(text)} at {first + 1:.1f},{i} left front tc rgb '#ffffff' "
                             f"font ',9'")
    key = ", ".join(f"NaN with boxes lc rgb {gp_quote(c)} title {gp_quote(text)}"
                    for text, c in legend_of_mappings(panel))
    return lines + ["plot " + ", ".join(plots) + ", " + key, "unset label", "set ytics auto",
                    "set style fill empty", "set key inside top left horizontal"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "dashboard.png"))
    ap.add_argument("--jar", default=os.path.join(ROOT, "ha-cli", "target", "hakit-cli.jar"))
    ap.add_argument("--dashboard", default=os.path.join(ROOT, "docs", "grafana-dashboard.json"))
    ap.add_argument("--keep", help="keep the run's directory here")
    ap.add_argument("--replot", help="draw again from a kept run's directory (its panels.json), without a run")
    args = ap.parse_args()
    if args.replot:
        with open(args.dashboard) as f:
            dashboard = json.load(f)
        with open(os.path.join(args.replot, "panels.json")) as f:
            saved = json.load(f)
        by_title = {p["title"]: p["series"] for p in saved["panels"]}
        panels = [(p, by_title[p["title"]]) for p in dashboard["panels"]]
        render(panels, args.out, args.replot, saved["duration"])
        log(f"wrote {args.out} from {args.replot}")
        return
    for tool in ("java", "prometheus", "gnuplot"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing (apt-get install prometheus gnuplot-nox; a JDK 17+)")
    if not os.path.exists(args.jar):
        raise SystemExit(f"no {args.jar}: build it with ./mvnw -B -pl ha-cli -am package -DskipTests")
    with open(args.dashboard) as f:
        dashboard = json.load(f)
    work = args.keep or tempfile.mkdtemp(prefix="hakit-dashboard-")
    os.makedirs(work, exist_ok=True)
    (prometheus_port,) = free_ports(1)
    start, end = run_scenario(work, args.jar, prometheus_port)
    # Prometheus again, on the same storage, to answer the queries
    prom = subprocess.Popen(["prometheus", f"--config.file={work}/prometheus.yml",
                             f"--storage.tsdb.path={work}/tsdb", f"--web.listen-address=127.0.0.1:{prometheus_port}",
                             "--storage.tsdb.retention.time=10y"],
                            stdout=open(f"{work}/prometheus-query.log", "w"), stderr=subprocess.STDOUT)
    try:
        wait_until("Prometheus (queries)", lambda: "Ready" in http_get(f"http://127.0.0.1:{prometheus_port}/-/ready"))
        panels = query_panels(dashboard, prometheus_port, start, end)
    finally:
        prom.terminate()
        prom.wait(timeout=30)
    with open(os.path.join(work, "panels.json"), "w") as f:
        json.dump({"duration": end - start, "panels": [{"title": p["title"], "series": s} for p, s in panels]}, f)
    render(panels, args.out, work, end - start)
    log(f"wrote {args.out} ({end - start:.0f} s of run); run directory {work}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
