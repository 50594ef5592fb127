"""Run the README's tour and compare (or refresh) the outputs it shows.

Every ``$ relief ...`` line of the README's fenced blocks is a step; the lines under it,
up to the next ``$`` line or the end of the block, are its shown output. The steps run
in order, in the relief command itself (``relief.cli.main.run``, in this process), in a
fresh folder holding a link to ``data/``, with ``RELIEF_TODAY=2026-11-22``,
``RELIEF_ACTOR=wang`` and ``COLUMNS=200`` (wide enough that no table is squeezed); the
folder also holds the files of ``FILES`` (the password file the account steps read). The
real output is stdout followed by stderr. The sections in ``FRESH`` say their outputs
come from a freshly initialised database, so the tour re-initialises it before their
first step (``relief init --force``).

A shown line ``...`` (however indented) stands for any number of real lines. Every other
line must equal the real one after the normalisation below, which masks only what
cannot repeat from run to run; trailing spaces are ignored:

* timings: ``0.010 s``, ``10 ms`` become ``<t> s``, ``<t> ms``;
* the wall clock: a plan's start ``2026-11-22T17:39`` keeps its date (today); times
  recorded with their zone (``2026-11-30 17:39 UTC``, ``2026-11-30T17:39:02+00:00``)
  become ``<when>``;
* the size of a compressed file: ``(123.5 kB)`` becomes ``(<size>)``;
* generated document numbers: ``ISS-20261122-c0b0b686`` becomes ``ISS-20261122-<id>``;
* API tokens: ``rlf_`` and 43 random characters become ``rlf_<token>``;
* the temporary folder the tour runs in is removed from paths;
* the progress bar of ``drill batch`` is dropped.

Steps in ``SMALLER`` run with a smaller batch than shown (``--n 1000`` as ``--n 12``)
when checking, so their numbers cannot match: for those, every number becomes ``#``.
Refreshing runs them as written.

Usage, from the project folder::

    .venv/bin/python scripts/readme_outputs.py           # list the blocks that differ (exit 1 if any)
    .venv/bin/python scripts/readme_outputs.py --diff    # ... with a diff of each
    .venv/bin/python scripts/readme_outputs.py --write   # rewrite the shown outputs from real runs

``--write`` keeps each block's elisions: the lines before the first ``...`` and after the
last one are taken from the real output, and every shown stretch in between is replaced
by the real lines that resemble it most.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ENV = {"RELIEF_TODAY": "2026-11-22", "RELIEF_ACTOR": "wang", "COLUMNS": "200", "RELIEF_DB": None}
SMALLER = {"--n 1000": "--n 12"}
FRESH = ("## A tour for the drill planner",)
FILES = {"password.txt": "a long passphrase for the tour\n"}
TOKEN = re.compile(r"\brlf_[A-Za-z0-9_-]{43}\b")

TIMING = re.compile(r"\b\d+(?:\.\d+)? (s|ms)\b")
NOW = re.compile(r"\b(2026-11-22)T\d\d:\d\d\b(?![:+])")
STAMP = re.compile(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?: UTC|[+-]\d\d:\d\d)")
SIZE = re.compile(r"\(\d+(?:\.\d+)? (?:B|kB|MB|GB)\)")
DOC_ID = re.compile(r"\b([A-Z]{2,4}-\d{8})-[0-9a-f]{8}\b")
PROGRESS = re.compile(r"━+ \d+/\d+")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@dataclass
class Step:
    """One ``$ relief`` line of the README: its command, and where its shown output lies
    (``start``..``end``, line indexes of README.md, end excluded)."""

    command: str
    start: int
    end: int
    shown: list[str]
    section: str

    @property
    def smaller(self) -> str:
        """The command as the check runs it."""
        command = self.command
        for long, short in SMALLER.items():
            command = command.replace(long, short)
        return command

    @property
    def cut_down(self) -> bool:
        return self.smaller != self.command


def steps(text: str) -> list[Step]:
    """Every ``$ relief`` step of the README's fenced blocks, in order."""
    lines = text.splitlines()
    found: list[Step] = []
    fence = None
    section = ""
    for n, line in enumerate(lines):
        if fence is None and line.startswith("## "):
            section = line
        if line.startswith("```"):
            fence = n if fence is None else None
            continue
        if fence is None or not line.startswith("$ relief "):
            continue
        end = n + 1
        while end < len(lines) and not lines[end].startswith(("$ ", "```")):
            end += 1
        while end > n + 1 and not lines[end - 1].strip():  # the blank line between steps
            end -= 1
        found.append(Step(line[2:], n + 1, end, lines[n + 1:end], section))
    return found


def normalise(lines: list[str], folder: str, numbers: bool = False) -> list[str]:
    """The lines with what cannot repeat masked (see the module docstring)."""
    out = []
    for line in lines:
        if PROGRESS.search(line):
            continue
        line = line.replace(folder + os.sep, "").replace(folder, ".")
        line = TIMING.sub(r"<t> \1", line)
        line = STAMP.sub("<when>", line)
        line = NOW.sub(r"\1T<hh:mm>", line)
        line = SIZE.sub("(<size>)", line)
        line = DOC_ID.sub(r"\1-<id>", line)
        line = TOKEN.sub("rlf_<token>", line)
        if numbers:
            line = NUMBER.sub("#", line)
        out.append(line.rstrip())
    return out


