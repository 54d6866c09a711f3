"""What every bench measures and prints with: the table, process costs, running museion."""

__all__ = ["file_runs", "glb_mesh", "headset_page", "proc_stats", "processes", "table"]
