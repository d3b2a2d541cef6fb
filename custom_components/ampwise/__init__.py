"""Ampwise: balances EV chargers, plugs and other loads against breakers, solar and a battery."""
