"""Messages, numbered 1, 2, 3 … within their conversation; assistant replies carry their usage."""

from decimal import Decimal

from tortoise import fields
from tortoise.models import Model

from models.enums import Handover, MessageRole, MessageState, PriceSource, Thumb
from models.money import MoneyField

MAX_CLIENT_MESSAGE_ID = 128
"""Characters of a `clientMessageId`, the key a retried send or reply is known by."""


class Message(Model):
    id = fields.BigIntField(primary_key=True)
    conversation: fields.ForeignKeyRelation["Conversation"] = fields.ForeignKeyField(
        "models.Conversation", related_name="messages", on_delete=fields.CASCADE, db_index=False
    )
    conversation_id: int
    sequence = fields.IntField()
    role = fields.CharEnumField(MessageRole, max_length=16)
    content = fields.TextField()
    created_at = fields.DatetimeField()
    client_message_id = fields.CharField(max_length=MAX_CLIENT_MESSAGE_ID, null=True)
    state = fields.CharEnumField(MessageState, max_length=16, default=MessageState.COMPLETE)
    """A streamed reply is STREAMING from when it is opened until it is finished or abandoned;
    its content meanwhile is what was streamed by its latest checkpoint."""
    streamed_at = fields.DatetimeField(null=True)
    """A streaming reply's latest checkpoint (or opening): replies quiet for too long are
    abandoned."""
    agent_id = fields.BigIntField(null=True)
    """The agent who wrote an AGENT message, or whom a HANDOVER message names."""
    agent_name = fields.CharField(max_length=100, null=True)
    """That agent's name when it was written (as the visitor saw it then)."""
    handover = fields.CharEnumField(Handover, max_length=16, null=True)
    """A HANDOVER message's move."""
    function_calls: str | None = fields.TextField(null=True)
    """The functions the model called while writing this reply, as JSON text: a list of
    {name, arguments, result}, in the order they were called (null: none)."""
    first_token_ms = fields.IntField(null=True)
    """A streamed reply's time to first token: from its opening to its first text."""
    generation_ms = fields.IntField(null=True)
    """A streamed reply's generation time: from its opening to its end."""

    # Usage, set on assistant replies. Prices are USD per million tokens, as used for `cost`.
    provider = fields.CharField(max_length=64, null=True)
    model = fields.CharField(max_length=128, null=True)
    input_tokens = fields.IntField(null=True)
    output_tokens = fields.IntField(null=True)
    cached_input_tokens = fields.IntField(null=True)
    cost: Decimal | None = MoneyField(null=True, source_field="cost_e12")  # type: ignore[assignment]
    input_price: Decimal | None = MoneyField(null=True, source_field="input_price_e12")  # type: ignore[assignment]
    output_price: Decimal | None = MoneyField(null=True, source_field="output_price_e12")  # type: ignore[assignment]
    cached_input_price: Decimal | None = MoneyField(  # type: ignore[assignment]
        null=True, source_field="cached_input_price_e12"
    )
    price_source = fields.CharEnumField(PriceSource, max_length=16, null=True)
    """GIVEN with the reply, from the PRICE_TABLE (genai-prices) or UNKNOWN; null for others."""
    price_version = fields.CharField(max_length=32, null=True)
    """The genai-prices release whose table priced it (PRICE_TABLE only)."""
    thumb = fields.CharEnumField(Thumb, max_length=8, null=True)
    """Its rating, by the visitor or a secret key (a builder in the Test Chat)."""
    thumb_reason = fields.CharField(max_length=2000, null=True)
    thumbed_at = fields.DatetimeField(null=True)
    thumbed_by_key_id = fields.BigIntField(null=True)
    """The secret key that rated it; null when the visitor did (with its session)."""

    class Meta:
        table = "message"
        # The (conversation, sequence) key doubles as the index for paging through messages.
        unique_together = (("conversation", "sequence"), ("conversation", "client_message_id"))


from models.conversation import Conversation  # noqa: E402
