"""lunapole.terrain."""
