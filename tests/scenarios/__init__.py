"""Scenario library: YAML scenarios run through the simulator."""
