"""Portal under loopback load: notice list, detail and Chinese search against a bare view.

    .venv/bin/python benchmarks/portal_load.py [--n 100000] [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Creates a throwaway PostgreSQL database, loads N notices (bulk, with their search index), serves
the app with gunicorn (2 workers, DEBUG off) and drives it with wrk over loopback, then drops the
database. Each endpoint's throughput is reported as a ratio of the bare ``/healthz`` view measured
in the same run (targets: ≥ 50 %; p95 ≤ 30 ms list/detail, ≤ 100 ms search). Needs wrk
(``scripts/install-system-deps --bench``).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("ZC p50=%d p95=%d p99=%d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
LUA_DETAIL = """
math.randomseed(7)
request = function() return wrk.format("GET", "/notices/" .. math.random(%d, %d) .. "/") end
"""
LUA_SEARCH = """
local qs = {"%E7%89%A9%E4%B8%9A%E7%AE%A1%E7%90%86", "%E5%A4%9A%E5%AA%92%E4%BD%93", "%E6%9B%B9%E5%8E%BF", "%E8%AF%BE%E6%A1%8C%E6%A4%85", "%E9%81%93%E8%B7%AF%E7%85%A7%E6%98%8E"}
local i = 0
request = function() i = i + 1; return wrk.format("GET", "/notices/?q=" .. qs[(i % #qs) + 1]) end
"""
TITLES = [
    "多媒体教室设备",
    "物业管理服务",
    "道路照明设施维修",
    "课桌椅",
    "办公家具",
    "信息系统运维",
    "食堂承包服务",
    "医疗设备",
    "绿化养护",
    "保安服务",
    "车辆维修",
    "印刷服务",
    "空调设备",
    "监控设备",
    "图书",
]
UNITS = [
    "第一中学",
    "人民医院",
    "实验小学",
    "教育局",
    "公安局",
    "交通运输局",
    "中医医院",
    "图书馆",
    "城市管理局",
    "水务局",
]
REGIONS = ["菏泽市", "牡丹区", "定陶区", "曹县", "单县", "成武县", "巨野县", "郓城县", "鄄城县", "东明县"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(n: int, env: dict[str, str]) -> tuple[int, int]:
    """Bulk-load N notices (benchmark data, not through the services)."""
    code = f"""
import datetime as dt, random, sys
sys.path.insert(0, {str(ROOT / "src")!r})
import django; django.setup()
from django.utils import timezone
from django.core.management import call_command
from zhengcai.organizations.models import Organization
from zhengcai.procurement import search
from zhengcai.procurement.models import Intention, Notice
call_command("seed_demo", small=True, projects=0, verbosity=0)
units = list(Organization.objects.filter(kind="budget_unit").select_related("region"))
rng = random.Random(1)
now = timezone.now()
intentions = Intention.objects.bulk_create([
    Intention(purchaser=u, region=u.region, title=u.name + "采购意向", demand_summary="需求", budget_fen=1, expected_month=now.date().replace(day=1),
              status="published", published_at=now, created_at=now) for u in units])
titles, units_ = {TITLES!r}, {UNITS!r}
batch = []
for i in range({n}):
    it = intentions[i % len(intentions)]
    title = it.purchaser.region.name + rng.choice(units_) + rng.choice(titles) + "采购项目" + rng.choice(["公开招标公告", "中标（成交）结果公告", "更正公告"])
    body = "项目编号：HZCG-%06d\\n采购人：%s\\n预算金额：%d元" % (i, it.purchaser.name, rng.randint(5, 800) * 10000)
    batch.append(Notice(kind=rng.choice(["tender", "result", "correction", "intention"]), intention=it, region=it.region,
        purchaser=it.purchaser, title=title, body=body, method=rng.choice(["open_tender", "inquiry", "consultation"]), category="A",
        amount_fen=rng.randint(5, 800) * 1000000, published_at=now - dt.timedelta(minutes=i), search_text=search.search_text(title, body, it.purchaser.name)))
    if len(batch) == 5000:
        Notice.objects.bulk_create(batch); batch = []
Notice.objects.bulk_create(batch)
ids = Notice.objects.order_by("id").values_list("id", flat=True)
print(ids.first(), ids.last())
"""
    out = subprocess.run(
        [PY, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    return int(out[-2]), int(out[-1])


def wrk(url: str, script: str, duration: int, connections: int) -> tuple[float, float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script + LUA_REPORT)
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", fh.name, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    os.unlink(fh.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1))  # type: ignore[union-attr]
    m = re.search(r"ZC p50=(\d+) p95=(\d+) p99=(\d+)", result)
    assert m is not None, result
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses")
    return rps, int(m.group(1)) / 1000, int(m.group(2)) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=2, help="concurrent connections (default: one per worker)")
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its URL) for profiling")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: ./scripts/install-system-deps --bench")
    import psycopg

    db = f"zc_bench_portal_{os.getpid()}"
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    base = args.admin_url.rsplit("/", 1)[0]
    var = tempfile.mkdtemp(prefix="zc-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{db}",
        "DEBUG": "0",
        "ZC_VAR_DIR": var,
        "ZC_AXES_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "zhengcai.config.settings",
        "ZC_MANIFEST_STATIC": "0",
    }
    server = None
    try:
        t0 = time.perf_counter()
        subprocess.run([PY, "manage.py", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        first, last = load(args.n, env)
        with psycopg.connect(f"{base}/{db}", autocommit=True) as conn:
            conn.execute("ANALYZE")  # as autovacuum would after a load
        loaded = time.perf_counter() - t0
        port = free_port()
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "zhengcai.config.wsgi:application",
                "--pythonpath",
                "src",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).read()  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.1)
        for path in ("/healthz", "/notices/", f"/notices/{first}/"):  # warm up
            urllib.request.urlopen(url + path, timeout=10).read()  # noqa: S310
        rows = [
            ("bare view /healthz", wrk(f"{url}/healthz", "", args.duration, args.connections), None),
            ("notice list /notices/", wrk(f"{url}/notices/", "", args.duration, args.connections), 30.0),
            ("notice detail", wrk(url, LUA_DETAIL % (first, last), args.duration, args.connections), 30.0),
            ("Chinese search /notices/?q=", wrk(url, LUA_SEARCH, args.duration, args.connections), 100.0),
        ]
        bare = rows[0][1][0]
        print(
            f"\nportal_load: {args.n:,} notices in PostgreSQL (loaded in {loaded:.0f} s), gunicorn 2 workers, "
            f"wrk 1 thread × {args.connections} connections × {args.duration} s, {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        print(f"{'endpoint':32} {'req/s':>8} {'vs bare':>8} {'p50 ms':>7} {'p95 ms':>7} {'p95 target':>10}")
        for name, (rps, p50, p95), target in rows:
            ratio = rps / bare
            mark = "" if target is None else ("ok" if p95 <= target and ratio >= 0.5 else "MISS")
            print(
                f"{name:32} {rps:8.0f} {ratio:8.0%} {p50:7.1f} {p95:7.1f} {'' if target is None else f'≤{target:.0f}':>10} {mark}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if args.keep:
            print(f"kept: DATABASE_URL={base}/{db}")
        else:
            with psycopg.connect(args.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    random.seed(0)
    main()
