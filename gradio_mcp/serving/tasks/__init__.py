"""Tasks (MCP extension `io.modelcontextprotocol/tasks`): slow calls of clients that opt in
are answered with a task handle, run on in the background, and are polled to their result."""

from gradio_mcp.errors import TaskInterrupted
from gradio_mcp.net import RedisConnection
from gradio_mcp.serving.tasks._protocol import TasksProtocol, opted_in
from gradio_mcp.serving.tasks._records import TaskOwner, TaskRecord
from gradio_mcp.serving.tasks._runner import TaskRunner
from gradio_mcp.serving.tasks._store import MemoryTaskStore, TaskStore


def build_task_store(redis: RedisConnection | None) -> TaskStore:
    """Tasks in Redis when the server has a Redis connection (shared by every server that
    uses it), otherwise in this process's memory."""
    if redis is None:
        return MemoryTaskStore()
    from gradio_mcp.serving.tasks._redis_store import RedisTaskStore

    return RedisTaskStore(redis)


__all__ = [
    "MemoryTaskStore",
    "TaskInterrupted",
    "TaskOwner",
    "TaskRecord",
    "TaskRunner",
    "TaskStore",
    "TasksProtocol",
    "build_task_store",
    "opted_in",
]
