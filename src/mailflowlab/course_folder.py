"""The learner's own copy of the chapters: `mailflowlab course [DIR]`.

The wheel carries the chapters (`mailflowlab/notebooks/`, read from the repository's
`notebooks/` when the wheel is built). `copy_chapters(folder)` copies them into a folder the
learner owns, and never overwrites a chapter the learner has changed: it remembers what it
copied (`.mailflowlab-course.json`, the SHA-256 of each chapter as copied), so a chapter still
as copied is brought up to date by a newer release, and one that differs from what was copied
is kept as it is and named in one line.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

#: Where `mailflowlab course` puts the chapters when no folder is given (in the current folder).
DEFAULT_FOLDER = "mailflowlab-course"
#: What the copy remembers: chapter name -> SHA-256 of the bytes it wrote.
MANIFEST = ".mailflowlab-course.json"
#: The chapter a learner opens first.
FIRST_CHAPTER = "00-welcome.ipynb"


def packaged_chapters() -> Path:
    """The folder of chapters that came with this installation.

    In an installed wheel it is `mailflowlab/notebooks/`; in a checkout of the repository
    (an editable install, or `PYTHONPATH=src`) it is the repository's `notebooks/`.
    """
    installed = Path(str(resources.files("mailflowlab"))) / "notebooks"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "notebooks"


@dataclass
class CopyReport:
    """What `copy_chapters` did to each chapter, by file name."""
    copied: list[str] = field(default_factory=list)      # new in the folder
    updated: list[str] = field(default_factory=list)     # still as copied before: a newer release replaced it
    unchanged: list[str] = field(default_factory=list)   # already the packaged chapter
    kept: list[str] = field(default_factory=list)        # the learner changed it: left alone

    def summary(self, folder: Path) -> str:
        """What happened, in one line (and one more line naming the chapters kept)."""
        done = [f"{len(names)} {what}" for names, what in ((self.copied, "copied"), (self.updated, "updated"),
                                                            (self.unchanged, "already up to date")) if names]
        line = f"Chapters in {folder}: " + (", ".join(done) or "none") + "."
        if self.kept:
            line += (f"\nKept your changed {'copy' if len(self.kept) == 1 else 'copies'} of "
                     f"{', '.join(self.kept)} (delete a file to get the packaged chapter again).")
        return line


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy_chapters(folder: Path, source: Path | None = None) -> CopyReport:
    """Copy the packaged chapters into `folder` (made if missing); never overwrite the learner's edits."""
    source = source or packaged_chapters()
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        remembered: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        remembered = {}
    report = CopyReport()
    for chapter in sorted(source.glob("*.ipynb")):
        packaged = chapter.read_bytes()
        target = folder / chapter.name
        if not target.exists():
            report.copied.append(chapter.name)
        else:
            current = _digest(target.read_bytes())
            if current == _digest(packaged):
                report.unchanged.append(chapter.name)
                remembered[chapter.name] = current
                continue
            if remembered.get(chapter.name) != current:
                report.kept.append(chapter.name)
                continue
            report.updated.append(chapter.name)
        target.write_bytes(packaged)
        remembered[chapter.name] = _digest(packaged)
    manifest_path.write_text(json.dumps(remembered, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report
