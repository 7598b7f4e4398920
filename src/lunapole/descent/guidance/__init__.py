"""lunapole.descent.guidance."""
