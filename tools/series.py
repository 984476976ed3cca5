#!/usr/bin/env python3
"""Set up, run and test the notebook series from one place.

    python3 tools/series.py run [--quick] [NOTEBOOK ...]   execute the series headless, print the results table
    python3 tools/series.py test [PYTEST ARGS ...]         run the unit tests and every notebook under nbval (quick mode)
    python3 tools/series.py regenerate [NOTEBOOK ...]      re-execute notebooks in place in full mode (committed outputs)
    python3 tools/series.py table [--readme|--check] [FOLDER]
                                                           print the results table (or rewrite/check README's copy)
    python3 tools/series.py backends [--check] [--gpu FOLDER]
                                                           record the quick runs of each backend (build/quick-<backend>/)
                                                           in results/backends/quick_runs.json and README's backend table
                                                           (with --gpu, also a run of tools/gpu_series.sh: results/gpu/)
    python3 tools/series.py student [NOTEBOOK ...]         write the student edition (no solutions, self-checks)
                                                           to build/student/ (tools/student.py)
    python3 tools/series.py site [--notebooks DIR] [--results DIR] [--out DIR]
                                                           render the executed notebooks as a web site (build/site/)

Every command but ``table`` without options first makes sure it runs inside the project's virtual
environment: ``.venv`` beside this repository is created when missing, ``requirements.txt`` installed
when it changed, and the command restarted there (``tools/environment.py``). ``table`` alone, which
prints a results table, needs nothing but Python 3.10+.

``run`` writes its executed copies to ``build/<mode>/executed/``, their results files to
``build/<mode>/results/`` and the kernels' logs to ``build/<mode>/logs/``, and renders them as a web
site in ``build/<mode>/site/`` (``<mode>`` being ``full`` or ``quick``): the tracked notebooks and
``results/`` are left alone. ``regenerate`` is the maintainer's command that rewrites them.
NOTEBOOK is a stem such as ``01_bottleneck_autoencoder`` or a prefix such as ``01``.

``test`` first finds or provides the headless Chromium of the web site's browser tests
(``tools/browser.py``); where none can be had, those tests are skipped with one line saying how to
get one, or fail when ``AE_REQUIRE_BROWSER=1`` (as in CI).

``run``, ``test`` and ``regenerate`` take ``--backend tensorflow|jax|torch`` (default: the
``KERAS_BACKEND`` variable, else TensorFlow). JAX and PyTorch are installed into ``.venv`` from
``requirements-backends.txt`` the first time they are asked for; ``run`` then writes to
``build/<mode>-<backend>/``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable instead of tools/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

# these modules need only the standard library: table and backends run before any virtual environment exists
from tools import report  # noqa: E402
from tools.build_site import add_arguments as add_site_arguments  # noqa: E402
from tools.catalog import BACKENDS, select  # noqa: E402
from tools.environment import ensure_backend, ensure_environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python3 tools/series.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, allow_abbrev=False)

    def backend(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--backend", choices=BACKENDS, help="Keras backend (default: the KERAS_BACKEND variable, else tensorflow)"
        )

    run = command("run", "execute the series headless, print the results table, render a web site")
    run.add_argument("--quick", action="store_true", help="quick mode (AE_QUICK=1): less data, fewer epochs")
    run.add_argument("--no-site", dest="site", action="store_false", help="do not render the web site of the run")
    backend(run)
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="stems or prefixes (default: all)")

    test = command("test", "run pytest in quick mode; other arguments go to pytest")
    backend(test)

    regenerate = command("regenerate", "re-execute notebooks in place in full mode (the committed outputs)")
    backend(regenerate)
    regenerate.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="stems or prefixes (default: all)")

    table = command("table", "print the results table of a folder of results files")
    mode = table.add_mutually_exclusive_group()
    mode.add_argument("--readme", action="store_true", help="rewrite README's index and results tables")
    mode.add_argument("--check", action="store_true", help="exit 1 when README's tables are stale")
    table.add_argument("folder", nargs="?", type=Path, help="default: results/")

    backends = command("backends", "record the quick runs of build/quick-<backend>/ and README's backend table")
    backends.add_argument("--check", action="store_true", help="change nothing; exit 1 when README's table is stale")
    backends.add_argument(
        "--gpu", type=Path, metavar="FOLDER", help="also record the GPU run tools/gpu_series.sh wrote in FOLDER"
    )

    add_site_arguments(command("site", "render the executed notebooks as a web site"))

    student = command("student", "write the student edition (no solutions, self-checks) to build/student/")
    student.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="stems or prefixes (default: all)")
    return top


def test(backend: str | None, pytest_args: list[str]) -> int:
    """pytest in quick mode, with the browser of the site tests found or provided first."""
    from tools import browser

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


def main(argv: list[str]) -> int:
    args, extra = parser().parse_known_args(argv)
    if extra and args.command != "test":
        parser().error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "table" and not (args.readme or args.check):
        print(report.results_table(args.folder))
        return 0
    if args.command in ("run", "regenerate", "student"):
        try:
            select(args.notebooks)
        except ValueError as exc:  # a NOTEBOOK that names no notebook, or several
            parser().error(str(exc))
    ensure_environment(Path(__file__), argv)
    if getattr(args, "backend", None):
        ensure_backend(args.backend)
    if args.command == "table":  # README's tables and its course plan (which reads the self-checks)
        return report.update_readme(check=args.check)
    if args.command == "backends":
        return report.update_backends(check=args.check, gpu=args.gpu)
    if args.command == "site":
        from tools import build_site

        return build_site.run(args)
    if args.command == "test":
        return test(args.backend, extra)
    if args.command == "student":
        from tools import student

        return student.main(args.notebooks)
    from tools import runner

    if args.command == "run":
        return runner.run_series(args.notebooks, quick=args.quick, backend=args.backend, site=args.site)
    return runner.regenerate(args.notebooks, backend=args.backend)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
