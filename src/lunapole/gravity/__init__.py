"""lunapole.gravity."""
