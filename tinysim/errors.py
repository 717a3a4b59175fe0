"""User-facing errors.

A `TinysimError` is a problem with the user's input or environment (a malformed platform file,
a missing toolchain, a firmware that faults). The CLI prints its message, without a traceback,
and exits with status 2. Anything else escaping is a tinysim bug and keeps its traceback.
"""


class TinysimError(Exception):
    """A user error: the message names the file, address or field and says what to do."""

    exit_code = 2


class PlatformError(TinysimError):
    """A platform file is malformed or inconsistent."""


class FirmwareError(TinysimError):
    """An ELF cannot be loaded, or does not fit the platform."""


class ToolchainError(TinysimError):
    """A cross compiler or other build tool is missing or failed."""


class EmulationError(TinysimError):
    """The emulated firmware faulted, ran away or could not be started."""


class ProtocolError(TinysimError):
    """The device under test answered wrongly, or not at all."""


class ModelError(TinysimError):
    """A .tflite model or dataset file is malformed or unsupported."""
