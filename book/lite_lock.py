"""Make Pyodide's lock file describe the wheels this Lite site serves (used by build_lite.sh).

    python book/lite_lock.py LOCK_IN PYODIDE_DIR PYPI_DIR LOCK_OUT

1. Wheels in PYODIDE_DIR are Pyodide's own packages (micropip, ipython, ...) downloaded from PyPI:
   their sha256 differ from Pyodide's builds, so each lock entry gets the PyPI wheel's hash.
2. Wheels in PYPI_DIR (the piplite index: mailflowlab and its pure dependencies) get a lock entry
   too, pointing at ../../pypi/<wheel>, with `imports` read from the wheel (its top-level
   packages) and `depends` from its Requires-Dist, kept to packages this site serves.

Why (2): the Pyodide kernel runs `pyodide.loadPackagesFromImports(cell)` before every cell, so a
cell that says `from mailflowlab import ...` loads mailflowlab and its dependencies from this site
by itself, as `import numpy` does on Pyodide's CDN. The learner types nothing, and a kernel that
never imports mailflowlab starts as fast as a bare one.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from email.parser import Parser
from pathlib import Path


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_info(path: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, top-level import names, required distribution names without extras/markers)."""
    with zipfile.ZipFile(path) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(meta_name).decode())
        tops = sorted({n.split("/")[0].removesuffix(".py") for n in z.namelist()
                       if not n.split("/")[0].endswith((".dist-info", ".data"))
                       and (n.endswith(".py") or "/" in n)})
    requires = []
    for req in meta.get_all("Requires-Dist") or []:
        if ";" in req and "extra" in req.split(";", 1)[1]:
            continue  # optional extras
        requires.append(re.match(r"[A-Za-z0-9_.\-]+", req).group(0))
    return meta["Name"], meta["Version"], tops, requires


def main(lock_in: str, pyodide_dir: str, pypi_dir: str, lock_out: str) -> None:
    lock = json.loads(Path(lock_in).read_text())
    packages = lock["packages"]
    by_file = {p["file_name"]: p for p in packages.values()}
    served = set()
    for whl in sorted(Path(pyodide_dir).glob("*.whl")):
        entry = by_file.get(whl.name)
        if entry is None:
            sys.exit(f"lite_lock: {whl.name} is not in Pyodide's lock file (version pin out of step?)")
        entry["sha256"] = hashlib.sha256(whl.read_bytes()).hexdigest()
        served.add(norm(entry["name"]))

    ours = {}
    for whl in sorted(Path(pypi_dir).glob("*.whl")):
        name, version, imports, requires = wheel_info(whl)
        ours[norm(name)] = (whl, version, imports, requires)
    served |= set(ours)
    for key, (whl, version, imports, requires) in ours.items():
        depends = sorted({norm(r) for r in requires if norm(r) in served})
        dropped = sorted({norm(r) for r in requires} - served)
        if dropped:
            print(f"lite_lock: {key}: not in the browser: {', '.join(dropped)}")
        packages[key] = {
            "name": key, "version": version, "file_name": f"../../pypi/{whl.name}",
            "install_dir": "site", "sha256": hashlib.sha256(whl.read_bytes()).hexdigest(),
            "package_type": "package", "imports": imports, "depends": depends,
            "unvendored_tests": False,
        }
    Path(lock_out).write_text(json.dumps(lock))
    print(f"lite_lock: re-hashed {len(served) - len(ours)} Pyodide wheel(s), added {len(ours)} "
          f"from pypi/ ({', '.join(sorted(ours))})")


if __name__ == "__main__":
    main(*sys.argv[1:])
