"""One module per way of commanding a device, behind the small interface in `base`."""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from ..const import (
    BACKEND_LBBRHZN_OCPP,
    CONF_BACKEND,
    SUBENTRY_EVSE,
    SUBENTRY_NUMBER,
    SUBENTRY_SWITCH,
)
from ..engine import Load
from .base import Actuator, ActuatorStatus
from .number import NumberActuator
from .ocpp_lbbrhzn import OcppLbbrhznActuator
from .switch import SwitchActuator

__all__ = [
    "Actuator",
    "ActuatorStatus",
    "NumberActuator",
    "OcppLbbrhznActuator",
    "SwitchActuator",
    "create_actuator",
]


def create_actuator(
    hass: HomeAssistant, subentry_type: str, load: Load, config: dict[str, object]
) -> Actuator:
    """The actuator for a load subentry; ValueError names what is not supported."""
    if subentry_type == SUBENTRY_EVSE:
        # Chargers configured before there was a choice of backend use lbbrhzn/ocpp.
        backend = config.get(CONF_BACKEND) or BACKEND_LBBRHZN_OCPP
        if backend == BACKEND_LBBRHZN_OCPP:
            return OcppLbbrhznActuator(hass, load, config)
        raise ValueError(f"no actuator for charger backend {backend!r}")
    if subentry_type == SUBENTRY_SWITCH:
        return SwitchActuator(hass, load, config)
    if subentry_type == SUBENTRY_NUMBER:
        return NumberActuator(hass, load, config)
    raise ValueError(f"no actuator for load type {subentry_type!r}")
