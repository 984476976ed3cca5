#!/usr/bin/env bash
# The whole series on one GPU, under the JAX (default) or PyTorch backend, inside one time budget.
#
# Made for a GPU machine whose Python 3.12 already has a GPU build of JAX or PyTorch (and no
# TensorFlow), without network: it uses that Python as it is (AE_NO_VENV=1) rather than building .venv.
# Prepare it here, with the data mirror named:
#   AE_DATA_DIR=../shared/data bash tools/gpu_series.sh --pack
# which downloads the wheels that machine lacks into .whl/, packs the data into data/cache/ (both ignored
# by git) and checks that the whole travels inside 64 MiB; carry .whl, data/cache/mnist.npz and
# data/cache/fsdd.tar.xz along, and run it there from the repository root. On a GPU machine with
# network, `python3 -m tools.series run --backend jax` does the same without any of this.
#
#   bash tools/gpu_series.sh [jax|torch|tensorflow] [--quick] [NOTEBOOK ...]
#         run the series (full mode unless --quick; every notebook unless some are named) inside
#         GPU_BUDGET_S seconds in all (default 540, so that one 10-minute command has margin), GPU_PARALLEL
#         notebooks at a time (default 3; 1 runs them in turn), the longest first (by their committed
#         results files' wall time); a notebook gets at most PER_NOTEBOOK_S (default: the whole budget
#         when several run at once, 300 s when they run in turn) and what is left of the budget, and one
#         that no longer fits is "not started". Logs, results files and summary.json/.txt go to
#         build/gpu-<backend>[-quick]/ (and, when OUT names a folder, to $OUT as one archive).
#   bash tools/gpu_series.sh test [jax|torch|tensorflow]
#         the notebooks' quick-mode tests (nbval), as `python3 -m tools.series test notebooks/`
#   bash tools/gpu_series.sh --pack
#         download the wheels into .whl/ and pack the data mirror into data/cache/ (needs pip and network)
#
# A notebook passes when it ran to its last cell: the web site, which `tools.series run` would also
# render, is skipped here (one line says so; `tools.series site` renders it later from the results), so
# a site problem cannot mark a notebook as failed. Why several at a time: the notebooks' small networks
# keep a GPU busy only a fraction of each step (the rest is host work: Python, data, scikit-learn, audio),
# so notebooks that share it overlap that idle time; each process then allocates GPU memory as it needs
# it (not JAX's default 75 % at start) and gets its share of the CPU cores for its math libraries.
# PESQ is built from its source archive with the carried build requirements; if that fails, notebook 07
# prints one line saying PESQ is unavailable and runs the rest. Each results file records the backend
# and the device (utils.setup reads the GPU's name). Record a run in README's backend table and the course plan with
#   python3 -m tools.series backends --gpu build/gpu-jax     (copies it into results/gpu/)
set -uo pipefail
cd "$(dirname "$0")/.."
START_ALL=$(date +%s)

# What the notebooks, the runner and nbval need that the GPU machines' image lacks (its package list:
# the device notes of this workplace; it has NumPy, SciPy, scikit-learn, scikit-image, Matplotlib, Numba,
# Cython, PyYAML, pytest and JAX), pinned as in requirements.txt where it pins them. Left out on purpose,
# to stay inside the 64 MiB a device call may carry: debugpy and jedi (ipykernel and IPython run without).
WHEELS="keras==3.15.1 namex optree librosa==0.11.0 soundfile soxr audioread pooch decorator platformdirs
        pystoi==0.4.1 noisereduce==3.0.3 mlxtend nbclient==0.11.0 nbformat==5.11.1 jupyter_client
        jupyter_core ipykernel ipython traitlets fastjsonschema jsonschema jsonschema-specifications
        referencing rpds-py pyzmq tornado comm matplotlib-inline nest-asyncio
        prompt-toolkit wcwidth pexpect ptyprocess stack-data executing asttokens pure-eval
        ipython-pygments-lexers nbval==0.11.0 cffi pycparser
        pytest-runner==6.0.1"   # what pesq's build asks for (pesq has no wheels; Cython is in the image)
