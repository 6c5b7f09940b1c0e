"""Records API benchmark: the same table served by Territoire and by Datasette, over HTTP.

    python bench/records.py [--rows N] [--repeat N] [--seconds S] [--workers W] [--threads T]

Generated files and the ingested home are reused by the next run (delete bench/out/records/
to start again).

Generates (into bench/out/records/, gitignored) one table of N rows (default 1,000,000) —
public works orders: id, INSEE code, a French label, service, status, amount, date, position —
and serves it twice on 127.0.0.1:

- **Territoire**: ingested by ``territoire ingest`` (the real lake: typed Parquet), served by
  ``territoire serve`` (gunicorn, W workers, default 2 = one per core), reading the serving
  file built at ingestion, rate limit lifted for the run;
- **Datasette 0.65.x** in its best configuration: SQLite table with ``id INTEGER PRIMARY KEY``,
  an index on every filtered or sorted column, FTS5 on the label, immutable mode (``-i``)
  with an inspect file (counts precomputed), facet suggestions off, time limits lifted so no
  count is dropped. Installed in its own venv (bench/out/datasette-venv) if missing.

Then, for each query, R distinct requests (different values each time) are timed **cold**
(first time this exact query is asked: no count cached anywhere) and again **warm** (the same
requests repeated); the medians are compared. Results of both servers are checked to agree
(counts, ids). Then the full CSV export, then throughput with 8 concurrent clients (threads,
keep-alive connections) for record lookups and filtered pages. Finally, in-process engine
timings show what each structure of the serving file (``lake/engine/serving.py``) buys.

Prints a Markdown report and writes bench/out/records/results.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
OUT = ROOT / "out" / "records"
VENV_BIN = Path(sys.executable).parent
TERRITOIRE = VENV_BIN / "territoire"
DATASETTE_VENV = ROOT / "out" / "datasette-venv"
SLUG = "travaux"
TABLE = "travaux"

STREETS = [
    "Jean Jaurès", "Victor Hugo", "de la République", "Gambetta", "Pasteur", "Émile Zola",
    "Jules Ferry", "de la Gare", "du Moulin", "des Écoles", "Saint-Éloi", "de l'Église",
    "Voltaire", "Molière", "Anatole France", "Paul Valéry", "Frédéric Mistral", "des Lilas",
    "du Château", "de la Mairie", "des Acacias", "du Stade", "de la Liberté",
    "Charles de Gaulle", "Jean Moulin", "Louis Pasteur", "de Verdun", "Foch", "Clemenceau",
    "Lamartine",
]  # fmt: skip
ACTIONS = [
    "Réfection", "Entretien", "Création", "Rénovation", "Aménagement", "Réparation",
    "Nettoyage", "Élagage", "Remplacement", "Mise aux normes",
]  # fmt: skip
OBJECTS = [
    "de la chaussée", "du trottoir", "de l'éclairage public", "des espaces verts",
    "de la fontaine", "du parking", "de la signalisation", "du réseau d'eau",
    "des arbres d'alignement", "du mobilier urbain", "de la piste cyclable", "de l'œuvre d'art",
]  # fmt: skip
KINDS = ["rue", "avenue", "boulevard", "place", "impasse", "chemin", "allée"]
SERVICES = [
    "voirie", "eau", "mobilités", "finances", "social", "culture", "sport", "éducation",
    "environnement", "urbanisme",
]  # fmt: skip
STATUSES = ["prévu", "en cours", "terminé", "annulé"]
# Full-text words that are whole words of the labels and never inside another word, so that
# FTS5's token match and ODSQL's substring match find the same rows.
SEARCH_WORDS = [
    "mistral", "voltaire", "gambetta", "lamartine", "clemenceau", "moliere", "verdun",
    "lilas", "acacias", "foch", "zola", "jaures", "valery", "chateau", "stade", "liberte",
    "gaulle", "eglise", "mairie", "ferry", "hugo", "republique",
]  # fmt: skip


# ---------------------------------------------------------------- data


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: list[str], salt: int) -> str:
    return f"({_sql_list(values)})[CAST(hash(i, {salt}) % {len(values)} AS BIGINT) + 1]"


def _h(salt: int, modulo: int) -> str:
    return f"CAST(hash(i, {salt}) % {modulo} AS BIGINT)"


def generate(rows: int) -> dict:
    """The table as Parquet (reference), CSV (Territoire's ingestion) and SQLite (Datasette)."""
    import duckdb

    folder = OUT / f"rows-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / "travaux.parquet"
    csv_path = folder / "travaux.csv"
    sqlite_path = folder / "bench.db"  # Datasette names the database after the file
    if not parquet.exists():
        con = duckdb.connect()
        con.execute(
            f"""COPY (
            SELECT i AS id,
              lpad(CAST({_h(0, 34999)} + 1000 AS VARCHAR), 5, '0') AS code_insee,
              {_pick(ACTIONS, 1)} || ' ' || {_pick(OBJECTS, 2)} || ' ' || {_pick(KINDS, 3)} || ' '
                || {_pick(STREETS, 4)} || ' n° ' || CAST({_h(5, 300)} + 1 AS VARCHAR) AS libelle,
              {_pick(SERVICES, 6)} AS service,
              {_pick(STATUSES, 7)} AS statut,
              CAST(round({_h(8, 10000000)} / 100.0, 2) AS DECIMAL(12, 2)) AS montant,
              DATE '2000-01-01' + CAST({_h(9, 9000)} AS INTEGER) AS date_acte,
              round(42.3 + {_h(10, 8800000)} / 1000000.0, 6) AS latitude,
              round(-4.8 + {_h(11, 13000000)} / 1000000.0, 6) AS longitude
            FROM range(1, {rows + 1}) t(i)) TO '{parquet}' (FORMAT parquet)"""
        )
        con.close()
    if not csv_path.exists():
        con = duckdb.connect()
        con.execute(
            f"""COPY (SELECT id, code_insee, libelle, service, statut, montant, date_acte,
                   printf('%.6f,%.6f', latitude, longitude) AS geo_point_2d
                FROM read_parquet('{parquet}') ORDER BY id) TO '{csv_path}' (HEADER, DELIMITER ',')"""
        )
        con.close()
    if not sqlite_path.exists():
        _build_sqlite(parquet, sqlite_path)
    return {"parquet": parquet, "csv": csv_path, "sqlite": sqlite_path}


def _build_sqlite(parquet: Path, path: Path) -> None:
    import sqlite3

    import duckdb

    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute(
        f"""CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, code_insee TEXT, libelle TEXT,
            service TEXT, statut TEXT, montant REAL, date_acte TEXT, latitude REAL, longitude REAL)"""
    )
    con = duckdb.connect()
    result = con.execute(
        f"""SELECT id, code_insee, libelle, service, statut, CAST(montant AS DOUBLE),
               strftime(date_acte, '%Y-%m-%d'), latitude, longitude
            FROM read_parquet('{parquet}') ORDER BY id"""
    )
    while batch := result.fetchmany(50_000):
        db.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
    db.commit()
    for column in (
        "code_insee",
        "service",
        "statut",
        "montant",
        "date_acte",
        "latitude",
        "longitude",
    ):
        db.execute(f"CREATE INDEX idx_{TABLE}_{column} ON {TABLE} ({column})")
    db.commit()
    db.close()
    # FTS5 on the label, the way Datasette detects it (sqlite-utils' layout: <table>_fts).
    import sqlite_utils

    sqlite_utils.Database(tmp)[TABLE].enable_fts(["libelle"], fts_version="FTS5")
    db = sqlite3.connect(tmp)
    db.execute("ANALYZE")
    db.execute("VACUUM")
    db.close()
    tmp.rename(path)


# ---------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, path: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", path)
            if c.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer {path}")


def _territoire_env(home: Path) -> dict:
    env = dict(os.environ)
    env.update(
        TERRITOIRE_HOME=str(home),
        DEBUG="0",
        # Persistent connections to the app database (as DATABASE_URL gives PostgreSQL too):
        # the default SQLite settings reopen the file on every request (about 3 ms here).
        DATABASE_URL=f"sqlite:///{home / 'territoire.sqlite3'}",
        SECRET_KEY="bench-records-only-" + "x" * 40,
        TERRITOIRE_API_RATE="1000000000/1",
        LOG_LEVEL="WARNING",
    )
    return env


def setup_territoire(csv_path: Path, rows: int) -> Path:
    home = OUT / f"rows-{rows}" / "home"
    marker = home / "ingested"
    if marker.exists():
        return home
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    env = _territoire_env(home)
    subprocess.run([TERRITOIRE, "migrate", "--verbosity", "0"], env=env, check=True)
    script = (
        "from territoire.accounts.models import User\n"
        "from territoire.organizations.models import Organization\n"
        "Organization.objects.create(name='Métropole de démonstration', slug='metropole', siren='243400017')\n"
        "u = User.objects.create(username='officer', role='data_officer', email='o@example.fr')\n"
        "u.set_password('bench-only-password-42'); u.save()\n"
    )
    subprocess.run([TERRITOIRE, "shell", "-c", script], env=env, check=True)
    started = time.monotonic()
    done = subprocess.run(
        [
            TERRITOIRE,
            "ingest",
            str(csv_path),
            "--dataset",
            SLUG,
            "--title",
            "Travaux",
            "--publish",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ingestion failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    (home / "ingest.json").write_text(
        json.dumps({"seconds": time.monotonic() - started, "report": report}, default=str)
    )
    marker.write_text("ok")
    return home


def start_territoire(home: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            TERRITOIRE,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],  # fmt: skip
        env=_territoire_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def datasette_bin() -> Path:
    binary = DATASETTE_VENV / "bin" / "datasette"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", DATASETTE_VENV], check=True)
        subprocess.run(
            [DATASETTE_VENV / "bin" / "pip", "install", "--quiet", "datasette<0.66"], check=True
        )
    return binary


def start_datasette(db: Path, port: int) -> tuple[subprocess.Popen, str]:
    binary = datasette_bin()
    inspect = db.with_suffix(".inspect.json")
    if not inspect.exists():
        subprocess.run([binary, "inspect", str(db), "--inspect-file", str(inspect)], check=True)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    settings = {
        "suggest_facets": "off",
        "max_csv_mb": "0",
        "sql_time_limit_ms": "60000",
        "facet_time_limit_ms": "60000",
        "max_returned_rows": "1000",
    }
    command = [binary, "serve", "-i", str(db), "--inspect-file", str(inspect),
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    for name, value in settings.items():
        command += ["--setting", name, value]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    return process, version


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection; times a GET from sending to the last byte of the body."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path: str) -> tuple[int, bytes, float]:
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                body = response.read()
                return response.status, body, time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def q(path: str, **params) -> str:
    items = []
    for name, value in params.items():
        for v in value if isinstance(value, list) else [value]:
            items.append((name, v))
    return path + ("?" + urllib.parse.urlencode(items) if items else "")


T_RECORDS = f"/api/v1/datasets/{SLUG}/records"
D_TABLE = f"/bench/{TABLE}.json"


@dataclass
class Case:
    name: str
    territoire: object  # i -> path
    datasette: object  # i -> path
    t_count: object = None  # body -> comparable answer
    d_count: object = None


def _t_total(body: bytes):
    return json.loads(body)["total_count"]


def _d_total(body: bytes):
    return json.loads(body)["filtered_table_rows_count"]


def _t_ids(body: bytes):
    return [r["id"] for r in json.loads(body)["results"]]


def _d_ids(body: bytes):
    data = json.loads(body)
    index = data["columns"].index("id")
    return [row[index] for row in data["rows"]]


def cases(rows: int) -> list[Case]:
    rnd = random.Random(42)

    def three(i):
        service = SERVICES[i % len(SERVICES)]
        amount = 20000 + (i * 7919) % 60000
        year = 2003 + (i * 7) % 15
        return service, amount, year

    def box(i):
        r = random.Random(1000 + i)
        lat = 42.5 + r.random() * 8.0
        lon = -4.5 + r.random() * 12.0
        return lat, lon, lat + 0.5, lon + 0.5

    ids = [rnd.randint(1, rows) for _ in range(10_000)]
    facet_amounts = [1000 + i * 37 for i in range(10_000)]
    return [
        Case(
            "first page with total count",
            lambda i: q(T_RECORDS, limit=20),
            lambda i: q(D_TABLE, _size=20),
            lambda b: (_t_total(b), _t_ids(b)),
            lambda b: (_d_total(b), _d_ids(b)),
        ),
        Case(
            "equality filter",
            lambda i: q(T_RECORDS, where=f'service = "{SERVICES[i % 10]}"', limit=20),
            lambda i: q(D_TABLE, service=SERVICES[i % 10], _size=20),
            lambda b: (_t_total(b), _t_ids(b)),
            lambda b: (_d_total(b), _d_ids(b)),
        ),
        Case(
            "three-condition filter with count",
            lambda i: q(
                T_RECORDS,
                where="service = \"{}\" and montant > {} and date_acte >= date'{}-01-01'".format(
                    *three(i)
                ),
                limit=20,
            ),
            lambda i: q(
                D_TABLE,
                service=three(i)[0],
                montant__gt=str(three(i)[1]),
                date_acte__gte=f"{three(i)[2]}-01-01",
                _size=20,
            ),
            lambda b: (_t_total(b), _t_ids(b)),
            lambda b: (_d_total(b), _d_ids(b)),
        ),
        Case(
            "sort",
            lambda i: q(T_RECORDS, order_by="montant desc" if i % 2 == 0 else "montant", limit=20),
            lambda i: q(D_TABLE, **{"_sort_desc" if i % 2 == 0 else "_sort": "montant"}, _size=20),
            lambda b: [r["montant"] for r in json.loads(b)["results"]],
            lambda b: [r[json.loads(b)["columns"].index("montant")] for r in json.loads(b)["rows"]],
        ),
        Case(
            "record by id",
            lambda i: f"{T_RECORDS}/{ids[i]}",
            lambda i: f"/bench/{TABLE}/{ids[i]}.json",
            lambda b: json.loads(b)["libelle"],
            lambda b: json.loads(b)["rows"][0][json.loads(b)["columns"].index("libelle")],
        ),
        Case(
            "bounding box with count",
            lambda i: q(
                T_RECORDS,
                where="in_bbox(geo_point_2d, {}, {}, {}, {})".format(*box(i)),
                limit=20,
            ),
            lambda i: q(
                D_TABLE,
                latitude__gte=str(box(i)[0]),
                latitude__lte=str(box(i)[2]),
                longitude__gte=str(box(i)[1]),
                longitude__lte=str(box(i)[3]),
                _size=20,
            ),
            lambda b: (_t_total(b), _t_ids(b)),
            lambda b: (_d_total(b), _d_ids(b)),
        ),
        Case(
            "full-text search with count",
            lambda i: q(
                T_RECORDS,
                where=f'search(libelle, "{SEARCH_WORDS[i % len(SEARCH_WORDS)]}")',
                limit=20,
            ),
            lambda i: q(D_TABLE, _search=SEARCH_WORDS[i % len(SEARCH_WORDS)], _size=20),
            lambda b: _t_total(b),
            lambda b: _d_total(b),
        ),
        Case(
            "two facets (whole table)",
            lambda i: q(f"/api/v1/datasets/{SLUG}/facets", facet=["service", "statut"]),
            lambda i: q(D_TABLE, _facet=["service", "statut"], _size=0),
            lambda b: {
                f["name"]: {v["value"]: v["count"] for v in f["facets"]}
                for f in json.loads(b)["facets"]
            },
            lambda b: {
                name: {v["value"]: v["count"] for v in f["results"]}
                for name, f in json.loads(b)["facet_results"].items()
            },
        ),
        Case(
            "two facets (filtered, new filter each time)",
            lambda i: q(
                f"/api/v1/datasets/{SLUG}/facets",
                facet=["service", "statut"],
                where=f"montant > {facet_amounts[i]}",
            ),
            lambda i: q(
                D_TABLE, _facet=["service", "statut"], montant__gt=str(facet_amounts[i]), _size=0
            ),
            lambda b: {
                f["name"]: {v["value"]: v["count"] for v in f["facets"]}
                for f in json.loads(b)["facets"]
            },
            lambda b: {
                name: {v["value"]: v["count"] for v in f["results"]}
                for name, f in json.loads(b)["facet_results"].items()
            },
        ),
        Case(
            "group-by aggregate (whole table)",
            lambda i: q(
                T_RECORDS,
                select="service, count(*) as n, sum(montant) as total",
                group_by="service",
                limit=100,
            ),
            lambda i: q(
                "/bench.json",
                sql=f"select service, count(*) as n, sum(montant) as total from {TABLE} "
                "group by service order by service",
                _shape="objects",
            ),
            lambda b: {r["service"]: r["n"] for r in json.loads(b)["results"]},
            lambda b: {r["service"]: r["n"] for r in json.loads(b)["rows"]},
        ),
        Case(
            "group-by aggregate (filtered, new filter each time)",
            lambda i: q(
                T_RECORDS,
                select="service, count(*) as n, sum(montant) as total",
                group_by="service",
                where=f"montant > {facet_amounts[i]}",
                limit=100,
            ),
            lambda i: q(
                "/bench.json",
                sql=f"select service, count(*) as n, sum(montant) as total from {TABLE} "
                f"where montant > {facet_amounts[i]} group by service order by service",
                _shape="objects",
            ),
            lambda b: {r["service"]: r["n"] for r in json.loads(b)["results"]},
            lambda b: {r["service"]: r["n"] for r in json.loads(b)["rows"]},
        ),
    ]


def warm_up(port_t: int, port_d: int, rows: int) -> dict:
    """First request of each query shape on each server, then every Territoire worker warmed
    through 8 parallel connections. Warm-up requests (index 9,000+) are never measured."""
    firsts = {}
    for case in cases(rows):
        for label, port, make in (
            ("territoire", port_t, case.territoire),
            ("datasette", port_d, case.datasette),
        ):
            client = Client(port)
            status, body, seconds = client.get(make(9000))
            client.close()
            if status != 200:
                raise RuntimeError(f"{case.name} {label}: {status} {body[:300]!r}")
            firsts[(case.name, label)] = seconds * 1000

    def worker(_k: int) -> None:
        client = Client(port_t)
        for case in cases(rows):
            for i in (9001, 9002):
                client.get(case.territoire(i))
        client.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return firsts


def latencies(
    port_t: int, port_d: int, repeat: int, rows: int, firsts: dict
) -> tuple[list[dict], list[str]]:
    """Cold then warm medians (ms) of each case on both servers, and the disagreements seen.

    One keep-alive connection per server and case; a server's cold and warm runs follow each
    other on it (so they reach the same worker)."""
    table, problems = [], []
    for case in cases(rows):
        entry = {
            "query": case.name,
            "territoire_first": firsts[(case.name, "territoire")],
            "datasette_first": firsts[(case.name, "datasette")],
        }
        clients = {}
        for label, port, make in (
            ("territoire", port_t, case.territoire),
            ("datasette", port_d, case.datasette),
        ):
            client = clients[label] = Client(port)
            for phase in ("cold", "warm"):
                times = []
                for i in range(repeat):
                    status, body, seconds = client.get(make(i))
                    if status != 200:
                        raise RuntimeError(f"{case.name} {label}: {status} {body[:300]!r}")
                    times.append(seconds * 1000)
                entry[f"{label}_{phase}"] = statistics.median(times)
        # Agreement, checked outside the timed loops.
        for i in range(min(repeat, 5)):
            _, tb, _ = clients["territoire"].get(case.territoire(i))
            _, db, _ = clients["datasette"].get(case.datasette(i))
            if case.t_count and case.t_count(tb) != case.d_count(db):
                problems.append(
                    f"{case.name} #{i}: territoire {case.t_count(tb)!r:.200} != datasette {case.d_count(db)!r:.200}"
                )
        for client in clients.values():
            client.close()
        table.append(entry)
        print(
            f"  {case.name:52} T cold {entry['territoire_cold']:8.2f}  D cold {entry['datasette_cold']:8.2f}"
            f"  T warm {entry['territoire_warm']:8.2f}  D warm {entry['datasette_warm']:8.2f} ms",
            flush=True,
        )
    return table, problems


def export_csv(port_t: int, port_d: int, runs: int = 3) -> dict:
    result = {}
    for label, port, path in (
        ("territoire", port_t, f"/api/v1/datasets/{SLUG}/exports/csv"),
        ("datasette", port_d, f"/bench/{TABLE}.csv?_stream=on&_size=max"),
    ):
        times, sizes, lines = [], [], []
        for _ in range(runs):
            client = Client(port)
            status, body, seconds = client.get(path)
            client.close()
            if status != 200:
                raise RuntimeError(f"export {label}: {status} {body[:300]!r}")
            times.append(seconds)
            sizes.append(len(body))
            lines.append(body.count(b"\n"))
        result[label] = {"seconds": statistics.median(times), "bytes": sizes[0], "lines": lines[0]}
    return result


def throughput(port: int, paths: list[str], clients: int, seconds: float, limit: int) -> dict:
    """Requests per second of ``clients`` threads, each on its own keep-alive connection,
    until ``seconds`` have passed or ``limit`` requests are done."""
    done = [0] * clients
    errors = [0] * clients
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    counter = [0]

    def work(k: int):
        client = Client(port)
        rnd = random.Random(k)
        while time.monotonic() < stop_at:
            with lock:
                if counter[0] >= limit:
                    break
                counter[0] += 1
            status, _, _ = client.get(paths[rnd.randrange(len(paths))])
            if status == 200:
                done[k] += 1
            else:
                errors[k] += 1
        client.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - started
    return {
        "requests": sum(done),
        "errors": sum(errors),
        "seconds": elapsed,
        "rps": sum(done) / elapsed,
    }


def throughputs(port_t: int, port_d: int, rows: int, seconds: float) -> dict:
    rnd = random.Random(7)
    ids = [rnd.randint(1, rows) for _ in range(5000)]
    pages_t = [
        q(T_RECORDS, where=f'service = "{s}" and montant > {m}', limit=20)
        for s in SERVICES
        for m in range(1000, 100000, 5000)
    ]
    pages_d = [
        q(D_TABLE, service=s, montant__gt=str(m), _size=20)
        for s in SERVICES
        for m in range(1000, 100000, 5000)
    ]
    result = {}
    for name, t_paths, d_paths in (
        (
            "record lookups",
            [f"{T_RECORDS}/{i}" for i in ids],
            [f"/bench/{TABLE}/{i}.json" for i in ids],
        ),
        ("filtered pages", pages_t, pages_d),
    ):
        # Warm every worker and connection first.
        throughput(port_t, t_paths[:50], 8, 30, 400)
        throughput(port_d, d_paths[:50], 8, 30, 400)
        result[name] = {
            "territoire": throughput(port_t, t_paths, 8, seconds, 200_000),
            "datasette": throughput(port_d, d_paths, 8, seconds, 200_000),
        }
        print(
            f"  {name:20} T {result[name]['territoire']['rps']:8.1f} req/s   "
            f"D {result[name]['datasette']['rps']:8.1f} req/s",
            flush=True,
        )
    return result


# ---------------------------------------------------------------- techniques


TECHNIQUES_CODE = """
import json, os, statistics, sys, time
os.environ['DJANGO_SETTINGS_MODULE'] = 'territoire.settings.base'
import django; django.setup()
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from territoire.records import selectors, serving
from territoire.records.odsql import RecordQuery
from territoire.records.selectors import sources
ROWS, R = int(sys.argv[1]), int(sys.argv[2])
served = selectors.served_get(AnonymousUser(), 'travaux')
WORDS = ['mistral', 'voltaire', 'gambetta', 'lamartine', 'clemenceau', 'verdun']
def page(q):
    return lambda i: selectors.record_page(served, q(i))
cases = {
    'record by id': lambda i: selectors.record_get(served, 1 + (i * 7919) % ROWS),
    'first page with total count': page(lambda i: RecordQuery(limit=20)),
    'equality filter': page(lambda i: RecordQuery(where='service = "eau" and _id > %d' % i, limit=20)),
    'three-condition filter with count': page(lambda i: RecordQuery(
        where='service = "eau" and montant > %d and date_acte >= date\\'2010-01-01\\'' % (20000 + i * 37), limit=20)),
    'sort': page(lambda i: RecordQuery(order_by='montant desc', limit=20, where='_id > %d' % i)),
    'bounding box with count': page(lambda i: RecordQuery(
        where='in_bbox(geo_point_2d, %f, 1, %f, 1.5)' % (44 + (i % 20) * 0.2, 44.5 + (i % 20) * 0.2), limit=20)),
    'full-text search with count': page(lambda i: RecordQuery(
        where='search(libelle, "%s")' % WORDS[i % len(WORDS)], limit=20)),
    'two facets (filtered)': lambda i: selectors.record_facets(
        served, facet_fields=['service', 'statut'], where=['montant > %d' % (1000 + i * 37)]),
    'group-by aggregate (filtered)': page(lambda i: RecordQuery(
        select='service, count(*) as n, sum(montant) as total', group_by='service',
        where='montant > %d' % (1000 + i * 37), limit=100)),
}
def forget():
    for attached in serving.store()._attached.values():
        attached.memo.clear()  # no remembered count or facets: every call computes
def median(fn):
    fn(10_000)
    times = []
    for i in range(R):
        forget()
        t = time.perf_counter(); fn(i); times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)
out = {}
settings.TERRITOIRE_RECORDS_SERVING = False
for name, fn in cases.items():
    out[name] = {'parquet': median(fn)}
settings.TERRITOIRE_RECORDS_SERVING = True
serving.store().clear()
copy_source, candidates, row_fetch = sources._copy, sources.search_candidates, sources.row
sources._copy = lambda *a, **k: None
sources.search_candidates = lambda *a, **k: None
sources.row = lambda *a, **k: None
for name, fn in cases.items():
    out[name]['memory'] = median(fn)
sources._copy, sources.search_candidates, sources.row = copy_source, candidates, row_fetch
serving.store().clear()
for name, fn in cases.items():
    out[name]['all'] = median(fn)
print(json.dumps(out))
"""


def techniques(home: Path, repeat: int, rows: int) -> dict:
    """In-process time (no HTTP) of each query: on the Parquet file, on the serving file's rows
    alone (no sorted or geo copy, no word index, no row fetch), and with everything (distinct
    requests: no remembered count)."""
    env = _territoire_env(home)
    done = subprocess.run(
        [sys.executable, "-c", TECHNIQUES_CODE, str(rows), str(repeat)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(done.stderr[-3000:])
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report_techniques(tech: dict) -> str:
    lines = [
        "| in-process, no HTTP | Parquet file | serving file, rows alone | serving file, every structure |",
        "|---|---:|---:|---:|",
    ]
    for name, e in tech.items():
        if name.startswith("_"):
            continue
        lines.append(
            f"| {name} | {e['parquet']:.2f} ms | {e['memory']:.2f} ms | {e['all']:.2f} ms |"
        )
    return "\n".join(lines)


def report(
    meta: dict, table: list[dict], export: dict, rates: dict, tech: list[dict], problems
) -> str:
    lines = [
        f"Run {meta['date']} on {meta['machine']}, {meta['cpus']} CPU, Python {meta['python']}, "
        f"DuckDB {meta['duckdb']}, {meta['datasette']}, SQLite {meta['sqlite']}. "
        f"Table: {meta['rows']:,} rows. Territoire: `territoire serve` with {meta['workers']} "
        f"gunicorn workers × {meta['threads']} threads. Load average before / after: "
        f"{meta['load_before']} / {meta['load_after']}. Medians of {meta['repeat']} distinct "
        "requests per query (cold: first time each is asked; warm: asked again), HTTP keep-alive, "
        "time to the last byte.",
        "",
        "| query | Territoire cold | Datasette cold | ratio | Territoire warm | Datasette warm | ratio | first request T / D |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in table:
        rc = e["datasette_cold"] / e["territoire_cold"]
        rw = e["datasette_warm"] / e["territoire_warm"]
        lines.append(
            f"| {e['query']} | {e['territoire_cold']:.2f} ms | {e['datasette_cold']:.2f} ms | {rc:.1f}× "
            f"| {e['territoire_warm']:.2f} ms | {e['datasette_warm']:.2f} ms | {rw:.1f}× "
            f"| {e['territoire_first']:.0f} / {e['datasette_first']:.0f} ms |"
        )
    t, d = export["territoire"], export["datasette"]
    lines += [
        "",
        f"Full CSV export ({meta['rows']:,} rows): Territoire {t['seconds']:.2f} s "
        f"({t['bytes'] / 1e6:.0f} MB, {t['lines']:,} lines), Datasette {d['seconds']:.2f} s "
        f"({d['bytes'] / 1e6:.0f} MB, {d['lines']:,} lines): {d['seconds'] / t['seconds']:.1f}× faster.",
        "",
        "| throughput, 8 clients | Territoire | Datasette | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, r in rates.items():
        lines.append(
            f"| {name} | {r['territoire']['rps']:.0f} req/s | {r['datasette']['rps']:.0f} req/s "
            f"| {r['territoire']['rps'] / r['datasette']['rps']:.1f}× |"
        )
    if tech:
        lines += ["", report_techniques(tech)]
    if problems:
        lines += ["", "Disagreements between the two servers:", *[f"- {p}" for p in problems]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=15.0, help="per throughput run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--techniques-only",
        action="store_true",
        help="only the in-process timings of each technique (on the data of a previous run)",
    )
    args = parser.parse_args()
    if args.techniques_only:
        home = OUT / f"rows-{args.rows}" / "home"
        print(f"load average: {_load()}", flush=True)
        tech = techniques(home, args.repeat, args.rows)
        print(f"load average: {_load()}", flush=True)
        print(report_techniques(tech))
        return

    import sqlite3

    import duckdb

    print(f"load average: {_load()}", flush=True)
    files = generate(args.rows)
    print("data ready", flush=True)
    home = setup_territoire(files["csv"], args.rows)
    print("territoire ingested", flush=True)
    port_t, port_d = _free_port(), _free_port()
    territoire = start_territoire(home, port_t, args.workers, args.threads)
    datasette, datasette_version = start_datasette(files["sqlite"], port_d)
    meta = {
        "date": time.strftime("%Y-%m-%dT%H:%M"),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "datasette": datasette_version,
        "sqlite": sqlite3.sqlite_version,
        "rows": args.rows,
        "workers": args.workers,
        "threads": args.threads,
        "repeat": args.repeat,
        "load_before": _load(),
    }
    try:
        _wait(port_t, "/api/v1/status")
        _wait(port_d, "/-/versions.json")
        started = time.monotonic()
        firsts = warm_up(port_t, port_d, args.rows)
        print(f"  warmed up in {time.monotonic() - started:.0f} s", flush=True)
        table, problems = latencies(port_t, port_d, args.repeat, args.rows, firsts)
        export = export_csv(port_t, port_d)
        print(f"  csv export: {json.dumps(export)}", flush=True)
        rates = throughputs(port_t, port_d, args.rows, args.seconds)
    finally:
        stop(territoire)
        stop(datasette)
    tech = techniques(home, args.repeat, args.rows)
    meta["load_after"] = _load()
    text = report(meta, table, export, rates, tech, problems)
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "latency": table,
                "export": export,
                "throughput": rates,
                "techniques": tech,
                "problems": problems,
            },
            indent=2,
        )  # fmt: skip
    )
    print()
    print(text)


if __name__ == "__main__":
    main()
