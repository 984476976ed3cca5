"""The one ordered list of notebooks, and the repository's public address.

Everything that refers to the series (navigation lines, Colab links and clone
URL in the notebooks, the README tables, the web site, the series runner) reads
it from here. Standard library only: ``python3 tools/series.py table --check``
reads it before any virtual environment exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

#: Public home of the repository: Colab badges link to it and Colab clones it.
REPO_URL = "https://github.com/autoencoders-explained/autoencoders-explained"
#: The branch or tag that Colab clones.
REPO_REF = "main"

#: The Keras backends the series runs on; the first is the default.
BACKENDS = ("tensorflow", "jax", "torch")


@dataclass(frozen=True)
class Notebook:
    """One notebook of the series.

    ``headline`` names the few metrics of ``results/<stem>.json`` that the README index and the
    web site show, as (metric name, what it is); the first one is the key metric of the backend
    table. A notebook without headline metrics shows its first three metrics on the site.
    """

    stem: str
    title: str
    teaches: str
    headline: tuple[tuple[str, str], ...] = ()

    @property
    def number(self) -> str:
        """The two-digit position in the series, e.g. ``"01"``."""
        return self.stem[:2]

    @property
    def key_metric(self) -> str | None:
        return self.headline[0][0] if self.headline else None


#: The series, in reading order.
NOTEBOOKS = [
    Notebook(
        "01_bottleneck_autoencoder",
        "The bottleneck autoencoder",
        "Encoder + decoder through a 2-unit bottleneck (the 5-2-5 network of the slides); "
        "why data must have dependencies across dimensions to be compressible.",
        (
            ("dependent_relative_error", "relative reconstruction error, data with dependencies"),
            ("independent_relative_error", "relative reconstruction error, independent dimensions"),
            ("factor_r2", "R² of the hidden factors predicted from the 2-D code"),
        ),
    ),
    Notebook(
        "02_pca_vs_autoencoders",
        "PCA versus autoencoders",
        "A linear autoencoder finds the PCA subspace (measured by principal angles); "
        "a non-linear one beats PCA on a curved toy manifold and on MNIST.",
        (
            ("linear_ae_max_principal_angle_deg", "largest principal angle, linear AE vs PCA subspace (degrees)"),
            ("nonlinear_ae_mse_over_pca_mse", "MNIST test MSE, non-linear AE / PCA (code 16)"),
            ("toy_curve_ae_mse_over_pca_mse", "curved toy data, test MSE, AE / PCA"),
        ),
    ),
    Notebook(
        "03_deep_autoencoder",
        "The deep autoencoder",
        "A dense deep autoencoder trained by backpropagation; MSE versus binary cross-entropy; "
        "overfitting a small training set and weight decay; an overcomplete autoencoder that copies anything, "
        "and denoising, L1 and contractive penalties that keep it good on digits and insensitive off them; "
        "code size against PCA.",
        (
            ("test_mse_code32", "test MSE of the deep autoencoder, code 32"),
            ("pca_mse_code32", "test MSE of PCA, 32 components"),
            ("over_contractive_jacobian_encoder", "encoder Jacobian norm, overcomplete AE with a contractive penalty"),
        ),
    ),
    Notebook(
        "04_convolutional_autoencoder",
        "The deep convolutional autoencoder",
        "Conv + LeakyReLU + BatchNorm encoder, dense bottleneck, transposed-conv decoder; "
        "against PCA and the dense autoencoder at code sizes 32 and 2; the 2-D latent space and its gaps; "
        "what the code is for: a classifier from 10 labels per digit on the code, on PCA and on pixels.",
        (
            ("test_mse_code32", "test MSE of the convolutional autoencoder, code 32"),
            ("mse_code32_over_pca", "its test MSE / PCA's, code 32"),
            ("knn_accuracy_code2", "k-NN digit accuracy on the 2-D code"),
        ),
    ),
    Notebook(
        "05_generation",
        "Generating digits by sampling the latent space",
        "Decode random points of the latent space; why naive sampling fails; a Gaussian mixture on the codes "
        "and the variational autoencoder as fixes, each measured by a Fréchet distance and a classifier score.",
        (
            ("fid_real_floor", "Fréchet distance between real training and test digits (the floor)"),
            ("fid_ae16_gmm", "Fréchet distance, 16-D autoencoder + Gaussian mixture"),
            ("fid_ae16_normal", "Fréchet distance, 16-D autoencoder + N(0, I) sampling"),
        ),
    ),
    Notebook(
        "06_denoising_images",
        "Denoising images",
        "A convolutional denoising autoencoder trained on noisy -> clean MNIST pairs at three noise levels, "
        "against a Gaussian blur, a median filter (also with black and white levels that remove the clipping haze) "
        "and a PCA projection tuned on held-out images, by PSNR and SSIM.",
        (
            ("psnr_ae_nf04", "PSNR of the denoising autoencoder, noise factor 0.4 (dB)"),
            ("psnr_best_baseline_nf04", "PSNR of the best classical baseline, noise factor 0.4 (dB)"),
            ("ssim_ae_nf04", "SSIM of the denoising autoencoder, noise factor 0.4"),
        ),
    ),
    Notebook(
        "07_denoising_speech",
        "Denoising spoken digits",
        "Noise added to spoken digits at exact SNRs; a convolutional autoencoder trained on a family of noises (white, "
        "coloured, babble, mixtures) and tested also on hum, a kind it never heard, predicts a mask on log-magnitude "
        "spectrograms; against spectral subtraction, a Wiener filter, noisereduce and the "
        "oracle mask, by SI-SDR, STOI and PESQ, with audio players.",
        (
            ("si_sdr_ae_5db", "SI-SDR of the autoencoder, 5 dB input (dB)"),
            ("si_sdr_best_baseline_5db", "SI-SDR of the best classical method, 5 dB input (dB)"),
            ("stoi_ae_5db", "STOI of the autoencoder, 5 dB input"),
        ),
    ),
    Notebook(
        "08_anomaly_detection",
        "Anomaly detection with autoencoders",
        "Reconstruction error as an anomaly score on the one-class MNIST protocol (AUROC per digit) against PCA, "
        "an Isolation Forest and a one-class SVM; a threshold from normal data only; damaged speech recordings found, "
        "against one-line signal-processing detectors, and a damage no detector was designed for.",
        (
            ("mean_auroc", "mean AUROC of the autoencoder over the one-class MNIST tasks"),
            ("mean_auroc_pca", "mean AUROC of PCA on the same tasks"),
            ("mean_auroc_iforest", "mean AUROC of an Isolation Forest"),
        ),
    ),
    Notebook(
        "09_generating_speech",
        "Generating spoken digits",
        "A convolutional VAE on spectrograms of spoken digits, Griffin-Lim back to sound, and a conditional VAE "
        "that says the digit asked for; every generator measured by a Fréchet distance on a digit classifier's "
        "features, on spectrograms and on the waveforms you hear.",
        (
            ("cvae_intended_digit_share", "share of conditional-VAE clips heard as the digit asked for"),
            ("fd_vae_prior", "Fréchet distance, VAE prior samples, as sound"),
            ("fd_ae_normal", "Fréchet distance, autoencoder + N(0, I) sampling, as sound"),
        ),
    ),
]


def stems() -> list[str]:
    """The notebook stems, in reading order."""
    return [nb.stem for nb in NOTEBOOKS]


def select(names: list[str]) -> list[str]:
    """The stems named by ``names`` (a stem, a prefix such as ``"01"``, or a file name); all when empty.

    Raises:
        ValueError: when a name matches no notebook or more than one.
    """
    known = stems()
    if not names:
        return known
    chosen = []
    for name in names:
        name = PurePath(name).stem
        hits = [s for s in known if s == name or s.startswith(name)]
        if len(hits) != 1:
            raise ValueError(f"'{name}' matches {len(hits)} notebooks; choose one of: {', '.join(known)}")
        chosen.append(hits[0])
    return chosen


def github_path(stem: str) -> str:
    """``owner/name`` plus the path of a notebook, as Colab's GitHub links need it."""
    owner_name = REPO_URL.removeprefix("https://github.com/").removesuffix(".git")
    return f"{owner_name}/blob/{REPO_REF}/notebooks/{stem}.ipynb"
