"""What can go wrong, as exceptions the Home Assistant side maps to its own messages."""

from __future__ import annotations


class OcppServerError(Exception):
    """Base class of everything this package raises on purpose."""


class CannotBind(OcppServerError):
    """The server could not listen on the configured address."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"Cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason


class PortInUse(CannotBind):
    """Another program (or another hub) already listens on the port."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port, "the port is already in use")


class CertificateError(OcppServerError):
    """The TLS certificate or key file cannot be used."""


class ChargerOffline(OcppServerError):
    """The charge point is not connected, so the command was not sent."""

    def __init__(self, cp_id: str) -> None:
        super().__init__(f"Charger {cp_id} is not connected")
        self.cp_id = cp_id


class CommandFailed(OcppServerError):
    """No usable answer: a timeout, a lost connection or a transient error from the charger.

    Never a reason to change how we talk to the charger: the same request may work next time.
    """


class CommandRefused(OcppServerError):
    """The charger answered with a CallError that says it will not do this kind of request.

    `code` is the OCPP error code (NotSupported, NotImplemented, FormationViolation, ...).
    """

    def __init__(self, action: str, code: str, description: str) -> None:
        super().__init__(f"{action} refused with {code}: {description}")
        self.action = action
        self.code = code
        self.description = description


class ProfileRejected(OcppServerError):
    """The charger rejected the charging profile in every form we know how to send it."""