LIMIT_MB=64
WHEEL_PYTHON=3.12  # the Python of the GPU machines' image, which --pack fetches the wheels for

if [[ "${1:-}" == "--pack" ]]; then
  mkdir -p .whl data/cache
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> .git/info/exclude
  for w in $WHEELS; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$WHEEL_PYTHON" --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 --platform any -d .whl "$w" || echo "could not fetch $w"
  done
  # pesq has no wheels (a C extension built from its sdist); the GPU machine has a compiler.
  # (its metadata step imports NumPy and Cython: the project's .venv has both)
  "$( [[ -x .venv/bin/python ]] && echo .venv/bin/python || echo python3 )" -m pip download -q --no-deps \
    --no-binary=:all: --no-build-isolation -d .whl pesq==0.0.4 \
    || echo "could not fetch pesq"
  # the data, from the mirror AE_DATA_DIR names: MNIST as it is, the spoken digits as one xz archive
  # (half the size of the WAV files), unpacked on the GPU machine
  if [[ -n "${AE_DATA_DIR:-}" && -f "$AE_DATA_DIR/mnist.npz" && -d "$AE_DATA_DIR/fsdd/recordings" ]]; then
    cp "$AE_DATA_DIR/mnist.npz" data/cache/mnist.npz
    [[ -f data/cache/fsdd.tar.xz ]] || tar cJf data/cache/fsdd.tar.xz -C "$AE_DATA_DIR" fsdd/recordings
  else
    echo "AE_DATA_DIR names no data mirror (mnist.npz and fsdd/recordings): data/cache/ is not packed"
  fi
  tracked=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
  packed=$(du -cb .whl data/cache/mnist.npz data/cache/fsdd.tar.xz 2>/dev/null | tail -1 | cut -f1)
  total=$(( (tracked + packed) / 1048576 ))
  echo "travels: the working tree $(( tracked / 1048576 )) MiB + .whl and data/cache $(( packed / 1048576 )) MiB = $total MiB (limit $LIMIT_MB MiB)"
  (( total < LIMIT_MB )) || { echo "over the limit: leave out what the image has (see above)"; exit 1; }
  echo "carry: .whl, data/cache/mnist.npz, data/cache/fsdd.tar.xz"
  exit 0
fi

TESTS=0
if [[ "${1:-}" == "test" ]]; then TESTS=1; shift; fi
BACKEND=jax
if [[ "${1:-}" =~ ^(jax|torch|tensorflow)$ ]]; then BACKEND="$1"; shift; fi  # tensorflow: to try it on a CPU
MODE=full
if [[ "${1:-}" == "--quick" ]]; then MODE=quick; shift; fi
NOTEBOOKS=("$@")
BUDGET="${GPU_BUDGET_S:-540}"
PARALLEL="${GPU_PARALLEL:-3}"
[[ "$PARALLEL" =~ ^[1-9][0-9]*$ ]] || { echo "GPU_PARALLEL must be a positive whole number, got '$PARALLEL'"; exit 2; }
PER_NOTEBOOK="${PER_NOTEBOOK_S:-$( ((PARALLEL > 1)) && echo "$BUDGET" || echo 300)}"
OUTDIR="build/gpu-$BACKEND$([[ $MODE == quick ]] && echo -quick)"
rm -rf "$OUTDIR" && mkdir -p "$OUTDIR"

PESQ="installed"
PYTHON_VERSION=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ -d .whl && "$PYTHON_VERSION" != "$WHEEL_PYTHON" ]]; then
  echo ".whl/ holds wheels for Python $WHEEL_PYTHON, and python3 here is $PYTHON_VERSION: not installed; the packages this Python has are used"
