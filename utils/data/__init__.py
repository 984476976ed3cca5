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

A damaged file is treated by whose it is: a mirror's file (named by the user)
that cannot be read raises ValueError naming it and saying what to do, never
skipped silently; a damaged cache (ours to refill) is skipped with one printed
line and the next source tried. :func:`check_mirror` says what a mirror holds
(the pinned data sets, other content, missing or unusable files) before
anything loads; :func:`utils.setup` prints a line for each file that is not what
it claims.

Modules, one job each (everything public is re-exported here, so
``utils.data.load_mnist`` and friends are the names to use):

- :mod:`utils.data.fetch`: the download helper, :class:`DownloadError`, the cache
  folder, the checksum functions and the words for unreadable files;
- :mod:`utils.data.mnist`: :func:`load_mnist`;
- :mod:`utils.data.recordings`: FSDD's files (the clip record, listing a folder, reading a WAV);
- :mod:`utils.data.fsdd`: :func:`load_fsdd`;
- :mod:`utils.data.synth`: the formant synthesiser behind FSDD's offline fallback;
- :mod:`utils.data.mirror`: :func:`check_mirror`, what a mirror holds.
- :mod:`utils.data.toy`: notebook 01's synthetic 5-D data (:func:`make_dependent`, :func:`make_independent`).

No module imports one that imports it back (fetch <- mnist, recordings <- synth <- fsdd <- mirror);
the one call-time exception is :func:`utils.setup`, which loads :mod:`utils.data.mirror` when it runs.

The pinned checksums live with their data set (``utils.data.mnist.MNIST_ARRAYS_SHA256``,
``utils.data.fsdd.FSDD_CONTENT_SHA256``, ...); a test that replaces one must replace
it there, in the module that reads it.
"""

from .fetch import (
    MIRROR_REMEDY,
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
    FSDD_TEST_TAKES,
    FSDD_URL,
    fsdd_matches_pin,
    load_fsdd,
)
from .mirror import MirrorFinding, check_mirror, mirror_report
from .mnist import KERAS_MNIST_SHA256, MNIST, MNIST_ARRAYS_SHA256, keras_mnist_cache, load_mnist
from .recordings import FSDD_SAMPLE_RATE, FSDDEntry
from .synth import synthesize_fsdd_clips
from .toy import make_dependent, make_independent

__all__ = [
    "make_dependent",
    "make_independent",
    "FSDD",
    "FSDD_COMMIT",
    "FSDD_CONTENT_SHA256",
    "FSDD_NAMES_SHA256",
    "FSDD_SAMPLE_RATE",
    "FSDD_TEST_TAKES",
    "FSDD_URL",
    "KERAS_MNIST_SHA256",
    "MIRROR_REMEDY",
    "MIRROR_UNVERIFIED",
    "MNIST",
    "MNIST_ARRAYS_SHA256",
    "NETWORK_TIMEOUT",
    "DownloadError",
    "FSDDEntry",
    "MirrorFinding",
    "cache_dir",
    "check_mirror",
    "download",
    "fsdd_matches_pin",
    "keras_mnist_cache",
    "load_fsdd",
    "load_mnist",
    "mirror_report",
    "sha256_arrays",
    "sha256_file",
    "sha256_folder",
    "sha256_names",
    "synthesize_fsdd_clips",
]
