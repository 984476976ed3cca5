"""Data sets for the notebooks: where they come from, checked, cached, with offline fallbacks.

Every loader resolves its data set in the same order and says which step it used:

1. the mirror folder named by ``AE_DATA_DIR`` (``mnist.npz`` and ``fsdd/recordings/`` in it),
   whose content is compared with the pinned original (MNIST's arrays, FSDD's
   recordings); a mirror with other content is still used, announced as such and
   recorded as ``"mirror (unverified)"``;
2. a cache on this machine (the project's ``data/cache/``, or Keras' own cache
   for MNIST);
3. a download from a pinned URL, SHA-256 checked, written to a temporary file
   and renamed only when complete (see :func:`download`); for FSDD, whose
   GitHub archive bytes are not pinnable, the SHA-256 of the unpacked
   recordings is checked instead (see :func:`load_fsdd`);
4. only when all of these fail, an embedded offline fallback that needs nothing
   beyond ``requirements.txt``, announced in one visible line.

The step used is recorded in the returned object (``source``) and, through
``info()``, in each notebook's results file. Printed lines and ``origin`` name
folders by the variable that chose them (``AE_DATA_DIR/mnist.npz``), never by
an absolute path of this machine.

Modules, one job each (everything public is re-exported here, so
``utils.data.load_mnist`` and friends are the names to use):

- :mod:`utils.data.fetch`: the download helper, :class:`DownloadError`, the cache
  folder and the checksum functions;
- :mod:`utils.data.mnist`: :func:`load_mnist`;
- :mod:`utils.data.fsdd`: :func:`load_fsdd`;
- :mod:`utils.data.synth`: the formant synthesiser behind FSDD's offline fallback.

The pinned checksums live with their data set (``utils.data.mnist.MNIST_ARRAYS_SHA256``,
``utils.data.fsdd.FSDD_CONTENT_SHA256``, ...); a test that replaces one must replace
it there, in the module that reads it.
"""

from .fetch import (
    MIRROR_UNVERIFIED,
    NETWORK_TIMEOUT,
    DownloadError,
    cache_dir,
    download,
    sha256_arrays,
    sha256_file,
    sha256_folder,
    sha256_names,
)
from .fsdd import (
    FSDD,
    FSDD_COMMIT,
    FSDD_CONTENT_SHA256,
    FSDD_NAMES_SHA256,
    FSDD_SAMPLE_RATE,
    FSDD_TEST_TAKES,
    FSDD_URL,
    FSDDEntry,
    fsdd_matches_pin,
    load_fsdd,
)
from .mnist import KERAS_MNIST_SHA256, MNIST, MNIST_ARRAYS_SHA256, keras_mnist_cache, load_mnist
from .synth import synthesize_fsdd_clips

__all__ = [
    "FSDD",
    "FSDD_COMMIT",
    "FSDD_CONTENT_SHA256",
    "FSDD_NAMES_SHA256",
    "FSDD_SAMPLE_RATE",
    "FSDD_TEST_TAKES",
    "FSDD_URL",
    "KERAS_MNIST_SHA256",
    "MIRROR_UNVERIFIED",
    "MNIST",
    "MNIST_ARRAYS_SHA256",
    "NETWORK_TIMEOUT",
    "DownloadError",
    "FSDDEntry",
    "cache_dir",
    "download",
    "fsdd_matches_pin",
    "keras_mnist_cache",
    "load_fsdd",
    "load_mnist",
    "sha256_arrays",
    "sha256_file",
    "sha256_folder",
    "sha256_names",
    "synthesize_fsdd_clips",
]
