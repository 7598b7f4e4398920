"""lunapole: plan, simulate and stress-test landings at the lunar south pole.

Users import from here (or ``lunapole.api``); deep modules are implementation.
"""
__version__ = "0.1.0"
