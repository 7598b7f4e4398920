"""lunapole.kernels."""
