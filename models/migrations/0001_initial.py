import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.enums import (
    ApiKeyKind,
    ConversationMode,
    ConversationStatus,
    ConversationType,
    MessageRole,
    VariableSource,
    VariableType,
)
from models.money import MoneyField


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Workspace",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "workspace", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Assistant",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "models.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assistants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                (
                    "pre_chat_form",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "extracted_variables",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "allowed_origins",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "archived_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "assistant",
                "app": "models",
                "indexes": [
                    Index(fields=["workspace_id", "created_at", "id"], name="assistant_ws_created")
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "models.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="api_keys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "assistant",
                    fields.ForeignKeyField(
                        "models.Assistant",
                        source_field="assistant_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="api_keys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SECRET: SECRET\nPUBLISHABLE: PUBLISHABLE",
                        enum_type=ApiKeyKind,
                        max_length=16,
                    ),
                ),
                ("prefix", fields.CharField(max_length=32)),
                ("secret_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "scopes",
                    fields.CharField(
                        description="comma-separated ApiKeyScope values", max_length=64
                    ),
                ),
                ("name", fields.CharField(null=True, max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_key",
                "app": "models",
                "indexes": [
                    Index(fields=["workspace_id", "created_at", "id"], name="api_key_ws_created")
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Conversation",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "models.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="conversations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "assistant",
                    fields.ForeignKeyField(
                        "models.Assistant",
                        source_field="assistant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="conversations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "type",
                    fields.CharEnumField(
                        description="TEST: TEST\nWEB_WIDGET: WEB_WIDGET",
                        enum_type=ConversationType,
                        max_length=16,
                    ),
                ),
                (
                    "mode",
                    fields.CharEnumField(
                        default=ConversationMode.CHAT,
                        description="CHAT: CHAT\nVOICE_AND_CHAT: VOICE_AND_CHAT",
                        enum_type=ConversationMode,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=ConversationStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nENDED: ENDED",
                        enum_type=ConversationStatus,
                        max_length=16,
                    ),
                ),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_activity_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("visitor_session_id", fields.CharField(null=True, max_length=200)),
                ("visitor_page_url", fields.CharField(null=True, max_length=2048)),
                ("visitor_user_agent", fields.CharField(null=True, max_length=1024)),
                ("visitor_locale", fields.CharField(null=True, max_length=35)),
                ("message_count", fields.IntField(default=0)),
                ("input_tokens", fields.BigIntField(default=0)),
                ("output_tokens", fields.BigIntField(default=0)),
                ("cached_input_tokens", fields.BigIntField(default=0)),
                ("cost", MoneyField(source_field="cost_e12", default=0)),
                (
                    "unpriced_replies",
                    fields.IntField(
                        default=0,
                        description="assistant replies whose model had no price and no given cost",
                    ),
                ),
            ],
            options={
                "table": "conversation",
                "app": "models",
                "indexes": [
                    Index(fields=["workspace_id", "started_at", "id"], name="conv_ws_started"),
                    Index(
                        fields=["workspace_id", "last_activity_at", "id"], name="conv_ws_activity"
                    ),
                    Index(fields=["workspace_id", "cost_e12", "id"], name="conv_ws_cost"),
                    Index(fields=["workspace_id", "message_count", "id"], name="conv_ws_msgcount"),
                    Index(
                        fields=["workspace_id", "status", "type", "started_at"],
                        name="conv_ws_status",
                    ),
                    Index(fields=["workspace_id", "type", "started_at"], name="conv_ws_type"),
                    Index(fields=["assistant_id", "started_at"], name="conv_assistant_started"),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Message",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "conversation",
                    fields.ForeignKeyField(
                        "models.Conversation",
                        source_field="conversation_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("sequence", fields.IntField()),
                (
                    "role",
                    fields.CharEnumField(
                        description="USER: USER\nASSISTANT: ASSISTANT\nSYSTEM: SYSTEM\nTOOL: TOOL",
                        enum_type=MessageRole,
                        max_length=16,
                    ),
                ),
                ("content", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("client_message_id", fields.CharField(null=True, max_length=128)),
                ("provider", fields.CharField(null=True, max_length=64)),
                ("model", fields.CharField(null=True, max_length=128)),
                ("input_tokens", fields.IntField(null=True)),
                ("output_tokens", fields.IntField(null=True)),
                ("cached_input_tokens", fields.IntField(null=True)),
                ("cost", MoneyField(source_field="cost_e12", null=True)),
                ("input_price", MoneyField(source_field="input_price_e12", null=True)),
                ("output_price", MoneyField(source_field="output_price_e12", null=True)),
                (
                    "cached_input_price",
                    MoneyField(source_field="cached_input_price_e12", null=True),
                ),
            ],
            options={
                "table": "message",
                "app": "models",
                "unique_together": (
                    ("conversation", "sequence"),
                    ("conversation", "client_message_id"),
                ),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Variable",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "conversation",
                    fields.ForeignKeyField(
                        "models.Conversation",
                        source_field="conversation_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="variables",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                (
                    "source",
                    fields.CharEnumField(
                        description="PRE_CHAT_FORM: PRE_CHAT_FORM\nEXTRACTED: EXTRACTED",
                        enum_type=VariableSource,
                        max_length=16,
                    ),
                ),
                (
                    "type",
                    fields.CharEnumField(
                        description="TEXT: TEXT\nEMAIL: EMAIL\nPHONE: PHONE\nNUMBER: NUMBER\nBOOLEAN: BOOLEAN\nSELECT: SELECT\nDATE: DATE",
                        enum_type=VariableType,
                        max_length=16,
                    ),
                ),
                ("value_json", fields.CharField(max_length=2000)),
                ("collected_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "variable",
                "app": "models",
                "unique_together": (("conversation", "source", "name"),),
                "indexes": [Index(fields=["name", "value_json"], name="variable_name_value")],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
