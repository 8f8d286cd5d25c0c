"""Sound as a picture: decoding, generated sounds, spectrograms and what sound-net reads."""
