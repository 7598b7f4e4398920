"""lunapole.descent."""
