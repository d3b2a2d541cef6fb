"""Keys and defaults shared by the config flow, the hub and the entities.

The hub's config entry `data` describes the site (what is wired where); its `options` hold the
tunables; each load is a config subentry whose `data` describes the load. What the user
changes from entities (modes, priorities, limits, strategy, thresholds) lives in the hub's
settings store, so changing it never reloads the integration.
"""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "ampwise"

# --- hub: site (entry.data) -----------------------------------------------------------
CONF_NAME: Final = "name"
CONF_PHASES: Final = "phases"  # 1, 2 or 3
CONF_VOLTAGE: Final = "voltage_v"
CONF_MAIN_BREAKER: Final = "main_breaker_a"
CONF_METERING: Final = "metering"  # METERING_*
CONF_GRID_SENSORS: Final = "grid_sensors"  # one entity per site phase (A, mA, W or kW)
CONF_GRID_POWER_SENSOR: Final = "grid_power_sensor"  # one net power entity (W or kW)
CONF_GRID_SIGN: Final = "grid_sign"  # SIGN_IMPORT_POSITIVE | SIGN_EXPORT_POSITIVE
CONF_GRID_INVERT: Final = "grid_invert"  # site phases ("A", "B", "C") whose sign is flipped
CONF_SOLAR_SENSOR: Final = "solar_sensor"
CONF_BATTERY_POWER_SENSOR: Final = "battery_power_sensor"
CONF_BATTERY_POWER_SIGN: Final = "battery_power_sign"  # SIGN_CHARGE_POSITIVE | ..DISCHARGE..
CONF_BATTERY_SOC_SENSOR: Final = "battery_soc_sensor"
CONF_BATTERY_CAPACITY: Final = "battery_capacity_kwh"
CONF_BATTERY_MAX_CHARGE: Final = "battery_max_charge_w"
CONF_BATTERY_MAX_DISCHARGE: Final = "battery_max_discharge_w"
CONF_INVERTER_SENSORS: Final = "inverter_sensors"  # off-grid: output per site phase
CONF_INVERTER_MAX_W: Final = "inverter_max_w"
CONF_INVERTER_MAX_A: Final = "inverter_max_a"
CONF_CIRCUITS: Final = "circuits"  # list of circuit dicts, keys CIRCUIT_*

CIRCUIT_ID: Final = "id"
CIRCUIT_NAME: Final = "name"
CIRCUIT_LIMIT_A: Final = "limit_a"
CIRCUIT_LIMIT_W: Final = "limit_w"
CIRCUIT_PARENT: Final = "parent"
CIRCUIT_SENSORS: Final = "sensors"  # optional: current per site phase through the circuit

METERING_PER_PHASE: Final = "per_phase"
METERING_TOTAL: Final = "total"
METERING_OFF_GRID: Final = "off_grid"

SIGN_IMPORT_POSITIVE: Final = "import_positive"
SIGN_EXPORT_POSITIVE: Final = "export_positive"
SIGN_CHARGE_POSITIVE: Final = "charge_positive"
SIGN_DISCHARGE_POSITIVE: Final = "discharge_positive"

PHASES: Final = ("A", "B", "C")

# --- hub: tunables (entry.options) ----------------------------------------------------
CONF_INTERVAL: Final = "interval_s"
CONF_START_DELAY: Final = "start_delay_s"
CONF_STOP_DELAY: Final = "stop_delay_s"
CONF_EXCESS_HOLD: Final = "excess_hold_s"
CONF_MIN_PAUSE: Final = "min_pause_s"
CONF_STALE_AFTER: Final = "stale_after_s"
CONF_EXCESS_THRESHOLD: Final = "excess_threshold_w"

DEFAULT_VOLTAGE: Final = 230.0
DEFAULT_MAIN_BREAKER: Final = 25.0
DEFAULT_INTERVAL: Final = 10.0
DEFAULT_START_DELAY: Final = 60.0
DEFAULT_STOP_DELAY: Final = 180.0
DEFAULT_EXCESS_HOLD: Final = 900.0
DEFAULT_MIN_PAUSE: Final = 180.0
DEFAULT_STALE_AFTER: Final = 60.0
DEFAULT_EXCESS_THRESHOLD: Final = 0.0
DEFAULT_BATTERY_MAX_POWER: Final = 5000.0

# --- hub: the built-in OCPP central system (entry.options) ----------------------------
CONF_SERVER_ENABLED: Final = "ocpp_server"
CONF_SERVER_HOST: Final = "ocpp_host"
CONF_SERVER_PORT: Final = "ocpp_port"
CONF_SERVER_ACCEPT_NEW: Final = "ocpp_accept_new"  # hold unknown chargers and offer them
CONF_SERVER_CERTFILE: Final = "ocpp_certfile"  # TLS: the server's certificate (PEM)
CONF_SERVER_KEYFILE: Final = "ocpp_keyfile"  # TLS: its key, unless inside the certificate

