"""The ground every chapter stands on: TensorFlow imported quietly, run profiles, MNIST readers,
pixels and their ranges, figures and widgets, shipped weights with their cards.
"""
