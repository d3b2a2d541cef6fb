"""Ampwise benchmark: engine cost per decision and the reference day suite (`scripts/bench`)."""
