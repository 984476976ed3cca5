#!/usr/bin/env bash
# The whole series in full mode on one GPU, under the JAX (default) or PyTorch backend.
#
# Made for a GPU machine whose Python 3.12 already has a GPU build of JAX or PyTorch (and no
# TensorFlow), possibly without network: it uses that Python as it is (AE_NO_VENV=1) rather than
# building .venv. Run it from the repository root there, with
#   * .whl/       the wheels such a machine lacks (make them on a machine with pip and network:
#                 bash tools/gpu_series.sh --fetch-wheels)
#   * data/cache/ mnist.npz and fsdd/recordings from a data mirror (never committed: ignored by git)
# copied along. On a GPU machine with network, `python3 tools/series.py run --backend jax` does the same.
#
#   bash tools/gpu_series.sh [jax|torch]          run; logs and results in build/gpu-<backend>/ (and $OUT)
#   bash tools/gpu_series.sh --fetch-wheels       download the wheels into .whl/ (needs pip and network)
#
# Each notebook's results file records the backend and the device (utils.setup reads the GPU's name);
# wall time per notebook is printed and kept in the results files. Each notebook gets at most 300 s.
# No web site is rendered (nbconvert is not among the wheels); `series.py site` can render one later.
set -uo pipefail
cd "$(dirname "$0")/.."

# What the notebooks and the runner need that a JAX or PyTorch GPU image typically lacks (compare with
# `python3 -m pip list` on the machine), pinned as in requirements.txt where it pins them.
WHEELS="keras==3.15.1 namex optree librosa==0.11.0 soundfile soxr audioread pooch decorator
        pystoi==0.4.1 noisereduce==3.0.3 mlxtend nbclient==0.11.0 nbformat==5.11.1 jupyter_client
        jupyter_core ipykernel ipython traitlets fastjsonschema jsonschema jsonschema-specifications
        referencing rpds-py pyzmq tornado comm debugpy matplotlib-inline nest-asyncio jedi parso
        prompt-toolkit wcwidth pexpect ptyprocess stack-data executing asttokens pure-eval
        platformdirs decorator ipython-pygments-lexers
        pytest-runner==6.0.1 cython==3.1.8"   # the last two: what pesq's build needs (it has no wheels)

if [[ "${1:-}" == "--fetch-wheels" ]]; then
  mkdir -p .whl
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> .git/info/exclude
  for w in $WHEELS; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 --platform any -d .whl "$w" || echo "could not fetch $w"
  done
  # pesq has no wheels (a C extension built from its sdist); the GPU machine has a compiler.
  .venv/bin/python -m pip download -q --no-deps --no-binary=:all: --no-build-isolation -d .whl pesq==0.0.4 \
    || echo "could not fetch pesq"
  du -sh .whl
  exit 0
fi

BACKEND="${1:-jax}"
OUTDIR="build/gpu-$BACKEND"
mkdir -p "$OUTDIR"
if [[ -d .whl ]]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "installing the carried wheels failed"; exit 1; }
  export PYTHONPATH=/tmp/site PATH="/tmp/site/bin:$PATH"
  # pesq is built there from its source archive with the carried Cython; its setup script asks for
  # pytest-runner, carried too, so that nothing is fetched (PIP_NO_INDEX makes a fetch fail at once)
  PIP_NO_INDEX=1 python3 -m pip install -q --no-index --no-deps --no-build-isolation --target /tmp/site \
    .whl/pesq-*.tar.gz || echo "pesq did not build: notebook 07 reports PESQ as unavailable"
fi
export KERAS_BACKEND="$BACKEND" AE_NO_VENV=1 AE_DATA_DIR="${AE_DATA_DIR:-data/cache}"
python3 -c "import keras, utils; s = utils.setup(); print('ready:', s.backend, s.device)" || exit 1
python3 -m ipykernel install --user --name python3 >/dev/null 2>&1 || true
start_all=$(date +%s)
for stem in $(python3 -c "from tools.catalog import stems; print(' '.join(stems()))"); do
  start=$(date +%s)
  if timeout 300 python3 tools/series.py run --no-site --backend "$BACKEND" "$stem" > "$OUTDIR/$stem.log" 2>&1; then status=passed; else status=FAILED; fi
  echo "$stem: $status in $(( $(date +%s) - start )) s" | tee -a "$OUTDIR/summary.txt"
done
echo "whole series: $(( $(date +%s) - start_all )) s" | tee -a "$OUTDIR/summary.txt"
cp build/full-"$BACKEND"/results/*.json "$OUTDIR"/ 2>/dev/null || true
# when OUT names a folder, hand the logs and results back there as one archive plus the summary
if [[ -n "${OUT:-}" ]]; then
  tar czf "$OUT/gpu-$BACKEND.tgz" -C build "gpu-$BACKEND" && cp "$OUTDIR/summary.txt" "$OUT/"
fi
