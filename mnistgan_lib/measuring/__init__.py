"""Measuring generated digits: the MNIST judge, the metrics computed through it, and the
corruptions whose damage the metrics must see.
"""