elif [[ -d .whl ]]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "installing the carried wheels failed"; exit 1; }
  export PYTHONPATH=/tmp/site PATH="/tmp/site/bin:$PATH"
  # nbconvert and the Jupyter tools look for their data (kernel specs, templates) on the Jupyter path,
  # which a --target install does not extend
  export JUPYTER_PATH="/tmp/site/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
  # pesq is built from its source archive with the image's Cython; its setup script asks for
  # pytest-runner, carried, so that nothing is fetched (PIP_NO_INDEX makes a fetch fail at once)
  PIP_NO_INDEX=1 python3 -m pip install -q --no-index --no-deps --no-build-isolation --upgrade --target /tmp/site \
    .whl/pesq-*.tar.gz || PESQ="unavailable (did not build)"
fi
python3 -c "import pesq" 2>/dev/null || PESQ="unavailable (not installed)"
# every module the notebooks import, imported once here, so that a missing one is named before any run
KERAS_BACKEND="$BACKEND" python3 - <<'PY' || exit 1
import importlib, sys
needed = "keras librosa soundfile soxr pystoi noisereduce mlxtend sklearn skimage scipy matplotlib numba yaml nbclient ipykernel"
missing = []
for name in needed.split():
    try:
        importlib.import_module(name)
    except Exception as exc:  # an ImportError, or a module that fails while loading
        missing.append(f"{name} ({type(exc).__name__}: {exc})")
if missing:
    sys.exit("cannot import: " + "; ".join(missing) + ". Add the wheels to WHEELS in tools/gpu_series.sh.")
PY
echo "pesq: $PESQ"
if [[ -f data/cache/fsdd.tar.xz && ! -d data/cache/fsdd/recordings ]]; then
  tar xJf data/cache/fsdd.tar.xz -C data/cache || { echo "data/cache/fsdd.tar.xz did not unpack"; exit 1; }
fi
export KERAS_BACKEND="$BACKEND" AE_NO_VENV=1
# the data packed by --pack, unless AE_DATA_DIR names a mirror (without either, the notebooks find their data
# as anywhere else: cache, download, offline fallback)
if [[ -z "${AE_DATA_DIR:-}" && -f data/cache/mnist.npz ]]; then export AE_DATA_DIR=data/cache; fi
# notebooks that share the GPU: memory taken as needed (JAX, TensorFlow), the CPU cores shared out
export XLA_PYTHON_CLIENT_PREALLOCATE="${XLA_PYTHON_CLIENT_PREALLOCATE:-false}" TF_FORCE_GPU_ALLOW_GROWTH=true
THREADS=$(( $(nproc) / PARALLEL )); (( THREADS >= 1 )) || THREADS=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$THREADS}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$THREADS}" \
  MKL_NUM_THREADS="${MKL_NUM_THREADS:-$THREADS}" NUMBA_NUM_THREADS="${NUMBA_NUM_THREADS:-$THREADS}"
DEVICE=$(python3 -c "import utils; print(utils.setup().device)" 2>"$OUTDIR/setup.log" | tail -1)
[[ -n "$DEVICE" ]] || { echo "Keras or utils did not start; see $OUTDIR/setup.log"; cat "$OUTDIR/setup.log"; exit 1; }
echo "ready: $BACKEND on $DEVICE, $MODE mode, budget ${BUDGET} s, $PARALLEL notebook(s) at a time"
# a kernel spec for this Python, in a folder of its own put first on the Jupyter path (not the user's
# folder, where it would outlive the run and send other projects' notebooks to this Python)
KERNELS=$(mktemp -d)
trap 'rm -rf "$KERNELS"' EXIT
export JUPYTER_PATH="$KERNELS/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
python3 -m ipykernel install --prefix "$KERNELS" --name python3 >/dev/null \
  || { echo "ipykernel could not install a kernel spec for $(command -v python3)"; exit 1; }

