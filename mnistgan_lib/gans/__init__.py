"""The GANs of the course: networks, the training engine (a `keras.Model` with its own `train_step`),
stabilization tricks, AC-GAN, self-conditioning, WGAN, and every named preset.
"""
