"""Shared fixtures. The integration is imported here so Home Assistant's test harness finds it."""

import custom_components.ampwise  # noqa: F401
