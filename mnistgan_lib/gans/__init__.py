"""The GANs of the course, from the networks to every named preset.

Networks, the training engine (a `keras.Model` with its own `train_step`),
stabilization tricks, AC-GAN, self-conditioning, WGAN, and every named preset.
"""
