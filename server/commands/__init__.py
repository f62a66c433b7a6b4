"""What `parley <command>` runs beside serving: records in and out of a workspace (transfer), keys,
workspaces and assistants (provision), and the demo (seed)."""
