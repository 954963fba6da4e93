"""The applications compat/run.py tries, each at a pinned release from its PyPI sdist.

An app is data: what to install (its sdist, with extras, plus its test
dependencies as its own project files list them), how to run its tests
(``{url}``, ``{host}``, ``{port}`` are filled in with the private server's
address) and why a part of its suite is left out. Only sdists that ship their
tests are used, so what runs is the released code with its released tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class App:
    name: str
    dist: str  # PyPI project name
    version: str  # pinned release; its sdist carries the tests
    extras: str = ""  # installed as "<sdist dir>[extras]"
    requires: tuple[str, ...] = ()  # test dependencies (from the app's own test requirements)
    pytest_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None  # a port the suite hardcodes; None: any free loopback port
    server_args: tuple[str, ...] = ()  # more arguments for the server (a unix socket the suite hardcodes)
    sentinel: str | None = None  # sentinel.conf text for a sentinel on 26379 watching the server
    cluster_port: int | None = None  # a cluster (3 primaries) whose first node listens here, for suites that want one
    app_timeout: int | None = None  # one pass's bound, when shorter than --app-timeout
    # directories under compat/stubs put on PYTHONPATH for this app only (a file its sdist leaves out)
    stubs: tuple[str, ...] = ()
    # files of the app's own repository at the release's tag that its sdist leaves out (a conftest.py):
    # compat/missing/<name>/ is copied into the unpacked sdist, never over a file the sdist has
    missing_files: bool = False
    notes: str = ""


APPS: dict[str, App] = {
    app.name: app
    for app in (
        App(
            name="arq",
            dist="arq",
            version="0.28.0",
            # versions from arq's uv.lock: its tests turn warnings into errors, and redis-py 5 deprecates
            # close(), which arq calls; pytest-asyncio 0.23 still has the event_loop fixture its conftest uses
            requires=(
                "redis[hiredis]==4.6.0",
                "pytest==8.4.2",
                "pytest-asyncio==0.23.6",
                "pytest-mock",
                "pytest-timeout",
                "dirty-equals",
                "msgpack",
                "pydantic",
                "pytz",
                "tzdata",
                "watchfiles",  # arq's [watch] extra: test_run_watch imports it
            ),
            # leanredis follows redis-py 8.1, where close() warns DeprecationWarning (since 5.0.1); arq's tests
            # turn warnings into errors and arq calls close(): that difference alone fails 73 tests, so it is
            # silenced here to see the rest (compat/README.md says so)
            pytest_args=("tests", "-W", "ignore:Call to deprecated close:DeprecationWarning"),
            # a fixed port: test_job_successful_no_result_logging asserts '42' is not in a log line that
            # names the server's address, so a random port with 42 in it fails it on either library
            port=6379,
            notes="testcontainers' RedisContainer is stood in for by compat/stubs (the private server); "
            "the baseline is redis-py 4.6.0, the version arq's own uv.lock pins",
        ),
        App(
            name="channels-redis",
            dist="channels-redis",
            version="4.3.0",
            extras="cryptography",
            requires=("pytest", "pytest-asyncio", "pytest-timeout", "async-timeout"),
            pytest_args=("tests",),
            port=6379,
            # the master is named "sentinel" and the sentinel wants a password (tests/test_sentinel.py)
            sentinel=(
                "port 26379\n"
                "sentinel monitor sentinel 127.0.0.1 6379 1\n"
                "sentinel down-after-milliseconds sentinel 5000\n"
                "requirepass channels_redis\n"
            ),
            notes="the suite hardcodes redis://localhost:6379 and a sentinel on localhost:26379 "
            "(password channels_redis): both run on those ports inside the run's private network namespace",
        ),
        App(
            name="aiogram",
            dist="aiogram",
            version="3.31.0",
            extras="redis,mongo",
            requires=(
                "pytest",
                "pytest-mock",
                "pytest-aiohttp==1.1.0",
                "pytest-timeout",
                "aresponses==3.0.0",
                "pytz",
                "pycryptodomex",
            ),
            # the FSM storages and event isolation: the tests that use redis (run with --redis)
            # pytest-aiohttp brings a pytest-asyncio that warns when this option is unset, and aiogram turns
            # warnings into errors: set it to the value the warning names as the coming default
            pytest_args=("tests/test_fsm", "--redis", "{url}", "-o", "asyncio_default_fixture_loop_scope=function"),
            notes="only tests/test_fsm (storages, isolation): the rest of aiogram's suite never touches redis",
        ),
        App(
            name="pydocket",
            dist="pydocket",
            version="0.27.2",
            requires=(
                "pytest",
                "pytest-asyncio>=0.24",
                "pytest-timeout",
                "pytest-xdist",  # its conftest takes the worker_id fixture
                "opentelemetry-sdk>=1.33.0",
                "opentelemetry-instrumentation-redis>=0.60b0",
                "opentelemetry-exporter-prometheus>=0.60b0",
            ),
            # its addopts ask for xdist workers and 100% coverage; keep only the import mode
            # its whole suite is 1,163 tests and ~40 minutes a pass here: the files that exercise the
            # redis client most (keys, scripts, results, pub/sub progress, strikes, reconnection, credentials)
            pytest_args=(
                *(f"tests/{name}.py" for name in (
                    "test_docket_keys", "test_docket_clear", "test_docket_execution", "test_docket_registration",
                    "test_strikelist", "test_results_storage", "test_results_retrieval", "test_progress_pubsub",
                    "test_pubsub_resp_version", "test_lua_decorator", "test_credential_provider",
                    "worker/test_core", "worker/test_reconnection",
                )),
                "-o", "addopts=--import-mode=importlib", "-p", "no:randomly",
            ),
            env={"REDIS_VERSION": "8.10"},
            # a pass that hangs in a fixture's teardown (pytest-timeout does not end it) stops here
            app_timeout=420,
            notes="docker's containers.run is stood in for by compat/stubs (the private server)",
        ),
        App(
            name="cashews",
            dist="cashews",
            # 7.6.0 is newer, but neither its sdist nor 7.5.0's ships tests/conftest.py (the fixtures every
            # test takes); 7.5.0's is taken from its tag (compat/missing/), the newest tag at hand here
            version="7.5.0",
            extras="redis,speedup",
            # cashews' [tests] extra (setup.cfg), without pytest-randomly (the order would differ between
            # passes) and pytest-rerunfailures (its tox reruns a failure 5 times: a difference would hide)
            requires=("pytest==9.0.2", "pytest-asyncio==1.3.0", "hypothesis==6.148.7", "pytest-timeout"),
            # its tox env "redis": the redis-marked tests (the redis and client-side-cache backends)
            pytest_args=("tests", "-m", "redis and not diskcache and not redis_cluster", "-p", "no:randomly"),
            port=6379,
            missing_files=True,
            notes="tests/conftest.py, tests/__init__.py and pytest.ini come from cashews' git tag 7.5.0 "
            "(compat/missing/cashews): the sdist leaves them out; its redis_dsn fixture reads "
            "REDIS_HOST/REDIS_PORT, default :6379, which the run's network namespace gives it. Timing: its "
            "conftest gives the client-side-cache backend (redis_cs) socket_timeout=0.1, which expires under "
            "load on either library (a different few tests each run, on redis.asyncio too); test_expire sleeps "
            "exactly its key's 10 ms TTL; test_set_expire_clean_2 is xfail-marked and sometimes passes",
        ),
        App(
            name="limits",
            dist="limits",
            version="5.8.0",
            extras="redis",
            # versions from limits' uv.lock; lovely-pytest-docker is stood in for by compat/plugin
            requires=(
                "redis==7.0.1",
                "pytest==9.0.2",
                "pytest-asyncio==1.3.0",
                "pytest-lazy-fixtures==1.4.0",
                "pytest-mock",
                "pytest-timeout",
                "hiro>0.1.6",
                "flaky",
                "PyYAML",
                # its conftest imports these at the top, for storages this run does not start
                "pymemcache==4.0.0",
                "pymongo==4.16.0",
                "valkey==6.1.1",
            ),
            # the async storages' tests on redis (standalone and sentinel) with redis-py's client; its addopts
            # name pytest-cov and lovely-pytest-docker's -K: only their "-m not benchmark" is kept
            pytest_args=(
                "tests/aio", "-m", "(redis or redis_sentinel) and not benchmark",
                "-o", "addopts=--tb=short -rfEsxX", "-p", "compat_docker_services",
            ),
            env={"ASYNC_REDIS_IMPLEMENTATION": "redispy"},
            port=7379,
            # its redis-uds service (tests/aio/test_storage.py's async+redis+unix:// storages)
            server_args=("--unixsocket", "/tmp/limits.redis.sock", "--unixsocketperm", "700"),
            sentinel=(
                "port 26379\n"
                "sentinel monitor mymaster 127.0.0.1 7379 1\n"
                "sentinel down-after-milliseconds mymaster 5000\n"
            ),
            notes="the suite starts its servers with docker-compose (lovely-pytest-docker's docker_services "
            "fixture): compat/plugin/compat_docker_services.py stands in, with the private server on 7379 "
            "and /tmp/limits.redis.sock (its redis-basic and redis-uds) and a sentinel on 26379 watching it "
            "as mymaster; ASYNC_REDIS_IMPLEMENTATION=redispy makes its async+redis:// storages use "
            "redis.asyncio (its default is coredis). tests/aio/test_storage.py's TestConcreteStorages builds "
            "its redis and sentinel storages without implementation=, so on coredis, which is not installed: "
            "those 27 fail on every pass and test nothing of redis.asyncio; the sentinel-auth ones (36379, "
            "a password) are skipped. Its sliding-window tests sleep whole periods and compare times to "
            "30 ms (two marked flaky by limits): they fail now and then on either library",
        ),
        App(
            name="aiocache",
            dist="aiocache",
            version="0.12.3",
            extras="redis",
            # versions from aiocache's requirements-dev.txt (msgpack unpinned: its 1.0.4 has no wheel for 3.11)
            requires=(
                "redis==4.4.2",
                "pytest==7.2.0",
                "pytest-asyncio==0.20.3",
                "pytest-mock==3.10.0",
                "pytest-timeout",
                "marshmallow==3.19.0",
                "msgpack",
            ),
            # RedisCache on the server (acceptance, the redis parameter of its cache fixture) and its unit
            # tests of the redis backend (they patch the client's methods); its addopts want pytest-cov
            # as for arq: its pinned redis-py 4.4.2 has no deprecated close(), leanredis follows 8.1's (which
            # warns), and aiocache's filterwarnings turn that into an error in every teardown: silenced here
            pytest_args=(
                "tests/acceptance", "tests/ut/backends/test_redis.py", "-m", "not memcached",
                "-o", "addopts=--strict-markers", "-W", "ignore:Call to deprecated close:DeprecationWarning",
            ),
            port=6379,
            notes="also stands in for taskiq-redis, whose sdists (0.4.0 to 1.2.4) ship no tests; "
            "the acceptance tests run RedisCache and the memory cache alike (the cache fixture's "
            "parameters); RedisCache connects to 127.0.0.1:6379, the run's network namespace's",
        ),
        App(
            name="python-socketio",
            dist="python-socketio",
            version="5.18.1",
            requires=("pytest", "pytest-asyncio", "pytest-timeout", "redis", "valkey"),
            pytest_args=("tests/async/test_redis_manager.py",),
            notes="AsyncRedisManager's own tests (they build clients from URLs; no server round trip)",
        ),
        App(
            name="saq",
            dist="saq",
            # 0.26.3, not 0.26.4: the stand-in for tests/helpers.py below comes from the release's git tag,
            # and v0.26.3 is the newest tag at hand; the sdists' tests are the same files as the tag's
            version="0.26.3",
            extras="redis,hiredis,web,postgres",
            # saq's [dev] extra, less the linters and type stubs
            requires=("pytest", "pytest-timeout", "aiohttp", "aiohttp_basicauth", "pandas", "time-machine",
                      "starlette", "httpx"),
            # the Postgres queue's classes, TestHttpPoll and test_http_stats (a Postgres queue behind HTTP)
            # need a PostgreSQL server; everything else runs on the private Redis
            pytest_args=("tests", "--ignore=tests/test_http_stats.py", "-k", "not Postgres and not HttpPoll"),
            port=6379,  # tests/helpers.py's default URL: redis://localhost:6379
            stubs=("saq-tests",),
            notes="the sdist ships tests/test_*.py but not tests/helpers.py, which they import: "
            "compat/stubs/saq-tests holds it, unchanged from the v0.26.3 tag. TestHttpRedis's test_schedule and "
            "test_cron race the server worker that runs beside them: when the worker's first scheduling tick "
            "comes before the test's own schedule() (a 1 s lock), the job is scheduled on the next tick, whose "
            "sweep finds it dequeued but not yet active and sweeps it. Both libraries fail that way (same log "
            "lines); leanredis loses the race more often (likely: its first commands need no new connection; "
            "not measured): test_schedule alone failed 13 of 20 runs on leanredis, 0 of 20 on redis.asyncio; "
            "test_cron alone failed 2 of 3 on redis.asyncio",
        ),
        App(
            name="pyrate-limiter",
            dist="pyrate-limiter",
            version="4.6.0",
            extras="redis",
            # its [dependency-groups] dev, less coverage, linters, nox and the Postgres driver; pytest-retry
            # because its pytest options ask for 2 reruns of a failed (timing-dependent) test
            requires=("pytest>=8.4.1", "pytest-asyncio>=1.1.0", "pytest-timeout", "pytest-retry>=1.7.0",
                      "schedule>=1.1.0,<2", "httpx", "aiohttp", "requests", "filelock"),
            # the tests of the asyncio Redis bucket and GCRA store (marker asyncredis): Lua scripts by
            # SCRIPT LOAD then EVALSHA, sorted sets; the other markers are the sync client or other backends
            pytest_args=("tests", "-m", "asyncredis", "-p", "no:randomly"),
            port=6379,  # the suite's default REDIS URL (and its GCRA tests hardcode it)
            notes="stands in for bullmq, whose sdists (2.0.0 to 3.4.4) ship only tests/test_imports.py, which "
            "touches no server: pyrate-limiter's Redis bucket is the Lua-scripting case (SCRIPT LOAD, EVALSHA). "
            "test_factory_leak[create_async_redis_bucket] fails on leanredis by design: the leaker asks "
            "inspect.iscoroutine(bucket.leak(0)), False for a command's CommandFuture (a future that passes "
            "asyncio.iscoroutine, not a native coroutine), so it leaks the bucket from a thread with its own "
            "loop, where awaiting the future raises RuntimeError and the leak loop ends (compat/repro.py: "
            "inspect_iscoroutine_of_a_command)",
        ),
        App(
            name="aiohttp-session",
            dist="aiohttp-session",
            version="2.12.1",
            extras="secure",
            # its requirements.txt at the v2.12.1 tag (docker is compat/stubs' stand-in, not installed)
            requires=("aiohttp==3.10.6", "aiomcache==0.8.1", "pynacl==1.5.0", "pytest==7.4.3",
                      "pytest-aiohttp==1.0.5", "pytest-mock==3.12.0", "pytest-timeout", "redis==5.0.1"),
            # RedisStorage's tests; the sdist leaves out pytest.ini: its asyncio_mode and filterwarnings
            pytest_args=("tests/test_redis_storage.py", "-o", "asyncio_mode=auto", "-W", "error"),
            port=6379,  # its conftest connects to the container's address on the image's port, 6379
            notes="the Redis container (docker's containers.run, then api.inspect_container for its address) "
            "is stood in for by compat/stubs (the private server)",
        ),
        App(
            name="redis-rate-limiters",
            dist="redis-rate-limiters",
            version="0.5.0",
            # its dev dependency group, less linters and type stubs (pytest-socket and pytest-rerunfailures
            # because its addopts use them; pytest-randomly left out: one order for every pass)
            requires=("pytest>=7", "pytest-asyncio", "pytest-mock", "pytest-rerunfailures>=14", "pytest-socket",
                      "pytest-timeout"),
            # the asyncio semaphore and token bucket (Lua scripts by register_script) on a server and on a
            # cluster, and its cluster test (the sync halves are redis-py's own client either way)
            pytest_args=("tests/semaphore/test_async_semaphore.py", "tests/token_bucket/test_async_token_bucket.py",
                         "tests/test_redis_cluster.py"),
            port=6378,  # conftest.py: redis://127.0.0.1:6378, and a cluster at redis://127.0.0.1:6380
            cluster_port=6380,
            notes="the suite's docker-compose cluster (six nodes) is a three-primary cluster here, its first node "
            "on 6380. test_redis_instructions fails on redis.asyncio too (more commands reach MONITOR than it "
            "counts); on leanredis it would fail anyway: it reads the monitor's redis-py connection "
            "(m.connection.read_response()), which leanredis's Monitor does not have",
        ),
        App(
            name="pottery",
            dist="pottery",
            version="3.0.1",
            # its requirements.txt at the v3.0.1 tag (redis 5.3.0b3 there; 5.3.0 is that line's release)
            requires=("redis==5.3.0", "hiredis", "mmh3==5.1.0", "pytest==8.3.5", "pytest-asyncio==0.25.3",
                      "pytest-timeout", "uvloop==0.21.0", "typing_extensions"),
            # the asyncio Redlock (Lua scripts on every master) and NextID; the sdist leaves out pytest.ini
            # (asyncio_mode) and tests/conftest.py, loaded as a plugin from compat/stubs/pottery-tests
            pytest_args=("tests/test_aioredlock.py", "tests/test_aionextid.py", "-o", "asyncio_mode=auto",
                         "-p", "pottery_conftest"),
            port=6379,  # its conftest: redis://localhost:6379/<a random db>
            stubs=("pottery-tests",),
            notes="the sdist ships tests/test_*.py but not tests/conftest.py (their fixtures): "
            "compat/stubs/pottery-tests/pottery_conftest.py is it, unchanged from the v3.0.1 tag, loaded with -p. "
            "4 tests fail on leanredis as an artefact: they make scripts fail by patching redis-py's own "
            "redis.commands.core.AsyncScript.__call__, and register_script here returns leanredis's Script, "
            "which that patch does not reach (test_locked_rediserror, test_extend_rediserror, "
            "test_release_rediserror, test_anext_quorumnotachieved)",
        ),
        App(
            name="aiohttp-client-cache",
            dist="aiohttp-client-cache",
            version="0.15.0",
            extras="redis,filesystem",  # the tests' base classes import the SQLite backend
            requires=("brotli>=1.0", "faker>=30.0", "pytest>=8.4", "pytest-aiohttp>=1.1", "pytest-asyncio>=1.2",
                      "pytest-timeout"),
            # the Redis storage's tests (RedisCache); its backend tests want httpbin servers on 8080 and 8181
            pytest_args=("test/integration/test_redis.py", "-k", "TestRedisCache"),
            port=6379,  # DEFAULT_ADDRESS: redis://localhost
            notes="only TestRedisCache: TestRedisBackend requests pages from httpbin containers",
        ),
    )
}
