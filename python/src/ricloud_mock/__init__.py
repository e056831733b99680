"""ricloud-mock for Python: a client for the mock's control API (`/_mock`) and a pytest plugin.

    from ricloud_mock import ControlClient
    control = ControlClient("http://127.0.0.1:8787")
    control.advance(30, organisation="2")
"""

from .client import OPERATIONS, ControlClient, ControlError
from .process import MockServer, MockStartError, find_command, start_mock
from .tenant import Tenant, TenantWebhooks, WebhookTimeout
from .webhooks import Delivery, SignatureError, WebhookReceiver, verify_signature

__version__ = "0.1.0"

__all__ = [
    "OPERATIONS",
    "ControlClient",
    "ControlError",
    "Delivery",
    "MockServer",
    "MockStartError",
    "SignatureError",
    "Tenant",
    "TenantWebhooks",
    "WebhookReceiver",
    "WebhookTimeout",
    "find_command",
    "start_mock",
    "verify_signature",
]