if [[ $TESTS == 1 ]]; then
  timeout "$(( BUDGET - ($(date +%s) - START_ALL) ))" python3 -m tools.series test --backend "$BACKEND" notebooks/ \
    -p no:cacheprovider 2>&1 | tee "$OUTDIR/tests.log"
  rc=${PIPESTATUS[0]}
  echo "quick-mode notebook tests (nbval) on $DEVICE: $( ((rc == 0)) && echo passed || ( ((rc == 124)) && echo "stopped at the budget" || echo "FAILED (rc=$rc)") ) in $(( $(date +%s) - START_ALL )) s" | tee "$OUTDIR/summary.txt"
  [[ -n "${OUT:-}" ]] && cp "$OUTDIR/tests.log" "$OUTDIR/summary.txt" "$OUT/"
  exit "$rc"
fi

# the stems of the notebooks named (stems or prefixes such as 01), or of all of them
STEMS=$(python3 -c "
import sys
from tools.catalog import select
try:
    print('\n'.join(select(sys.argv[1:])))
except ValueError as exc:
    sys.exit(str(exc))" "${NOTEBOOKS[@]}") || exit 2
mapfile -t NOTEBOOKS <<< "$STEMS"
(( PARALLEL <= ${#NOTEBOOKS[@]} )) || PARALLEL=${#NOTEBOOKS[@]}  # never more at a time than notebooks named
# the longest first (committed full-mode wall time on the CPU; a notebook without one counts as long), so
# that the short ones fill the gaps at the end instead of a long one starting last
mapfile -t ORDER < <(python3 -c "
import sys
from tools.records import load_record
print('\n'.join(sorted(sys.argv[1:], key=lambda stem: -((load_record(stem) or {}).get('wall_seconds') or 1e9))))" \
  "${NOTEBOOKS[@]}")
QUICK=(); [[ $MODE == quick ]] && QUICK=(--quick)
run_one() {  # stem, seconds allowed: runs it, writes its line of statuses.tsv to <stem>.status
  local stem=$1 limit=$2 start rc took status
  start=$(date +%s)
  timeout "$limit" python3 -m tools.series run --no-site "${QUICK[@]}" --backend "$BACKEND" "$stem" > "$OUTDIR/$stem.log" 2>&1
  rc=$? took=$(( $(date +%s) - start ))
  if (( rc == 0 )); then status=passed; elif (( rc == 124 )); then status="timed out after $limit s"; else status=FAILED; fi
  printf '%s\t%s\t%s\n' "$stem" "$status" "$took" > "$OUTDIR/$stem.status"
  echo "$stem: $status in $took s"
}
for stem in "${ORDER[@]}"; do
  while (( $(jobs -rp | wc -l) >= PARALLEL )); do wait -n; done
  left=$(( BUDGET - ($(date +%s) - START_ALL) - 10 ))
  limit=$(( left < PER_NOTEBOOK ? left : PER_NOTEBOOK ))
  if (( left < 20 )); then  # too little left for a start (PER_NOTEBOOK_S may be smaller: the user asked)
    printf '%s\tnot started\t0\n' "$stem" > "$OUTDIR/$stem.status"; echo "$stem: not started (budget spent)"; continue
  fi
  echo "$stem: started ($(( $(date +%s) - START_ALL )) s into the run, at most $limit s)"
  run_one "$stem" "$limit" &
done
wait
for stem in "${NOTEBOOKS[@]}"; do cat "$OUTDIR/$stem.status"; done > "$OUTDIR/statuses.tsv"  # in the series' order
SITE="skipped: this script runs the notebooks only; render the site later with python3 -m tools.series site"
echo "site: $SITE"
python3 -m tools.series gpu-summary "$OUTDIR" --results "build/$MODE-$BACKEND/results" --backend "$BACKEND" --device "$DEVICE" --mode "$MODE" \
  --budget "$BUDGET" --parallel "$PARALLEL" --seconds "$(( $(date +%s) - START_ALL ))" --pesq "$PESQ" --site "$SITE" | tee "$OUTDIR/summary.txt"
# when OUT names a folder, hand the logs and results back there as one archive plus the summary
if [[ -n "${OUT:-}" ]]; then
  tar czf "$OUT/$(basename "$OUTDIR").tgz" -C build "$(basename "$OUTDIR")" && cp "$OUTDIR/summary.txt" "$OUTDIR/summary.json" "$OUT/"
fi
