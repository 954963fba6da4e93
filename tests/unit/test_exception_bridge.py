"""leanredis's exceptions are caught by ``except redis.exceptions.X`` once redis-py's exceptions are loaded,
whichever of the two was imported first, and stay leanredis's (names, reprs, pickling) all the same."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys
import textwrap

import redis.exceptions

import leanredis
import leanredis.exceptions as ours

CHECK = textwrap.dedent(
    """
    import inspect
    {first}
    {second}
    import leanredis.exceptions as ours
    import redis.exceptions as theirs
    classes = [c for c in vars(ours).values() if inspect.isclass(c) and issubclass(c, BaseException)
               and c.__module__ == ours.__name__ and not c.__name__.startswith("_")]
    lost = [c.__name__ for c in classes if not issubclass(c, theirs.RedisError)]
    unnamed = [c.__name__ for c in classes
               if hasattr(theirs, c.__name__) and not issubclass(c, getattr(theirs, c.__name__))]
    print(len(classes), lost, unnamed)
    """
)


def _run(first: str, second: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHECK.format(first=first, second=second)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return done.stdout.strip()


def test_every_exception_is_redis_pys_namesake_too_whichever_is_imported_first() -> None:
    leanredis_first = _run("import leanredis", "import redis.exceptions")
    redis_first = _run("import redis.exceptions", "import leanredis")
    count = len([c for c in vars(ours).values() if inspect.isclass(c) and issubclass(c, BaseException)
                 and c.__module__ == ours.__name__ and not c.__name__.startswith("_")])
    assert leanredis_first == redis_first == f"{count} [] []"


def test_a_process_that_never_loads_redis_py_does_not_import_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, leanredis; print('redis' in sys.modules)"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert done.stdout.strip() == "False"


def test_errors_keep_their_leanredis_repr_attributes_and_pickling() -> None:
    error = ours.error_from_reply("WRONGTYPE Operation against a key holding the wrong kind of value")
    assert isinstance(error, redis.exceptions.ResponseError) and isinstance(error, leanredis.WrongTypeError)
    assert repr(error) == "WrongTypeError('WRONGTYPE Operation against a key holding the wrong kind of value')"
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is leanredis.WrongTypeError and again.args == error.args
    lost = leanredis.ConnectionError("gone")
    lost.possibly_executed = True
    assert isinstance(lost, redis.exceptions.ConnectionError) and lost.possibly_executed is True
    assert repr(lost) == "ConnectionError('gone')"
    lock = leanredis.LockError("not held", lock_name="job")
    assert isinstance(lock, redis.exceptions.LockError) and isinstance(lock, ValueError) and lock.lock_name == "job"
    assert isinstance(leanredis.OverloadError("full"), redis.exceptions.RedisError)  # no namesake: its base's
