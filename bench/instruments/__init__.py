"""What every bench measures and prints with: the table, process costs, starting museion."""

from .proc_stats import cpu_seconds, own_cpu, rss_kib, tree_cpu
from .processes import last_line, museion_command, stop
from .table import Row, percentile, ratio, table

__all__ = [
    "Row",
    "cpu_seconds",
    "last_line",
    "museion_command",
    "own_cpu",
    "percentile",
    "ratio",
    "rss_kib",
    "stop",
    "table",
    "tree_cpu",
]
