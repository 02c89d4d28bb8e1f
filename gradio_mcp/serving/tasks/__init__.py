"""Tasks (MCP extension `io.modelcontextprotocol/tasks`): slow calls of clients that opt in
are answered with a task handle, run on in the background, and are polled to their result."""

from gradio_mcp.config import Settings
from gradio_mcp.serving.tasks._protocol import EXTENSION, TasksProtocol, opted_in
from gradio_mcp.serving.tasks._records import TaskOwner, TaskRecord
from gradio_mcp.serving.tasks._runner import TaskRunner
from gradio_mcp.serving.tasks._store import MemoryTaskStore, TaskStore


def build_task_store(settings: Settings) -> TaskStore:
    """The store the settings ask for: in memory (one server)."""
    return MemoryTaskStore()


__all__ = [
    "EXTENSION",
    "MemoryTaskStore",
    "TaskOwner",
    "TaskRecord",
    "TaskRunner",
    "TaskStore",
    "TasksProtocol",
    "build_task_store",
    "opted_in",
]
