"""An assistant's widget mode: text chat, or voice and chat."""

from tortoise import migrations

from models.migrationtools import AddFieldWithDefault
from models.enums import ConversationMode
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0015_webhooks")]

    initial = False

    operations = [
        AddFieldWithDefault(
            model_name="Assistant",
            name="widget_mode",
            field=fields.CharEnumField(
                default=ConversationMode.CHAT,
                description="CHAT: CHAT\nVOICE_AND_CHAT: VOICE_AND_CHAT",
                enum_type=ConversationMode,
                max_length=16,
            ),
        ),
    ]
