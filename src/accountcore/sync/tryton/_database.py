"""
Tryton databases on SQLite for tests and examples: one template with the modules activated,
built once in a cache folder, copied for each database.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Final

from ...errors import AdapterError

__all__ = ["create_database"]

#: The Tryton modules the template activates.
MODULES: Final = ("party", "accountcore_sync")


def _template_name() -> str:
    import trytond

    from . import _module

    digest = hashlib.blake2b(digest_size=6)
    folder = Path(_module.__file__).parent
    for path in sorted(folder.iterdir()):
        if path.suffix in {".py", ".cfg", ".xml"}:
            digest.update(path.name.encode() + path.read_bytes())
    return f"accountcore-tryton-{trytond.__version__}-{digest.hexdigest()}"


def _use_folder(folder: Path) -> None:
    from trytond import config

    config.set("database", "uri", "sqlite://")
    config.set("database", "path", str(folder))


def _build_template(cache_dir: Path, name: str) -> None:
    """
    Create database ``name`` in ``cache_dir`` with the modules and every country activated.
    """
    import pycountry
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    _use_folder(cache_dir)
    with Transaction().start(None, 0, close=True) as transaction:
        backend.Database(name).create(transaction.connection, name)
    database = backend.Database(name).connect()
    try:
        database.init()
    finally:
        database.close()
    pool = Pool(name)
    pool.init(update=["res", "ir", *MODULES], lang=["en"], activatedeps=True)
    with Transaction().start(name, 0) as transaction:
        country = pool.get("country.country")
        country.create(
            [{"code": c.alpha_2, "code3": c.alpha_3, "name": c.name} for c in pycountry.countries]
        )
        transaction.commit()
    Pool.stop(name)


def _snapshot(source: Path, target: Path) -> None:
    """
    Copy a live SQLite database, write-ahead log included, into one self-contained file.
    """
    with (
        contextlib.closing(sqlite3.connect(source)) as live,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        live.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")


def create_database(
    name: str, *, directory: str | os.PathLike[str], cache_dir: str | os.PathLike[str]
) -> str:
    """
    Create the SQLite Tryton database ``name`` in ``directory``, ready for the adapter.

    The first call builds a template in ``cache_dir`` (Tryton with the party and
    ``accountcore_sync`` modules activated and every ISO country loaded; about ten seconds)
    and later calls copy it, so each database costs a file copy. It points trytond at
    ``directory`` (``database.uri`` and ``database.path`` of trytond's configuration), which
    is process-wide: keep every database of a process in one directory. It also puts Tryton
    in its test mode, in which it checks email addresses without looking up their domains.

    For tests and examples; a production database is made with Tryton's own tools.

    Returns:
        ``name``, to pass to `TrytonAccountingSystem`.

    Raises:
        AdapterError: the database already exists, or the template could not be built.
    """
    from trytond.pool import Pool

    # trytond's SQLite backend opens databases by absolute path only.
    folder, cache = Path(directory).resolve(), Path(cache_dir).resolve()
    target = folder / f"{name}.sqlite"
    if target.exists():
        raise AdapterError(f"The Tryton database {name!r} already exists in {folder}.")
    template_name = _template_name()
    template = cache / f"{template_name}.sqlite"
    if not template.exists():
        cache.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="build-", dir=cache))
        try:
            _build_template(building, template_name)
            _snapshot(building / f"{template_name}.sqlite", building / "template.sqlite")
            os.replace(building / "template.sqlite", template)
        except Exception as error:
            raise AdapterError(f"The Tryton template could not be built: {error}") from error
        finally:
            shutil.rmtree(building, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    _use_folder(folder)
    Pool.test = True
    return name
