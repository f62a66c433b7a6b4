"""Pieces migrations share."""

from typing import Any

from tortoise.migrations import operations as ops
from tortoise.migrations.schema_generator.state import get_related_models_recursive


class StateOnly(ops.AlterField):
    """A field's new state for the models, with nothing done to the database: for changes the
    database does not hold (a column's description), or that a migration makes itself in SQL.
    Tortoise's SQLite AlterField rebuilds the table, keeping its foreign keys and dropping its
    indexes."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class AddFieldWithDefault(ops.AddField):
    """AddField for a field that may not be null and has a default: the rows already in the
    table take the default, kept as the column's DEFAULT. Tortoise's AddField adds such a column
    without one, which SQLite refuses outright and PostgreSQL for a table with rows."""

    async def database_forward(
        self,
        app_label: str,
        old_state: Any,
        new_state: Any,
        state_editor: Any = None,
    ) -> None:
        if not state_editor:
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        field = model._meta.fields_map[self.name]
        dialect = state_editor.client.capabilities.dialect
        column_type = field.get_for_dialect(dialect, "SQL_TYPE")
        value = field.default() if callable(field.default) else field.default
        default = str(field.to_db_value(value, None)).replace("'", "''")
        column = field.source_field or self.name
        await state_editor.client.execute_script(
            f'ALTER TABLE "{model._meta.db_table}" ADD COLUMN "{column}" {column_type} '
            f"NOT NULL DEFAULT '{default}'"
        )


class RenameModelAndRelations(ops.RenameModel):
    """RenameModel for a model that other models have backward relations from (its foreign
    keys' `related_name`s). Tortoise's RenameModel re-renders only the renamed model, so the
    models it points at keep the old class's backward relations and the new class's duplicate
    them; this one re-renders those models too. The table keeps its name (`Meta.table`)."""

    def state_forward(self, app_label: str, state: Any) -> None:
        old = state.apps.get_model(f"{app_label}.{self.old_name}")
        related = get_related_models_recursive(old)
        find = state._find_related_models

        def reload_with_related(label: str, name: str) -> None:
            state._reload(find(label, name) | related)

        state.reload_model = reload_with_related
        try:
            super().state_forward(app_label, state)
        finally:
            del state.reload_model
