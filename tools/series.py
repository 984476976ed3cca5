"""Set up, run and test the notebook series from one place. Run from the repository root:

    python3 -m tools.series test [PYTEST ARGS ...]        the unit tests and every notebook under nbval, in quick
                                                          mode (what CI runs; about half an hour on 2 CPU cores)
    python3 -m tools.series run [--quick] [NOTEBOOK ...]  execute notebooks headless into build/, print their
                                                          results and render them as a web site (full mode:
                                                          minutes to half an hour per notebook on a CPU)

and, for maintainers (CONTRIBUTING.md):

    regenerate [NOTEBOOK ...]     re-execute notebooks in place in full mode (the committed outputs), then `pages`
    pages [--check]               rewrite every generated page and line: README's notebook list,
                                  results/README.md, course/plan.md, the notebooks' navigation
    table [FOLDER]                print the results table of a folder of results files (default: results/)
    backends [--gpu FOLDER]       record the quick runs of build/quick-<backend>/ (and a GPU run), then `pages`
    timings [LOGS] [--top N]      where a run's time went, per cell (from the runner's .timings.json files)
    student [NOTEBOOK ...]        the student edition (no solutions, self-checks) in build/student/
    slides [NOTEBOOK ...]         a reveal.js deck per core notebook, made from the notebook, in build/slides/
    expect [--seeds S ...] [NOTEBOOK ...]
                                  quick runs of the core notebooks on several seeds: the numbers a teacher
                                  should expect (results/backends/quick_seeds.json, the course plan)
    site [--notebooks DIR] ...    render executed notebooks as a web site (default: the committed ones, build/site/)
    new NN_name "Title"           scaffold a new notebook, its self-checks file and its entry in course/series.yaml
    gpu-summary FOLDER ...        summary.json of a tools/gpu_series.sh run (called by that script)

NOTEBOOK is a stem such as ``01_bottleneck_autoencoder``, a prefix such as ``01`` or a deep dive such as
``04a``. Quick mode: ``--quick`` or ``AE_QUICK=1`` (the same). ``run``, ``test`` and ``regenerate`` take
``--backend tensorflow|jax|torch`` (default: the ``KERAS_BACKEND`` variable, else TensorFlow).

Every command first makes sure it runs inside the project's virtual environment (``tools/environment.py``):
``.venv`` is created when missing, the requirements installed when they changed (``requirements.txt``,
what the notebooks need; ``requirements-dev.txt`` too for the tests, the site and the student edition),
and the command restarted there. ``AE_NO_VENV=1`` uses the current Python as it is.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from tools.environment import ensure_backend, ensure_environment

#: The commands that need the maintainers' tools (pytest, Sphinx, otter-grader ...) as well.
DEV_COMMANDS = {"test", "site", "student", "slides", "expect", "run", "regenerate"}
BACKEND_CHOICES = ("tensorflow", "jax", "torch")  # tools.catalog.BACKENDS, which needs PyYAML to import


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python3 -m tools.series",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, allow_abbrev=False)

    def backend(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--backend",
            choices=BACKEND_CHOICES,
            help="Keras backend (default: the KERAS_BACKEND variable, else tensorflow)",
        )

    def notebooks(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="stems or prefixes (default: all)")

    run = command("run", "execute notebooks headless into build/, print their results, render a web site")
    run.add_argument("--quick", action="store_true", help="quick mode (the same as AE_QUICK=1): less data and training")
    run.add_argument("--no-site", dest="site", action="store_false", help="do not render the web site of the run")
    backend(run)
    notebooks(run)

    backend(command("test", "run pytest in quick mode; other arguments go to pytest"))

    regenerate = command("regenerate", "re-execute notebooks in place in full mode (the committed outputs)")
    backend(regenerate)
    notebooks(regenerate)

    pages = command("pages", "rewrite every generated page and line (README's list, results/, course plan, navigation)")
    pages.add_argument("--check", action="store_true", help="change nothing; exit 1 when something is stale")

    table = command("table", "print the results table of a folder of results files")
    table.add_argument("folder", nargs="?", type=Path, help="default: results/")

    backends = command("backends", "record the quick runs of build/quick-<backend>/, then rewrite the pages")
    backends.add_argument(
        "--gpu", type=Path, metavar="FOLDER", help="also record the GPU run tools/gpu_series.sh wrote in FOLDER"
    )

    timings = command("timings", "per-cell timing table of a run (where the time went)")
    timings.add_argument("logs", type=Path, nargs="?", help="the run's logs folder (default: build/logs/)")
    timings.add_argument("--top", type=int, default=3, help="slowest cells shown per notebook")

    student = command("student", "write the student edition (no solutions, self-checks) to build/student/")
    notebooks(student)

    expect = command("expect", "run the core notebooks in quick mode on several seeds; record the spread")
    expect.add_argument("--seeds", type=int, nargs="+", metavar="S", help="default: 42 1 2")
    notebooks(expect)

    slides = command("slides", "write a reveal.js deck per core notebook to build/slides/")
    notebooks(slides)

    site = command("site", "render executed notebooks as a web site")
    site.add_argument("--notebooks", type=Path, help="folder of executed notebooks, laid out like notebooks/")
    site.add_argument("--results", type=Path, help="folder of their results files (default: results/)")
    site.add_argument("--out", type=Path, help="where the site goes (default: build/site/)")

    new = command("new", "scaffold a new notebook, its self-checks file and its entry in course/series.yaml")
    new.add_argument("stem", help="NN_name for a core notebook (e.g. 10_sparse_codes), NNx_name for a deep dive")
    new.add_argument("title", help="the notebook's title")

    gpu = command("gpu-summary", "write and print the summary.json of a tools/gpu_series.sh run")
    gpu.add_argument("folder", type=Path)
    gpu.add_argument("--results", type=Path, required=True, help="the run's build/<mode>-<backend>/results/")
    for name in ("backend", "device", "mode", "pesq", "site"):
        gpu.add_argument(f"--{name}", required=True)
    gpu.add_argument("--budget", dest="budget_seconds", type=int, required=True)
    gpu.add_argument("--seconds", dest="total_seconds", type=int, required=True)
    gpu.add_argument("--parallel", type=int, default=1, help="notebooks run at a time")
    return top


def test(backend: str | None, pytest_args: list[str]) -> int:
    """pytest in quick mode, with the browser of the site tests found or provided first."""
    from tools import browser
    from utils.config import ROOT

    executable = browser.provide()
    if executable:
        print(f"Browser for the web site tests: {executable}", flush=True)
    else:
        print(browser.missing_message(), flush=True)
    env = dict(
        os.environ,
        AE_QUICK="1",
        **{browser.EXECUTABLE_ENV: executable or "none"},
        **({"KERAS_BACKEND": backend} if backend else {}),
    )
    return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT, env=env)


def _quick(flag: bool) -> bool:
    """Quick mode from --quick or AE_QUICK (validated by utils.config: a typo is an error, not full mode)."""
    from utils.config import is_quick

    return flag or is_quick()


def main(argv: list[str]) -> int:
    args, extra = parser().parse_known_args(argv)
    if extra and args.command != "test":
        parser().error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "gpu-summary":  # on the GPU machine, with its own Python: no virtual environment
        from tools.gpu import gpu_summary_lines, write_gpu_summary

        facts = {k: v for k, v in vars(args).items() if k not in ("command", "folder", "results")}
        print("\n".join(gpu_summary_lines(write_gpu_summary(args.folder, args.results, **facts))))
        return 0
    ensure_environment(argv, dev=args.command in DEV_COMMANDS)
    try:
        return _dispatch(args, extra)
    except ValueError as exc:  # a NOTEBOOK that names nothing, a bad AE_* variable, a malformed course/series.yaml
        print(f"{parser().prog} {args.command}: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, extra: list[str]) -> int:
    if getattr(args, "backend", None):
        ensure_backend(args.backend)
    if args.command == "test":
        return test(args.backend, extra)
    if args.command == "pages":
        from tools import pages

        return pages.update(check=args.check)
    if args.command == "table":
        from tools.tables import results_table

        print(results_table(args.folder))
        return 0
    if args.command == "backends":
        from tools import gpu, pages, records

        if args.gpu:
            gpu.record_gpu_run(args.gpu)
            print(f"results/gpu/ written from {records.relative(args.gpu)}")
        records.write_backends(records.record_backends())
        print(f"{records.relative(records.BACKENDS_FILE)} written")
        return pages.update()
    if args.command == "timings":
        from tools.tables import cell_timings_table
        from utils.config import ROOT

        try:
            print(cell_timings_table(args.logs or ROOT / "build" / "logs", args.top))
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 1
        return 0
    if args.command == "site":
        from tools import build_site

        return build_site.run(args)
    if args.command == "student":
        from tools import student

        return student.main(args.notebooks)
    if args.command == "expect":
        from tools import expect, pages

        failed = expect.main(args.notebooks, args.seeds)
        return failed or pages.update()
    if args.command == "slides":
        from tools import slides

        return slides.main(args.notebooks)
    if args.command == "new":
        from tools import scaffold

        return scaffold.new(args.stem, args.title)
    from tools import catalog, runner

    catalog.select(args.notebooks)  # a NOTEBOOK that names nothing fails before anything starts
    if args.command == "run":
        return runner.run_series(args.notebooks, quick=_quick(args.quick), backend=args.backend, site=args.site)
    return runner.regenerate(args.notebooks, backend=args.backend)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
