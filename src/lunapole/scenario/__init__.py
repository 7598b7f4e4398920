"""lunapole.scenario."""
