"""Tortoise models: the stored shape of Parley's records, one module per domain."""

from models.agent import Agent
from models.apikey import ApiKey
from models.assistant import Assistant
from models.conversation import Conversation
from models.costchange import CostChange
from models.erasure import Erasure
from models.event import Event
from models.label import ConversationLabel, Label
from models.message import Message
from models.ratelimit import RateCounter
from models.session import ConversationSession
from models.socketlease import SocketLease
from models.turn import Turn
from models.variable import Variable, VariableChange
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from models.workspace import Workspace

__all__ = [
    "Agent",
    "ApiKey",
    "Assistant",
    "Conversation",
    "ConversationLabel",
    "ConversationSession",
    "CostChange",
    "Erasure",
    "Event",
    "Label",
    "Message",
    "RateCounter",
    "SocketLease",
    "Turn",
    "Variable",
    "VariableChange",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workspace",
]
