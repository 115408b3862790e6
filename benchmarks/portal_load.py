"""Portal under loopback load: notice list, detail and Chinese search against bare views.

    .venv/bin/python benchmarks/portal_load.py [--n 100000] [--admin-url postgres://postgres@127.0.0.1:5432/postgres]
                                               [--redis-url redis://127.0.0.1:6379/14]

Creates a throwaway PostgreSQL database, loads N notices (bulk, with their search index), and serves
the app with gunicorn (2 workers) in its production configuration (``ZC_ENV=prod``: DEBUG off,
persistent database connections, hashed static files, login throttling on; throwaway keys), twice:
once with its caches (template fragments in each process; the default cache in local memory, or on
Redis with ``--redis-url``) and once with dummy caches, so that every request does all of its work.
wrk drives each over loopback, in rounds of short slices per endpoint; then the database is dropped.

Each page is compared with a bare view measured in the same run:

- ``/healthz``: no database, no template (the floor of a Django request);
- a bare JSON view per page that runs the same selector queries as the page (form parsing, capped
  count and the 20 rows; or the one notice) and returns them as JSON: no template, no fragment
  cache. These views live only in the benchmark's own urlconf (a settings override), never in the
  app's.

Targets (the issue): each page ≥ 50 % of its bare view's throughput; p95 ≤ 30 ms for list and
detail, ≤ 100 ms for search. Needs wrk (``scripts/install-system-deps --bench``).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("ZC p50=%d p95=%d p99=%d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
LUA_DETAIL = """
math.randomseed(%d)
request = function() return wrk.format("GET", "%s" .. math.random(%d, %d) .. "/") end
"""
LUA_PATHS = """
local paths = {%s}
local i = 0
request = function() i = i + 1; return wrk.format("GET", paths[(i %% #paths) + 1]) end
"""
LUA_RANDOM = """
math.randomseed(%(seed)d)
%(tables)s
local function pick(t) return t[math.random(#t)] end
request = function()
  return wrk.format("GET", (function()%(body)s
  end)())
end
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
BARE_PREFIX = "/_bench"


def bench_urlpatterns() -> list[Any]:
    """The bare views, imported by the benchmark's urlconf inside the gunicorn workers: the portal's
    own form parsing and selectors (the same queries as the pages), the rows as JSON; no template,
    no fragment cache."""
    from django.http import Http404, HttpRequest, JsonResponse
    from django.urls import path
    from django.views.decorators.http import require_GET

    from zhengcai.core.permissions import P, permission
    from zhengcai.procurement.forms import NoticeFilterForm
    from zhengcai.procurement.models import Notice
    from zhengcai.procurement.selectors import notice_get, notice_page

    @permission(P.PUBLIC)
    @require_GET
    def bare_notices(request: HttpRequest) -> JsonResponse:
        page = notice_page(number=request.GET.get("page"), **NoticeFilterForm(request.GET or None).filters())
        rows = [
            {
                "id": n.pk,
                "title": n.title,
                "purchaser": n.purchaser.name,
                "kind": n.kind,
                "region": n.region.name,
                "method": n.method,
                "amount_fen": n.amount_fen,
                "published_at": n.published_at.isoformat(),
            }
            for n in page.object_list
        ]
        return JsonResponse({"count": page.paginator.count, "notices": rows})

    @permission(P.PUBLIC)
    @require_GET
    def bare_notice(request: HttpRequest, pk: int) -> JsonResponse:
        try:
            n = notice_get(pk=pk)
        except Notice.DoesNotExist as exc:
            raise Http404 from exc
        return JsonResponse(
            {
                "title": n.title,
                "kind": n.kind,
                "region": n.region.name,
                "published_at": n.published_at.isoformat(),
                "body": n.body,
                "project": n.project.number if n.project else None,
            }
        )

    return [
        path(f"{BARE_PREFIX[1:]}/notices/", bare_notices),
        path(f"{BARE_PREFIX[1:]}/notices/<int:pk>/", bare_notice),
    ]


SETTINGS_MODULE = """from zhengcai.config.settings import *  # noqa: F403

ROOT_URLCONF = "zc_bench_urls"
{cache}
"""
URLS_MODULE = """import portal_load
from zhengcai.config.urls import urlpatterns as portal

urlpatterns = [*portal_load.bench_urlpatterns(), *portal]
"""
NO_CACHE = 'CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(n: int, env: dict[str, str]) -> tuple[int, int, list[str]]:
    """Bulk-load N notices (benchmark data, not through the services)."""
    code = f"""
import datetime as dt, random, sys
sys.path.insert(0, {str(ROOT / "src")!r})
import django; django.setup()
from django.utils import timezone
from django.core.management import call_command
from zhengcai.organizations.models import Organization, Region
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
print(" ".join(Region.objects.order_by("sort", "code").values_list("code", flat=True)))
print(ids.first(), ids.last())
"""
    lines = subprocess.run(
        [PY, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.splitlines()
    first, last = lines[-1].split()
    return int(first), int(last), lines[-2].split()


def lua_list(prefix: str, seed: int) -> str:
    return LUA_PATHS % f'"{prefix}/notices/"'


def lua_detail(prefix: str, first: int, last: int, seed: int) -> str:
    return LUA_DETAIL % (seed, f"{prefix}/notices/", first, last)


def lua_filtered(prefix: str, region_codes: list[str], seed: int) -> str:
    """Random filter combinations and pages, as people browse: a notice type 60 % of the time, a
    region 50 %, a procurement method 25 %; page 1 half the time, else a page up to 20 (about 3,000
    distinct URLs: mostly cache misses)."""
    return LUA_RANDOM % {
        "seed": seed,
        "tables": lua_tables(
            kinds=["tender", "result", "correction", "intention"],
            methods=["open_tender", "inquiry", "consultation"],
            regions=region_codes,
        ),
        "body": f"""
  local kind = math.random() < 0.6 and pick(kinds) or ""
  local region = math.random() < 0.5 and pick(regions) or ""
  local method = math.random() < 0.25 and pick(methods) or ""
  local page = math.random() < 0.5 and 1 or math.random(2, 20)
  local path = "{prefix}/notices/?page=" .. page
  if kind ~= "" then path = path .. "&kind=" .. kind end
  if method ~= "" then path = path .. "&method=" .. method end
  if region ~= "" then path = path .. "&region=" .. region end
  return path""",
    }


def lua_search(prefix: str, seed: int) -> str:
    """Chinese searches: 30 % one of the 15 subjects alone (these repeat), the rest drawn from about
    1,800 combinations of region, purchaser and subject (mostly cache misses); 20 % ask for page 2."""
    return LUA_RANDOM % {
        "seed": seed,
        "tables": lua_tables(titles=TITLES, units=UNITS, regions=REGIONS),
        "body": f"""
  local r, q = math.random(), nil
  if r < 0.3 then q = pick(titles)
  elseif r < 0.5 then q = pick(units) .. pick(titles)
  elseif r < 0.8 then q = pick(regions) .. "%20" .. pick(titles)
  else q = pick(regions) .. "%20" .. pick(units) .. "%20" .. pick(titles) end
  return "{prefix}/notices/?q=" .. q .. (math.random() < 0.2 and "&page=2" or "")""",
    }


def lua_tables(**tables: list[str]) -> str:
    """Lua tables of URL-encoded strings."""
    lines = []
    for name, values in tables.items():
        items = ", ".join('"' + quote(v) + '"' for v in values)
        lines.append(f"local {name} = {{{items}}}")
    return "\n".join(lines)


def wrk(url: str, script: str, duration: int, connections: int) -> tuple[float, float, float, float]:
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
    return rps, int(m.group(1)) / 1000, int(m.group(2)) / 1000, int(m.group(3)) / 1000


def summary(values: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """Mean throughput and median percentiles over the rounds."""
    return (
        statistics.fmean(v[0] for v in values),
        statistics.median(v[1] for v in values),
        statistics.median(v[2] for v in values),
        statistics.median(v[3] for v in values),
    )


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]


def serve(name: str, env: dict[str, str], var: str, cache: str) -> Server:
    modules = Path(var) / name
    modules.mkdir()
    (modules / "zc_bench_settings.py").write_text(SETTINGS_MODULE.format(cache=cache))
    (modules / "zc_bench_urls.py").write_text(URLS_MODULE)
    port = free_port()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "zhengcai.config.wsgi:application",
            "--pythonpath",
            f"src,{ROOT / 'benchmarks'},{modules}",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "zc_bench_settings"},
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1).read()  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.1)
    return Server(name, url, process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="", help="cache on this Redis (e.g. redis://127.0.0.1:6379/14)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of one slice per endpoint (default 5)")
    parser.add_argument("--slice", type=int, default=2, help="seconds of load per endpoint and round (default 2)")
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
    setup_env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{db}",
        "DEBUG": "0",
        "ZC_VAR_DIR": var,
        "ZC_AXES_ENABLED": "0",
        "DJANGO_SETTINGS_MODULE": "zhengcai.config.settings",
        "ZC_MANIFEST_STATIC": "0",
    }
    setup_env.pop("REDIS_URL", None)
    key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()  # noqa: E731 - throwaway keys
    prod_env = {
        **{k: v for k, v in setup_env.items() if k != "ZC_AXES_ENABLED"},  # login throttling on, as deployed
        "ZC_ENV": "prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ZC_AUDIT_KEY": key(),
        "ZC_BID_KEK": key(),
        "ZC_SIGNING_KEY": key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "ZC_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS ends at the proxy in production
        "ZC_TASK_BACKEND": "db",
        "LOG_LEVEL": "WARNING",
    }
    if args.redis_url:
        prod_env |= {"REDIS_URL": args.redis_url, "ZC_CACHE_PREFIX": f"zc_bench_{os.getpid()}"}
    servers: list[Server] = []
    try:
        t0 = time.perf_counter()
        subprocess.run([PY, "manage.py", "migrate", "-v0"], env=setup_env, check=True, cwd=ROOT)
        first, last, region_codes = load(args.n, setup_env)
        with psycopg.connect(f"{base}/{db}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")  # as autovacuum does after a bulk insert
        subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=prod_env, check=True, cwd=ROOT)
        loaded = time.perf_counter() - t0
        servers.append(cached := serve("cached", prod_env, var, ""))
        servers.append(uncached := serve("uncached", prod_env, var, NO_CACHE))
        scripts: dict[str, Callable[[str, int], str]] = {
            "list, first page": lua_list,
            "list, random filters and pages": lambda prefix, seed: lua_filtered(prefix, region_codes, seed),
            "Chinese search, random words": lua_search,
            "notice detail, random of N": lambda prefix, seed: lua_detail(prefix, first, last, seed),
        }
        targets = {"Chinese search, random words": 100.0}
        # (label, server, script for a round, label of the bare row to compare with, p95 target)
        rows: list[tuple[str, Server, Callable[[int], str], str | None, float | None]] = [
            ("/healthz (no database)", cached, lambda seed: LUA_PATHS % '"/healthz"', None, None)
        ]
        for label, script in scripts.items():
            bare_label = f"bare {label} (JSON)"
            target = targets.get(label, 30.0)
            rows.append((bare_label, cached, partial(script, BARE_PREFIX), None, None))
            rows.append((label, cached, partial(script, ""), bare_label, target))
            if not label.startswith("notice detail"):  # no fragment cache on the detail page
                rows.append((f"{label}, no cache", uncached, partial(script, ""), bare_label, target))
        warm_up = ["/healthz", f"/notices/{first}/", "/notices/?kind=tender&page=3", "/notices/?q=%E5%9B%BE%E4%B9%A6"]
        for server in servers:  # templates, URL conf, database connections; not the measured URLs' fragments
            for path in (*warm_up, *(BARE_PREFIX + p for p in warm_up[1:])):
                for _ in range(4):  # reaches both workers
                    urllib.request.urlopen(server.url + path, timeout=30).read()  # noqa: S310 - loopback
        # Round robin in short slices, so that every row sees the same share of whatever else the
        # machine is doing; each round draws new random URLs (one seed per round, the same for a
        # page and its bare view).
        slices: dict[str, list[tuple[float, float, float, float]]] = {row[0]: [] for row in rows}
        load_before = os.getloadavg()
        for round_ in range(args.rounds):
            for label, server, script, _, _ in rows:
                slices[label].append(wrk(server.url, script(100 + round_), args.slice, args.connections))
        load_after = os.getloadavg()
        figures = {label: summary(values) for label, values in slices.items()}
        healthz = figures["/healthz (no database)"]
        cache_name = "Redis" if args.redis_url else "local memory"
        print(
            f"\nportal_load: {args.n:,} notices in PostgreSQL (loaded in {loaded:.0f} s), gunicorn 2 workers "
            f"(ZC_ENV=prod; template fragments in each process, default cache: {cache_name}; 'no cache': "
            f"dummy caches), wrk 1 thread × {args.connections} "
            f"connections, {args.rounds} rounds × {args.slice} s per endpoint, {os.cpu_count()} cores, load average "
            f"{load_before[0]:.2f} before / {load_after[0]:.2f} after"
        )
        print(
            f"{'endpoint':42} {'req/s':>7} {'vs bare':>8} {'vs healthz':>10} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'target':>7}"
        )
        for name, _, _, bare_label, target in rows:
            rps, p50, p95, p99 = figures[name]
            bare_rps = figures[bare_label][0] if bare_label else None
            vs_bare = "" if bare_rps is None else f"{rps / bare_rps:.0%}"
            mark = ""
            if target is not None and bare_rps is not None:
                mark = "ok" if p95 <= target and rps / bare_rps >= 0.5 else "MISS"
            print(
                f"{name:42} {rps:7.0f} {vs_bare:>8} {rps / healthz[0]:10.1%} {p50:7.1f} {p95:7.1f} {p99:7.1f} "
                f"{'' if target is None else f'≤{target:.0f}':>7} {mark}"
            )
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(timeout=10)
        if args.keep:
            print(f"kept: DATABASE_URL={base}/{db}")
        else:
            with psycopg.connect(args.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
