"""environment.yml (conda-forge, what Binder builds) must describe the environment we test in.

No conda solver can run here (conda-forge is unreachable; see tooling notes §8), so this parses
environment.yml, maps each conda package to its PyPI distribution or executable, converts the
conda version spec to PEP 440, and checks it against the running test environment. It also checks
that every runtime dependency in pyproject.toml is listed, with pins that agree.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
ENV_FILE = ROOT / "environment.yml"
PYPROJECT = ROOT / "pyproject.toml"

# conda-forge name -> PyPI distribution name, where they differ
CONDA_TO_PYPI = {"python-graphviz": "graphviz"}
# conda-forge packages that provide an executable rather than a Python distribution
CONDA_TO_EXECUTABLE = {"graphviz": "dot", "nodejs": "node"}
SKIP = {"pip"}

_DEP = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$")


def conda_spec_to_pep440(spec: str) -> SpecifierSet:
    """'=8.1' -> '==8.1.*', '1.4.*' -> '==1.4.*', '1.2' -> '==1.2', '>=4.2,<5' unchanged."""
    spec = spec.strip()
    if not spec:
        return SpecifierSet()
    if "|" in spec or " " in spec.replace(", ", ","):
        raise ValueError(f"unsupported conda spec {spec!r} (no build strings or '|', please)")
    out = []
    for part in spec.replace(" ", "").split(","):
        if part.startswith("==") or part[:2] in (">=", "<=", "!=") or part[:1] in "<>":
            out.append(part)
        elif part.startswith("="):  # conda fuzzy: =8.1 means 8.1.*
            v = part[1:]
            out.append(f"=={v}" if v.endswith("*") else f"=={v}.*")
        elif part[:1].isdigit():  # bare version: exact (or a glob)
            out.append(f"=={part}")
        else:
            raise ValueError(f"unsupported conda spec {spec!r}")
    return SpecifierSet(",".join(out))


def load_env() -> dict[str, Any]:
    env: dict[str, Any] = yaml.safe_load(ENV_FILE.read_text())
    return env


def conda_entries() -> list[tuple[str, str]]:
    entries = []
    for dep in load_env()["dependencies"]:
        if isinstance(dep, str):
            m = _DEP.match(dep)
            assert m, f"cannot parse conda dependency {dep!r}"
            entries.append((m.group(1).lower(), m.group(2)))
    return entries


def pip_entries() -> list[str]:
    for dep in load_env()["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            return list(dep["pip"])
    return []


def is_local(line: str) -> bool:
    line = line.strip()
    if line.startswith("-e "):
        line = line[3:].strip()
    return line.startswith((".", "/", "file:"))


def project() -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads(PYPROJECT.read_text())["project"]
    return table


def executable_version(exe: str) -> Version:
    for flag in ("-V", "--version"):
        r = subprocess.run([exe, flag], capture_output=True, text=True, timeout=30)
        m = re.search(r"(\d+\.\d+(?:\.\d+)?)", r.stdout + r.stderr)
        if m:
            return Version(m.group(1))
    raise AssertionError(f"cannot read the version of {exe}")


def test_channels_are_conda_forge_only() -> None:
    env = load_env()
    assert env.get("channels") == ["conda-forge"], env.get("channels")
    assert "defaults" not in env.get("channels", [])


@pytest.mark.parametrize("name,spec", conda_entries(), ids=lambda v: v or "any")
def test_conda_entry_matches_test_environment(name: str, spec: str) -> None:
    if name in SKIP:
        return
    wanted = conda_spec_to_pep440(spec)
    if name == "python":
        have = Version(".".join(map(str, sys.version_info[:3])))
        assert have in wanted, f"python {wanted}: running {have}"
    elif name in CONDA_TO_EXECUTABLE:
        exe = CONDA_TO_EXECUTABLE[name]
        path = shutil.which(exe)
        assert path, f"conda {name!r} provides {exe!r}, which is not on PATH"
        if wanted:
            have = executable_version(path)
            assert have in wanted, f"{name} {wanted}: {exe} is {have}"
    else:
        dist = CONDA_TO_PYPI.get(name, name)
        try:
            installed = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pytest.fail(f"conda {name!r} (PyPI {dist!r}) is not installed in the test environment")
        assert Version(installed) in wanted, f"{name} {wanted}: installed {dist} {installed}"


@pytest.mark.parametrize("line", pip_entries())
def test_pip_entry_matches_test_environment(line: str) -> None:
    if is_local(line):
        # the project itself: it must be installed in the test environment
        name = project()["name"]
        metadata.version(name)  # raises PackageNotFoundError if not installed
        return
    req = Requirement(line)
    have = metadata.version(req.name)
    assert Version(have) in req.specifier, f"pip {req}: installed {have}"


def _env_specs() -> dict[str, SpecifierSet]:
    """canonical PyPI name -> PEP 440 specifier for every Python package in environment.yml"""
    specs: dict[str, SpecifierSet] = {}
    for name, spec in conda_entries():
        if name in SKIP or name == "python" or name in CONDA_TO_EXECUTABLE:
            continue
        specs[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = conda_spec_to_pep440(spec)
    for line in pip_entries():
        if not is_local(line):
            req = Requirement(line)
            specs[canonicalize_name(req.name)] = req.specifier
    return specs


@pytest.mark.parametrize("dependency", project()["dependencies"])
def test_pyproject_runtime_dependency_is_in_environment_yml(dependency: str) -> None:
    req = Requirement(dependency)
    specs = _env_specs()
    name = canonicalize_name(req.name)
    assert name in specs, (
        f"pyproject dependency {dependency!r} is missing from environment.yml "
        f"(conda name: {dict((v, k) for k, v in CONDA_TO_PYPI.items()).get(req.name, req.name)})"
    )
    # pins must agree: a version pyproject pins exactly must be allowed by environment.yml
    for s in req.specifier:
        if s.operator in ("==", "===") and "*" not in s.version:
            assert Version(s.version) in specs[name], (
                f"pyproject pins {dependency!r} but environment.yml allows {specs[name]}"
            )


def test_python_version_agrees_with_requires_python() -> None:
    requires = SpecifierSet(project()["requires-python"])
    python = dict(conda_entries())["python"]
    wanted = conda_spec_to_pep440(python)
    # e.g. python=3.11 (==3.11.*) must be allowed by requires-python >=3.11
    assert any(Version(f"3.{minor}.0") in requires and Version(f"3.{minor}.0") in wanted
               for minor in range(8, 20)), f"python {python} vs requires-python {requires}"


@pytest.mark.parametrize("spec,expected", [
    ("=8.1", "==8.1.*"), ("1.4.*", "==1.4.*"), ("1.2", "==1.2"), ("==0.21", "==0.21"),
    (">=4.2,<5", "<5,>=4.2"), ("", ""),
])
def test_conda_spec_conversion(spec: str, expected: str) -> None:
    assert str(conda_spec_to_pep440(spec)) == str(SpecifierSet(expected))
