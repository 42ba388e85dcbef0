"""mnistgan_lib: the small library behind the mnistgan course.

Its subpackages follow the course, and each imports only from those above it
in this list (a unit test parses every import and fails on a cycle or on an
import that points down the list):

    core          TensorFlow and Keras (quietly), profiles, MNIST, pixels, figures, shipped weights
    foundations   naive Bayes, logistic regression, GAN losses, toy GANs, optimizers, BN, distances
    measuring     the MNIST judge, FD-MNIST and the other metrics, corruptions
    gans          networks, the GAN engine, stabilization, AC-GAN, self-conditioning, WGAN, presets
    denoising     the denoising autoencoder
    running       training runs and their folders, sampling, the augmentation experiment, the CLI

Importing the package is cheap: TensorFlow is only imported, quietly, by the
modules that need it.
"""

__version__ = "0.2.0"
