"""The event log's model is `Event` (models/event.py); `ConversationEvent` is the GraphQL type a
live list receives. Only the name the code uses changes: the table stays `conversation_event`."""

from tortoise import migrations

from models.migrationtools import RenameModelAndRelations


class Migration(migrations.Migration):
    dependencies = [("models", "0023_events_numbered_after_commit")]

    initial = False

    operations = [RenameModelAndRelations(old_name="ConversationEvent", new_name="Event")]
