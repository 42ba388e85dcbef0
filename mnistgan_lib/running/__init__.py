"""Running the models: resumable training runs and their folders, sampling, the augmentation
experiment, and the command line.
"""
