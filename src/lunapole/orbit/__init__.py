"""lunapole.orbit."""
