"""Arguments several root and relation fields share, described once."""

from typing import Annotated

import strawberry

IdArgument = Annotated[strawberry.ID, strawberry.argument(description="An opaque global ID.")]
First = Annotated[int | None, strawberry.argument(description="Page size from the start, 1–100.")]
After = Annotated[str | None, strawberry.argument(description="Start after this cursor.")]
Last = Annotated[int | None, strawberry.argument(description="Page size from the end, 1–100.")]
Before = Annotated[str | None, strawberry.argument(description="End before this cursor.")]
