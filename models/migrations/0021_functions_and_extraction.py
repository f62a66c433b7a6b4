"""Functions an assistant's model may call (`Assistant.functions`), the calls kept with the reply
that made them (`Message.function_calls`), and a turn's kind: a reply, or the extraction of an
ended conversation's variables."""

from tortoise import migrations

from models.migrationtools import AddFieldWithDefault
from tortoise.migrations import operations as ops
from models.enums import TurnKind
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0020_widget_look")]

    initial = False

    operations = [
        AddFieldWithDefault(
            model_name="Assistant",
            name="functions",
            field=fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name="Message",
            name="function_calls",
            field=fields.TextField(null=True, unique=False),
        ),
        AddFieldWithDefault(
            model_name="Turn",
            name="kind",
            field=fields.CharEnumField(
                default=TurnKind.REPLY,
                description="REPLY: REPLY\nEXTRACT: EXTRACT",
                enum_type=TurnKind,
                max_length=16,
            ),
        ),
    ]