DEFAULT_SERVER_HOST: Final = "0.0.0.0"
DEFAULT_SERVER_PORT: Final = 9000

# --- hub settings changed from entities (settings store, not the entry) ---------------
SETTING_DISTRIBUTION: Final = "distribution"  # engine Strategy value
SETTING_GRID_IMPORT: Final = "grid_import_allowed"
SETTING_MAX_IMPORT: Final = "max_import_w"  # None = no limit
SETTING_SOC_MIN: Final = "battery_soc_min_pct"
SETTING_SOC_TARGET: Final = "battery_soc_target_pct"
SETTING_SOC_HYSTERESIS: Final = "battery_soc_hysteresis_pct"

DEFAULT_SOC_MIN: Final = 10.0
DEFAULT_SOC_TARGET: Final = 80.0
DEFAULT_SOC_HYSTERESIS: Final = 5.0

# --- loads (subentries) ---------------------------------------------------------------
SUBENTRY_EVSE: Final = "evse"
SUBENTRY_SWITCH: Final = "switch"
SUBENTRY_NUMBER: Final = "number"

CONF_LINES: Final = "lines"  # site phase of L1, L2, L3 in order, e.g. ["B"] or ["C", "A", "B"]
CONF_CIRCUIT: Final = "circuit"  # circuit id, or absent for "under the main breaker"
CONF_PRIORITY: Final = "priority"
CONF_MODE: Final = "mode"  # initial mode; afterwards the settings store holds it
CONF_MIN_CURRENT: Final = "min_a"
CONF_MAX_CURRENT: Final = "max_a"
CONF_FAILSAFE_CURRENT: Final = "failsafe_a"
CONF_MIN_ON: Final = "min_on_s"
CONF_MIN_OFF: Final = "min_off_s"

# evse
CONF_BACKEND: Final = "backend"
BACKEND_LBBRHZN_OCPP: Final = "lbbrhzn_ocpp"
BACKEND_BUILTIN: Final = "builtin"  # the hub's own OCPP central system
CONF_CHARGE_POINT_ID: Final = "charge_point_id"  # builtin: the id in the charger's URL
CONF_PASSWORD: Final = "password"  # builtin: HTTP Basic password (OCPP security profile 1)
# builtin, per charger: the hardware charges one connector at a time.
CONF_ONE_AT_A_TIME: Final = "one_at_a_time"
CONF_OCPP_DEVICE: Final = "ocpp_device"  # device registry id of the charger (ocpp integration)
CONF_CONNECTOR: Final = "connector_id"
CONF_PROFILE_VALIDITY: Final = "profile_validity"  # VALIDITY_*
CONF_PROFILE_TIMEOUT: Final = "profile_timeout_s"
CONF_STACK_LEVEL: Final = "stack_level"
CONF_RATE_UNIT: Final = "charge_rate_unit"  # UNIT_AUTO | UNIT_AMPS | UNIT_WATTS
VALIDITY_ABSOLUTE: Final = "absolute"
VALIDITY_RELATIVE: Final = "relative"
UNIT_AUTO: Final = "auto"
UNIT_AMPS: Final = "A"
UNIT_WATTS: Final = "W"

DEFAULT_MIN_CURRENT: Final = 6.0
DEFAULT_MAX_CURRENT: Final = 16.0
DEFAULT_CONNECTOR: Final = 1
DEFAULT_PROFILE_TIMEOUT: Final = 120.0
DEFAULT_STACK_LEVEL: Final = 2
# Fixed profile ids, so each update replaces the last one (PRODUCT.md §7).
PROFILE_ID_DYNAMIC: Final = 9211
PROFILE_ID_SAFE: Final = 9210

# switch
CONF_SWITCH_ENTITY: Final = "switch_entity"
CONF_POWER: Final = "power_w"
CONF_POWER_SENSOR: Final = "power_sensor"

# number
CONF_NUMBER_ENTITY: Final = "number_entity"
CONF_NUMBER_UNIT: Final = "number_unit"  # UNIT_AMPS | UNIT_WATTS
CONF_MIN_VALUE: Final = "min_value"  # in the number's unit
CONF_MAX_VALUE: Final = "max_value"
CONF_MEASURE_SENSOR: Final = "measure_sensor"  # optional: the load's current or power

# load settings changed from entities (settings store)
SETTING_MODE: Final = "mode"
SETTING_PRIORITY: Final = "priority"
SETTING_MIN_CURRENT: Final = "min_a"
SETTING_MAX_CURRENT: Final = "max_a"
SETTING_DYNAMIC: Final = "dynamic_control"  # False: Ampwise leaves the device alone
