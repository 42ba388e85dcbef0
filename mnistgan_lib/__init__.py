"""mnistgan_lib: the small library behind the mnistgan course.

Each module holds one concept (see the README's map). Importing the package is
cheap: TensorFlow is only imported, quietly, by the modules that need it.
"""

__version__ = "0.1.0"
