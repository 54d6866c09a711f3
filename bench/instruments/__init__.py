"""What every bench measures and prints with: the table, process costs, running museion."""

__all__ = [
    "cluster_procs",
    "file_runs",
    "glb_mesh",
    "headset_page",
    "photon_steps",
    "proc_stats",
    "processes",
    "table",
]
