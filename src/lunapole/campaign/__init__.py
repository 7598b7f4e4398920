"""lunapole.campaign."""