def is_elision(line: str) -> bool:
    return line.strip() == "..."


def matches(shown: list[str], real: list[str]) -> bool:
    """True when ``real`` fits ``shown``, a ``...`` line standing for any number of lines."""
    fits = [[False] * (len(real) + 1) for _ in range(len(shown) + 1)]
    fits[len(shown)][len(real)] = True
    for i in range(len(shown) - 1, -1, -1):
        for j in range(len(real), -1, -1):
            if is_elision(shown[i]):
                fits[i][j] = fits[i + 1][j] or (j < len(real) and fits[i][j + 1])
            else:
                fits[i][j] = j < len(real) and shown[i] == real[j] and fits[i + 1][j + 1]
    return fits[0][0]


def run(command: str) -> tuple[int, str]:
    """Run one ``relief ...`` command line in this process; returns its exit code and
    stdout followed by stderr."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the tests' in-process runner, when run as a script
    from tests.inprocess import run_cli

    code, stdout, stderr = run_cli(shlex.split(command)[1:], ENV)
    return code, stdout + stderr


@dataclass
class Outcome:
    """A step with its exit code and real output (as run) and whether the README's shown
    output fits it."""

    step: Step
    code: int
    real: list[str]
    ok: bool
    shown_normal: list[str]
    real_normal: list[str]


def tour(*, as_written: bool = False, folder: Path | None = None) -> list[Outcome]:
    """Run every step in a fresh folder (``folder``, or a temporary one); ``as_written`` runs
    the cut-down steps at full size as well."""
    steps_ = steps(README.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="relief-readme-") as tmp:
        where = Path(folder or tmp)
        (where / "data").symlink_to(ROOT / "data")
        for name, content in FILES.items():
            (where / name).write_text(content, encoding="utf-8")
        here = Path.cwd()
        os.chdir(where)
        try:
            outcomes = []
            for before, step in zip([None, *steps_], steps_):
                if step.section in FRESH and (before is None or before.section != step.section):
                    run("relief init --force")
                code, text = run(step.command if as_written else step.smaller)
                real = text.splitlines()
                numbers = step.cut_down and not as_written
                shown_n = normalise(step.shown, str(where), numbers)
                real_n = normalise(real, str(where), numbers)
                outcomes.append(Outcome(step, code, [ln.rstrip() for ln in real], matches(shown_n, real_n),
                                        shown_n, real_n))
            return outcomes
        finally:
            os.chdir(here)


def refreshed(step: Step, real: list[str], folder: str) -> list[str]:
    """The new shown output of ``step``: its real output, cut where the README elides."""
    real = [ln.replace(folder + os.sep, "") for ln in real]
    cuts = [n for n, line in enumerate(step.shown) if is_elision(line)]
    if not cuts:
        return real
    head, tail = cuts[0], len(step.shown) - cuts[-1] - 1
    out = real[:head]
    at = head
    stop = len(real) - tail
    for a, b in zip(cuts, cuts[1:]):  # the shown stretches between two elisions
        stretch = step.shown[a + 1:b]
        best = max(range(at, max(at, stop - len(stretch)) + 1),
                   key=lambda k: difflib.SequenceMatcher(None, "\n".join(stretch),
                                                         "\n".join(real[k:k + len(stretch)])).ratio())
        out += [step.shown[a]] + real[best:best + len(stretch)]
        at = best + len(stretch)
    out += [step.shown[cuts[-1]]] + (real[-tail:] if tail else [])
    return out


def diff(outcome: Outcome) -> str:
    """A unified diff from the shown output to the real one (both normalised)."""
    return "".join(difflib.unified_diff([ln + "\n" for ln in outcome.shown_normal],
                                        [ln + "\n" for ln in outcome.real_normal], "shown", "real", n=1))


def main() -> int:
    parser = argparse.ArgumentParser(description="Check or refresh the outputs the README's tour shows.")
    parser.add_argument("--diff", action="store_true", help="show a diff of each block that differs")
    parser.add_argument("--write", action="store_true", help="rewrite the README's shown outputs from real runs")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relief-readme-") as tmp:
        outcomes = tour(as_written=opts.write, folder=Path(tmp))
        differ = [o for o in outcomes if not o.ok]
        for o in differ:
            print(f"README.md:{o.step.start}: $ {o.step.command}: the shown output differs")
            if opts.diff:
                print(diff(o), end="")
        if opts.write and differ:
            lines = README.read_text(encoding="utf-8").splitlines()
            for o in reversed(differ):  # from the bottom, so that earlier line numbers hold
                lines[o.step.start:o.step.end] = refreshed(o.step, o.real, tmp)
            README.write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"rewrote {len(differ)} block(s) of README.md; review the diff before committing")
    if not differ:
        print(f"all {len(outcomes)} README steps show their real output")
    return 1 if differ and not opts.write else 0


if __name__ == "__main__":
    sys.exit(main())
