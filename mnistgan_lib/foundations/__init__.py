"""The foundations chapters.

Generative vs. discriminative models (naive Bayes, logistic regression), the minimax loss
and its toy GANs, optimizers and Adam from the equations, batch normalization, and
distances between distributions.
"""
