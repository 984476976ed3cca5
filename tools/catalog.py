"""The one ordered list of notebooks, and the repository's public address.

Everything that refers to the series (navigation lines, Colab links and clone
URL in the notebooks, the README index, the series runner) reads it from here.
"""

#: Public home of the repository: Colab badges link to it and Colab clones it.
REPO_URL = "https://github.com/autoencoders-explained/autoencoders-explained"
#: The branch or tag that Colab clones.
REPO_REF = "main"

#: (stem, title, what it teaches in one line), in reading order.
NOTEBOOKS = [
    (
        "01_bottleneck_autoencoder",
        "The bottleneck autoencoder",
        "Encoder + decoder through a 2-unit bottleneck (the 5-2-5 network of the slides); "
        "why data must have dependencies across dimensions to be compressible.",
    ),
    (
        "02_pca_vs_autoencoders",
        "PCA versus autoencoders",
        "A linear autoencoder finds the PCA subspace (measured by principal angles); "
        "a non-linear one beats PCA on a curved toy manifold and on MNIST.",
    ),
    (
        "03_deep_autoencoder",
        "The deep autoencoder",
        "A dense deep autoencoder trained by backpropagation; MSE versus binary cross-entropy; "
        "overfitting a small training set and what weight decay, sparsity and dropout do to the gap; "
        "code size against PCA.",
    ),
    (
        "04_convolutional_autoencoder",
        "The deep convolutional autoencoder",
        "Conv + LeakyReLU + BatchNorm encoder, dense bottleneck, transposed-conv decoder; "
        "against PCA and the dense autoencoder at code sizes 32 and 2; the 2-D latent space.",
    ),
    (
        "05_generation",
        "Generating digits by sampling the latent space",
        "Decode random points of the latent space; why naive sampling fails; a Gaussian mixture on the codes "
        "and the variational autoencoder as fixes, each measured by a Fréchet distance and a classifier score.",
    ),
    (
        "06_denoising_images",
        "Denoising images",
        "A convolutional denoising autoencoder trained on noisy -> clean MNIST pairs at three noise levels, "
        "against a Gaussian blur, a median filter and a PCA projection tuned on held-out images, by PSNR and SSIM.",
    ),
    (
        "07_denoising_speech",
        "Denoising spoken digits",
        "Noise added to spoken digits at exact SNRs (white and babble); a convolutional autoencoder on log-magnitude "
        "spectrograms that predicts a mask, against spectral subtraction, a Wiener filter, noisereduce and the "
        "oracle mask, by SI-SDR, STOI and PESQ, with audio players.",
    ),
    (
        "08_anomaly_detection",
        "Anomaly detection with autoencoders",
        "Reconstruction error as an anomaly score on the one-class MNIST protocol (AUROC per digit) against PCA, "
        "an Isolation Forest and a one-class SVM; a threshold from normal data only; damaged speech recordings found.",
    ),
]



def github_path(stem: str) -> str:
    """``owner/name`` plus the path of a notebook, as Colab's GitHub links need it."""
    owner_name = REPO_URL.removeprefix("https://github.com/").removesuffix(".git")
    return f"{owner_name}/blob/{REPO_REF}/notebooks/{stem}.ipynb"
