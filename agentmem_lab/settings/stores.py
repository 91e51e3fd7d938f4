"""The store and embedder settings (recorded with the result), and the peer systems' own
stores."""

from __future__ import annotations

from agentmem_lab.settings.setting import Setting

SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
TABLE_STORES = ("sqlite", "postgres", "redis")
REDIS_APPENDFSYNC = ("everysec", "always")
PG_TRANSPORTS = ("tcp", "unix")
PG_SYNCHRONOUS = ("on", "off")
USEARCH_DTYPES = ("f32", "f16", "bf16", "i8")
LANGGRAPH_STORES = ("memory", "sqlite", "postgres", "redis")
TXTAI_BACKENDS = ("faiss", "hnsw", "numpy", "pgvector")

STORES: tuple[Setting, ...] = (
    Setting(
        "vector_store",
        str,
        "usearch",
        "the vector store backend (see README, 'Vector stores side by side')",
        scope="stores",
        group="stores",
        registry=True,
        metavar="NAME",
        kind="vector store",
    ),
    Setting(
        "sqlite_synchronous",
        str,
        "NORMAL",
        "SQLite PRAGMA synchronous of the core and history stores in SQLite (and sqlite-vec)",
        scope="stores",
        group="stores",
        choices=lambda: SYNCHRONOUS,
        upper=True,
        metavar="LEVEL",
    ),
    Setting(
        "core_store",
        str,
        "sqlite",
        "where core memory lives: sqlite (a file, through "
        "aiosqlite), postgres (a table on a PostgreSQL server, through asyncpg) or redis "
        "(a hash per item on a Redis server, through redis-py)",
        scope="stores",
        group="stores",
        choices=lambda: TABLE_STORES,
        metavar="STORE",
    ),
    Setting(
        "history_store",
        str,
        "sqlite",
        "where history lives: sqlite, postgres or redis, as --core-store",
        scope="stores",
        group="stores",
        choices=lambda: TABLE_STORES,
        metavar="STORE",
    ),
    Setting(
        "postgres_dsn",
        str,
        None,
        "the PostgreSQL server of the postgres stores and "
        "pgvector, as a libpq URI; it gets a schema of its own per store folder, nothing "
        "else is touched (default: the bench starts a server of its own in the run's "
        "folder, and stops it at the end)",
        scope="stores",
        group="stores",
        optional=True,
        metavar="DSN",
    ),
    Setting(
        "redis_url",
        str,
        None,
        "the Redis server (with RediSearch) of the redis stores, as redis://host:port/db; "
        "nothing is touched but the keys under the bench's own prefix per store folder "
        "(default: the bench starts a Redis Stack server of its own in the run's folder, "
        "and stops it at the end)",
        scope="stores",
        group="stores",
        optional=True,
        metavar="URL",
    ),
    Setting(
        "redis_appendfsync",
        str,
        "everysec",
        "the bench's own Redis server's append-only file: fsync once a second (a crash "
        "loses up to a second of acknowledged writes) or at every write (always)",
        scope="stores",
        group="stores",
        choices=lambda: REDIS_APPENDFSYNC,
        metavar="WHEN",
    ),
    Setting(
        "pg_transport",
        str,
        "tcp",
        "how the bench's own server is reached: loopback TCP or a Unix socket in its folder",
        scope="stores",
        group="stores",
        choices=lambda: PG_TRANSPORTS,
        metavar="T",
    ),
    Setting(
        "pg_synchronous_commit",
        str,
        "on",
        "PostgreSQL synchronous_commit of the "
        "stores' sessions (off: a commit returns before its WAL is flushed)",
        scope="stores",
        group="stores",
        choices=lambda: PG_SYNCHRONOUS,
        metavar="LEVEL",
    ),
    Setting(
        "langgraph_store",
        str,
        "sqlite",
        "the store of --system langgraph: memory "
        "(InMemoryStore, brute-force search), sqlite (SqliteStore: a file, vectors as "
        "BLOBs, sqlite-vec distances, no ANN index), postgres (PostgresStore: pgvector "
        "HNSW on the run's server) or redis (RedisStore: RediSearch HNSW on the run's "
        "Redis server)",
        scope="stores",
        group="peers",
        choices=lambda: LANGGRAPH_STORES,
        metavar="STORE",
    ),
    Setting(
        "txtai_backend",
        str,
        "faiss",
        "the ANN backend of --system txtai (content in "
        "its SQLite database): faiss, hnsw (hnswlib), numpy (exact) or pgvector (on the "
        "run's server)",
        scope="stores",
        group="peers",
        choices=lambda: TXTAI_BACKENDS,
        metavar="BACKEND",
    ),
    Setting(
        "usearch_dtype",
        str,
        "f16",
        "usearch scalar type",
        scope="stores",
        group="stores",
        choices=lambda: USEARCH_DTYPES,
        metavar="DTYPE",
    ),
    Setting(
        "hnsw_connectivity",
        int,
        16,
        "HNSW connectivity M (usearch, faiss-hnsw, chroma)",
        scope="stores",
        group="stores",
        minimum=2,
        metavar="M",
        aliases=("usearch_connectivity",),
    ),
    Setting(
        "hnsw_expansion_add",
        int,
        128,
        "HNSW expansion when adding, efConstruction (usearch, faiss-hnsw, chroma)",
        scope="stores",
        group="stores",
        minimum=2,
        metavar="E",
        aliases=("usearch_expansion_add",),
    ),
    Setting(
        "hnsw_expansion_search",
        int,
        512,
        "HNSW expansion when searching, efSearch (usearch, faiss-hnsw, chroma)",
        scope="stores",
        group="stores",
        minimum=2,
        metavar="E",
        aliases=("usearch_expansion_search",),
    ),
    Setting(
        "usearch_threads",
        int,
        1,
        "threads of a usearch batch add; 0 = all cores (concurrent inserts left 2-5 of "
        "3,000-20,000 items unreachable by their own vector, docs/scale.md)",
        scope="stores",
        group="stores",
        minimum=0,
        metavar="T",
    ),
    Setting(
        "onnx_threads",
        int,
        None,
        "onnxruntime threads of a fastembed/minilm embedder (default: its own)",
        group="stores",
        minimum=1,
        optional=True,
        metavar="T",
    ),
    Setting(
        "self_recall_sample",
        int,
        1000,
        "stored items whose own text is searched after "
        "the run (self-recall@1; 0 skips it): exact-search stores answer each query by a "
        "full scan",
        group="stores",
        minimum=0,
        metavar="N",
    ),
    Setting(
        "search_queries",
        int,
        100,
        "queries of the search figures after the run (0 skips them)",
        group="stores",
        minimum=0,
        metavar="Q",
    ),
)
