"""The denoising autoencoder chapter's model, training and PSNR table."""
