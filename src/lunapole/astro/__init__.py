"""lunapole.astro."""
