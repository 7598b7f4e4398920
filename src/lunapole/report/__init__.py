"""lunapole.report."""
