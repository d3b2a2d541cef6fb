"""Constants shared by the integration."""

DOMAIN = "ampwise"
